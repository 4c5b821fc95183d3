"""Pure: a release's config -> the Swarm ServiceSpec that runs it, and the hash that says "this spec already runs".

No engine is asked here. The spec is complete (an update replaces the whole spec, never merges with what Swarm
has), tasks publish container_port in host mode (the router targets each task's own port; there is no IPVS on
these machines for Swarm's ingress), and every task container carries our labels so the world can be re-observed.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from typing import Any

from shipmate.release_config import ReleaseConfig
from shipmate.strategies.names import RECREATE

LABEL = "shipmate"
HASH_LABEL = f"{LABEL}.spec_hash"
NS = 1_000_000_000
RESTART_DELAY_NS = NS          # a crashing task is restarted after 1 s (Swarm's default 5 s slows every failure)
SECRET_MODE = 0o444            # Docker's default; the file lives on a read-only tmpfs at /run/secrets


def _bounded(text: str, limit: int, suffix: str = "") -> str:
    """``text`` + ``suffix`` in Docker's characters within ``limit``; a longer one keeps a hash of itself, so two
    long names never collide and the suffix (a secret's version) is never cut off."""
    text = re.sub(r"[^A-Za-z0-9_.-]", "-", text)
    if len(text) + len(suffix) <= limit:
        return text + suffix
    digest = hashlib.sha256(text.encode()).hexdigest()[:8]
    return f"{text[:limit - len(suffix) - 9]}-{digest}{suffix}"


def service_name(service: str, environment: str) -> str:
    """Deterministic: shipmate-<service>-<environment> (Docker allows 63 characters)."""
    return _bounded(f"shipmate-{service}-{environment}", 63)


def secret_name(service: str, environment: str, name: str, version: int) -> str:
    """Docker secrets are immutable: one per version, <service>_<env>_<NAME>_v<N> (at most 64 characters)."""
    return _bounded(f"{service}_{environment}_{name}", 64, f"_v{version}")


def memory_bytes(text: str | None) -> int | None:
    """"256m" as bytes, as `docker run --memory` reads it (the SDK's parser; the spec already checked the form)."""
    from docker.utils import parse_bytes

    return int(parse_bytes(text)) if text else None


def labels_of(config: ReleaseConfig, home_id: str) -> dict[str, str]:
    """Whose service, which release; the deployment id is carried when the engine put it in ``config.extra``."""
    return {f"{LABEL}.service": config.service, f"{LABEL}.environment": config.environment,
            f"{LABEL}.home": home_id, f"{LABEL}.version": config.version,
            f"{LABEL}.deployment_id": str(config.extra.get("deployment_id") or "")}


def _update_config(cfg: dict[str, Any], replicas: int, recreate: bool) -> dict[str, Any]:
    built = {"Parallelism": int(cfg.get("parallelism", 1)), "Delay": int(float(cfg.get("delay", 0)) * NS),
             "FailureAction": str(cfg.get("failure_action", "rollback")),
             "Monitor": int(float(cfg.get("monitor", 5)) * NS),
             "MaxFailureRatio": float(cfg.get("max_failure_ratio", 0)), "Order": str(cfg.get("order", "stop-first"))}
    if recreate:        # strategy: recreate = every task at once, old ones stopped first
        built.update({"Parallelism": replicas, "Order": "stop-first"})
    return built


def _secret_refs(config: ReleaseConfig, secret_ids: dict[str, str]) -> list[dict[str, Any]]:
    refs = []
    for name, version in sorted(config.secrets.items()):
        docker_name = secret_name(config.service, config.environment, name, version)
        refs.append({"File": {"Name": name, "UID": "0", "GID": "0", "Mode": SECRET_MODE},
                     "SecretID": secret_ids.get(docker_name, ""), "SecretName": docker_name})
    return refs


def _env(config: ReleaseConfig) -> list[str]:
    s = config.target_settings
    env = {**config.env, "PORT": str(s["container_port"]), "SHIPMATE_SERVICE": config.service,
           "SHIPMATE_VERSION": config.version, "SHIPMATE_ENVIRONMENT": config.environment}
    # A path, never the value: Env shows in `docker service inspect` and `docker inspect`.
    env.update({f"{name}_FILE": f"/run/secrets/{name}" for name in config.secrets})
    return [f"{key}={value}" for key, value in sorted(env.items())]


def service_spec(config: ReleaseConfig, home_id: str, image: str, secret_ids: dict[str, str]) -> dict[str, Any]:
    """The whole ServiceSpec (Name, Labels, TaskTemplate, Mode, UpdateConfig, RollbackConfig, EndpointSpec), with
    the spec hash in its labels and its containers' labels. ``image`` is best an image id (Swarm never pulls those);
    ``secret_ids`` maps each Docker secret name to its id (not part of the hash: only names and versions are)."""
    s = config.target_settings
    labels = labels_of(config, home_id)
    container: dict[str, Any] = {
        "Image": image, "Labels": dict(labels), "Env": _env(config), "Init": True,
        "StopSignal": str(s.get("stop_signal") or "SIGTERM"), "StopGracePeriod": int(config.stop_grace_s * NS),
        "Secrets": _secret_refs(config, secret_ids),
    }
    if config.argv:
        container["Args"] = list(config.argv)
    limits: dict[str, int] = {}
    if s.get("cpus"):
        limits["NanoCPUs"] = int(float(s["cpus"]) * NS)
    if memory_bytes(s.get("memory")):
        limits["MemoryBytes"] = int(memory_bytes(s.get("memory")) or 0)
    placement: dict[str, Any] = {"Constraints": list(s.get("constraints") or [])}
    if int(s.get("max_per_node") or 0) > 0:
        placement["MaxReplicas"] = int(s["max_per_node"])
    port: dict[str, Any] = {"Protocol": "tcp", "TargetPort": int(s["container_port"]), "PublishMode": "host"}
    if s.get("published_port"):
        port["PublishedPort"] = int(s["published_port"])
    recreate = config.strategy == RECREATE
    spec: dict[str, Any] = {
        "Name": service_name(config.service, config.environment),
        "Labels": labels,
        "TaskTemplate": {
            "ContainerSpec": container, "Resources": {"Limits": limits}, "Placement": placement,
            "RestartPolicy": {"Condition": "any", "Delay": RESTART_DELAY_NS, "MaxAttempts": 0},
            "LogDriver": {"Name": "json-file", "Options": {"max-size": str(s.get("log_max_bytes") or 10485760),
                                                           "max-file": str(s.get("log_max_files") or 3)}},
        },
        "Mode": {"Replicated": {"Replicas": config.replicas}},
        "UpdateConfig": _update_config(dict(s.get("update") or {}), config.replicas, recreate),
        "RollbackConfig": _update_config({"failure_action": "pause", **dict(s.get("rollback") or {})},
                                         config.replicas, False),
        "EndpointSpec": {"Ports": [port]},
    }
    digest = spec_hash(spec)
    spec["Labels"][HASH_LABEL] = digest
    container["Labels"][HASH_LABEL] = digest
    return spec


def spec_hash(spec: dict[str, Any]) -> str:
    """What the tasks run, canonically: the spec without its hash, deployment id and secret ids."""
    bare = copy.deepcopy(spec)
    for labels in (bare.get("Labels") or {}, bare["TaskTemplate"]["ContainerSpec"].get("Labels") or {}):
        labels.pop(HASH_LABEL, None)
        labels.pop(f"{LABEL}.deployment_id", None)
    for ref in bare["TaskTemplate"]["ContainerSpec"].get("Secrets") or ():
        ref.pop("SecretID", None)
    canonical = json.dumps(bare, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def hash_of(labels: dict[str, str] | None) -> str:
    return str((labels or {}).get(HASH_LABEL) or "")
