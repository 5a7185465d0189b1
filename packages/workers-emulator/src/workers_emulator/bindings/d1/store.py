"""Where a D1 database lives: one real SQLite database, in memory or in a file.

This is the emulator's counterpart of miniflare's D1 database object: it runs a list of
queries in one transaction (all or nothing, as a batch is), each query possibly several
statements (the last one's rows are its result), and answers rows, columns and the meta
workerd reports. It knows nothing of JavaScript: ``database.py`` turns its answers into
the objects a Worker sees.

The connection is set up as workerd sets up a D1 database: foreign keys enforced, the limits
of ``limits.py``, and what a Worker's SQL may do checked by ``authorizer.py``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import dataclasses
import re
import sqlite3
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import validation as v
from .authorizer import TRANSACTION_ACTIONS, allowed
from .limits import D1_LIMITS, D1Limits

# What the local D1 of `wrangler dev` reports as `meta.served_by`.
SERVED_BY = "miniflare.db"
# Whitespace workerd skips between two statements of one query.
_STATEMENT_GAP = " \t\n\r\v\f"
_COMMENTS = re.compile(r"--[^\n]*|/\*.*?(\*/|$)", re.DOTALL)

# The emulator's own statements. sqlite3 caches prepared statements by their text and the
# authorizer only sees a statement when it is prepared: a Worker's "COMMIT" must never find
# ours in the cache, so each is marked with a comment no Worker writes.
_BEGIN = "BEGIN IMMEDIATE /* workers-emulator d1 */"
_COMMIT = "COMMIT /* workers-emulator d1 */"
_ROLLBACK = "ROLLBACK /* workers-emulator d1 */"
_LAST_ROW_ID = "SELECT last_insert_rowid() /* workers-emulator d1 */"
# As workerd measures a database: pages in use (not free) times the page size.
_SIZE = (
    "SELECT (SELECT * FROM pragma_page_count) - (SELECT * FROM pragma_freelist_count),"
    " (SELECT * FROM pragma_page_size) /* workers-emulator d1 */"
)


@dataclasses.dataclass(frozen=True)
class Query:
    """One query: SQL (one or more statements) and the values bound to its last statement."""

    sql: str
    params: Sequence[v.D1Value] = ()


@dataclasses.dataclass
class QueryResult:
    """What one query answered: its last statement's columns and rows, and the meta."""

    columns: list[str]
    rows: list[list[Any]]
    meta: dict[str, Any]


def database_path(persist_to: str | Path, database_id: str) -> Path:
    """Where a persisted D1 database lives: ``<persist_to>/d1/<database id>.sqlite``."""
    return Path(persist_to) / "d1" / f"{database_id}.sqlite"


def split_statements(sql: str) -> list[str]:
    """The statements of one query in order, as SQLite's parser would take them one by one.

    A piece that holds no statement (only comments, or a lone ``;``) is kept: running it is
    workerd's "SQL code did not contain a statement." error.
    """
    pieces: list[str] = []
    start = 0
    search = 0
    while (end := sql.find(";", search)) != -1:
        search = end + 1
        candidate = sql[start:search]
        if sqlite3.complete_statement(candidate):
            pieces.append(candidate)
            start = search
            while start < len(sql) and sql[start] in _STATEMENT_GAP:
                start += 1
            search = max(search, start)
    rest = sql[start:]
    if rest.strip(_STATEMENT_GAP) or not pieces:
        pieces.append(rest)
    return pieces


def has_statement(piece: str) -> bool:
    """Whether SQLite would find a statement in ``piece`` (not only comments and ``;``)."""
    return bool(_COMMENTS.sub("", piece).strip(_STATEMENT_GAP + ";"))


_AUTHORIZER_TYPE = ctypes.CFUNCTYPE(
    ctypes.c_int,
    ctypes.c_void_p,
    ctypes.c_int,
    ctypes.c_char_p,
    ctypes.c_char_p,
    ctypes.c_char_p,
    ctypes.c_char_p,
)


def _c_authorize(
    _data: Any, action: int, arg1: bytes | None, arg2: bytes | None, db: bytes | None, _src: Any
) -> int:
    def text(b: bytes | None) -> str | None:
        return None if b is None else b.decode("utf-8", "replace")

    permitted = allowed(action, text(arg1), text(arg2), text(db))
    return sqlite3.SQLITE_OK if permitted else sqlite3.SQLITE_DENY


class _ErrorOffsets:
    """Where in its SQL a failed statement went wrong (``sqlite3_error_offset``).

    Python's sqlite3 does not expose the offset workerd appends to parse errors; a second,
    never-writing connection to the same database prepares the statement again through the
    C library and reads it. Where the library cannot be loaded, errors carry no offset.
    """

    def __init__(self, uri: str, limits: D1Limits) -> None:
        self._uri = uri
        self._limits = limits
        self._lib: Any = None
        self._db = ctypes.c_void_p()
        self._lock = threading.Lock()
        self._failed = False
        # Kept on the instance: the C library holds the callback as long as the connection.
        self._authorizer = _AUTHORIZER_TYPE(_c_authorize)

    def _open(self) -> bool:
        if self._lib is not None or self._failed:
            return not self._failed
        name = ctypes.util.find_library("sqlite3")
        try:
            lib = ctypes.CDLL(name or "libsqlite3.so.0")
            lib.sqlite3_error_offset.restype = ctypes.c_int
        except (OSError, AttributeError):
            self._failed = True
            return False
        lib.sqlite3_errmsg.restype = ctypes.c_char_p
        flags = 0x02 | 0x40  # SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI (prepares only)
        if lib.sqlite3_open_v2(self._uri.encode(), ctypes.byref(self._db), flags, None) != 0:
            self._failed = True
            return False
        lib.sqlite3_limit(
            self._db, sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, self._limits.max_bound_parameters
        )
        lib.sqlite3_set_authorizer(self._db, self._authorizer, None)
        self._lib = lib
        return True

    def find(self, statement: str, message: str) -> int | None:
        """The offset of ``message``'s error in ``statement``, or None if not reproduced."""
        with self._lock:
            if not self._open():
                return None
            lib = self._lib
            stmt = ctypes.c_void_p()
            data = statement.encode()
            rc = lib.sqlite3_prepare_v2(self._db, data, len(data), ctypes.byref(stmt), None)
            lib.sqlite3_finalize(stmt)
            if rc == 0 or (lib.sqlite3_errmsg(self._db) or b"").decode() != message:
                return None
            offset = int(lib.sqlite3_error_offset(self._db))
            return offset if offset >= 0 else None

    def close(self) -> None:
        with self._lock:
            if self._lib is not None:
                self._lib.sqlite3_close(self._db)
                self._lib = None


class D1Store:
    """One D1 database: in memory (``path=None``, gone with the store) or in a SQLite file.

    A file database is in WAL mode, so ``workers-emulator d1 execute`` can run beside a dev
    server holding it open.
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        limits: D1Limits = D1_LIMITS,
        timer: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.path = Path(path) if path is not None else None
        self.limits = limits
        self.timer = timer
        if self.path is None:
            # A named in-memory database, so the offset finder can open it as well.
            uri = f"file:workers-emulator-d1-{uuid.uuid4().hex}?mode=memory&cache=shared"
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            uri = self.path.resolve().as_uri()
        self._conn = sqlite3.connect(
            uri, uri=True, isolation_level=None, check_same_thread=False, timeout=10.0
        )
        self._lock = threading.RLock()
        self._guarded = False  # the authorizer applies to user statements only
        self._transaction_refused = False
        with self._lock:
            if self.path is not None:
                self._conn.execute("PRAGMA journal_mode=WAL")
                self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, limits.max_bound_parameters)
            self._conn.set_authorizer(self._authorize)
        self._offsets = _ErrorOffsets(uri, limits)

    # -- the authorizer ---------------------------------------------------------------------

    def _authorize(
        self, action: int, arg1: str | None, arg2: str | None, db: str | None, _src: str | None
    ) -> int:
        if not self._guarded or allowed(action, arg1, arg2, db):
            return sqlite3.SQLITE_OK
        if action in TRANSACTION_ACTIONS:
            self._transaction_refused = True
        return sqlite3.SQLITE_DENY

    # -- queries ----------------------------------------------------------------------------

    def run(self, queries: Sequence[Query]) -> list[QueryResult]:
        """Run ``queries`` in one transaction; raise ``D1QueryError`` (nothing kept) if one fails.

        Blank queries (nothing but indented comments) are dropped first, as miniflare does;
        none left is an error.
        """
        kept = [q for q in queries if not v.is_blank_query(q.sql)]
        if not kept:
            raise v.D1QueryError(v.NO_STATEMENTS)
        with self._lock:
            self._conn.execute(_BEGIN)
            try:
                results = [self._query(q) for q in kept]
            except BaseException:
                self._conn.execute(_ROLLBACK)
                raise
            self._conn.execute(_COMMIT)
            return results

    def _query(self, query: Query) -> QueryResult:
        started = self.timer()
        size_before = self._size()
        changes_before = self._conn.total_changes
        row_id_before = self._last_row_id()
        if len(query.sql.encode()) > self.limits.max_sql_length:
            raise v.D1QueryError(v.STATEMENT_TOO_LONG)
        pieces = split_statements(query.sql)
        columns: list[str] = []
        rows: list[list[Any]] = []
        rows_read = 0
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            if not has_statement(piece):
                raise v.D1QueryError(v.NO_STATEMENT_IN_SQL)
            columns, raw_rows = self._statement(piece, query.params if last else (), last)
            rows = [[_column_value(x) for x in row] for row in raw_rows]
            rows_read += len(rows)
        changes = self._conn.total_changes - changes_before
        last_row_id = self._last_row_id()
        size_after = self._size()
        meta = {
            "served_by": SERVED_BY,
            "duration": (self.timer() - started) * 1000,
            "changes": changes,
            "last_row_id": last_row_id,
            "changed_db": changes != 0 or last_row_id != row_id_before or size_after != size_before,
            "size_after": size_after,
            # Estimates (rows returned, rows changed): workerd counts the rows its patched
            # SQLite's cursors visit, which Python's sqlite3 cannot see.
            "rows_read": rows_read,
            "rows_written": changes,
        }
        return QueryResult(columns, rows, meta)

    def _statement(
        self, sql: str, params: Sequence[v.D1Value], last: bool
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        self._guarded = True
        self._transaction_refused = False
        try:
            with warnings.catch_warnings():
                # Named placeholders (:name) bound by position, as D1 binds them.
                warnings.simplefilter("ignore", DeprecationWarning)
                cursor = self._conn.execute(sql, [_sqlite_param(p) for p in params])
            rows = cursor.fetchall()
        except sqlite3.ProgrammingError as exc:
            if "number of bindings" in str(exc):
                raise v.D1QueryError(
                    v.WRONG_BIND_COUNT if last else v.PARAMETERS_ONLY_LAST
                ) from None
            raise v.D1QueryError(str(exc)) from None
        except sqlite3.Error as exc:
            if self._transaction_refused:
                raise v.D1QueryError(v.TRANSACTIONS_REFUSED) from None
            raise v.D1QueryError(v.sqlite_message(exc, self._offset(sql, exc))) from None
        finally:
            self._guarded = False
        columns = [d[0] for d in cursor.description] if cursor.description else []
        return columns, rows

    def _offset(self, sql: str, exc: sqlite3.Error) -> int | None:
        if getattr(exc, "sqlite_errorcode", None) != sqlite3.SQLITE_ERROR:
            return None
        return self._offsets.find(sql, str(exc))

    def _last_row_id(self) -> int:
        return int(self._conn.execute(_LAST_ROW_ID).fetchone()[0])

    def _size(self) -> int:
        row = self._conn.execute(_SIZE).fetchone()
        return int(row[0]) * int(row[1])

    # -- housekeeping -----------------------------------------------------------------------

    def script(self, sql: str) -> None:
        """Run trusted SQL of the emulator's own (migration bookkeeping), unguarded."""
        with self._lock:
            self._conn.executescript(sql)

    def close(self) -> None:
        self._offsets.close()
        with self._lock:
            self._conn.close()


def _sqlite_param(value: v.D1Value) -> Any:
    # D1 sends bytes as a list of numbers (a BLOB), and every number as a JavaScript double:
    # SQLite stores it as REAL unless the column's affinity makes it INTEGER.
    if isinstance(value, list):
        return bytes(value)
    return float(value) if isinstance(value, int) else value


def _column_value(value: Any) -> Any:
    # A BLOB comes back as a list of byte values, as the D1 wire format carries it.
    return list(value) if isinstance(value, bytes) else value
