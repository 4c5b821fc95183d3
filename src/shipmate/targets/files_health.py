"""The files target's health check: every file of ours is present and parses, optionally against a JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from shipmate.targets.files_frontmatter import parsed_frontmatter

STRUCTURED = (".json", ".yaml", ".yml", ".md")


def _parsed(name: str, data: bytes) -> Any:
    """What a schema is checked against: the frontmatter of Markdown, the document of JSON/YAML."""
    if name.endswith(".json"):
        return json.loads(data)
    import yaml

    if name.endswith((".yaml", ".yml")):
        return yaml.load(data, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return parsed_frontmatter(data)


def file_problems(dest: Path, names: list[str], schema: dict[str, Any] | None,
                  parse: set[str] | None = None) -> dict[str, str]:
    """name -> what is wrong with it ({} when every file is present and parses). ``parse``: only these are
    read and parsed, the others only looked at (a deploy: skipped files hold bytes already checked)."""
    validator = None
    if schema is not None:
        from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

        validator = Draft202012Validator(schema)
    problems: dict[str, str] = {}
    for name in names:
        if parse is not None and name not in parse:
            if not (dest / name).is_file():
                problems[name] = "missing"
            continue
        try:
            data = (dest / name).read_bytes()
        except OSError as exc:
            problems[name] = f"missing ({exc.strerror or type(exc).__name__})"
            continue
        if not name.endswith(STRUCTURED):
            continue
        try:
            value = _parsed(name, data)
        except Exception as exc:   # json/yaml errors, imported lazily
            problems[name] = f"does not parse: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
            continue
        if validator is not None and value is not None:
            error = next(iter(validator.iter_errors(value)), None)
            if error is not None:
                where = ".".join(str(p) for p in error.absolute_path) or "(top)"
                problems[name] = f"does not match the schema at {where}: {error.message}"
    return problems


def read_schema(path: Path) -> dict[str, Any]:
    """A JSON Schema file (JSON or YAML); ValueError when it is not one."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        value = json.loads(text)
    else:
        import yaml

        value = yaml.safe_load(text)
    if not isinstance(value, dict):
        raise ValueError("a JSON Schema is a mapping")
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(value)
    return value
