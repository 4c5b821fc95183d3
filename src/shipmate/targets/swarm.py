"""The Swarm target: a release is one Swarm service (shipmate-<service>-<environment>) that Swarm itself updates
(update_config / rollback_config); shipmate asks for a spec, judges *our* update, and reads the tasks.

It is a NativeRollout: instances are not started one by one (start() refuses), and Swarm owns task lifecycles
(stop() is a no-op). Docker SDK only, never the CLI. The home (for secret values and the home label) comes from
use_home(), else from SHIPMATE_HOME or <config.cwd>/.shipmate, as the workspace finds it.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipmate.errors import PrerequisiteMissingError, TargetError
from shipmate.model import LOCAL_HOST, InstanceRef, LaunchSpec
from shipmate.release_config import ReleaseConfig
from shipmate.targets import swarm_observe as observe
from shipmate.targets import swarm_secrets
from shipmate.targets.base import (
    Capabilities,
    InstanceState,
    LastOutput,
    NativeRollout,
    RolloutReport,
    Seen,
    Target,
    Usage,
)
from shipmate.targets.docker_engine import LABEL, connect, engine_errors, quietly
from shipmate.targets.docker_image import local_image, prepare_image, untag_unused
from shipmate.targets.swarm_spec_build import service_name, service_spec
from shipmate.targets.swarm_tasks import api, is_running, nodes, published_port, seen, tasks_of
from shipmate.targets.swarm_update import Watch, converge, current_hash, engine_time, find_service, issue

if TYPE_CHECKING:
    from docker import DockerClient

SWARM_HINT = ("make this engine a swarm manager: docker swarm init --advertise-addr 127.0.0.1 "
              "--listen-addr 127.0.0.1:2377 (or point DOCKER_HOST at a manager)")
DEFAULT_CONVERGE_S = 300.0
PAUSED = ("paused", "rollback_paused")   # our spec, half rolled out: issue it again (ForceUpdate)
TAKE_DOWN_WAIT_S = 30.0


def home_id_of(home: Path) -> str:
    """The id the workspace gives a home (ops.workspace.Workspace.home_id): the label on everything we make."""
    return hashlib.sha256(str(home).encode()).hexdigest()[:16]


class SwarmTarget(Target, NativeRollout):
    """Creates, updates and reads one Swarm service per service/environment; never decides anything."""

    kind = "swarm"
    capabilities = Capabilities(routable=True, replicas=True, max_replicas=32, logs=True, process_stats=True,
                                port_proxied=True, keeps_artifacts=True, native_rollout=True)

    def __init__(self, client: DockerClient | None = None) -> None:
        self._client = client           # None: the engine DOCKER_HOST names, connected on first use
        self._home: Path | None = None

    @property
    def client(self) -> DockerClient:
        if self._client is None:
            self._client = connect()
        return self._client

    def use_home(self, home: Path) -> None:
        """The state folder whose secrets roll_out reads and whose id labels what it makes."""
        self._home = Path(home)

    def home_for(self, config: ReleaseConfig) -> Path:
        if self._home is not None:
            return self._home
        override = os.environ.get("SHIPMATE_HOME")
        return Path(override).expanduser().absolute() if override else Path(config.cwd).absolute() / ".shipmate"

    # -- before anything is written --------------------------------------------------------------

    def preflight(self, config: ReleaseConfig) -> None:
        """Engine reachable and a swarm manager, the image local (never pulled) or the build context there, a fixed
        published port not asked of more tasks than there are nodes (the extra ones would wait forever)."""
        s = config.target_settings
        build = s.get("build")
        if build:
            context = str(build["context"])
            if not os.path.isdir(context):
                raise PrerequisiteMissingError(f"target.build.context: no such directory: {context}",
                                               hint="build.context is relative to the folder of shipmate.yaml")
            if not os.path.isfile(os.path.join(context, str(build["dockerfile"]))):
                raise PrerequisiteMissingError(f"target.build.dockerfile: no such file in {context}",
                                               hint="build.dockerfile is relative to build.context")
        client = self.client
        with engine_errors("read the engine's swarm state"):
            swarm = (client.info() or {}).get("Swarm") or {}
        if swarm.get("LocalNodeState") != "active" or not swarm.get("ControlAvailable"):
            state = swarm.get("LocalNodeState") or "inactive"
            role = "a worker" if state == "active" else f"not in a swarm ({state})"
            raise PrerequisiteMissingError(f"target.kind swarm: the Docker engine is {role}, not a swarm manager",
                                           hint=SWARM_HINT)
        if not build:
            local_image(client, str(s.get("image_id") or s.get("image") or ""))
        if s.get("published_port"):
            with engine_errors("list the swarm's nodes"):
                ready = [n for n in api(client).nodes() if (n.get("Status") or {}).get("State") == "ready"]
            if config.replicas > len(ready):
                raise PrerequisiteMissingError(
                    f"target.published_port {s['published_port']}: {config.replicas} tasks need as many nodes, the "
                    f"swarm has {len(ready)} ready", hint="set published_port: null, or lower replicas")

    def prepare(self, config: ReleaseConfig) -> dict[str, Any]:
        """Build (or find) the image on the manager, tagged shipmate/<service>:<version>; its id for the release."""
        if config.target_settings.get("image_id"):
            return {}
        return prepare_image(self.client, config)

    # -- the native rollout ------------------------------------------------------------------------

    def roll_out(self, config: ReleaseConfig, *, deadline_s: float,
                 on_tick: Callable[[list[Seen]], None]) -> RolloutReport:
        """Create or update shipmate-<service>-<environment> to run ``config`` and judge our change; ``deadline_s``
        (seconds from now, at most target.converge_timeout) bounds the wait."""
        client, home = self.client, self.home_for(config)
        home_id = home_id_of(home)
        s = config.target_settings
        image = str(s.get("image_id") or "") or local_image(client, str(s.get("image") or ""))
        limit = min(deadline_s, float(s.get("converge_timeout_s") or DEFAULT_CONVERGE_S))
        secret_ids, created = swarm_secrets.ensure_secrets(client, config, home, home_id)
        spec = service_spec(config, home_id, image, secret_ids)
        ours = spec["Labels"][f"{LABEL}.spec_hash"]
        try:
            existing = find_service(client, spec["Name"])
            if existing is not None and ((existing.get("Spec") or {}).get("Labels") or {}).get(f"{LABEL}.home") \
                    != home_id:
                raise TargetError(f"service {spec['Name']} exists and is not this shipmate home's",
                                  hint="use another service or environment name, or remove that service")
            watch = self._watch_for(client, spec, existing, ours, config.replicas)
        except BaseException:
            swarm_secrets.remove_quietly(client, created)     # nothing half-created
            raise
        return converge(client, watch, limit, on_tick, self._output_of)

    def _watch_for(self, client: DockerClient, spec: dict[str, Any], existing: dict[str, Any] | None, ours: str,
                   replicas: int) -> Watch:
        """Issue what is needed (nothing when our spec already runs) and say how to judge it."""
        if existing is None:
            return Watch(issue(client, spec, None), ours, replicas, "created")
        service_id = str(existing["ID"])
        state = str((existing.get("UpdateStatus") or {}).get("State") or "")
        if current_hash(existing) == ours:
            if state == "updating":                 # ours, from an interrupted deploy: judge that update
                return Watch(service_id, ours, replicas, "update")
            if state not in PAUSED:                 # (after rollback_completed, the spec Swarm put back is ours)
                return Watch(service_id, ours, replicas, "unchanged")
        since = engine_time(client)
        issue(client, spec, existing, force=current_hash(existing) == ours)
        return Watch(service_id, ours, replicas, "update", since)

    def _output_of(self, handle: dict[str, Any]) -> LastOutput:
        return observe.last_output_of(self.client, handle, 20)

    def running(self, service: str, environment: str) -> list[Seen]:
        found = find_service(self.client, service_name(service, environment))
        if found is None:
            return []
        return seen(tasks_of(self.client, str(found["ID"])), nodes(self.client))

    def take_down(self, service: str, environment: str) -> bool:
        """Remove the service, wait (bounded) until its local containers are gone, then its unused secrets."""
        from docker.errors import NotFound

        client = self.client
        found = find_service(client, service_name(service, environment))
        if found is None:
            return False
        labels = (found.get("Spec") or {}).get("Labels") or {}
        with engine_errors(f"remove service {service_name(service, environment)}"):
            try:
                api(client).remove_service(found["ID"])
            except NotFound:
                return False
        deadline = time.monotonic() + TAKE_DOWN_WAIT_S
        selector: dict[str, Any] = {"label": [f"com.docker.swarm.service.id={found['ID']}"]}
        while time.monotonic() < deadline and quietly(lambda: bool(client.api.containers(filters=selector)), False):
            time.sleep(0.1)
        home_id = str(labels.get(f"{LABEL}.home") or "")
        if home_id:
            swarm_secrets.remove_all(client, home_id, service, environment)
        return True

    def retire_secrets(self, service: str, environment: str, keep: dict[str, int]) -> list[str]:
        if not keep:
            return []
        found = find_service(self.client, service_name(service, environment))
        home_id = str(((found or {}).get("Spec") or {}).get("Labels", {}).get(f"{LABEL}.home") or "") \
            or (home_id_of(self._home) if self._home is not None else "")
        return swarm_secrets.retire(self.client, home_id, service, environment, keep) if home_id else []

    # -- instances (tasks) -------------------------------------------------------------------------

    def start(self, launch: LaunchSpec) -> InstanceRef:
        raise TargetError("the swarm target does not start instances one by one",
                          hint="Swarm replaces tasks itself: the engine calls roll_out for a swarm release")

    def inspect(self, handle: dict[str, Any]) -> InstanceState:
        return observe.state_of(self.client, handle)

    def stop(self, ref: InstanceRef, grace: float) -> None:
        """A no-op: Swarm owns task lifecycles (a killed task is restarted); roll_out or take_down replace them."""

    def find_strays(self, home_id: str, known: set[str]) -> list[InstanceRef]:
        """Running tasks of this home's services whose task ids the store does not know."""
        with engine_errors("list services"):
            services = api(self.client).services(filters={"label": [f"{LABEL}.home={home_id}"]})
        where = nodes(self.client) if services else None
        strays: list[InstanceRef] = []
        for service in services:
            for task in tasks_of(self.client, str(service["ID"])):
                if is_running(task) and str(task["ID"]) not in known and where is not None:
                    strays.extend(s.ref for s in seen([task], where))
        return strays

    def read_logs(self, handle: dict[str, Any], tail: int) -> list[str]:
        return observe.log_lines(self.client, handle, tail, timestamps=True)

    def last_output(self, handle: dict[str, Any], lines: int) -> LastOutput:
        return observe.last_output_of(self.client, handle, lines)

    def listening_ports(self, ref: InstanceRef) -> list[int]:
        return observe.ports_listening(self.client, ref.handle, ref.port)

    def usage(self, handle: dict[str, Any]) -> Usage | None:
        """Stats of a task on this node; a task on another node cannot be looked at from here, which is not a
        death (None would tell the monitor the instance is gone)."""
        if str(handle.get("host") or LOCAL_HOST) != LOCAL_HOST:
            raise TargetError(f"task {str(handle.get('task_id'))[:12]} runs on node {handle.get('host')}: "
                              "its CPU and memory are read only on that node")
        return observe.usage_of(self.client, handle)

    def prune(self, home_id: str, service: str, environment: str, keep: set[str]) -> dict[str, list[str]]:
        """Untag shipmate/<service>:<version> of releases not in ``keep`` that no container uses; Swarm keeps its
        own short task history (and removes those containers itself)."""
        with engine_errors(f"prune the old images of {service}"):
            return {"images": untag_unused(self.client, service, keep)}


def tasks_running(client: DockerClient, service: str, environment: str) -> list[dict[str, Any]]:
    """The running tasks of a service (tests and benches look at versions and ports through this)."""
    found = find_service(client, service_name(service, environment))
    return [t for t in tasks_of(client, str(found["ID"])) if is_running(t) and published_port(t) > 0] \
        if found else []

