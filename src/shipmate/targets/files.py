"""The `files` target: a release is a set of files made current in a folder at once (strategy "switch").

It runs no instances, so the instance half of Target says so truthfully (nothing to start, inspect or stop);
the file half is wanted() -> plan() -> apply() and problems() (the health check).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from shipmate.errors import InvalidInputError, TargetError
from shipmate.model import InstanceRef, LaunchSpec
from shipmate.release_config import ReleaseConfig
from shipmate.targets.base import Capabilities, InstanceState, LastOutput, Target, Usage
from shipmate.targets.files_manifest import Manifest, manifest_path, read_manifest
from shipmate.targets.files_render import inside, plain_files, rendered
from shipmate.targets.files_sync import SyncPlan, apply_sync, plan_sync


class FilesTarget(Target):
    kind = "files"
    capabilities = Capabilities(routable=False, replicas=False, max_replicas=0, logs=False, process_stats=False,
                                file_set=True)

    def __init__(self) -> None:
        self._home: Path | None = None

    def use_home(self, home: Path) -> None:
        self._home = home

    # -- the file set -----------------------------------------------------------------------------

    @staticmethod
    def destination(config: ReleaseConfig) -> Path:
        return inside(Path(config.cwd), str(config.target_settings["destination"]), "destination")

    def manifest_file(self, home: Path, config: ReleaseConfig) -> Path:
        return manifest_path(home, config.service, config.environment)

    def manifest(self, home: Path, config: ReleaseConfig) -> Manifest:
        return read_manifest(self.manifest_file(home, config))

    def other_owner(self, home: Path, config: ReleaseConfig) -> str | None:
        """Another service/environment of this home whose files are in the same folder (one folder, one owner:
        else a file both call theirs could be removed by one while the other still serves it)."""
        dest = str(self.destination(config))
        mine = self.manifest_file(home, config)
        for path in sorted((home / "files").glob("*/*/manifest.json")):
            if path == mine:
                continue
            found = read_manifest(path)
            if found.destination == dest and (found.files or found.conflicts):
                return f"{path.parent.parent.name}/{path.parent.name}"
        return None

    def preflight(self, config: ReleaseConfig) -> None:
        settings, project = config.target_settings, Path(config.cwd)
        self.destination(config)
        for key in ("source", "data", "schema"):
            if settings.get(key):
                inside(project, str(settings[key]), key)

    def wanted(self, config: ReleaseConfig) -> dict[str, bytes]:
        """The release's files, read and rendered in memory (InvalidInputError with file and line on a failure)."""
        self.preflight(config)
        settings, project = config.target_settings, Path(config.cwd)
        source = inside(project, str(settings["source"]), "source")
        if settings.get("data"):
            return rendered(source, inside(project, str(settings["data"]), "data"))
        return plain_files(source)

    def plan(self, home: Path, config: ReleaseConfig, wanted: dict[str, bytes], set_key: str) -> SyncPlan:
        return plan_sync(self.destination(config), wanted, self.manifest(home, config), release=config.version,
                         set_key=set_key, migrate=dict(config.target_settings.get("migrate") or {}))

    def apply(self, home: Path, config: ReleaseConfig, plan: SyncPlan,
              checkpoint: Callable[[str], None] = lambda name: None) -> None:
        apply_sync(self.destination(config), plan, self.manifest_file(home, config), checkpoint)

    def restore(self, home: Path, config: ReleaseConfig, previous: ReleaseConfig | None) -> SyncPlan:
        """Put ``previous``'s kept set back in ``config``'s folder (None: remove ours); looks before it acts, so
        running it again after a crash is safe. NotFoundError when that set is no longer kept."""
        from shipmate.snapshots.rendered_sets import load_set

        if previous is None:
            plan = self.plan(home, config, {}, "")
        else:
            key = str(previous.artifact.get("set"))
            plan = self.plan(home, previous, load_set(home, previous.service, key), key)
        self.apply(home, config if previous is None else previous, plan)
        return plan

    def problems(self, home: Path, config: ReleaseConfig, parse: set[str] | None = None) -> dict[str, str]:
        """The health check: name -> what is wrong; {} when every file of ours is present and parses.
        ``parse``: parse only these (the files a deploy wrote), only look for the others."""
        from shipmate.targets.files_health import file_problems, read_schema

        schema = None
        if config.target_settings.get("schema"):
            path = inside(Path(config.cwd), str(config.target_settings["schema"]), "schema")
            try:
                schema = read_schema(path)
            except (OSError, ValueError, Exception) as exc:   # jsonschema's SchemaError, imported lazily
                raise InvalidInputError(f"target.schema: {path} is not a JSON Schema: {str(exc).splitlines()[0]}",
                                        hint="give a JSON Schema file (JSON or YAML)") from exc
        return file_problems(self.destination(config), sorted(self.manifest(home, config).files), schema, parse)

    # -- no instances -----------------------------------------------------------------------------

    def start(self, launch: LaunchSpec) -> InstanceRef:
        raise TargetError("the files target runs no instances", hint="its releases are files: deploy places them")

    def inspect(self, handle: dict[str, Any]) -> InstanceState:
        return InstanceState(alive=False, state="gone", detail="the files target runs no instances")

    def stop(self, ref: InstanceRef, grace: float) -> None:
        return None

    def find_strays(self, home_id: str, known: set[str]) -> list[InstanceRef]:
        return []

    def read_logs(self, handle: dict[str, Any], tail: int) -> list[str]:
        return []

    def last_output(self, handle: dict[str, Any], lines: int) -> LastOutput:
        return LastOutput()

    def listening_ports(self, ref: InstanceRef) -> list[int]:
        return []

    def usage(self, handle: dict[str, Any]) -> Usage | None:
        return None
