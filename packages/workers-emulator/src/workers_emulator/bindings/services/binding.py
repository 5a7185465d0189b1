"""``env.<binding>`` for a ``services`` entry: another Worker of the same dev session, called
through its ``fetch`` or its ``WorkerEntrypoint``'s RPC methods, with what crosses between
the two carried as workerd carries it (``crossing.py``)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from ...errors import JsException
from ...runtime.workers._headers import JsHeaders
from ...runtime.workers.request import Request
from ...runtime.workers.response import FetchResponse, Response, _JsResponse
from ..accounting import CountedBinding
from .crossing import crossed_error, crossing_request, rpc_value

if TYPE_CHECKING:
    from ...emulator import Emulator

# What workerd throws when a service binding's target fails to answer.
FAULT_MESSAGE = "Network connection lost."


def not_running_message(service: str) -> str:
    """wrangler dev's answer when the bound Worker is not part of the session (its dev
    registry's, whichever entrypoint the binding names)."""
    return f'Worker "{service}" not found. Make sure it is running locally.'


class ServiceBinding(CountedBinding):
    """A Fetcher bound to the Worker named ``service`` (its ``entrypoint`` class, if given),
    found in ``workers`` (the session's Workers by name) when called. Every call, ``fetch``
    or RPC, counts as one read on this binding. ``enhanced_errors``: the calling Worker's
    ``enhanced_error_serialization`` (see ``crossed_error``)."""

    def __init__(
        self,
        binding_name: str,
        service: str,
        entrypoint: str | None,
        workers: dict[str, Emulator],
        *,
        enhanced_errors: bool = False,
    ) -> None:
        super().__init__(binding_name)
        self.service = service
        self.entrypoint = entrypoint
        self.enhanced_errors = enhanced_errors
        self._workers = workers

    def _send(self) -> Emulator | None:
        if self._count("read"):
            raise JsException("Error", FAULT_MESSAGE)
        return self._workers.get(self.service)

    async def fetch(self, resource: Any, init: Any = None, **kwargs: Any) -> Response:
        """``Fetcher.fetch(resource, init)``: the other Worker's answer (its assets' too). What
        its fetch raises is raised here, as workerd rejects the caller's ``fetch``."""
        options = dict(kwargs)
        if isinstance(init, dict):
            options = {**init, **options}
        if isinstance(resource, str) or options:
            source = getattr(resource, "js_object", resource)
            request = Request(source if isinstance(source, str) else resource, **options)
        else:
            request = resource if isinstance(resource, Request) else Request(resource)
        target = self._send()
        sent = crossing_request(request)
        if target is None:
            text = not_running_message(self.service).encode()
            headers = JsHeaders([("content-type", "text/plain;charset=UTF-8")])
            return _response(sent.url, _JsResponse(text, 503, "Service Unavailable", headers))
        answer: dict[str, _JsResponse] = {}

        async def respond(response: FetchResponse) -> None:
            js = response.js_response
            body = await js.read() if js.has_body else None
            answer["response"] = _JsResponse(body, js.status, js.status_text, JsHeaders(js.headers))

        try:
            await target.handle(sent, respond, entrypoint=self.entrypoint, propagate=True)
        except Exception as exc:
            raise crossed_error(exc, enhanced=self.enhanced_errors) from None
        return _response(sent.url, answer["response"])

    def __getattr__(self, method: str) -> Callable[..., Coroutine[Any, Any, Any]]:
        if method.startswith("_"):
            raise AttributeError(method)

        async def call(*args: Any) -> Any:
            target = self._send()
            if target is None:
                raise JsException("Error", not_running_message(self.service))
            sent = [rpc_value(arg) for arg in args]
            try:
                result = await target.rpc(self.entrypoint, method, *sent)
            except Exception as exc:
                raise crossed_error(exc, enhanced=self.enhanced_errors) from None
            return rpc_value(result)

        call.__name__ = method
        return call

    def __repr__(self) -> str:
        return f"<Fetcher env.{self.binding_name} (Worker {self.service})>"


def _response(url: str, js: _JsResponse) -> Response:
    """The caller's Response; its ``url`` is the request's, as workerd sets it."""
    js.url = url
    response = Response.__new__(Response)
    FetchResponse.__init__(response, url, js)
    return response
