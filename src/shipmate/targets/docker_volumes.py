"""Docker volumes, for backups: found through the Docker SDK, read at their mount point (root or docker group)."""

from __future__ import annotations

from pathlib import Path

from shipmate.errors import PrerequisiteMissingError, SpecError


def volume_mountpoint(name: str) -> Path:
    """The folder on this host that holds volume ``name`` (local driver); refused when it cannot be read."""
    try:
        import docker
        from docker.errors import DockerException, NotFound
    except ImportError as exc:  # pragma: no cover - a dependency
        raise PrerequisiteMissingError("the Docker SDK is not installed", hint="reinstall shipmate") from exc
    try:
        client = docker.from_env(timeout=10)
        try:
            attrs = client.volumes.get(name).attrs
        finally:
            client.close()
    except NotFound as exc:
        raise SpecError(f"no Docker volume named {name}", path="backup.paths",
                        hint="`docker volume ls` lists them") from exc
    except DockerException as exc:
        raise PrerequisiteMissingError(f"cannot reach Docker to read volume {name}: {exc}",
                                       hint="start the Docker engine, or set DOCKER_HOST") from exc
    mountpoint = Path(str(attrs.get("Mountpoint") or ""))
    if not str(mountpoint) or not mountpoint.is_dir():
        raise PrerequisiteMissingError(f"volume {name} has no readable mount point on this host ({mountpoint})",
                                       hint="volumes of the local driver on this host only; run as root or in the "
                                       "docker group")
    return mountpoint
