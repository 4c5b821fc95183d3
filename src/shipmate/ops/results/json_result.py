"""The base of every result type: to_json() (the `--json` object, in field order) and read-only indexing.

A field is serialised under its name; one declared `field(default=None, kw_only=True, metadata=OMIT_IF_NONE)`
is left out while None (a key the `--json` object has only sometimes, e.g. `approval` when a deployment
needed one; keyword-only, so it may come first).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any

_OMIT = "omit_if_none"
OMIT_IF_NONE = {_OMIT: True}


class JsonResult(Mapping[str, Any]):
    """Mixed into frozen dataclasses. Reading result["key"] gives the JSON value (nested results as dicts)."""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for field in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, field.name)
            if value is None and field.metadata.get(_OMIT):
                continue
            out[field.name] = plain(value)
        return out

    def __getitem__(self, key: str) -> Any:
        return self.to_json()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.to_json())

    def __len__(self) -> int:
        return len(self.to_json())


def plain(value: Any) -> Any:
    """JSON-ready: results to their objects, tuples to lists, containers walked."""
    if isinstance(value, JsonResult):
        return value.to_json()
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value


def as_json(result: Mapping[str, Any]) -> dict[str, Any]:
    """What a face prints for an operation's result: a typed result's object, or a plain dict as it is."""
    return result.to_json() if isinstance(result, JsonResult) else dict(result)
