"""How a command conducts itself around a release: the spec's hooks, notify and confidence sections."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from shipmate.errors import ShipmateError
from shipmate.spec.hooks_spec import ConfidenceSpec, Hooks, Notify

if TYPE_CHECKING:
    from shipmate.spec.loader import LoadedSpec


@dataclass(frozen=True)
class Conduct:
    """The spec's hooks/notify/confidence sections for one command, and the folder hooks run in."""

    project_dir: Path
    hooks: Hooks = field(default_factory=lambda: Hooks.model_validate({}))
    notify: Notify | None = None
    confidence: ConfidenceSpec | None = None
    secret_names: tuple[str, ...] = ()

    @property
    def weights(self) -> dict[str, float]:
        return self.confidence.weights.given() if self.confidence is not None else {}


def conduct_of(spec_path: Path, environment: str | None) -> tuple[Conduct, list[str]]:
    """Read from today's shipmate.yaml; a rollback must not be blocked by it: unreadable -> none, warned."""
    from shipmate.ops.common.spec_loading import load_spec

    try:
        spec = load_spec(spec_path, environment=environment).spec
    except ShipmateError as exc:
        return Conduct(spec_path.parent), [f"hooks and notifications skipped: {exc.message}"]
    return Conduct(spec_path.parent, spec.hooks, spec.notify, spec.confidence,
                   tuple(s.name for s in spec.secrets)), []


def conduct_from_loaded(loaded: LoadedSpec) -> Conduct:
    spec = loaded.spec
    return Conduct(loaded.base_dir, spec.hooks, spec.notify, spec.confidence, tuple(s.name for s in spec.secrets))
