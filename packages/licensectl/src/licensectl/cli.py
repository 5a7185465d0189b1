"""`licensectl`: the operator's command line over the license server's admin API."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NoReturn, TextIO

import httpx
from rich.console import Console

from licensectl import checks, exits, ids, render, settings
from licensectl.client import AdminClient, AdminError
from licensectl.exits import LOCAL_ERRORS, CliError, Exit

# A server that never finishes an erasure must not keep us looping forever.
_MAX_ERASE_ROUNDS = 10_000
# A heartbeat that read the license just before the erasure can still write its timestamp and
# stats after it (KV reads elsewhere may be up to 60 s stale): one more erasure pass after this
# long removes what it wrote (README, "Known limits").
DEFAULT_ERASE_SETTLE_SECONDS = 90

_EPILOG = f"""\
environment:
  {settings.URL_VARIABLE}   server base URL (instead of --url); a trailing /v1 is dropped
  {settings.TOKEN_VARIABLE}  admin bearer token; when unset, asked for without echo on a
                       terminal (without a terminal: exit 3, no_token)

license ids:
  ID is the full 32-character id or its first 4 or more characters when no other
  license id starts with them (as git accepts a unique commit prefix).

output:
  Human-readable tables by default (full values, unwrapped, when stdout is not a
  terminal); --json prints one JSON document on stdout (see docs/licensectl.md for the
  shapes). Errors go to stderr as one line: "licensectl: <error_code>: <message>",
  where <error_code> is the server's (license_not_found, unauthorized, invalid_request,
  ...) or one of licensectl's own, here with their exit codes:
{exits.local_errors_text()}

exit codes:
{exits.help_text()}
"""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one stderr line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        print(f"licensectl: usage_error: {message} (see licensectl --help)", file=sys.stderr)
        raise SystemExit(Exit.USAGE)


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
    p.add_argument("--allow-past", action="store_true", help="accept an expiry in the past")

    command("list", "list every license (follows pagination)")

    for name, help_text in [
        ("show", "show one license with its last stats and last validation"),
        ("suspend", "suspend a license (heartbeats answer SUSPENDED)"),
        ("revoke", "revoke a license for good (heartbeats answer REVOKED); asks first"),
        ("reactivate", "make a suspended license active again (revocation is final)"),
        ("validations", "list a license's validation timestamps, newest first"),
    ]:
        p = command(name, help_text)
        p.add_argument("id", metavar="ID", help="license id or prefix")
        if name == "revoke":
            p.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")

    p = command("extend", "move a license's expiry date")
    p.add_argument("id", metavar="ID")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--expires-at", metavar="DATE", help="new expiry: YYYY-MM-DD or ISO 8601")
    how.add_argument(
        "--by-days", type=int, metavar="N", help="move the current expiry N days later (N >= 1)"
    )
    how.add_argument("--perpetual", action="store_true", help="remove the expiry date")
    p.add_argument("--allow-past", action="store_true", help="accept a new expiry in the past")

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


def _utc_now() -> datetime:
    return datetime.now(UTC)


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: Console | None = None,
    stderr: Console | None = None,
    environ: Mapping[str, str] | None = None,
    stdin: TextIO | None = None,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], datetime] = _utc_now,
    transport: httpx.BaseTransport | None = None,
) -> int:
    """Run one command; returns (and, as a console script, exits with) the exit code.

    ``sleep`` waits between retries and before the erasure's second pass, ``now`` dates the
    expiry checks, ``transport`` carries the HTTP calls: tests pass their own.
    """
    out = stdout or Console(soft_wrap=True)
    err = stderr or Console(stderr=True, soft_wrap=True)
    try:
        # --help and usage errors go to this run's consoles (stdout/stderr by default).
        with contextlib.redirect_stdout(out.file), contextlib.redirect_stderr(err.file):
            args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2), already printed
        return int(exc.code or 0)
    run = Invocation(
        args=args,
        out=out,
        err=err,
        environ=os.environ if environ is None else environ,
        stdin=sys.stdin if stdin is None else stdin,
        now=now(),
    )
    try:
        return _run(run, sleep, transport)
    except CliError as exc:
        _fail(err, exc.code, exc.message)
        return exc.exit_code
    except (KeyboardInterrupt, EOFError):
        _fail(err, "aborted", "aborted by the user")
        return Exit.ABORTED
    except OSError as exc:  # e.g. export -o to an unwritable path
        _fail(err, "local_error", str(exc))
        return LOCAL_ERRORS["local_error"]


def _fail(err: Console, code: str, message: str) -> None:
    # markup=False: a server message must not be able to inject rich markup.
    err.print(f"licensectl: {code}: {message}", markup=False, highlight=False, soft_wrap=True)


@dataclass(frozen=True)
class Invocation:
    """One run's parsed arguments, streams, environment and moment."""

    args: argparse.Namespace
    out: Console
    err: Console
    environ: Mapping[str, str]
    stdin: TextIO
    now: datetime


def _run(
    run: Invocation, sleep: Callable[[float], None], transport: httpx.BaseTransport | None
) -> int:
    """URL, offline checks, token, then the calls: every refusal comes before any request."""
    args = run.args
    url = settings.server_url(getattr(args, "url", None) or run.environ.get(settings.URL_VARIABLE))
    _check_before_any_call(run)
    token = settings.admin_token(run.environ, run.stdin)
    with AdminClient(url, token, sleep=sleep, transport=transport) as client:
        if hasattr(args, "id"):
            args.id = ids.resolve(client, args.id, lambda pages: _collect(pages, run.err, "ids"))
        # Confirm once the id is whole, so the operator sees exactly what goes.
        if args.command in _IRREVERSIBLE and not args.yes:
            _confirm(args.command, args.id, run)
        result = _HANDLERS[args.command](client, run)
    if getattr(args, "json", False):
        if run.out.is_terminal:
            run.out.print_json(data=result)
        else:
            _print_plain_json(run.out, result)
    else:
        render.human(args, result, run.out)
    return Exit.OK


def _check_before_any_call(run: Invocation) -> None:
    """Input that can be refused without the server: refused before the token is asked for."""
    args = run.args
    if hasattr(args, "id"):
        checks.id_or_prefix(args.id)
    if args.command == "release" and args.release_command == "set":
        checks.version(args.version)
    if args.command in ("create", "extend") and args.expires_at is not None:
        _given_expiry(run)
    if args.command == "extend" and args.by_days is not None:
        checks.days_later(args.by_days)


def _given_expiry(run: Invocation) -> str:
    """`--expires-at`, in the API's form, refused in the past unless `--allow-past`."""
    given = checks.parse_time(run.args.expires_at)
    return checks.future_expiry(given, run.now, allow_past=run.args.allow_past)


def _print_plain_json(out: Console, result: Any) -> None:
    # Not through rich: scripts get byte-exact JSON with no wrapping or colour codes.
    out.file.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    out.file.flush()


# What each irreversible command does, as the confirmation states it.
_IRREVERSIBLE = {
    "erase": "This erases license {id}, its validation log and its fleet stats.",
    "revoke": "This revokes license {id}: its heartbeats answer REVOKED from now on.",
}


def _confirm(command: str, license_id: str, run: Invocation) -> None:
    run.err.print(
        _IRREVERSIBLE[command].format(id=license_id) + " It cannot be undone.",
        markup=False,
        highlight=False,
    )
    run.err.file.write(f"{command.capitalize()}? [y/N] ")
    run.err.file.flush()
    answer = run.stdin.readline()
    if not run.stdin.isatty():  # a piped answer is not echoed: end the prompt's line ourselves
        run.err.file.write("\n")
    if not answer:
        raise CliError("aborted", "no confirmation given (use --yes in scripts)")
    if answer.strip().lower() not in ("y", "yes"):
        raise CliError("aborted", f"{command} not confirmed; nothing was changed")


# -- command handlers: each returns the JSON document that --json prints --------------------

Handler = Callable[[AdminClient, Invocation], Any]


def _create(client: AdminClient, run: Invocation) -> Any:
    args = run.args
    expires = None if args.perpetual else _given_expiry(run)
    return client.create_license(args.customer, args.plan, expires)


def _list(client: AdminClient, run: Invocation) -> Any:
    return {"licenses": _collect(client.iter_licenses(), run.err, "licenses")}


def _show(client: AdminClient, run: Invocation) -> Any:
    return client.show(run.args.id)


def _status(status: str) -> Handler:
    def handler(client: AdminClient, run: Invocation) -> Any:
        return client.patch(run.args.id, {"status": status})

    return handler


def _extend(client: AdminClient, run: Invocation) -> Any:
    args = run.args
    if args.perpetual:
        new: str | None = None
    elif args.expires_at is not None:
        new = _given_expiry(run)
    else:
        current = client.show(args.id)["license"].get("expires_at")
        if current is None:
            raise CliError("usage_error", "the license is perpetual; give --expires-at for a date")
        later = checks.parse_time(current) + checks.days_later(args.by_days)
        new = checks.future_expiry(later, run.now, allow_past=args.allow_past)
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


def _erase(client: AdminClient, run: Invocation) -> Any:
    args, err = run.args, run.err
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


def _export(client: AdminClient, run: Invocation) -> Any:
    args = run.args
    document = client.export(args.id)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            json.dump(document, fh, indent=2, ensure_ascii=False)
            fh.write("\n")
    return document


def _validations(client: AdminClient, run: Invocation) -> Any:
    license_id = run.args.id
    return {
        "license_id": license_id,
        "validations": _collect(client.iter_validations(license_id), run.err, "validations"),
    }


def _fleet(client: AdminClient, run: Invocation) -> Any:
    return {"items": _collect(client.iter_fleet(), run.err, "licenses")}


def _release(client: AdminClient, run: Invocation) -> Any:
    args = run.args
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


def _collect(pages: Iterable[list[Any]], err: Console, noun: str) -> list[Any]:
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


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of seconds: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def console_main() -> NoReturn:
    sys.exit(main())


if __name__ == "__main__":
    console_main()
