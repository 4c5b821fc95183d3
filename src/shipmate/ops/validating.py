"""validate: load the spec as deploy would, and say what it would run (no engine, store or target)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from shipmate.errors import PrerequisiteMissingError
from shipmate.ops.common.workspace import Workspace
from shipmate.ops.results.spec_files import ValidationResult

if TYPE_CHECKING:
    from shipmate.release_config import ReleaseConfig


def validate(spec_file: str | None, *, environment: str | None = None,
             version: str | None = None) -> ValidationResult:
    from shipmate.ops.common.releases import config_from
    from shipmate.ops.common.spec_loading import load_spec

    ws = Workspace.locate(spec_file)
    loaded = load_spec(ws.spec_path, environment=environment, version_override=version)
    config = config_from(loaded)
    return ValidationResult(valid=True, file=str(ws.spec_path), service=config.service,
                            environment=config.environment, strategy=config.strategy, port=config.port,
                            replicas=config.replicas, warnings=_command_warnings(config))


def _command_warnings(config: ReleaseConfig) -> list[str]:
    """A process target's command not found here: valid, but a deploy from this host would be refused (exit 7)."""
    from shipmate.command_path import resolve_command

    if config.target_kind != "process" or not config.argv:
        return []
    try:
        resolve_command(config.argv[0], config.cwd, config.env.get("PATH", os.environ.get("PATH", os.defpath)))
    except PrerequisiteMissingError as exc:
        return [f"target.command: {exc.message} on this host's PATH; {exc.hint}"]
    return []
