"""Targets found by kind: the one place a target class is constructed, so a new target is one entry here.

Classes are imported only when asked for, so a command that never touches a target never pays for it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from shipmate.errors import InvalidInputError

if TYPE_CHECKING:
    from shipmate.targets.base import Capabilities, Target

# kind -> "module:Class"; a new target adds one line.
_KINDS: dict[str, str] = {
    "process": "shipmate.targets.process:ProcessTarget",
    "docker": "shipmate.targets.docker:DockerTarget",
    "swarm": "shipmate.targets.swarm:SwarmTarget",
    "files": "shipmate.targets.files:FilesTarget",
}


def target_kinds() -> tuple[str, ...]:
    """Every kind a spec's ``target.kind`` may name."""
    return tuple(_KINDS)


def capabilities_of(kind: str) -> Capabilities | None:
    """What a target of ``kind`` can do, without connecting to anything (plans ask this); None if unknown."""
    where = _KINDS.get(kind)
    if where is None:
        return None
    module_name, class_name = where.split(":")
    found: Capabilities = getattr(importlib.import_module(module_name), class_name).capabilities
    return found


def target_for(kind: str) -> Target:
    """A fresh target of ``kind``; InvalidInputError naming the known kinds for any other."""
    where = _KINDS.get(kind)
    if where is None:
        raise InvalidInputError(f"unknown target kind {kind!r}",
                                hint="known kinds: " + ", ".join(target_kinds()))
    module_name, class_name = where.split(":")
    target: Target = getattr(importlib.import_module(module_name), class_name)()
    return target
