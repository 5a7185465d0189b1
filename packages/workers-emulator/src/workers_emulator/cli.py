"""The ``workers-emulator`` command: ``dev`` serves the Worker, ``kv list|get`` read its
local KV state. The texts below are what ``--help`` shows."""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from .config import ConfigError, load_config, resolve_config_path

if TYPE_CHECKING:
    import socket

    from .emulator import Emulator
from .errors import WorkersEmulatorWarning

EXIT_OK = 0
EXIT_FAILED = 1  # a key not found, a D1 query failed, the Worker failed to load, the port is taken
EXIT_USAGE = 2

DESCRIPTION = (
    "Run a Cloudflare Python Worker locally on CPython, as `wrangler dev` would, read its "
    "local KV state, and query and migrate its local D1 databases."
)
EXIT_CODES = (
    "exit codes: 0 ok; 1 a key not found, a D1 query or migration failed, the Worker failed to "
    "load or the server could not start (e.g. the port is taken); 2 a usage or configuration "
    "error"
)
DEV_DESCRIPTION = (
    "Serve the Worker over HTTP with its local bindings (those the emulator does not provide "
    "are reported at start-up as not emulated). It prints its bindings and `Ready on URL`, "
    "then one line per request. Secrets missing from .dev.vars (named in "
    ".dev.vars.example) get generated development values, kept in the state folder "
    "(dev-secrets.json) so they survive restarts; a generated token is printed once."
)
CONFIG_HELP = (
    "the Worker's wrangler.json, wrangler.jsonc or wrangler.toml (default: the first of "
    "these found in the working directory or a parent, in that order, as wrangler looks)"
)
PERSIST_HELP = "local state folder (default: .wrangler/state beside the config)"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, no usage dump.
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="workers-emulator", description=DESCRIPTION, epilog=EXIT_CODES)
    commands = parser.add_subparsers(
        dest="command", required=True, parser_class=_Parser, metavar="COMMAND"
    )

    dev = commands.add_parser(
        "dev",
        help="serve the Worker locally (like `wrangler dev`)",
        description=DEV_DESCRIPTION,
        epilog=EXIT_CODES,
    )
    dev.add_argument(
        "-c",
        "--config",
        metavar="PATH",
        action="append",
        default=None,
        help=CONFIG_HELP + "; give it again for each further Worker to run in the same session "
        "(as `wrangler dev -c a -c b`): the first is served on the port, the others are "
        "reachable through service bindings",
    )
    dev.add_argument(
        "--port", type=int, default=8787, help="port to listen on (default: %(default)s)"
    )
    dev.add_argument(
        "--ip",
        metavar="ADDRESS",
        default="127.0.0.1",
        help="address to listen on (default: %(default)s)",
    )
    dev.add_argument("--persist-to", metavar="DIR", default=None, help=PERSIST_HELP)
    dev.add_argument(
        "--test-scheduled",
        action="store_true",
        help="also fire the Cron Trigger at /__scheduled?cron=... (as `wrangler dev "
        "--test-scheduled`; default: off); /cdn-cgi/handler/scheduled?cron=...&time=... "
        "always does",
    )
    dev.add_argument(
        "--no-kv-write-limit",
        dest="kv_write_limit",
        action="store_false",
        help="accept several writes to one KV key within a second, as `wrangler dev` does "
        "(default: the second write gets production's 429, as the deployed KV may refuse it, "
        "its message naming this switch)",
    )
    dev.add_argument(
        "--fault-rate",
        "--kv-fault-rate",
        dest="fault_rate",
        metavar="RATE",
        type=float,
        default=0.0,
        help="make this fraction (0 to 1) of binding operations (KV, D1, R2, Queues, Assets, "
        "service bindings, Durable Objects, Rate Limiting) fail, to test resilience; "
        "--kv-fault-rate is its older name (default: %(default)s)",
    )

    kv = commands.add_parser(
        "kv",
        help="read the local KV state (also while a server runs)",
        description="Read the KV state `dev` persisted (like `wrangler kv key list --local`).",
        epilog=EXIT_CODES,
    )
    kv_commands = kv.add_subparsers(
        dest="kv_command", required=True, parser_class=_Parser, metavar="COMMAND"
    )
    for name, help_text in (
        ("list", "list the keys (with expiration and metadata) as JSON"),
        ("get", "print one value as stored"),
    ):
        sub = kv_commands.add_parser(name, help=help_text, description=help_text.capitalize())
        sub.add_argument("binding", help="the KV binding's name, e.g. LICENSE_KV")
        if name == "get":
            sub.add_argument("key", help="the key to print")
        else:
            sub.add_argument(
                "--prefix", default="", help="only keys starting with this (default: all)"
            )
        sub.add_argument("--config", metavar="PATH", default=None, help=CONFIG_HELP)
        sub.add_argument("--persist-to", metavar="DIR", default=None, help=PERSIST_HELP)

    from .bindings.d1.commands import add_d1_parser

    add_d1_parser(commands, _Parser, EXIT_CODES)
    return parser


def _fail(code: int, message: str) -> int:
    print(f"workers-emulator: {message}", file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``workers-emulator`` console script."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "dev":
            return _dev(args)
        if args.command == "d1":
            from .bindings.d1.commands import run_d1
            from .server import default_persist_to

            return run_d1(args, default_persist_to)
        return _kv(args)
    except ConfigError as exc:
        return _fail(EXIT_USAGE, str(exc))
    except KeyboardInterrupt:
        return EXIT_OK


def _dev(args: argparse.Namespace) -> int:
    from .runtime.imports import standin_workers_module
    from .server import cannot_listen_message, default_persist_to, listen_socket

    if not 0 <= args.port <= 65535:
        return _fail(EXIT_USAGE, f"--port must be within 0..65535, got {args.port}")
    if not 0.0 <= args.fault_rate <= 1.0:
        return _fail(EXIT_USAGE, f"--fault-rate must be within [0, 1], got {args.fault_rate}")
    config_paths = [resolve_config_path(path) for path in (args.config or [None])]
    config_path = config_paths[0]
    persist_to = args.persist_to or default_persist_to(config_path)
    # The port first: if it is taken, fail before a secret is generated or anything printed.
    try:
        sock = listen_socket(args.ip, args.port)
    except OSError as exc:
        return _fail(EXIT_FAILED, cannot_listen_message(args.ip, args.port, exc))
    # This process is the Worker's isolate: its packages get the runtime's modules too.
    with standin_workers_module():
        return _serve_dev(args, sock, config_paths, persist_to)


def _serve_dev(
    args: argparse.Namespace, sock: socket.socket, config_paths: list[Path], persist_to: Path
) -> int:
    from .bindings.services import check_entrypoints
    from .emulator import Emulator
    from .server import run_dev_server

    workers: dict[str, Emulator] = {}
    try:
        with warnings.catch_warnings():
            # run_dev_server prints them as wrangler does, not as Python warnings.
            warnings.simplefilter("ignore", WorkersEmulatorWarning)
            emulator, *others = [
                Emulator(
                    path,
                    persist_to=persist_to,
                    dev_defaults=True,
                    kv_write_limit=args.kv_write_limit,
                    workers=workers,
                )
                for path in config_paths
            ]
            check_entrypoints(workers.values())
    except ConfigError:
        sock.close()
        _close_all(workers)
        raise
    except Exception as exc:
        sock.close()
        _close_all(workers)
        # The Worker's own code failed to load: its traceback is what the developer needs.
        traceback.print_exception(exc, file=sys.stderr)
        return _fail(EXIT_FAILED, f"the Worker failed to load: {exc}")
    if args.fault_rate:
        for worker in (emulator, *others):
            worker.inject_faults(args.fault_rate, seed=None)
        print(f"Injecting faults: {args.fault_rate:.0%} of binding operations fail")
    return run_dev_server(
        emulator,
        host=args.ip,
        port=args.port,
        test_scheduled=args.test_scheduled,
        sock=sock,
        others=others,
    )


def _close_all(workers: dict[str, Emulator]) -> None:
    for worker in workers.values():
        worker.close()


def _kv(args: argparse.Namespace) -> int:
    from .bindings.kv import SqliteKVStore
    from .bindings.providers import kv_store_path
    from .server import default_persist_to

    config = load_config(args.config)
    namespace = config.kv_namespace(args.binding)
    persist_to = Path(args.persist_to) if args.persist_to else default_persist_to(config.path)
    path = kv_store_path(persist_to, namespace.id)
    if not path.is_file():
        # Nothing persisted yet: an empty namespace.
        if args.kv_command == "list":
            print("[]")
            return EXIT_OK
        return _fail(EXIT_FAILED, f"key not found: {args.key!r}")
    store = SqliteKVStore(path)
    try:
        now = time.time()
        if args.kv_command == "list":
            keys = []
            for entry in store.entries(now, args.prefix):
                item: dict[str, object] = {"name": entry.key}
                if entry.expiration is not None:
                    item["expiration"] = entry.expiration
                if entry.metadata is not None:
                    item["metadata"] = entry.metadata
                keys.append(item)
            print(json.dumps(keys, indent=2, ensure_ascii=False))
            return EXIT_OK
        found = store.get(args.key, now)
        if found is None:
            return _fail(EXIT_FAILED, f"key not found: {args.key!r}")
        sys.stdout.buffer.write(found.value)
        if sys.stdout.isatty():
            sys.stdout.buffer.write(b"\n")
        sys.stdout.flush()
        return EXIT_OK
    finally:
        store.close()


if __name__ == "__main__":
    sys.exit(main())
