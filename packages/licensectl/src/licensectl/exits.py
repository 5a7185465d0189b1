"""licensectl's exit codes and its own error codes: the one table `--help` and the docs state."""

from __future__ import annotations

import textwrap
from enum import IntEnum


class Exit(IntEnum):
    """What a licensectl run ends with."""

    OK = 0
    NOT_FOUND = 1
    USAGE = 2
    AUTH = 3
    SERVER = 4
    ABORTED = 5
    LOCAL = 6


MEANINGS: dict[Exit, str] = {
    Exit.OK: "success",
    Exit.NOT_FOUND: "not found: no license has that id (or id prefix)",
    Exit.USAGE: "usage error: bad arguments, or a request the server refused as invalid",
    Exit.AUTH: "authentication: no admin token, or the server refused it",
    Exit.SERVER: "server or network error: unreachable, still failing after retries, a bad answer",
    Exit.ABORTED: "aborted by the user: confirmation declined or not given, Ctrl-C",
    Exit.LOCAL: "local error: a file could not be written",
}

# Codes licensectl reports itself; the server's own codes map through `exit_for_status`.
LOCAL_ERRORS: dict[str, Exit] = {
    "usage_error": Exit.USAGE,
    "ambiguous_id": Exit.USAGE,
    "no_token": Exit.AUTH,
    "network_error": Exit.SERVER,
    "bad_response": Exit.SERVER,
    "erasure_incomplete": Exit.SERVER,
    "aborted": Exit.ABORTED,
    "local_error": Exit.LOCAL,
}


def exit_for_status(status: int) -> Exit:
    """The exit code of a server answer that is an error (status 400 or more)."""
    if status == 404:
        return Exit.NOT_FOUND
    if status in (401, 403):
        return Exit.AUTH
    if 400 <= status < 500 and status != 429:
        return Exit.USAGE
    return Exit.SERVER


def help_text() -> str:
    """The `exit codes:` section of `licensectl --help`."""
    return "\n".join(f"  {int(code)}  {meaning}" for code, meaning in MEANINGS.items())


def local_errors_text() -> str:
    """licensectl's own error codes with their exit codes, for `licensectl --help`."""
    pairs = ", ".join(f"{code} ({int(exit_code)})" for code, exit_code in LOCAL_ERRORS.items())
    return textwrap.fill(pairs, width=88, initial_indent="  ", subsequent_indent="  ")


class CliError(Exception):
    """A failure reported as `licensectl: <code>: <message>` and ended with `exit_code`."""

    def __init__(self, code: str, message: str, exit_code: Exit | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.exit_code = LOCAL_ERRORS[code] if exit_code is None else exit_code
