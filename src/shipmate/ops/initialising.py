"""init and schema: write an example shipmate.yaml; the JSON schema of the file."""

from __future__ import annotations

from typing import Any

from shipmate.errors import InvalidInputError, PrerequisiteMissingError
from shipmate.ops.common.workspace import Workspace
from shipmate.ops.results.spec_files import InitResult


def init(spec_file: str | None, *, force: bool = False) -> InitResult:
    from shipmate.spec.example import example_yaml

    ws = Workspace.locate(spec_file)
    if ws.spec_path.exists() and not force:
        raise InvalidInputError(f"{ws.spec_path} already exists", hint="pass --force to overwrite it")
    folder = ws.spec_path.absolute().parent
    if not folder.is_dir():   # a folder not found is a prerequisite missing (exit 7), as for every command
        raise PrerequisiteMissingError(f"no folder {folder} to write {ws.spec_path.name} into",
                                       hint=f"create it first (mkdir -p {folder}), or pass another -f")
    try:
        ws.spec_path.write_text(example_yaml())
    except OSError as exc:
        raise PrerequisiteMissingError(f"cannot write {ws.spec_path}: {exc.strerror or exc}",
                                       hint="check the folder is writable and the path is not a folder") from exc
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
