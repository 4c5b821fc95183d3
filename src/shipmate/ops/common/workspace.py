"""Where a service's state lives, and how a command gets its store, target and router."""

from __future__ import annotations

import getpass
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shipmate.engine.context import Progress, Runtime
    from shipmate.store.store import Store
    from shipmate.traffic import TrafficRouter

DEFAULT_SPEC = "shipmate.yaml"


def actor() -> str:
    """Who acts: the HTTP caller this thread acts for (ops.acting_as), SHIPMATE_ACTOR (agents set it, e.g.
    agent:claude), or the login name."""
    from shipmate.ops.common.acting import acting_actor

    caller = acting_actor()
    if caller is not None:
        return caller
    explicit = os.environ.get("SHIPMATE_ACTOR", "").strip()
    if explicit:
        return explicit[:100]
    try:
        return f"user:{getpass.getuser()}"
    except (KeyError, OSError):
        return f"uid:{os.getuid()}"


def resolve_environment(declared: list[str], requested: str | None) -> str:
    from shipmate.errors import SpecError

    if not declared:
        if requested not in (None, "default"):
            raise SpecError(f"unknown environment '{requested}'", path="environments",
                            hint="this spec declares no environments: omit --env, or add environments:")
        return "default"
    if requested is None:
        return declared[0]
    if requested not in declared:
        raise SpecError(f"unknown environment '{requested}'", path="environments",
                        hint="known: " + ", ".join(declared))
    return requested


@dataclass(frozen=True)
class Workspace:
    spec_path: Path
    home: Path

    @classmethod
    def locate(cls, spec_file: str | Path | None) -> Workspace:
        spec_path = Path(spec_file or DEFAULT_SPEC).expanduser().absolute()
        override = os.environ.get("SHIPMATE_HOME")
        home = Path(override).expanduser().absolute() if override else spec_path.parent / ".shipmate"
        from shipmate.secrets.vault import Vault

        Vault(home).remember_all()   # whatever this command prints or records, these values become ***
        return cls(spec_path, home)

    @property
    def home_id(self) -> str:
        return hashlib.sha256(str(self.home).encode()).hexdigest()[:16]

    def open_store(self) -> Store:
        from shipmate.store.store import Store

        return Store.open(self.home)

    def open_store_readonly(self) -> Store | None:
        from shipmate.store.store import Store

        return Store.open_readonly(self.home)

    def traffic_router(self) -> TrafficRouter:
        """The one place that picks the concrete traffic switch: the built-in router of this home."""
        from shipmate.router.client import RouterClient

        return RouterClient(self.home)

    def runtime(self, store: Store, progress: Progress | None = None, kind: str | None = None) -> Runtime:
        """The engine's parts for one command; the target of ``kind`` (default: the kind this home's
        instances run on, see kind_in_use) comes from the registry."""
        from shipmate.engine.context import Runtime, no_progress
        from shipmate.targets.registry import target_for

        target = target_for(kind or kind_in_use(store))
        target.use_home(self.home)
        return Runtime(store, target, self.traffic_router(), self.home, self.home_id, actor(), progress or no_progress)


def kind_in_use(store: Store) -> str:
    """The target kind of this home's deployments in progress, else of its current releases, else process.

    A runtime has one target: recovery, down and rollback must look at instances with the kind that made them.
    """
    release_ids = [dep.release_id for dep in store.active_deployments()]
    release_ids += [cur.release_id for cur in store.all_current()]
    for release_id in release_ids:
        release = store.get_release(release_id)
        if release is not None:
            return release.target_kind
    return "process"


def home_of(spec_file: str | None) -> Path:
    """The state folder of the spec (or ./shipmate.yaml): where a face keeps its own files (the MCP token)."""
    return Workspace.locate(spec_file).home


def spec_path_of(spec_file: str | None) -> Path:
    """The spec file a face serves: -f as given, else ./shipmate.yaml, made absolute."""
    return Workspace.locate(spec_file).spec_path
