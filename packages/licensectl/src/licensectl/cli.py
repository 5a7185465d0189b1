"""`licensectl`: the operator's command line over the license server's admin API."""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn

from rich.console import Console

from licensectl import render
from licensectl.client import (
    EXIT_ABORTED,
    EXIT_OK,
    EXIT_SERVER,
    EXIT_USAGE,
    AdminClient,
    AdminError,
)

# A server that never finishes an erasure must not keep us looping forever.
_MAX_ERASE_ROUNDS = 10_000
# A heartbeat that read the license just before the erasure can still write its timestamp and
# stats after it (KV reads elsewhere may be up to 60 s stale): one more erasure pass after this
# long removes what it wrote (README, "Known limits").
DEFAULT_ERASE_SETTLE_SECONDS = 90

_EPILOG = """\
environment:
  LICENSE_SERVER_URL   server base URL (instead of --url)
  LICENSE_ADMIN_TOKEN  admin bearer token; when unset, it is asked for without echo

output:
  Human-readable tables by default; --json prints one JSON document on stdout
  (see docs/licensectl.md for the shapes). Errors go to stderr as one line:
  "licensectl: <error_code>: <message>".

exit codes:
  0  success
  1  not found (unknown license id)
  2  usage error (bad arguments, or the server refused the request as invalid)
  3  authentication failed (401: missing or wrong admin token)
  4  server or network error
  5  aborted by the user (declined confirmation, Ctrl-C)
"""


class UsageError(Exception):
    """Bad command-line input, found after argument parsing."""


class Aborted(Exception):
    """The operator declined or interrupted."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one stderr line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        print(f"licensectl: usage_error: {message} (see licensectl --help)", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    """The full command-line grammar."""
    common = _Parser(add_help=False)
    # SUPPRESS keeps a subcommand's absent option from hiding one given before the subcommand.
    common.add_argument(
        "--url",
        default=argparse.SUPPRESS,
        help="license server base URL (default: $LICENSE_SERVER_URL)",
    )
    common.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help="print machine-readable JSON on stdout",
    )

    parser = _Parser(
        prog="licensectl",
        description="Administer CertifyClouds licenses through the license server's admin API.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_text, description=help_text, parents=[common])

    p = command("create", "create a license and print its key (shown this once)")
    p.add_argument("--customer", required=True)
    p.add_argument("--plan", required=True)
    when = p.add_mutually_exclusive_group(required=True)
    when.add_argument("--expires-at", metavar="DATE", help="YYYY-MM-DD or ISO 8601 UTC time")
    when.add_argument("--perpetual", action="store_true", help="the license never expires")

    command("list", "list every license (follows pagination)")

    for name, help_text in [
        ("show", "show one license with its last stats and last validation"),
        ("suspend", "suspend a license (heartbeats answer SUSPENDED)"),
        ("revoke", "revoke a license for good (heartbeats answer REVOKED)"),
        ("reactivate", "make a suspended license active again (revocation is final)"),
        ("validations", "list a license's validation timestamps, newest first"),
    ]:
        command(name, help_text).add_argument("id", metavar="ID", help="license id")

    p = command("extend", "move a license's expiry date")
    p.add_argument("id", metavar="ID")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--expires-at", metavar="DATE", help="new expiry: YYYY-MM-DD or ISO 8601")
    how.add_argument("--by-days", type=int, metavar="N", help="move the current expiry by N days")
    how.add_argument("--perpetual", action="store_true", help="remove the expiry date")

    p = command("erase", "erase a license and all its data (GDPR erasure; irreversible)")
    p.add_argument("id", metavar="ID")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    p.add_argument(
        "--settle",
        type=_non_negative_int,
        default=DEFAULT_ERASE_SETTLE_SECONDS,
        metavar="SECONDS",
        help="after the erasure, wait this long and erase once more, for a heartbeat that was "
        f"in flight (default {DEFAULT_ERASE_SETTLE_SECONDS}; 0 skips)",
    )

    p = command("export", "export every datum held for a license (GDPR access)")
    p.add_argument("id", metavar="ID")
    p.add_argument("-o", "--output", metavar="FILE", help="write the JSON export to FILE")

    command("fleet", "last fleet counts reported by every license (follows pagination)")

    p = command("release", "the release the update check compares against")
    rsub = p.add_subparsers(dest="release_command", metavar="ACTION", parser_class=_Parser)
    rsub.required = True
    rs = rsub.add_parser("set", help="publish a new latest version", parents=[common])
    rs.add_argument("version", metavar="VERSION")
    rs.add_argument("--notes-url", metavar="URL")
    rsub.add_parser("show", help="show the current release", parents=[common])
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: Console | None = None,
    stderr: Console | None = None,
) -> int:
    """Run one command; returns (and, as a console script, exits with) the exit code."""
    out = stdout or Console(soft_wrap=True)
    err = stderr or Console(stderr=True, soft_wrap=True)
    try:
        # --help and usage errors go to this run's consoles (stdout/stderr by default).
        with contextlib.redirect_stdout(out.file), contextlib.redirect_stderr(err.file):
            args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2), already printed
        return int(exc.code or 0)
    try:
        return _run(args, out, err)
    except AdminError as exc:
        _fail(err, exc.code, exc.message)
        return exc.exit_code
    except UsageError as exc:
        _fail(err, "usage_error", str(exc))
        return EXIT_USAGE
    except (Aborted, KeyboardInterrupt, EOFError) as exc:
        _fail(err, "aborted", str(exc) or "aborted by the user")
        return EXIT_ABORTED
    except OSError as exc:  # e.g. export -o to an unwritable path
        _fail(err, "local_error", str(exc))
        return EXIT_SERVER


def _fail(err: Console, code: str, message: str) -> None:
    # markup=False: a server message must not be able to inject rich markup.
    err.print(f"licensectl: {code}: {message}", markup=False, highlight=False, soft_wrap=True)


def _run(args: argparse.Namespace, out: Console, err: Console) -> int:
    url = getattr(args, "url", None) or os.environ.get("LICENSE_SERVER_URL")
    if not url:
        raise UsageError("no server URL: pass --url or set LICENSE_SERVER_URL")
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"the server URL must start with http:// or https://, got {url!r}")
    as_json = bool(getattr(args, "json", False))

    # Confirm before asking for a token: a declined erase should cost nothing.
    if args.command == "erase" and not args.yes:
        _confirm_erase(args.id, err)

    with AdminClient(url, _admin_token()) as client:
        handler = _HANDLERS[args.command]
        result = handler(client, args, err)
    if as_json:
        out.print_json(data=result) if out.is_terminal else _print_plain_json(out, result)
    else:
        render.human(args, result, out)
    return EXIT_OK


def _print_plain_json(out: Console, result: Any) -> None:
    # Not through rich: scripts get byte-exact JSON with no wrapping or colour codes.
    out.file.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    out.file.flush()


def _admin_token() -> str:
    token = os.environ.get("LICENSE_ADMIN_TOKEN", "").strip()
    if token:
        return token
    # getpass reads without echo from the terminal: the token never reaches shell history.
    token = getpass.getpass("Admin token (input hidden): ").strip()
    if not token:
        raise UsageError("no admin token: set LICENSE_ADMIN_TOKEN or type it at the prompt")
    return token


def _confirm_erase(license_id: str, err: Console) -> None:
    err.print(
        f"This erases license {license_id}, its validation log and its fleet stats. "
        "It cannot be undone.",
        markup=False,
        highlight=False,
    )
    err.file.write("Erase? [y/N] ")
    err.file.flush()
    answer = sys.stdin.readline()
    if not sys.stdin.isatty():  # a piped answer is not echoed: end the prompt's line ourselves
        err.file.write("\n")
    if not answer:
        raise Aborted("no confirmation given (use --yes in scripts)")
    if answer.strip().lower() not in ("y", "yes"):
        raise Aborted("erasure not confirmed; nothing was changed")


# -- command handlers: each returns the JSON document that --json prints --------------------

Handler = Callable[[AdminClient, argparse.Namespace, Console], Any]


def _create(client: AdminClient, args: argparse.Namespace, err: Console) -> Any:
    expires = None if args.perpetual else parse_time(args.expires_at)
    return client.create_license(args.customer, args.plan, expires)


def _list(client: AdminClient, args: argparse.Namespace, err: Console) -> Any:
    return {"licenses": _collect(client.iter_licenses(), err, "licenses")}


def _show(client: AdminClient, args: argparse.Namespace, err: Console) -> Any:
    return client.show(args.id)


def _status(status: str) -> Handler:
    def handler(client: AdminClient, args: argparse.Namespace, err: Console) -> Any:
        return client.patch(args.id, {"status": status})

    return handler


def _extend(client: AdminClient, args: argparse.Namespace, err: Console) -> Any:
    if args.perpetual:
        new: str | None = None
    elif args.expires_at is not None:
        new = parse_time(args.expires_at)
    else:
        current = client.show(args.id)["license"].get("expires_at")
        if current is None:
            raise UsageError("the license is perpetual; give --expires-at to set a date")
        new = format_time(_parse_iso(current) + timedelta(days=args.by_days))
    return client.patch(args.id, {"expires_at": new})


def _erase_until_done(client: AdminClient, license_id: str, err: Console, resumed: bool) -> int:
    """DELETE until the server says the erasure is complete; the number of calls made."""
    # The server erases within a per-call operation budget and answers 202 until it is done.
    for rounds in range(1, _MAX_ERASE_ROUNDS + 1):
        if client.erase_step(license_id, resumed=resumed or rounds > 1):
            return rounds
        if rounds % 5 == 0 or err.is_terminal:
            err.print(f"erasure in progress ({rounds} calls so far)…", highlight=False)
    raise AdminError("erasure_incomplete", "the server kept answering 'in progress'")


def _erase(client: AdminClient, args: argparse.Namespace, err: Console) -> Any:
    calls = _erase_until_done(client, args.id, err, resumed=False)
    if args.settle:
        err.print(
            f"erased; erasing once more in {args.settle} s, for a heartbeat that was in flight "
            "(--settle 0 skips this)…",
            highlight=False,
        )
        client.wait(args.settle)
        # A 404 now means nothing was left: the erasure is complete either way.
        calls += _erase_until_done(client, args.id, err, resumed=True)
    return {"erased": args.id, "calls": calls, "settle_seconds": args.settle}


def _export(client: AdminClient, args: argparse.Namespace, err: Console) -> Any:
    document = client.export(args.id)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            json.dump(document, fh, indent=2, ensure_ascii=False)
            fh.write("\n")
    return document


def _validations(client: AdminClient, args: argparse.Namespace, err: Console) -> Any:
    return {
        "license_id": args.id,
        "validations": _collect(client.iter_validations(args.id), err, "validations"),
    }


def _fleet(client: AdminClient, args: argparse.Namespace, err: Console) -> Any:
    return {"items": _collect(client.iter_fleet(), err, "licenses")}


def _release(client: AdminClient, args: argparse.Namespace, err: Console) -> Any:
    if args.release_command == "set":
        return client.set_release(args.version, args.notes_url)
    return client.get_release()


_HANDLERS: dict[str, Handler] = {
    "create": _create,
    "list": _list,
    "show": _show,
    "suspend": _status("suspended"),
    "revoke": _status("revoked"),
    "reactivate": _status("active"),
    "extend": _extend,
    "erase": _erase,
    "export": _export,
    "validations": _validations,
    "fleet": _fleet,
    "release": _release,
}


def _collect(pages: Any, err: Console, noun: str) -> list[Any]:
    """Drain a paginated listing, showing progress on stderr once it spans several pages."""
    items: list[Any] = []
    status = None
    try:
        for number, page in enumerate(pages, start=1):
            items.extend(page)
            if number < 2:
                continue
            message = f"fetched {len(items):,} {noun} ({number} pages)…"
            if err.is_terminal:
                if status is None:
                    status = err.status(message)
                    status.start()
                else:
                    status.update(message)
            elif number % 10 == 0:  # logs and pipes: a line now and then, not one per page
                err.print(message, highlight=False)
    finally:
        if status is not None:
            status.stop()
    return items


# -- time input ----------------------------------------------------------------------------


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of seconds: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def parse_time(text: str) -> str:
    """Accept `YYYY-MM-DD` or ISO 8601 (UTC or with an offset); return the API's `...Z` form."""
    try:
        return format_time(_parse_iso(text))
    except ValueError:
        raise UsageError(f"not a date or ISO 8601 time: {text!r}") from None


def _parse_iso(text: str) -> datetime:
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    if value.tzinfo is None:  # a bare date or naive time is taken as UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def format_time(value: datetime) -> str:
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def console_main() -> NoReturn:
    sys.exit(main())


if __name__ == "__main__":
    console_main()
