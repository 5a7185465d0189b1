"""What a Worker's SQL may do in D1: workerd's rules for its SQLite authorizer, as data.

Observed under ``wrangler dev`` 4.86 (``tests/differential/d1/scenario.json`` keeps a
sample of each rule): no transactions of its own (D1 runs each query or batch in one), no
``ATTACH``, no table or index named ``_cf_*`` (workerd's own), no function revealing how
SQLite was built, and only the ``PRAGMA``s below, with the arguments they allow. A refusal is
SQLite's own "not authorized" error, except transactions, which get workerd's message.
"""

from __future__ import annotations

import sqlite3
from typing import Literal

TRANSACTION_ACTIONS = frozenset({sqlite3.SQLITE_TRANSACTION, sqlite3.SQLITE_SAVEPOINT})
_REFUSED_ACTIONS = frozenset({sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH})
# Actions whose first argument is a table, index, view or trigger name.
_NAMED_ACTIONS = frozenset(
    {
        sqlite3.SQLITE_CREATE_TABLE,
        sqlite3.SQLITE_CREATE_INDEX,
        sqlite3.SQLITE_CREATE_VIEW,
        sqlite3.SQLITE_CREATE_TRIGGER,
        sqlite3.SQLITE_DROP_TABLE,
        sqlite3.SQLITE_DROP_INDEX,
        sqlite3.SQLITE_DROP_VIEW,
        sqlite3.SQLITE_DROP_TRIGGER,
        sqlite3.SQLITE_INSERT,
        sqlite3.SQLITE_UPDATE,
        sqlite3.SQLITE_DELETE,
        sqlite3.SQLITE_ALTER_TABLE,
    }
)
REFUSED_FUNCTIONS = frozenset(
    {
        "sqlite_compileoption_get",
        "sqlite_compileoption_used",
        "sqlite_offset",
        "sqlite_source_id",
        "sqlite_version",
    }
)

# What a PRAGMA may be given: nothing; a switch (read it, or set it with a boolean word);
# a table or index name (required); a name or a number (optional); a number (optional).
PragmaArgument = Literal["none", "switch", "name", "name_or_number", "number"]
PRAGMAS: dict[str, PragmaArgument] = {
    "data_version": "none",
    "table_list": "name_or_number",
    "case_sensitive_like": "switch",
    "defer_foreign_keys": "switch",
    "foreign_keys": "switch",
    "ignore_check_constraints": "switch",
    "legacy_alter_table": "switch",
    "recursive_triggers": "switch",
    "reverse_unordered_selects": "switch",
    "foreign_key_list": "name",
    "index_info": "name",
    "index_list": "name",
    "index_xinfo": "name",
    "table_info": "name",
    "table_xinfo": "name",
    "foreign_key_check": "name_or_number",
    "quick_check": "name_or_number",
    "optimize": "number",
}
# A switch's value is read by its first letters, as SQLite reads a boolean.
_SWITCH_WORDS = ("true", "false", "yes", "no", "on", "off")


def reserved(name: str | None) -> bool:
    """Whether a table or index name is in workerd's own ``_cf_`` namespace."""
    return name is not None and name[:4].lower() == "_cf_"


def _number(text: str) -> bool:
    try:
        int(text, 0)
    except ValueError:
        return False
    return True


def _pragma_allowed(name: str, argument: str | None, schema: str | None) -> bool:
    kind = PRAGMAS.get(name.lower())
    if kind is None or schema not in (None, "main"):
        return False
    if argument is None:
        return kind != "name"
    value = argument.strip("'\"")
    if kind == "none":
        return False
    if kind == "switch":
        return value in ("0", "1") or value.lower().startswith(_SWITCH_WORDS)
    if kind == "number":
        return _number(value)
    if kind == "name_or_number" and _number(value):
        return True
    return not reserved(value)


def allowed(action: int, arg1: str | None, arg2: str | None, schema: str | None) -> bool:
    """Whether a Worker's statement may take this authorizer action."""
    if action in TRANSACTION_ACTIONS or action in _REFUSED_ACTIONS:
        return False
    if action == sqlite3.SQLITE_FUNCTION:
        return (arg2 or "").lower() not in REFUSED_FUNCTIONS
    if action == sqlite3.SQLITE_PRAGMA:
        return _pragma_allowed(arg1 or "", arg2, schema)
    return not (action in _NAMED_ACTIONS and reserved(arg1))
