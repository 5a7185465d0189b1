"""``workers.FormData``: a mutable mapping over the JavaScript FormData."""

from __future__ import annotations

from collections.abc import Generator, MutableMapping
from typing import Any

from ..js.bodies import Blob as JsBlob
from ..js.bodies import File as JsFile
from ..js.bodies import FormData as JsFormData
from .blob import Blob, File

FormDataValue = "str | js.Blob | Blob"
_Value = Any  # FormDataValue, for the type checker


def _py_value_to_js(item: Any) -> Any:
    return item.js_object if isinstance(item, Blob) else item


def _js_value_to_py(item: Any) -> Any:
    if isinstance(item, JsFile):
        return File(item, item.name)
    if isinstance(item, JsBlob):
        return Blob(item)
    return item


class FormData(MutableMapping[str, Any]):
    """Form fields: ``form["name"]``, ``append``, ``get_all``; files come back as ``File``."""

    def __init__(self, form_data: JsFormData | dict[str, _Value] | None = None):
        if not form_data:
            self._js_form_data = JsFormData()
            return
        if isinstance(form_data, dict):
            self._js_form_data = JsFormData()
            for k, v in form_data.items():
                self._js_form_data.append(k, _py_value_to_js(v))
            return
        if isinstance(form_data, JsFormData):
            self._js_form_data = form_data
            return
        raise TypeError("Expected form_data to be a dict or an instance of FormData")

    def __getitem__(self, key: str) -> _Value:
        return _js_value_to_py(self._js_form_data.get(key))

    def __setitem__(self, key: str, value: _Value):
        if isinstance(value, list):
            raise TypeError("Expected single item in arguments to FormData.__setitem__")
        self._js_form_data.set(key, _py_value_to_js(value))

    def append(self, key: str, value: _Value, filename: str | None = None):
        self._js_form_data.append(key, _py_value_to_js(value), filename)

    def delete(self, key: str):
        self._js_form_data.delete(key)

    def __contains__(self, key: object) -> bool:
        return self._js_form_data.has(str(key))

    def values(self) -> Generator[_Value, None, None]:  # type: ignore[override]
        for val in self._js_form_data.values():
            yield _js_value_to_py(val)

    def keys(self) -> Generator[str, None, None]:  # type: ignore[override]
        yield from self._js_form_data.keys()

    def __iter__(self):
        yield from self.keys()

    def items(self) -> Generator[tuple[str, _Value], None, None]:  # type: ignore[override]
        for k, v in self._js_form_data.entries():
            yield (k, _js_value_to_py(v))

    def __delitem__(self, key: str):
        self.delete(key)

    def __len__(self):
        return len(list(self.keys()))

    def get_all(self, key: str) -> list[_Value]:
        return [_js_value_to_py(x) for x in self._js_form_data.getAll(key)]

    @property
    def js_object(self) -> JsFormData:
        return self._js_form_data
