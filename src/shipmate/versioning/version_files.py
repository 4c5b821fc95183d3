"""Reading and writing the version inside the files that carry it, changing nothing else in them.

Kinds: `text` (a VERSION file: the version alone), `pyproject` ([project].version, through tomlkit so comments
and layout stay), `package_json` (the top-level "version" string, replaced in place so indent and key order
stay), `python` (one `__version__ = "..."` line). A file without its field is an error naming the file.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from shipmate.errors import InvalidInputError

if TYPE_CHECKING:
    from tomlkit import TOMLDocument

KINDS = ("text", "pyproject", "package_json", "python")
_PY_VERSION = re.compile(r"""^(?P<lead>[ \t]*__version__[ \t]*(?::[ \t]*str[ \t]*)?=[ \t]*)(?P<q>["'])"""
                         r"""(?P<v>[^"'\n]*)(?P=q)""", re.MULTILINE)


def kind_for(path: str) -> str | None:
    """The kind a file's name implies; None: say it with {path, kind}."""
    name = path.rsplit("/", 1)[-1]
    if name == "pyproject.toml":
        return "pyproject"
    if name == "package.json":
        return "package_json"
    if name.endswith(".py"):
        return "python"
    if name.upper() in ("VERSION", "VERSION.TXT"):
        return "text"
    return None


def _missing(path: str, what: str, hint: str) -> InvalidInputError:
    return InvalidInputError(f"{path}: {what}", hint=hint)


def read_version(kind: str, path: str, text: str) -> str:
    if kind == "text":
        value = text.strip()
        if not value or "\n" in value:
            raise _missing(path, "holds no version (one line, e.g. 1.4.2)", "write the version alone on one line")
        return value
    if kind == "pyproject":
        return str(_pyproject_table(path, text)[1]["version"])
    if kind == "package_json":
        return _package_json_span(path, text)[2]
    found = list(_PY_VERSION.finditer(text))
    if len(found) != 1:
        what = "has no" if not found else f"has {len(found)}"
        raise _missing(path, f"{what} __version__ = \"...\" line", "keep exactly one, e.g. __version__ = \"1.4.2\"")
    return found[0]["v"]


def write_version(kind: str, path: str, text: str, version: str) -> str:
    """``text`` with the version replaced; raises like read_version when the field is not there."""
    if kind == "text":
        read_version(kind, path, text)
        return version + "\n"
    if kind == "pyproject":
        import tomlkit  # only here: `shipmate version` loads this module on every call

        document, project = _pyproject_table(path, text)
        project["version"] = version
        return tomlkit.dumps(document)
    if kind == "package_json":
        start, end, _ = _package_json_span(path, text)
        return text[:start] + json.dumps(version) + text[end:]
    read_version(kind, path, text)
    return _PY_VERSION.sub(lambda m: f"{m['lead']}{m['q']}{version}{m['q']}", text, count=1)


def _pyproject_table(path: str, text: str) -> tuple[TOMLDocument, dict[str, Any]]:
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    try:
        document = tomlkit.parse(text)
    except TOMLKitError as exc:
        raise _missing(path, f"is not valid TOML: {str(exc).splitlines()[0]}", "fix the file") from exc
    project = document.get("project")
    if not isinstance(project, dict) or not isinstance(project.get("version"), str):
        dynamic = isinstance(project, dict) and "version" in (project.get("dynamic") or [])
        hint = ("the version is dynamic here: list the file it comes from (e.g. src/pkg/__init__.py) instead"
                if dynamic else "add version = \"0.1.0\" under [project]")
        raise _missing(path, "has no [project].version", hint)
    return document, project


def _package_json_span(path: str, text: str) -> tuple[int, int, str]:
    """Where the top-level "version" string's value starts and ends (quotes included), and the value."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise _missing(path, f"is not valid JSON: {exc}", "fix the file") from exc
    if not isinstance(data, dict) or not isinstance(data.get("version"), str):
        raise _missing(path, "has no top-level \"version\" string", "add \"version\": \"0.1.0\"")
    depth, index, expect_key = 0, 0, False
    while index < len(text):
        char = text[index]
        if char in "{[":
            depth += 1
            expect_key = char == "{"
        elif char in "}]":
            depth -= 1
        elif char == ",":
            expect_key = True
        elif char == '"':
            end = _string_end(text, index)
            if depth == 1 and expect_key and json.loads(text[index:end]) == "version":
                value_start = text.index('"', text.index(":", end))
                return value_start, _string_end(text, value_start), str(data["version"])
            expect_key = False
            index = end
            continue
        index += 1
    raise _missing(path, "has no top-level \"version\" string", "add \"version\": \"0.1.0\"")


def _string_end(text: str, start: int) -> int:
    index = start + 1
    while text[index] != '"':
        index += 2 if text[index] == "\\" else 1
    return index + 1
