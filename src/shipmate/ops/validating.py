"""validate: load the spec as deploy would, and say what it would run (no engine, store or target)."""

from __future__ import annotations

from shipmate.ops.common.workspace import Workspace
from shipmate.ops.results.spec_files import ValidationResult


def validate(spec_file: str | None, *, environment: str | None = None,
             version: str | None = None) -> ValidationResult:
    from shipmate.ops.common.releases import config_from
    from shipmate.ops.common.spec_loading import load_spec

    ws = Workspace.locate(spec_file)
    loaded = load_spec(ws.spec_path, environment=environment, version_override=version)
    config = config_from(loaded)
    return ValidationResult(valid=True, file=str(ws.spec_path), service=config.service,
                            environment=config.environment, strategy=config.strategy, port=config.port,
                            replicas=config.replicas)
