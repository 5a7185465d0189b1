"""D1's checks and error messages, word for word as workerd's D1 binding and SQLite give them.

Every error a Worker can see from D1 is built here. The bind checks are those of workerd's
``D1PreparedStatement.bind`` applied to what Pyodide hands JavaScript for each Python value
(``int``/``float``/``str``/``bool`` convert; ``None`` becomes ``undefined``; ``bytes``,
lists and dicts arrive as Python proxies, which D1 refuses).
"""

from __future__ import annotations

import math
import re
import sqlite3
from typing import Any

from ...errors import JsException
from ..jsvalues import MAX_SAFE_INTEGER, is_jsnull, js_class, js_string

# The value D1 sends for one bound parameter: JSON's kinds, bytes as a list of numbers.
D1Value = int | float | str | list[int] | None

NO_STATEMENTS = "No SQL statements detected."
NO_STATEMENT_IN_SQL = "SQL code did not contain a statement."
WRONG_BIND_COUNT = "Wrong number of parameter bindings for SQL query."
PARAMETERS_ONLY_LAST = (
    "When executing multiple SQL statements in a single call, only the last statement can "
    "have parameters."
)
TRANSACTIONS_REFUSED = (
    "To execute a transaction, please use the state.storage.transaction() or "
    "state.storage.transactionSync() APIs instead of the SQL BEGIN TRANSACTION or SAVEPOINT "
    "statements. The JavaScript API is safer because it will automatically roll back on "
    "exceptions, and because it interacts correctly with Durable Objects' automatic atomic "
    "write coalescing."
)
STATEMENT_TOO_LONG = "statement too long: SQLITE_TOOBIG"
# What an injected fault answers: the retryable error D1 documents for a dropped connection.
FAULT_MESSAGE = "Network connection lost."

# SQLite's primary result codes by number: an extended code's low byte names its family.
_PRIMARY_CODES = {
    1: "SQLITE_ERROR",
    2: "SQLITE_INTERNAL",
    3: "SQLITE_PERM",
    4: "SQLITE_ABORT",
    5: "SQLITE_BUSY",
    6: "SQLITE_LOCKED",
    7: "SQLITE_NOMEM",
    8: "SQLITE_READONLY",
    9: "SQLITE_INTERRUPT",
    10: "SQLITE_IOERR",
    11: "SQLITE_CORRUPT",
    12: "SQLITE_NOTFOUND",
    13: "SQLITE_FULL",
    14: "SQLITE_CANTOPEN",
    15: "SQLITE_PROTOCOL",
    16: "SQLITE_EMPTY",
    17: "SQLITE_SCHEMA",
    18: "SQLITE_TOOBIG",
    19: "SQLITE_CONSTRAINT",
    20: "SQLITE_MISMATCH",
    21: "SQLITE_MISUSE",
    22: "SQLITE_NOLFS",
    23: "SQLITE_AUTH",
    24: "SQLITE_FORMAT",
    25: "SQLITE_RANGE",
    26: "SQLITE_NOTADB",
    27: "SQLITE_NOTICE",
    28: "SQLITE_WARNING",
}

# What miniflare drops from a batch or an exec before running it: blank queries and lines
# whose comment is indented (JavaScript's /^\s+--.*/gm; an unindented comment is kept).
_INDENTED_COMMENT = re.compile(r"^\s+--.*", re.MULTILINE)


class D1QueryError(Exception):
    """A query failed; ``message`` is what follows ``D1_ERROR: `` in the Worker's error."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def d1_error(message: str) -> JsException:
    return JsException("Error", f"D1_ERROR: {message}")


def exec_error(line: str, message: str) -> JsException:
    # workerd reports the first line whatever line failed (the service returns one error).
    return JsException("Error", f"D1_EXEC_ERROR: Error in line 1: {line}: {message}")


def column_not_found(column: Any) -> JsException:
    return JsException("Error", f"D1_COLUMN_NOTFOUND: Column not found ({js_string(column)})")


def type_error(type_name: str, shown: str) -> JsException:
    return JsException(
        "Error", f"D1_TYPE_ERROR: Type '{type_name}' not supported for value '{shown}'"
    )


def is_blank_query(sql: str) -> bool:
    """Whether miniflare drops this query from a batch (nothing but indented comments)."""
    return not _INDENTED_COMMENT.sub("", sql).strip()


def _is_byte(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 256


def bind_value(value: Any) -> D1Value:
    """One ``bind()`` argument as D1 sends it, or the D1_TYPE_ERROR workerd raises."""
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, int):
        if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            return value
        raise type_error("bigint", str(value))  # Pyodide passes a big int as a BigInt
    if isinstance(value, float):
        # The query travels as JSON: NaN and the infinities become null, -0 becomes 0.
        if not math.isfinite(value):
            return None
        return 0 if value == 0 else value
    if isinstance(value, str):
        return value
    if value is None:
        raise type_error("undefined", "undefined")  # Pyodide passes None as undefined
    if is_jsnull(value):
        return None
    name = js_class(value)
    if name == "Array":
        items = list(value)
        if all(_is_byte(b) for b in items):
            return [int(b) for b in items]
        raise type_error("object", js_string(value))
    if name is not None and (name == "ArrayBuffer" or name.endswith("Array")):
        return list(value.to_bytes())  # an ArrayBuffer or a typed array (pyodide.ffi.to_js)
    if name is not None:
        raise type_error("object", js_string(value))  # any other JS object
    to_bytes = getattr(value, "to_bytes", None)
    if callable(to_bytes) and not isinstance(value, int):
        return list(to_bytes())  # a buffer proxy (Pyodide's JsBuffer)
    # Anything else reaches JavaScript as a Python proxy, whose String() is Python's str().
    return _refuse_proxy(value)


def _refuse_proxy(value: Any) -> D1Value:
    raise type_error("function" if callable(value) else "object", str(value))


def sqlite_message(exc: sqlite3.Error, offset: int | None = None) -> str:
    """An SQLite error worded as workerd words it: message, offset, code, extended code."""
    if isinstance(exc, sqlite3.ProgrammingError) and "number of bindings" in str(exc):
        return WRONG_BIND_COUNT
    code = getattr(exc, "sqlite_errorcode", None)
    name = getattr(exc, "sqlite_errorname", None)
    text = str(exc)
    if offset is not None and offset >= 0:
        text += f" at offset {offset}"
    if code is None or name is None:
        return f"{text}: SQLITE_ERROR"
    primary = _PRIMARY_CODES.get(code & 0xFF, name)
    text += f": {primary}"
    if name != primary:
        text += f" (extended: {name})"
    return text
