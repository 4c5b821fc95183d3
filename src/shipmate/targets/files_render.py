"""A files release's wanted set: plain files read from a folder, or Jinja2 templates rendered per data file.

Templates run in jinja2's SandboxedEnvironment (a template is data, not code) with StrictUndefined, so a
misspelt variable is an error with its file and line rather than an empty string in a deployed agent.
Everything is read and rendered in memory first: a failure leaves nothing written.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipmate.errors import InvalidInputError

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment

DATA_SUFFIXES = (".json", ".yaml", ".yml")
TEMPLATE_SUFFIX = ".j2"


def inside(project: Path, relative: str, key: str) -> Path:
    """``relative`` resolved (symlinks too) under ``project``; InvalidInputError naming ``key`` when it escapes."""
    root = project.resolve()
    path = (root / relative).resolve()
    if path != root and root not in path.parents:
        raise InvalidInputError(f"target.{key}: {relative!r} resolves to {path}, outside the project {root}",
                                hint="keep source, data and destination inside the spec file's folder")
    return path


def _files_under(folder: Path) -> list[str]:
    found: list[str] = []
    for base, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        rel = os.path.relpath(base, folder)
        found.extend(name if rel == "." else f"{rel}/{name}" for name in sorted(names) if not name.startswith("."))
    return found


def plain_files(source: Path) -> dict[str, bytes]:
    """Every non-hidden file under ``source`` by its relative path."""
    if not source.is_dir():
        raise InvalidInputError(f"target.source: {source} is not a folder", hint="name the folder of files to keep")
    return {rel: (source / rel).read_bytes() for rel in _files_under(source)}


def read_data(path: Path) -> dict[str, Any]:
    """One data file as a mapping; InvalidInputError with the file and line when it does not parse."""
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix == ".json":
            value = json.loads(text)
        else:
            import yaml

            value = yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"{path}:{exc.lineno}: data file does not parse as JSON: {exc.msg}",
                                hint="fix the file; nothing was written") from exc
    except Exception as exc:   # yaml.YAMLError: imported lazily, so caught by its base here
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise InvalidInputError(f"{path}{line}: data file does not parse as YAML: {problem}",
                                hint="fix the file; nothing was written") from exc
    if not isinstance(value, dict):
        raise InvalidInputError(f"{path}: a data file must hold a mapping, got {type(value).__name__}",
                                hint="e.g. name: reviewer")
    return value


def _environment(folder: Path) -> SandboxedEnvironment:
    from jinja2 import FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(loader=FileSystemLoader(str(folder)), undefined=StrictUndefined,
                                keep_trailing_newline=True, autoescape=False)


def _template_line(exc: BaseException, filename: str) -> int | None:
    """The template line a render error happened on: jinja2 rewrites tracebacks to point into the template."""
    line = getattr(exc, "lineno", None)
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line if isinstance(line, int) else None


def rendered(source: Path, data: Path) -> dict[str, bytes]:
    """One output per data file: ``source`` is a template, or a folder keyed by each data file's ``template:``."""
    if not data.is_dir():
        raise InvalidInputError(f"target.data: {data} is not a folder", hint="name the folder of JSON/YAML files")
    if not source.exists():
        raise InvalidInputError(f"target.source: {source} does not exist", hint="name a template or a folder of them")
    folder = source if source.is_dir() else source.parent
    env = _environment(folder)
    out: dict[str, bytes] = {}
    for rel in _files_under(data):
        if not rel.endswith(DATA_SUFFIXES):
            continue
        values = read_data(data / rel)
        name = str(values.get("template")) if source.is_dir() else source.name
        if source.is_dir() and "template" not in values:
            raise InvalidInputError(f"{data / rel}: no `template:` naming one of the templates in {source}",
                                    hint="e.g. template: agent.md.j2")
        output = _output_name(rel, name, values)
        if output in out:
            raise InvalidInputError(f"{data / rel}: output {output!r} is produced by two data files",
                                    hint="give each data file its own name or `output:`")
        out[output] = _render(env, folder, name, values).encode("utf-8")
    return out


def _output_name(data_rel: str, template: str, values: dict[str, Any]) -> str:
    given = values.get("output")
    if isinstance(given, str) and given:
        return given
    stem = data_rel.rsplit(".", 1)[0]
    made = template[: -len(TEMPLATE_SUFFIX)] if template.endswith(TEMPLATE_SUFFIX) else template
    suffix = "." + made.rsplit(".", 1)[1] if "." in made else ""
    return stem + suffix


def _render(env: SandboxedEnvironment, folder: Path, name: str, values: dict[str, Any]) -> str:
    from jinja2 import TemplateError, TemplateNotFound, TemplateSyntaxError

    filename = str(folder / name)
    try:
        return env.get_template(name).render(values)
    except TemplateNotFound as exc:
        raise InvalidInputError(f"template {filename} not found", hint=f"templates live in {folder}") from exc
    except TemplateSyntaxError as exc:
        raise InvalidInputError(f"{exc.filename or filename}:{exc.lineno}: template does not parse: {exc.message}",
                                hint="fix the template; nothing was written") from exc
    except (TemplateError, TypeError, ValueError, ArithmeticError, LookupError) as exc:
        line = _template_line(exc, filename)
        where = f"{filename}:{line}" if line is not None else filename
        raise InvalidInputError(f"{where}: template failed to render: {exc}",
                                hint="fix the template or its data; nothing was written") from exc
