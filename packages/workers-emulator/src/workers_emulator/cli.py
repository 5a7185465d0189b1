"""``workers-emulator``: ``dev`` serves the Worker; ``kv list|get`` read its local KV state.

Exit codes: 0 ok, 1 key not found (or the server could not start), 2 usage or config error.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from .config import ConfigError, load_config, resolve_config_path
from .errors import WorkersEmulatorWarning

EXIT_OK = 0
EXIT_NOT_FOUND = 1
EXIT_USAGE = 2


CONFIG_HELP = (
    "the Worker's wrangler.json, wrangler.jsonc or wrangler.toml (default: the first of "
    "these found in the working directory or a parent, as wrangler looks)"
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, no usage dump.
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="workers-emulator", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    dev = commands.add_parser("dev", help="serve the Worker locally (like `wrangler dev`)")
    dev.add_argument("--config", default=None, help=CONFIG_HELP)
    dev.add_argument("--port", type=int, default=8787)
    dev.add_argument("--ip", default="127.0.0.1", help="address to listen on")
    dev.add_argument(
        "--persist-to", default=None, help="local state folder (default: .wrangler/state)"
    )
    dev.add_argument(
        "--test-scheduled",
        action="store_true",
        help="also fire the Cron Trigger at /__scheduled?cron=... (as `wrangler dev "
        "--test-scheduled`); /cdn-cgi/handler/scheduled?cron=...&time=... always does",
    )
    dev.add_argument(
        "--no-kv-write-limit",
        dest="kv_write_limit",
        action="store_false",
        help="accept several writes to one KV key within a second, as `wrangler dev` does "
        "(default: refuse the second with production's 429, naming this switch, as the "
        "deployed KV may)",
    )
    dev.add_argument(
        "--kv-fault-rate",
        type=float,
        default=0.0,
        help="make this fraction of KV operations fail (resilience testing)",
    )

    kv = commands.add_parser("kv", help="read the local KV state")
    kv_commands = kv.add_subparsers(dest="kv_command", required=True, parser_class=_Parser)
    for name, help_text in (("list", "list keys as JSON"), ("get", "print one value")):
        sub = kv_commands.add_parser(name, help=help_text)
        sub.add_argument("binding")
        if name == "get":
            sub.add_argument("key")
        else:
            sub.add_argument("--prefix", default="")
        sub.add_argument("--config", default=None, help=CONFIG_HELP)
        sub.add_argument("--persist-to", default=None)
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
        return _kv(args)
    except ConfigError as exc:
        return _fail(EXIT_USAGE, str(exc))
    except KeyboardInterrupt:
        return EXIT_OK


def _dev(args: argparse.Namespace) -> int:
    from .emulator import Emulator
    from .server import default_persist_to, run_dev_server

    if not 0 <= args.port <= 65535:
        return _fail(EXIT_USAGE, f"--port must be within 0..65535, got {args.port}")
    if not 0.0 <= args.kv_fault_rate <= 1.0:
        return _fail(EXIT_USAGE, f"--kv-fault-rate must be within [0, 1], got {args.kv_fault_rate}")
    config_path = resolve_config_path(args.config)
    persist_to = args.persist_to or default_persist_to(config_path)
    try:
        with warnings.catch_warnings():
            # run_dev_server prints them as wrangler does, not as Python warnings.
            warnings.simplefilter("ignore", WorkersEmulatorWarning)
            emulator = Emulator(
                config_path,
                persist_to=persist_to,
                dev_defaults=True,
                kv_write_limit=args.kv_write_limit,
            )
    except ConfigError:
        raise
    except Exception as exc:
        # The Worker's own code failed to load: its traceback is what the developer needs.
        traceback.print_exception(exc, file=sys.stderr)
        return _fail(EXIT_NOT_FOUND, f"the Worker failed to load: {exc}")
    if args.kv_fault_rate:
        emulator.inject_kv_faults(args.kv_fault_rate, seed=None)
        print(f"Injecting KV faults: {args.kv_fault_rate:.0%} of operations fail")
    if args.test_scheduled:
        return run_dev_server(emulator, host=args.ip, port=args.port, test_scheduled=True)
    return run_dev_server(emulator, host=args.ip, port=args.port)


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
        return _fail(EXIT_NOT_FOUND, f"key not found: {args.key!r}")
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
            return _fail(EXIT_NOT_FOUND, f"key not found: {args.key!r}")
        sys.stdout.buffer.write(found.value)
        if sys.stdout.isatty():
            sys.stdout.buffer.write(b"\n")
        sys.stdout.flush()
        return EXIT_OK
    finally:
        store.close()


if __name__ == "__main__":
    sys.exit(main())
