"""A release's secrets as Docker secrets: one immutable secret per version (<service>_<env>_<NAME>_v<N>), created
from the vault's file, labelled with our home, mounted at /run/secrets/<NAME>; never in Env. Old versions go only
when the engine says the release using the new one passed its monitor window (retire)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipmate.errors import TargetError
from shipmate.release_config import ReleaseConfig
from shipmate.secrets.vault import Vault
from shipmate.targets.docker_engine import engine_errors, quietly
from shipmate.targets.swarm_spec_build import LABEL, secret_name
from shipmate.targets.swarm_tasks import api

if TYPE_CHECKING:
    from docker import DockerClient

NAME_LABEL = f"{LABEL}.secret"
VERSION_LABEL = f"{LABEL}.secret_version"


def _exact(client: DockerClient, name: str) -> dict[str, Any] | None:
    """The secret called exactly ``name`` (the API's name filter matches prefixes)."""
    for found in api(client).secrets(filters={"name": name}):
        if (found.get("Spec") or {}).get("Name") == name:
            return dict(found)
    return None


def ensure_secrets(client: DockerClient, config: ReleaseConfig, home: Path, home_id: str) -> tuple[dict[str, str],
                                                                                                     list[str]]:
    """Each secret version of the release as a Docker secret: (name -> id, the ids created by this call)."""
    ids: dict[str, str] = {}
    created: list[str] = []
    vault = Vault(home)
    try:
        for name, version in sorted(config.secrets.items()):
            docker_name = secret_name(config.service, config.environment, name, version)
            with engine_errors(f"look up secret {docker_name}"):
                found = _exact(client, docker_name)
            if found is not None:
                if ((found.get("Spec") or {}).get("Labels") or {}).get(f"{LABEL}.home") != home_id:
                    raise TargetError(f"docker secret {docker_name} exists and is not this shipmate home's",
                                      hint=f"remove it (docker secret rm {docker_name}) or use another service name")
                ids[docker_name] = str(found["ID"])
                continue
            labels = {f"{LABEL}.home": home_id, f"{LABEL}.service": config.service,
                      f"{LABEL}.environment": config.environment, NAME_LABEL: name, VERSION_LABEL: str(version)}
            value = vault.read(name, version).encode("utf-8")
            with engine_errors(f"create secret {docker_name}"):
                made = api(client).create_secret(docker_name, value, labels=labels)
            ids[docker_name] = str(made["ID"])
            created.append(str(made["ID"]))
    except BaseException:
        remove_quietly(client, created)     # nothing half-created
        raise
    return ids, created


def remove_quietly(client: DockerClient, secret_ids: list[str]) -> list[str]:
    """Remove what can go; a secret still in use (or already gone) stays without an error."""
    from docker.errors import APIError

    removed: list[str] = []
    for secret_id in secret_ids:
        try:
            api(client).remove_secret(secret_id)
            removed.append(secret_id)
        except APIError:
            continue
    return removed


def ours(client: DockerClient, home_id: str, service: str, environment: str) -> list[dict[str, Any]]:
    selector = [f"{LABEL}.home={home_id}", f"{LABEL}.service={service}", f"{LABEL}.environment={environment}"]
    with engine_errors(f"list the secrets of {service}/{environment}"):
        return [dict(s) for s in api(client).secrets(filters={"label": selector})]


def retire(client: DockerClient, home_id: str, service: str, environment: str, keep: dict[str, int]) -> list[str]:
    """Remove our versions of each secret in ``keep`` older than the one kept; one in use stays (no error)."""
    old: dict[str, str] = {}
    for found in ours(client, home_id, service, environment):
        labels = (found.get("Spec") or {}).get("Labels") or {}
        name, version = str(labels.get(NAME_LABEL) or ""), str(labels.get(VERSION_LABEL) or "")
        if name in keep and version.isdigit() and int(version) < keep[name]:
            old[str(found["ID"])] = str((found.get("Spec") or {}).get("Name") or found["ID"])
    removed = set(remove_quietly(client, list(old)))
    return sorted(old[secret_id] for secret_id in removed)


def remove_all(client: DockerClient, home_id: str, service: str, environment: str) -> list[str]:
    """After take_down: every version of this service's secrets that no service uses any more."""
    listed: list[dict[str, Any]] = quietly(lambda: ours(client, home_id, service, environment), [])
    found = {str(s["ID"]): str((s.get("Spec") or {}).get("Name") or "") for s in listed}
    return sorted(found[i] for i in remove_quietly(client, list(found)))
