"""Read one task file's bytes into a DeploymentTaskSpec, or into EVERY problem with its JSON pointer.

Pure: bytes in, a TaskReading out. Stricter than json.loads on purpose: a duplicate key, NaN/Infinity or a
number that overflows to infinity is an error (json.loads takes the last key and accepts NaN), and size and
depth are bounded before pydantic sees anything.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from shipmate.spec.task_spec import IGNORED_APPROVAL_FIELDS, DeploymentTaskSpec

MAX_TASK_BYTES = 1024 * 1024
MAX_DEPTH = 16


@dataclass(frozen=True)
class Problem:
    pointer: str     # RFC 6901: "" is the whole document
    message: str
    hint: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"pointer": self.pointer, "message": self.message, "hint": self.hint}


@dataclass(frozen=True)
class TaskReading:
    task: DeploymentTaskSpec | None
    problems: list[Problem] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)   # approval fields dropped unread
    data: dict[str, Any] | None = None                 # the parsed document (for the digest), when it parsed


class _Object(dict[str, Any]):
    """A JSON object that remembers the keys it saw twice."""

    duplicates: list[str]


class _NonFinite:
    def __init__(self, text: str) -> None:
        self.text = text


def _pairs(pairs: list[tuple[str, Any]]) -> _Object:
    obj = _Object()
    obj.duplicates = []
    for key, value in pairs:
        if key in obj:
            obj.duplicates.append(key)
        obj[key] = value
    return obj


def _number(text: str) -> float | _NonFinite:
    value = float(text)
    return value if math.isfinite(value) else _NonFinite(text)


def pointer(parts: tuple[str | int, ...] | list[str | int]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _walk(value: Any, path: list[str | int], problems: list[Problem]) -> None:
    if len(path) > MAX_DEPTH:
        problems.append(Problem(pointer(path), f"nested deeper than {MAX_DEPTH} levels",
                                "a task is a flat request; see `shipmate schema inbox`"))
        return
    if isinstance(value, _NonFinite):
        problems.append(Problem(pointer(path), f"{value.text} is not a finite number", "use a plain number"))
    elif isinstance(value, dict):
        for key in getattr(value, "duplicates", []):
            problems.append(Problem(pointer([*path, key]), f"duplicate key '{key}'", "give each key once"))
        for key, item in value.items():
            _walk(item, [*path, key], problems)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, [*path, index], problems)


def _finite(value: Any) -> Any:
    """The document with each non-finite number as null, so the other fields are still checked."""
    if isinstance(value, _NonFinite):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def _decode(raw: bytes) -> tuple[Any, list[Problem]]:
    if len(raw) > MAX_TASK_BYTES:
        return None, [Problem("", f"{len(raw)} bytes is over the 1 MiB limit", "a task is a small request")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [Problem("", f"not UTF-8 (byte {exc.start})", "write the file as UTF-8 JSON")]
    try:
        data = json.loads(text, object_pairs_hook=_pairs, parse_constant=_NonFinite, parse_float=_number)
    except json.JSONDecodeError as exc:
        return None, [Problem("", f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                              "check it with `python -m json.tool FILE`")]
    except RecursionError:
        return None, [Problem("", f"nested deeper than {MAX_DEPTH} levels", "a task is a flat request")]
    problems: list[Problem] = []
    _walk(data, [], problems)
    return data, problems


def _pydantic_problems(exc: ValidationError) -> list[Problem]:
    out: list[Problem] = []
    for err in exc.errors(include_url=False):
        loc = tuple(part for part in err["loc"] if not (isinstance(part, str) and part.startswith("function-")))
        ctx = err.get("ctx") or {}
        hint = ctx.get("hint") if isinstance(ctx.get("hint"), str) else None
        if err["type"] == "extra_forbidden":
            message, hint = "unknown field", hint or "see `shipmate schema inbox` for the fields a task has"
        elif err["type"] == "missing":
            message = "required field is missing"
        else:
            message = err["msg"]
        out.append(Problem(pointer(loc), message, hint))
    return out


def read_task(raw: bytes, *, service: str, environments: list[str]) -> TaskReading:
    """``service``/``environments``: what the spec declares; a task naming anything else is rejected."""
    data, problems = _decode(raw)
    if data is None:
        return TaskReading(None, problems)
    if not isinstance(data, dict):
        return TaskReading(None, [*problems, Problem("", "a task must be a JSON object",
                                                     "see `shipmate schema inbox`")])
    ignored = sorted(k for k in data if k in IGNORED_APPROVAL_FIELDS)
    plain = {k: _finite(v) for k, v in data.items() if k not in IGNORED_APPROVAL_FIELDS}
    task: DeploymentTaskSpec | None = None
    try:
        task = DeploymentTaskSpec.model_validate(plain)
    except ValidationError as exc:
        seen = {p.pointer for p in problems}   # a NaN already reported is not also "not a number"
        problems += [p for p in _pydantic_problems(exc) if p.pointer not in seen]
    problems += _unknown_names(plain, service, environments)
    if problems:
        return TaskReading(None, problems, ignored, plain)
    return TaskReading(task, [], ignored, plain)


def _unknown_names(data: dict[str, Any], service: str, environments: list[str]) -> list[Problem]:
    """Names the schema cannot know: the spec's service and environments (checked even when other fields fail)."""
    out: list[Problem] = []
    env = data.get("environment")
    if isinstance(env, str) and env not in environments:
        out.append(Problem("/environment", f"unknown environment '{env}'", "known: " + ", ".join(environments)))
    scope = data.get("scope")
    services = scope.get("services") if isinstance(scope, dict) else None
    if isinstance(services, list):
        for index, name in enumerate(services):
            if isinstance(name, str) and name != service:
                out.append(Problem(f"/scope/services/{index}", f"unknown service '{name}'",
                                   f"this inbox deploys '{service}'"))
    return out
