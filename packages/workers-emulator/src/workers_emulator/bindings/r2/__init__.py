"""The R2 binding: limits, validation and messages, the SQLite store, the bucket object."""

from .bucket import R2Bucket
from .limits import R2_LIMITS, R2Limits
from .objects import R2Object, R2ObjectBody
from .provider import provide_r2
from .store import R2Store, bucket_path

__all__ = [
    "R2_LIMITS",
    "R2Bucket",
    "R2Limits",
    "R2Object",
    "R2ObjectBody",
    "R2Store",
    "bucket_path",
    "provide_r2",
]
