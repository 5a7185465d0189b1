"""D1 migrations as wrangler keeps them: ``*.sql`` files in the migrations folder, applied in
order, each recorded in the ``d1_migrations`` table (or the binding's ``migrations_table``)."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from .store import D1Store, Query, has_statement, split_statements
from .validation import D1QueryError

_LEADING_NUMBER = re.compile(r"^[+-]?\d+")


def escape_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def create_table_query(table: str) -> str:
    """wrangler's own statement, so both tools can share a database's bookkeeping."""
    return (
        f"CREATE TABLE IF NOT EXISTS {escape_identifier(table)}(\n"
        "\t\tid         INTEGER PRIMARY KEY AUTOINCREMENT,\n"
        "\t\tname       TEXT UNIQUE,\n"
        "\t\tapplied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL\n"
        ");"
    )


def _leading_number(name: str) -> int | None:
    # JavaScript's parseInt of the part before the first "_".
    match = _LEADING_NUMBER.match(name.split("_")[0].lstrip())
    return int(match.group()) if match else None


def _compare(a: str, b: str) -> int:
    """wrangler's order: by leading number (numbered first), then by name."""
    an, bn = _leading_number(a), _leading_number(b)
    if an != bn:
        if an is not None and bn is not None:
            return -1 if an < bn else 1
        return -1 if an is not None else 1
    return (a > b) - (a < b)


def migration_names(folder: Path) -> list[str]:
    """The migration files in ``folder`` (``*.sql``, not hidden), in the order they apply."""
    names = [
        p.name
        for p in folder.iterdir()
        if p.is_file() and p.name.endswith(".sql") and not p.name.startswith(".")
    ]
    return sorted(names, key=functools.cmp_to_key(_compare))


def statements_of(sql: str) -> list[str]:
    """A SQL file's statements as ``wrangler d1 execute`` sends them (a dump's one
    ``BEGIN TRANSACTION;``/``COMMIT;`` dropped: D1 runs the batch in a transaction itself)."""
    if "BEGIN TRANSACTION" in sql:
        sql = sql.replace("BEGIN TRANSACTION;", "", 1).replace("COMMIT;", "", 1)
        if "BEGIN TRANSACTION" in sql:
            raise D1QueryError(
                "Wrangler could not process the provided SQL file, as it contains several "
                "transactions.\nD1 runs your SQL in a transaction for you.\nPlease export an "
                "SQL file from your SQLite database and try again."
            )
    statements = [p.strip() for p in split_statements(sql) if has_statement(p)]
    return statements or [sql]


def applied_migrations(store: D1Store, table: str) -> list[str]:
    store.run([Query(create_table_query(table))])
    # The table name is the config's own, quoted as an identifier.
    listing = f"SELECT * FROM {escape_identifier(table)} ORDER BY id"  # noqa: S608
    (result,) = store.run([Query(listing)])
    index = result.columns.index("name")
    return [row[index] for row in result.rows]


def migration_query(folder: Path, name: str, table: str) -> str:
    """The SQL that applies one migration and records it, in one batch."""
    text = (folder / name).read_text(encoding="utf-8")
    escaped = name.replace("'", "''")
    return f"{text}\nINSERT INTO {escape_identifier(table)} (name)\nvalues ('{escaped}');"
