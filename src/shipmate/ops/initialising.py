"""init and schema: write an example shipmate.yaml; the JSON schema of the file."""

from __future__ import annotations

from typing import Any

from shipmate.errors import InvalidInputError
from shipmate.ops.common.workspace import Workspace
from shipmate.ops.results.spec_files import InitResult


def init(spec_file: str | None, *, force: bool = False) -> InitResult:
    from shipmate.spec.example import example_yaml

    ws = Workspace.locate(spec_file)
    if ws.spec_path.exists() and not force:
        raise InvalidInputError(f"{ws.spec_path} already exists", hint="pass --force to overwrite it")
    ws.spec_path.write_text(example_yaml())
    return InitResult(str(ws.spec_path))


def schema(kind: str = "spec") -> dict[str, Any]:
    """``kind``: spec (shipmate.yaml) or inbox (an inbox task file)."""
    if kind == "inbox":
        from shipmate.spec.task_spec import task_json_schema

        return task_json_schema()
    if kind != "spec":
        raise InvalidInputError(f"unknown schema '{kind}'", hint="shipmate schema [spec|inbox]")
    from shipmate.spec.schema import json_schema

    return json_schema()
