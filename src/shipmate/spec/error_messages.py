"""Turn pydantic's ValidationError into one SpecError a person can act on.

pydantic's own messages name internal types and carry documentation URLs; users get instead
one line naming the key path, what was expected and what was found, plus a hint. Values under
`env` are never echoed (they may be secrets), only their kind.
"""

from __future__ import annotations

import difflib
import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from shipmate.errors import SpecError
from shipmate.spec.quoting import clip, quoted
from shipmate.spec.yaml_source import END_OF_MAPPING, Loc, dotted_path

_EXPECTED = {
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "string_type": "a string",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "tuple_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}
_PATH_HINTS = {
    "strategy": "blue-green gives zero downtime; canary and rolling add canary: or rolling: settings",
    "version": 'quote it, e.g. version: "1.0"',
}
# For a plain string where an argv list belongs: the one mistake worth a tailored hint.
_LIST_HINTS = {
    "command": 'write it as a list, e.g. ["python3", "app.py"]',
    "argv": 'write it as a list, e.g. ["./healthcheck.sh"]',
}
_INIT_HINT = "`shipmate init` writes a complete example"


def _kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return (
        "a list"
        if isinstance(value, (list, tuple))
        else "a mapping"
        if isinstance(value, dict)
        else "a value"
    )


def _shown(value: Any) -> str:
    if value is None or isinstance(value, (list, tuple, dict)):
        return _kind_of(value)
    return quoted(value)


def _unwrap(tp: Any) -> Any:
    """Strip Annotated[...] and Optional[...] down to the type that holds the data."""
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin in (Union, types.UnionType):
            members = [arg for arg in get_args(tp) if arg is not type(None)]
            if len(members) != 1:
                return tp
            tp = members[0]
        else:
            return tp


def _kind_tags(model: type[BaseModel]) -> tuple[Any, ...]:
    field = model.model_fields.get("kind")
    return get_args(field.annotation) if field is not None and get_origin(field.annotation) is Literal else ()


def _step(tp: Any, part: str | int) -> tuple[Any, bool]:
    """The type one loc part further down, and whether that part was a union tag (not in the data)."""
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        for name, field in tp.model_fields.items():
            if (field.alias or name) == part:
                return field.annotation, False
        return (tp, True) if part in _kind_tags(tp) else (None, False)
    origin, args = get_origin(tp), get_args(tp)
    if origin in (tuple, list) and args:
        return args[0], False
    if origin is dict and len(args) == 2:
        return args[1], False
    if origin in (Union, types.UnionType):
        for member in args:
            if isinstance(member, type) and issubclass(member, BaseModel) and part in _kind_tags(member):
                return member, True
    return None, False


def _walk(root: type[BaseModel], loc: tuple[str | int, ...]) -> tuple[Loc, Any]:
    """(the loc as it is in the YAML data, the type found there)."""
    parts: list[str | int] = []
    tp: Any = root
    for part in loc:
        if part == "[key]":
            continue
        tp, is_tag = _step(tp, part)
        if not is_tag:
            parts.append(part)
    return tuple(parts), _unwrap(tp)


def _unknown_key(root: type[BaseModel], loc: tuple[str | int, ...]) -> tuple[Loc, str, str]:
    parent_loc, parent = _walk(root, loc[:-1])
    key = clip(str(loc[-1]))
    allowed = (
        [field.alias or name for name, field in parent.model_fields.items()]
        if isinstance(parent, type) and issubclass(parent, BaseModel)
        else []
    )
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = (
        f"did you mean '{close[0]}'?"
        if close
        else (f"allowed keys here: {', '.join(allowed)}" if allowed else "remove it")
    )
    return parent_loc, f"unknown key '{key}'", hint


def _translate(err: ErrorDetails, root: type[BaseModel]) -> tuple[Loc, str, str | None]:
    kind, ctx = err["type"], err.get("ctx") or {}
    # A rule over several keys names the one to change below the value it validated (ctx "at").
    loc = (*err["loc"], *ctx.get("at", ()))
    if kind == "extra_forbidden":
        return _unknown_key(root, loc)
    data_loc, _ = _walk(root, loc)
    path = dotted_path(data_loc)
    value = err.get("input")
    got = _kind_of(value) if "env" in data_loc else _shown(value)
    last = str(data_loc[-1]) if data_loc else ""
    hint: str | None = ctx.get("hint") or _PATH_HINTS.get(path) or _PATH_HINTS.get(last)
    if kind == "missing":
        return (
            data_loc,
            "is required",
            f"add `{data_loc[-1]}:` here; {_INIT_HINT}" if data_loc else _INIT_HINT,
        )
    if kind in _EXPECTED:
        if kind == "string_type" and isinstance(value, (int, float)) and "env" in data_loc:
            hint = hint or 'quote it, e.g. "8080"'
        if kind in ("list_type", "tuple_type"):
            hint = hint or _LIST_HINTS.get(last)
        return data_loc, f"expected {_EXPECTED[kind]}, got {got}", hint
    if kind == "literal_error":
        return data_loc, f"must be one of {ctx.get('expected')}, got {got}", hint
    if kind == "union_tag_invalid":
        return (
            (*data_loc, "kind"),
            f"unknown kind '{clip(str(ctx.get('tag')))}', supported: {ctx.get('expected_tags')}",
            "e.g. kind: process",
        )
    if kind == "union_tag_not_found":
        return (*data_loc, "kind"), "is required", "e.g. kind: process"
    if kind == "too_short":
        return (
            data_loc,
            f"needs at least {ctx.get('min_length')} item(s), got {ctx.get('actual_length')}",
            hint,
        )
    if kind == "too_long":
        return (
            data_loc,
            f"may have at most {ctx.get('max_length')} items, got {ctx.get('actual_length')}",
            hint,
        )
    return data_loc, clip(err["msg"], 200), hint


def spec_error_from(
    exc: ValidationError, *, root: type[BaseModel], file: str, positions: dict[Loc, tuple[int, int]]
) -> SpecError:
    """The first problem in document order, "(and N more)", and all of them on ``.errors``."""
    found: dict[tuple[str, str], tuple[tuple[int, int], Loc, str, str | None]] = {}
    for err in exc.errors(include_url=False):
        data_loc, message, hint = _translate(err, root)
        # An unknown key is reported on its parent's path but sits at its own place in the file.
        where = (*data_loc, err["loc"][-1]) if err["type"] == "extra_forbidden" else data_loc
        if err["type"] in ("missing", "union_tag_not_found"):  # not in the file: at its mapping's end
            where = (*data_loc[:-1], END_OF_MAPPING)
        entry = (_position(where, positions), data_loc, message, hint)
        found.setdefault((dotted_path(data_loc), message), entry)
    ordered = sorted(found.values(), key=lambda item: item[0])
    _, first_loc, first_message, first_hint = ordered[0]
    more = f" (and {len(ordered) - 1} more)" if len(ordered) > 1 else ""
    error = SpecError(first_message + more, path=dotted_path(first_loc), file=file, hint=first_hint)
    every = [
        {"path": dotted_path(loc), "message": message, "hint": hint, "line": pos[0], "column": pos[1]}
        for pos, loc, message, hint in ordered
    ]
    error.__dict__["errors"] = every  # SpecError declares no such attribute; the brief allows adding it
    return error


def _position(loc: Loc, positions: dict[Loc, tuple[int, int]]) -> tuple[int, int]:
    """Where ``loc`` (or its nearest ancestor present in the file, for missing keys) starts."""
    for end in range(len(loc), -1, -1):
        if loc[:end] in positions:
            return positions[loc[:end]]
    return (0, 0)
