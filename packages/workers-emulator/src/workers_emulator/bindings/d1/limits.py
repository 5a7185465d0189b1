"""D1's limits, as data; both were observed under ``wrangler dev``'s local D1 (workerd)."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class D1Limits:
    """What one D1 query refuses; SQLite words each refusal itself."""

    max_bound_parameters: int = 100  # SQLITE_LIMIT_VARIABLE_NUMBER: "too many SQL variables"
    max_sql_length: int = 100_000  # UTF-8 bytes of one query: "statement too long"


D1_LIMITS = D1Limits()
