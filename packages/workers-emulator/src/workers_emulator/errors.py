"""JavaScript exceptions as a Python Worker sees them."""

from __future__ import annotations


class JsException(Exception):
    """A JS error surfacing in Python, like Pyodide's ``JsException``.

    ``str(e)`` is ``"<name>: <message>"``, which is what Worker code can match on.
    """

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message

    def __repr__(self) -> str:
        return f"JsException({self.name!r}, {self.message!r})"


def error_line(exc: BaseException) -> str:
    """The first line of a JavaScript error's stack, ``Name: message``, for any exception (a
    Python one is named by its class)."""
    if isinstance(exc, JsException):
        name, message = exc.name, exc.message
    else:
        name, message = type(exc).__name__, str(exc)
    return f"{name}: {message}" if message else name


class NotEmulatedError(NotImplementedError):
    """A runtime feature the emulator does not provide, named in the message.

    One class for every such feature (a JavaScript global, a Pyodide module, a binding
    method), so a Worker that reaches one fails loudly and says what it reached for.
    """

    def __init__(self, feature: str, hint: str = "") -> None:
        message = f"{feature} is not emulated by workers-emulator"
        super().__init__(f"{message} ({hint})" if hint else message)
        self.feature = feature

    @classmethod
    def with_message(cls, feature: str, message: str) -> NotEmulatedError:
        """One whose whole message is ``message`` (it must name ``feature`` and say it is
        not emulated)."""
        error = cls(feature)
        error.args = (message,)
        return error


class WorkersEmulatorWarning(UserWarning):
    """Something the Worker's config asks for that the emulator ignores or does not
    provide (an unknown config key, a binding it does not emulate)."""
