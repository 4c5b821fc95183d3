"""The Docker engine as the Docker target sees it: one SDK client, errors mapped once, and how a
release's settings become a container (labels, name, ports, mounts, limits, log rotation)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from shipmate.errors import PrerequisiteMissingError, TargetError
from shipmate.model import LaunchSpec
from shipmate.secrets.readable import readable_copy
from shipmate.secrets.resolve import SECRET_NAMES
from shipmate.targets.base import Usage

if TYPE_CHECKING:
    from docker import DockerClient
    from docker.models.containers import Container

LABEL = "shipmate"
ENGINE_HINT = "start the Docker engine (dockerd), or point DOCKER_HOST at one (e.g. unix:///var/run/docker.sock)"
SECRETS_DIR = "/run/secrets"   # where a container finds its secrets, as with Docker's own secrets
CLIENT_TIMEOUT = 120   # seconds per API call; a build or a stop under load can be slow
T = TypeVar("T")


def connect() -> DockerClient:
    """A client for the engine DOCKER_HOST names (or the default socket); PrerequisiteMissingError when none answers."""
    import docker
    from docker.errors import DockerException

    try:
        client = docker.from_env(timeout=CLIENT_TIMEOUT)
        client.ping()
    except DockerException as exc:
        where = os.environ.get("DOCKER_HOST", "the default socket")
        raise PrerequisiteMissingError(f"the Docker engine at {where} is not reachable: {_root_cause(exc)}",
                                       hint=ENGINE_HINT) from exc
    return client


@contextmanager
def engine_errors(doing: str, hint: str = ENGINE_HINT) -> Iterator[None]:
    """Any SDK or transport failure while ``doing`` becomes one TargetError with a hint."""
    from docker.errors import DockerException
    from requests.exceptions import RequestException

    try:
        yield
    except (DockerException, RequestException) as exc:
        raise TargetError(f"docker: cannot {doing}: {_first_line(exc)}", hint=hint) from exc


def quietly(call: Callable[[], T], default: T) -> T:
    """``call()``, or ``default`` when the container is gone or the engine says it is not running."""
    from docker.errors import APIError, NotFound

    try:
        return call()
    except NotFound:
        return default
    except APIError as exc:
        if exc.status_code in (404, 409):
            return default
        raise


def _root_cause(exc: BaseException) -> str:
    """The OS's own words when a socket error sits inside the SDK's wrapping (requests, urllib3), else the
    first line: "Connection refused", not "Error while fetching server API version: ('Connection aborted.', ...".
    """
    queue: list[BaseException] = [exc]
    for _ in range(50):                      # a bounded walk: wrappers nest a few levels at most
        if not queue:
            break
        found = queue.pop(0)
        if isinstance(found, OSError) and found.strerror:
            return str(found.strerror)
        queue += [arg for arg in found.args if isinstance(arg, BaseException)]
        queue += [link for link in (found.__cause__, found.__context__) if link is not None]
    return _first_line(exc)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


def tag_for(version: str) -> str:
    """A docker tag for a release version (letters, digits, '_', '.', '-'; at most 128)."""
    tag = re.sub(r"[^A-Za-z0-9_.-]", "-", version)[:128]
    return tag if re.match(r"^[A-Za-z0-9_]", tag) else "v" + tag[:127]


def container_name(launch: LaunchSpec) -> str:
    """Deterministic: shipmate-<service>-<environment>-<instance id> (docker's allowed characters only)."""
    service = launch.env.get("SHIPMATE_SERVICE", "") or "service"
    environment = launch.env.get("SHIPMATE_ENVIRONMENT", "") or "default"
    name = f"shipmate-{service}-{environment}-{launch.instance_id}"
    return re.sub(r"[^A-Za-z0-9_.-]", "-", name)


def labels_for(launch: LaunchSpec, port: int) -> dict[str, str]:
    """What re-observes the world after a crash: whose container, which release, which instance."""
    env = launch.env
    return {
        f"{LABEL}.service": env.get("SHIPMATE_SERVICE", ""),
        f"{LABEL}.version": env.get("SHIPMATE_VERSION", ""),
        f"{LABEL}.environment": env.get("SHIPMATE_ENVIRONMENT", ""),
        f"{LABEL}.deployment_id": env.get("SHIPMATE_DEPLOYMENT_ID", ""),
        f"{LABEL}.instance_id": launch.instance_id,
        f"{LABEL}.home": launch.home_id,
        f"{LABEL}.port": str(port),
    }


def create_kwargs(launch: LaunchSpec, image: str) -> dict[str, Any]:
    """containers.create(...) arguments for one instance: published on 127.0.0.1 only, restart policy none
    (shipmate supervises), an init as PID 1 so the stop signal reaches the app, rotated json-file logs."""
    from docker.types import LogConfig, Mount

    s = launch.settings
    container_port = int(s["container_port"])
    host = s.get("network", "bridge") == "host"
    env = {**launch.env, "PORT": str(launch.port if host else container_port)}
    mounts = [Mount(target=v["target"], source=_mount_source(v, str(s.get("project") or launch.cwd)),
                    type=v["kind"], read_only=bool(v["read_only"])) for v in s.get("volumes") or ()]
    for name, (source, inside) in secret_mounts(launch).items():
        mounts.append(Mount(target=inside, source=source, type="bind", read_only=True))
        env[f"{name}_FILE"] = inside
    kwargs: dict[str, Any] = {
        "image": image, "name": container_name(launch), "detach": True, "init": True,
        "labels": labels_for(launch, launch.port), "environment": env, "mounts": mounts,
        "stop_signal": s.get("stop_signal") or "SIGTERM", "restart_policy": {"Name": "no"},
        "log_config": LogConfig(type="json-file", config={"max-size": str(s.get("log_max_bytes") or 10485760),
                                                           "max-file": str(s.get("log_max_files") or 3)}),
    }
    if launch.argv:
        kwargs["command"] = list(launch.argv)
    if host:
        kwargs["network_mode"] = "host"
    else:
        kwargs["ports"] = {f"{container_port}/tcp": ("127.0.0.1", launch.port or None)}
    if s.get("cpus"):
        kwargs["nano_cpus"] = int(float(s["cpus"]) * 1e9)
    if s.get("memory"):
        kwargs["mem_limit"] = str(s["memory"])
    return kwargs


def secret_mounts(launch: LaunchSpec) -> dict[str, tuple[str, str]]:
    """name -> (a 0444 copy of the pinned version's file on the host, /run/secrets/NAME): the container reads
    it through a read-only bind mount, whatever its user; the value is never in its Env, labels, command or
    name."""
    mounts: dict[str, tuple[str, str]] = {}
    for name in launch.settings.get(SECRET_NAMES) or ():
        source = launch.env.get(f"{name}_FILE")
        if not source or not os.path.isfile(source):
            raise PrerequisiteMissingError(f"secret {name}: the version this release runs with is gone",
                                           hint=f"run `shipmate secrets set {name}`, then deploy again")
        try:
            copy = readable_copy(Path(source))
        except OSError as exc:
            raise TargetError(f"secret {name}: cannot write its copy for the container: {exc.strerror or exc}",
                              hint="check the state folder's disk space and permissions") from exc
        mounts[str(name)] = (str(copy), f"{SECRETS_DIR}/{name}")
    return mounts


def _mount_source(volume: dict[str, Any], project: str) -> str:
    if volume["kind"] == "volume":
        return str(volume["source"])
    return os.path.normpath(os.path.join(project, str(volume["source"])))


def bind_outside_project(volume: dict[str, Any], project: str) -> str | None:
    """The real path of a bind source that leaves the project (through a symlink), else None."""
    if volume["kind"] != "bind":
        return None
    real_project = os.path.realpath(project)
    real = os.path.realpath(_mount_source(volume, project))
    return None if real == real_project or real.startswith(real_project + os.sep) else real


def container_usage(container: Container | None) -> Usage | None:
    """CPU and memory of a running container from one Docker stats sample; None when it is not running."""
    if container is None or not (container.attrs.get("State") or {}).get("Running"):
        return None
    with engine_errors(f"read the stats of {container.short_id}"):
        stats = quietly(lambda: container.stats(stream=False, one_shot=True), None)
    if not isinstance(stats, dict) or not (stats.get("cpu_stats") or {}).get("cpu_usage"):
        return None
    return Usage(cpu_s_by_process={str(container.id): cpu_seconds(stats)}, rss_bytes=memory_bytes(stats))


def cpu_seconds(stats: dict[str, Any]) -> float:
    """Cumulative CPU of the container from one stats sample (nanoseconds in the API)."""
    return float(((stats.get("cpu_stats") or {}).get("cpu_usage") or {}).get("total_usage") or 0) / 1e9


def memory_bytes(stats: dict[str, Any]) -> float:
    """Resident memory: the cgroup's usage without page cache (cgroup v1 'cache', v2 'inactive_file')."""
    mem = stats.get("memory_stats") or {}
    detail = mem.get("stats") or {}
    if "rss" in detail:
        return float(detail["rss"])
    usage = float(mem.get("usage") or 0)
    return max(0.0, usage - float(detail.get("cache", detail.get("inactive_file", 0)) or 0))


def listening_in(pid: int) -> set[int] | None:
    """TCP ports in LISTEN in the network namespace of ``pid`` (/proc/PID/net/tcp*), None when unreadable."""
    if pid <= 0:
        return None
    ports: set[int] = set()
    try:
        for name in ("tcp", "tcp6"):
            with open(f"/proc/{pid}/net/{name}", encoding="ascii") as table:
                for row in list(table)[1:]:
                    fields = row.split()
                    if len(fields) > 3 and fields[3] == "0A":          # TCP_LISTEN
                        ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    except (OSError, ValueError):
        return None
    return ports


def exit_status(state: dict[str, Any]) -> str | None:
    """How a container ended, as the process target says it; None for one that never ran."""
    if not state.get("StartedAt") or str(state.get("StartedAt")).startswith("0001-"):
        return None
    code = int(state.get("ExitCode") or 0)
    oom = " (out of memory)" if state.get("OOMKilled") else ""
    return f"exited with code {code}{oom}"
