"""The D1 binding: limits, validation and messages, the SQLite store, the database object."""

from .config import D1DatabaseConfig, d1_database, d1_databases, find_d1_database
from .database import D1Database, D1DatabaseSession, D1PreparedStatement
from .limits import D1_LIMITS, D1Limits
from .provider import provide_d1
from .store import D1Store, Query, QueryResult, database_path

__all__ = [
    "D1_LIMITS",
    "D1Database",
    "D1DatabaseConfig",
    "D1DatabaseSession",
    "D1Limits",
    "D1PreparedStatement",
    "D1Store",
    "Query",
    "QueryResult",
    "d1_database",
    "d1_databases",
    "database_path",
    "find_d1_database",
    "provide_d1",
]
