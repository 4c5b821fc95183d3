"""Load shipmate.yaml for an operation: the spec package's loader, with `version: git` answered by git."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from shipmate.spec.loader import LoadedSpec


def load_spec(path: Path, *, environment: str | None = None, version_override: str | None = None) -> LoadedSpec:
    from shipmate.git_repo import describe_version
    from shipmate.spec import loader

    return loader.load_spec(path, environment=environment, version_override=version_override,
                            describe=describe_version)
