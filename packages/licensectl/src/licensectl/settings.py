"""Where licensectl finds its server and its admin token: flags, environment, a hidden prompt."""

from __future__ import annotations

import getpass
from collections.abc import Mapping
from typing import TextIO
from urllib.parse import urlsplit, urlunsplit

from licensectl.exits import CliError

URL_VARIABLE = "LICENSE_SERVER_URL"
TOKEN_VARIABLE = "LICENSE_ADMIN_TOKEN"  # noqa: S105 (a variable name, not a secret)


def server_url(text: str | None) -> str:
    """The server's base URL, from `--url` or LICENSE_SERVER_URL.

    A path from a `v1` segment on (`…/v1`, `…/v1/admin/licenses`, pasted from an API URL) and
    trailing slashes are dropped, since licensectl adds `/v1/admin/…` itself; a user name,
    password, query or fragment is refused before any call.
    """
    if not text or not text.strip():
        raise CliError("usage_error", f"no server URL: pass --url or set {URL_VARIABLE}")
    raw = text.strip()
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CliError(
            "usage_error",
            f"the server URL must look like https://host or http://host:port, got {raw!r}",
        )
    if parts.username is not None or parts.password is not None:
        # Printed in error messages otherwise; the token has its own variable.
        raise CliError(
            "usage_error",
            f"the server URL must not hold a user name or password (the token goes in "
            f"{TOKEN_VARIABLE})",
        )
    if parts.query or parts.fragment:
        raise CliError(
            "usage_error", f"the server URL must not have a query or fragment, got {raw!r}"
        )
    segments = parts.path.split("/")
    if "v1" in segments:
        segments = segments[: segments.index("v1")]
    path = "/".join(segments).rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def admin_token(environ: Mapping[str, str], stdin: TextIO) -> str:
    """LICENSE_ADMIN_TOKEN, else typed at a hidden prompt when there is a terminal to type on."""
    value = environ.get(TOKEN_VARIABLE)
    token = (value or "").strip()
    if token:
        return token
    state = "is empty" if value is not None else "is not set"
    if not stdin.isatty():
        raise CliError(
            "no_token",
            f"{TOKEN_VARIABLE} {state} and there is no terminal to ask for the token: "
            f"export {TOKEN_VARIABLE}",
        )
    # getpass reads without echo from the terminal: the token never reaches shell history.
    token = getpass.getpass(f"{TOKEN_VARIABLE} {state}. Admin token (input hidden): ").strip()
    if not token:
        raise CliError("no_token", f"no admin token typed; set {TOKEN_VARIABLE} or type it")
    return token
