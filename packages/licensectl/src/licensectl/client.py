"""A small synchronous client for the license server's admin API (`/v1/admin/*`)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import httpx

from licensectl.exits import CliError, exit_for_status

# 429/503 are transient: a short wait and a retry is kinder than failing. (The server waits
# out KV's one-write-per-second window itself, so a 503 now means KV really failed.) A failed
# write was not stored, so repeating a POST cannot create a second license.
_RETRY_STATUSES = frozenset({429, 503})
_MAX_RETRIES = 3
_MAX_RETRY_WAIT = 2.0


class AdminError(CliError):
    """An admin call failed; `code` is the server's error code (or a local one)."""

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(code, message, None if status is None else exit_for_status(status))
        self.status = status


class AdminClient:
    """One admin-API session: base URL + bearer token, one call per method."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={
                "authorization": f"Bearer {token}",
                "accept": "application/json",
                "user-agent": "licensectl",
            },
            timeout=timeout,
            transport=transport,
        )
        self._sleep = sleep
        self.last_attempts = 0  # HTTP attempts the last call took (retries included)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> AdminClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transport ---------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
    ) -> httpx.Response:
        for attempt in range(_MAX_RETRIES + 1):
            try:
                response = self._http.request(method, path, json=json, params=params)
            except httpx.HTTPError as exc:
                raise AdminError("network_error", _unreachable(exc)) from None
            self.last_attempts = attempt + 1
            if response.status_code in _RETRY_STATUSES and attempt < _MAX_RETRIES:
                self._sleep(_retry_after(response))
                continue
            break
        if response.status_code >= 400:
            raise _error_from(response)
        return response

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._request(method, path, **kwargs)
        try:
            return response.json()
        except ValueError:
            raise AdminError(
                "bad_response", f"the server answered {response.status_code} without JSON"
            ) from None

    # -- licenses ----------------------------------------------------------------------------

    def create_license(self, customer: str, plan: str, expires_at: str | None) -> dict[str, Any]:
        body = {"customer": customer, "plan": plan, "expires_at": expires_at}
        return self._json("POST", "/v1/admin/licenses", json=body)

    def iter_licenses(self) -> Iterator[list[dict[str, Any]]]:
        """Every page of licenses, following cursors to the end."""
        yield from self._pages("/v1/admin/licenses", "licenses")

    def show(self, license_id: str) -> dict[str, Any]:
        return self._json("GET", f"/v1/admin/licenses/{_seg(license_id)}")

    def patch(self, license_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        return self._json("PATCH", f"/v1/admin/licenses/{_seg(license_id)}", json=changes)

    def erase_step(self, license_id: str, resumed: bool = False) -> bool:
        """One DELETE call; True when the erasure is complete, False when it must be repeated.

        ``resumed``: an earlier call of this erasure went through. A 404 then (or after a
        retried 503, whose first attempt may have finished the job) means "nothing left".
        """
        try:
            response = self._request("DELETE", f"/v1/admin/licenses/{_seg(license_id)}")
        except AdminError as error:
            if error.status == 404 and (resumed or self.last_attempts > 1):
                return True
            raise
        return response.status_code != 202

    def wait(self, seconds: float) -> None:
        """Sleep with the client's clock (tests pass one that only records)."""
        self._sleep(seconds)

    def iter_validations(self, license_id: str) -> Iterator[list[str]]:
        yield from self._pages(f"/v1/admin/licenses/{_seg(license_id)}/validations", "validations")

    def export(self, license_id: str) -> dict[str, Any]:
        """The GDPR export; validation pages beyond the first are fetched and merged."""
        path = f"/v1/admin/licenses/{_seg(license_id)}/export"
        document = self._json("GET", path)
        cursor = document.pop("cursor", None)
        while cursor:
            more = self._json("GET", path, params=_cursor(cursor))
            document["validations"].extend(more.get("validations", []))
            cursor = more.get("cursor")
        return document

    # -- fleet and release -------------------------------------------------------------------

    def iter_fleet(self) -> Iterator[list[dict[str, Any]]]:
        yield from self._pages("/v1/admin/fleet", "items")

    def get_release(self) -> dict[str, Any]:
        return self._json("GET", "/v1/admin/release")

    def set_release(self, version: str, notes_url: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {"latest_version": version}
        if notes_url is not None:
            body["release_notes_url"] = notes_url
        return self._json("PUT", "/v1/admin/release", json=body)

    def _pages(self, path: str, field: str) -> Iterator[list[Any]]:
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            page = self._json("GET", path, params=_cursor(cursor))
            yield list(page.get(field) or [])
            cursor = page.get("cursor")
            if not cursor:
                return
            if cursor in seen:  # a server bug must not turn into an endless loop
                raise AdminError("bad_response", "the server repeated a pagination cursor")
            seen.add(cursor)


def _cursor(cursor: str | None) -> dict[str, str] | None:
    return {"cursor": cursor} if cursor else None


def _seg(license_id: str) -> str:
    """Quote an id for a path segment so odd input cannot reach another route."""
    return quote(license_id, safe="")


def _retry_after(response: httpx.Response) -> float:
    """Seconds to wait: the server's Retry-After, capped (an operator is waiting), else 1."""
    try:
        wait = float(response.headers.get("retry-after", "1"))
    except ValueError:
        wait = 1.0
    return min(max(wait, 0.0), _MAX_RETRY_WAIT)


def _error_from(response: httpx.Response) -> AdminError:
    code, message = f"http_{response.status_code}", response.reason_phrase or "request failed"
    try:
        error = response.json().get("error", {})
        code = str(error.get("code") or code)
        message = str(error.get("message") or message)
    except (ValueError, AttributeError):
        pass
    return AdminError(code, _one_line(message), response.status_code)


def _unreachable(exc: httpx.HTTPError) -> str:
    """What failed and where: the URL (the token travels in a header, never in it)."""
    detail = _one_line(str(exc) or type(exc).__name__)
    try:
        url = exc.request.url.copy_with(query=None)
    except RuntimeError:  # an error raised before a request existed
        return detail
    return f"could not reach {url}: {detail}"


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]
