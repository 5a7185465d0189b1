"""``workers-emulator d1 execute`` and ``d1 migrations apply``, shaped like wrangler's ``--local``.

They work on the database ``workers-emulator dev`` uses (``<persist-to>/d1/<id>.sqlite``), so
a Worker's database is prepared with the same commands its upstream tests give wrangler.
Output follows wrangler 4.86: ``--json`` (or a stdout that is not a terminal) prints the
results as JSON, a terminal gets a table per result; failures go to stderr (or, with
``--json``, ``{"error": {"text": ...}}`` to stdout), exit code 1.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ...config import ConfigError, WorkerConfig, load_config
from .config import D1DatabaseConfig, find_d1_database
from .migrations import applied_migrations, migration_names, migration_query, statements_of
from .store import D1Store, Query, database_path
from .validation import D1QueryError

EXIT_OK = 0
EXIT_FAILED = 1


def add_d1_parser(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """The ``d1`` command and its subcommands, on the CLI's subparsers."""
    d1 = commands.add_parser("d1", help="query and migrate local D1 databases (as wrangler d1)")
    d1_commands = d1.add_subparsers(dest="d1_command", required=True, parser_class=parser_class)

    execute = d1_commands.add_parser("execute", help="execute a command or SQL file")
    execute.add_argument("database", help="the name or binding of the DB")
    source = execute.add_mutually_exclusive_group(required=True)
    # dest: `command` is the CLI's own (which top-level command runs).
    source.add_argument("--command", dest="sql", help="the SQL to run, statements separated by ';'")
    source.add_argument("--file", help="a .sql file to run")
    execute.add_argument("--json", action="store_true", help="print the results as JSON")
    _common(execute)

    migrations = d1_commands.add_parser("migrations", help="apply the migrations folder")
    migration_commands = migrations.add_subparsers(
        dest="migrations_command", required=True, parser_class=parser_class
    )
    apply = migration_commands.add_parser("apply", help="apply the migrations not yet applied")
    apply.add_argument("database", help="the name or binding of the DB")
    _common(apply)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--local", action="store_true", help="the local database (the only kind emulated)"
    )
    parser.add_argument("--remote", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("-y", "--yes", action="store_true", help="answer yes to prompts")
    parser.add_argument("-c", "--config", default=None, help="path to the Worker's config")
    parser.add_argument(
        "--persist-to", default=None, help="local state folder (default: .wrangler/state)"
    )


def run_d1(args: argparse.Namespace, default_persist_to: Callable[[Path], Path]) -> int:
    """Run a parsed ``d1`` command; ``default_persist_to`` is the dev server's default."""
    if args.remote:
        raise ConfigError("workers-emulator has local D1 databases only: drop --remote")
    config = load_config(args.config)
    database = find_d1_database(config, args.database)
    persist_to = Path(args.persist_to) if args.persist_to else default_persist_to(config.path)
    store = D1Store(database_path(persist_to, database.database_id))
    try:
        if args.d1_command == "execute":
            return _execute(args, database, store, persist_to)
        return _apply(args, config, database, store, persist_to)
    finally:
        store.close()


# -- execute ------------------------------------------------------------------------------


def execute_sql(store: D1Store, sql: str) -> list[dict[str, Any]]:
    """Run SQL as ``wrangler d1 execute --local`` does (its statements in one batch) and
    answer what it prints with ``--json``."""
    results = store.run([Query(s) for s in statements_of(sql)])
    return [
        {
            "results": [
                {k: _shown(v) for k, v in zip(r.columns, row, strict=True)} for row in r.rows
            ],
            "success": True,
            "meta": {"duration": r.meta["duration"]},
        }
        for r in results
    ]


def _shown(value: Any) -> Any:
    # wrangler shows a BLOB (an array of bytes) as "[1, 2, 3]".
    return "[" + ", ".join(str(b) for b in value) + "]" if isinstance(value, list) else value


def _readable(path: Path) -> str:
    """A path as wrangler shows it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _execute_reported(
    name: str, database: D1DatabaseConfig, store: D1Store, persist_to: Path, sql: str
) -> list[dict[str, Any]]:
    """``execute_sql`` with the lines wrangler prints around it (when not in JSON mode)."""
    where = _readable(persist_to / "d1")
    print(f"🌀 Executing on local database {name} ({database.database_id}) from {where}:")
    results = execute_sql(store, sql)
    count = len(results)
    print(f"🚣 {count} command{'' if count == 1 else 's'} executed successfully.")
    return results


def _execute(
    args: argparse.Namespace, database: D1DatabaseConfig, store: D1Store, persist_to: Path
) -> int:
    if args.file is not None:
        try:
            sql = Path(args.file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            return _failed(args.json, f"cannot read {args.file}: {exc}")
    else:
        sql = args.sql
    try:
        if args.json:
            results = execute_sql(store, sql)
        else:
            results = _execute_reported(args.database, database, store, persist_to, sql)
    except D1QueryError as exc:
        return _failed(args.json, exc.message)
    if sys.stdout.isatty() and not args.json:
        for result in results:
            if result["results"]:
                print(table([{k: str(v) for k, v in r.items()} for r in result["results"]]))
    else:
        print(json.dumps(results, indent=2, ensure_ascii=False))
    return EXIT_OK


def _failed(as_json: bool, message: str) -> int:
    if as_json:
        print(json.dumps({"error": {"text": message}}, indent=2, ensure_ascii=False))
    else:
        print(f"✘ [ERROR] {message}", file=sys.stderr)
    return EXIT_FAILED


# -- migrations apply ---------------------------------------------------------------------


def _apply(
    args: argparse.Namespace,
    config: WorkerConfig,
    database: D1DatabaseConfig,
    store: D1Store,
    persist_to: Path,
) -> int:
    folder = database.migrations_dir
    if not folder.is_dir():
        hint = ""
        if "migrations_dir" not in _options(config, database):
            hint = (
                f" Set `migrations_dir` in your {config.path.name} file to choose a different path."
            )
        print(f"▲ [WARNING] No migrations folder found.{hint}", file=sys.stderr)
        print(f"✘ [ERROR] No migrations present at {folder}.", file=sys.stderr)
        return EXIT_FAILED
    try:
        applied = set(applied_migrations(store, database.migrations_table))
    except D1QueryError as exc:
        print(f"✘ [ERROR] {exc.message}", file=sys.stderr)
        return EXIT_FAILED
    pending = [name for name in migration_names(folder) if name not in applied]
    if not pending:
        print("✅ No migrations to apply!")
        return EXIT_OK
    print("Migrations to be applied:")
    print(table([{"name": name} for name in pending]))
    status = dict.fromkeys(pending, "🕒️")
    for name in pending:
        try:
            query = migration_query(folder, name, database.migrations_table)
            _execute_reported(args.database, database, store, persist_to, query)
        except D1QueryError as exc:
            status[name] = "❌"
            print(table([{"name": n, "status": s} for n, s in status.items()]))
            print(f"✘ [ERROR] Migration {name} failed with the following errors:", file=sys.stderr)
            print(f"✘ [ERROR] {exc.message}", file=sys.stderr)
            return EXIT_FAILED
        status[name] = "✅"
        print(table([{"name": n, "status": s} for n, s in status.items()]))
    return EXIT_OK


def _options(config: WorkerConfig, database: D1DatabaseConfig) -> dict[str, Any]:
    for binding in config.bindings:
        if binding.kind.key == "d1_databases" and binding.name == database.binding:
            return binding.options
    return {}


def _width(text: str) -> int:
    """Columns a string takes on a terminal: wide characters (emoji) two, joiners none."""
    width = 0
    for char in text:
        if unicodedata.combining(char) or char in "\u200d\ufe0e\ufe0f":
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def table(rows: Sequence[dict[str, str]]) -> str:
    """Rows as the boxed table wrangler draws (``logger.table``)."""
    columns = list(dict.fromkeys(k for row in rows for k in row))
    widths = {c: max(_width(c), *(_width(row.get(c, "")) for row in rows)) for c in columns}

    def line(left: str, mid: str, right: str) -> str:
        return left + mid.join("─" * (widths[c] + 2) for c in columns) + right

    def cells(values: dict[str, str]) -> str:
        padded = (v + " " * (widths[c] - _width(v)) for c in columns for v in [values.get(c, "")])
        return "│" + "│".join(f" {cell} " for cell in padded) + "│"

    out = [line("┌", "┬", "┐"), cells({c: c for c in columns}), line("├", "┼", "┤")]
    for i, row in enumerate(rows):
        out.append(cells(row))
        if i < len(rows) - 1:
            out.append(line("├", "┼", "┤"))
    out.append(line("└", "┴", "┘"))
    return "\n".join(out)
