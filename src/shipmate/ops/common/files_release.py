"""The frozen config of a `files` release: what to render and where, kept with the release for rollback."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipmate.release_config import HealthConfig, MonitorConfig, ReleaseConfig

if TYPE_CHECKING:
    from shipmate.spec.loader import LoadedSpec

SWITCH = "switch"   # the files target's one strategy: the whole set is made current at once


def files_config(loaded: LoadedSpec, config_hash: str, config_keys: dict[str, str],
                 monitor: MonitorConfig) -> ReleaseConfig:
    """A files release has no port, instances or probes: those fields say so (0, ())."""
    spec, target = loaded.spec, loaded.spec.target
    assert target.kind == "files"
    settings = {"source": target.source, "destination": target.destination, "data": target.data,
                "migrate": dict(target.migrate), "schema": target.schema_file, "keep": target.keep}
    return ReleaseConfig(
        service=spec.service, environment=loaded.environment, version=loaded.version, digest=loaded.digest,
        target_kind="files", port=0, argv=(), cwd=str(loaded.cwd), env={}, stop_grace_s=0.0,
        log_max_bytes=0, log_backups=0, strategy=SWITCH, drain_s=0.0,
        health=HealthConfig(0.0, 1.0, 1.0, 1.0, ()), monitor=monitor,
        replicas=0, target_settings=settings, config_hash=config_hash, config_keys=config_keys)
