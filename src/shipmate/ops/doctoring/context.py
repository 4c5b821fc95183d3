"""What every doctor check reads: the workspace, the spec (or why it does not load), the store read-only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shipmate.errors import ShipmateError
from shipmate.ops.common.workspace import Workspace

if TYPE_CHECKING:
    from shipmate.release_config import ReleaseConfig
    from shipmate.spec.loader import LoadedSpec
    from shipmate.store.store import Store


@dataclass
class DoctorContext:
    ws: Workspace
    spec_file: str | None
    loaded: LoadedSpec | None
    spec_problem: ShipmateError | None
    store: Store | None          # read-only; None when nothing was ever deployed from this home
    service: str | None
    environment: str | None

    @classmethod
    def open(cls, spec_file: str | None, environment: str | None) -> DoctorContext:
        from shipmate.ops.common.spec_loading import load_spec

        ws = Workspace.locate(spec_file)
        loaded, problem = None, None
        try:
            loaded = load_spec(ws.spec_path, environment=environment)
        except ShipmateError as exc:
            problem = exc
        store = ws.open_store_readonly()
        service = loaded.spec.service if loaded else None
        return cls(ws, spec_file, loaded, problem, store, service, loaded.environment if loaded else environment)

    def close(self) -> None:
        if self.store is not None:
            self.store.close()

    def config(self) -> ReleaseConfig | None:
        """The release config this spec would deploy now (None when the spec does not load)."""
        from shipmate.ops.common.releases import config_from

        return config_from(self.loaded) if self.loaded is not None else None

    def current_config(self) -> ReleaseConfig | None:
        """The config of the release running in this environment now."""
        from shipmate.release_config import ReleaseConfig

        if self.store is None or self.service is None or self.environment is None:
            return None
        cur = self.store.current(self.service, self.environment)
        rel = self.store.get_release(cur.release_id) if cur else None
        return ReleaseConfig.from_dict(rel.spec) if rel else None
