"""The Docker target: each instance is one container (Docker SDK, never the CLI), found again by its
labels, published on 127.0.0.1 for the router. A stopped container is kept for inspection, not removed."""

from __future__ import annotations

import math
import os
import time
from functools import partial
from typing import TYPE_CHECKING, Any

from shipmate.errors import InvalidInputError, PrerequisiteMissingError, TargetError
from shipmate.model import InstanceRef, LaunchSpec
from shipmate.release_config import ReleaseConfig
from shipmate.secrets.resolve import SECRET_NAMES
from shipmate.targets.base import Capabilities, InstanceState, LastOutput, Target, Usage
from shipmate.targets.docker_engine import (
    LABEL,
    SECRETS_DIR,
    bind_outside_project,
    connect,
    container_usage,
    create_kwargs,
    engine_errors,
    exit_status,
    listening_in,
    quietly,
)
from shipmate.targets.docker_image import local_image, prepare_image, untag_unused

if TYPE_CHECKING:
    from docker import DockerClient
    from docker.models.containers import Container

KILL_WAIT = 10.0   # after SIGKILL the engine reports the container stopped within this
STOPPED = ("exited", "created", "dead")   # container states prune may remove
NOT_RUNNABLE_WAIT = 0.3   # a command the init cannot exec ends the container within this (one look right after
                          # start missed it on a loaded machine: exit 7 must not depend on timing)


RESTART_POLICY = "unless-stopped"


class DockerTarget(Target):
    """Starts, inspects and stops containers; never decides anything."""

    kind = "docker"
    capabilities = Capabilities(routable=True, replicas=True, max_replicas=32, logs=True, process_stats=True,
                                port_proxied=True, keeps_artifacts=True, engine_health_check=True)

    def __init__(self) -> None:
        self._client: DockerClient | None = None

    @property
    def client(self) -> DockerClient:
        if self._client is None:
            self._client = connect()
        return self._client

    # -- before anything is written --------------------------------------------------------------

    def preflight(self, config: ReleaseConfig) -> None:
        """Engine reachable, the image present locally (never pulled) or the build context there, mounts inside."""
        s = config.target_settings
        build = s.get("build")
        project = str(s.get("project") or config.cwd)
        taken = {f"{SECRETS_DIR}/{name}": str(name) for name in s.get(SECRET_NAMES) or ()}
        for volume in s.get("volumes") or ():
            if str(volume["target"]).rstrip("/") in taken:
                raise InvalidInputError(f"target.volumes: {volume['target']} is where secret "
                                        f"{taken[str(volume['target']).rstrip('/')]} is mounted",
                                        hint="mount the volume elsewhere; the app finds the secret at NAME_FILE")
            outside = bind_outside_project(volume, project)
            if outside is not None:
                raise PrerequisiteMissingError(f"target.volumes: bind mount {volume['source']} leads outside the "
                                               f"project to {outside}", hint="mount a folder inside the project")
        if build:
            context = str(build["context"])
            if not os.path.isdir(context):
                raise PrerequisiteMissingError(f"target.build.context: no such directory: {context}",
                                               hint="build.context is relative to the folder of shipmate.yaml")
            dockerfile = os.path.join(context, str(build["dockerfile"]))
            if not os.path.isfile(dockerfile):
                raise PrerequisiteMissingError(f"target.build.dockerfile: no such file: {dockerfile}",
                                               hint="build.dockerfile is relative to build.context")
        client = self.client
        if not build:
            local_image(client, str(s.get("image_id") or s.get("image") or ""))

    def prepare(self, config: ReleaseConfig) -> dict[str, Any]:
        """Build (or find) the release's image, tag it shipmate/<service>:<version>; its id for the release."""
        if config.target_settings.get("image_id"):     # a stored release (rollback): its image is known
            return {}
        return prepare_image(self.client, config)

    # -- instances --------------------------------------------------------------------------------

    def start(self, launch: LaunchSpec) -> InstanceRef:
        from docker.errors import APIError, ImageNotFound

        s = launch.settings
        image = str(s.get("image_id") or s.get("image") or "")
        kwargs = create_kwargs(launch, image)
        with engine_errors(f"start container {kwargs['name']}", hint="see the engine's log (dockerd)"):
            try:
                container = self._create(kwargs, launch.home_id)
            except ImageNotFound as exc:
                raise PrerequisiteMissingError(
                    f"image {image} is not in the local Docker engine",
                    hint="build or pull it first; shipmate never pulls (the images of releases "
                         "older than target.keep_releases are pruned)") from exc
            try:
                container.start()
            except APIError as exc:
                quietly(lambda: container.remove(force=True), None)   # nothing half-created
                raise TargetError(f"docker: cannot start {kwargs['name']}: {exc.explanation or exc}",
                                  hint="is the port taken, or the command missing in the image?") from exc
            self._fail_if_not_runnable(container, image)
        return InstanceRef(instance_id=launch.instance_id, port=launch.port,
                           handle={"container_id": str(container.id), "name": kwargs["name"]})

    def _fail_if_not_runnable(self, container: Container, image: str) -> None:
        """The init could not exec the command (exit 126/127 at once): a missing prerequisite, and no container."""
        if not self._stopped_within(container, NOT_RUNNABLE_WAIT):
            return                      # runs: health and liveness are for later checks
        state = container.attrs.get("State") or {}
        if int(state.get("ExitCode") or 0) not in (126, 127):
            return                      # it ran and stopped; the probes report that, not start()
        said = self._log_lines({"container_id": container.id}, 3, timestamps=False)
        quietly(lambda: container.remove(force=True), None)
        reason = said[-1] if said else f"exit {state.get('ExitCode')}"
        raise PrerequisiteMissingError(f"cannot run the command in image {image}: {reason}",
                                       hint="check target.command (or the image's CMD) and that the program is in "
                                       "the image")

    def _create(self, kwargs: dict[str, Any], home_id: str) -> Container:
        """Create the container; a stopped leftover of this home with the same name is replaced."""
        from docker.errors import APIError

        try:
            return self.client.containers.create(**kwargs)
        except APIError as exc:
            if exc.status_code != 409:
                raise
            old = self.client.containers.get(kwargs["name"])
            if old.labels.get(f"{LABEL}.home") != home_id or old.status == "running":
                raise
            old.remove(force=True)
            return self.client.containers.create(**kwargs)

    def _container(self, handle: dict[str, Any]) -> Container | None:
        cid = str(handle.get("container_id") or "")
        if not cid:
            return None
        with engine_errors(f"inspect container {cid[:12]}"):
            found: Container | None = quietly(lambda: self.client.containers.get(cid), None)
        return found

    def inspect(self, handle: dict[str, Any]) -> InstanceState:
        container = self._container(handle)
        if container is None:
            cid = str(handle.get("container_id") or "")[:12]
            return InstanceState(alive=False, state="gone", detail=f"container {cid or '?'} is gone")
        state = container.attrs.get("State") or {}
        pid = int(state.get("Pid") or 0) or None
        health = (state.get("Health") or {}).get("Status")
        said = f"; docker health: {health}" if health else ""
        restarts = int(container.attrs.get("RestartCount") or 0)
        if state.get("Running"):
            return InstanceState(alive=True, state="running", pid=pid, restarts=restarts,
                                 detail=f"container {container.short_id} running{said}", health=health)
        ended = exit_status(state)
        if ended is None:
            return InstanceState(alive=False, state="gone", detail=f"container {container.short_id} "
                                 f"{state.get('Status', 'created')}, never ran")
        return InstanceState(alive=False, state="exited", exit_status=ended,
                             detail=f"container {container.short_id} {ended}{said}", health=health)

    def mend(self, ref: InstanceRef) -> str | None:
        """A current container gets Docker's restart policy (unless-stopped), so it outlives a dead `serve` and comes
        back after a reboot, as Kamal's do; `docker stop` (a deploy retiring it, `down`) still ends it for good."""
        container = self._container(ref.handle)
        if container is None or not (container.attrs.get("State") or {}).get("Running"):
            return None
        policy = ((container.attrs.get("HostConfig") or {}).get("RestartPolicy") or {}).get("Name") or "no"
        if policy != "no":
            return None
        with engine_errors(f"update container {container.short_id}"):
            # the stubs list only always/on-failure; the API takes unless-stopped (always would also bring back
            # retired containers after a reboot)
            container.update(restart_policy={"Name": RESTART_POLICY})  # type: ignore[arg-type]
        return f"container {container.short_id} gets restart policy {RESTART_POLICY}"

    def stop(self, ref: InstanceRef, grace: float) -> None:
        """The container's stop signal, then SIGKILL after ``grace``; the container itself is kept."""
        container = self._container(ref.handle)
        if container is None or not (container.attrs.get("State") or {}).get("Running"):
            return
        with engine_errors(f"stop container {container.short_id}"):
            # The engine sends the container's StopSignal, waits, then SIGKILLs: one call that returns the moment
            # the container ends (its grace is whole seconds, so round up).
            quietly(lambda: container.stop(timeout=max(0, math.ceil(grace))), None)
            if not self._stopped_within(container, KILL_WAIT):
                raise TargetError(f"instance {ref.instance_id}: container {container.short_id} survived "
                                  "SIGKILL", hint="see the engine's log (dockerd)")

    @staticmethod
    def _stopped_within(container: Container, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while True:
            if not quietly(lambda: _reloaded(container), False):
                return True   # removed meanwhile
            if not (container.attrs.get("State") or {}).get("Running"):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))

    def find_strays(self, home_id: str, known: set[str]) -> list[InstanceRef]:
        with engine_errors("list containers"):
            running = self.client.containers.list(ignore_removed=True, filters={"label": [f"{LABEL}.home={home_id}"],
                                                           "status": "running"})
        strays: list[InstanceRef] = []
        for container in running:
            labels = container.labels
            instance_id = labels.get(f"{LABEL}.instance_id", "")
            if instance_id in known:
                continue
            port = labels.get(f"{LABEL}.port", "")
            handle = {"container_id": str(container.id), "name": container.name,
                      "deployment_id": labels.get(f"{LABEL}.deployment_id", "")}
            strays.append(InstanceRef(instance_id=instance_id, port=int(port) if port.isdigit() else 0,
                                      handle=handle))
        return strays

    # -- what it says and uses ----------------------------------------------------------------------

    def _log_lines(self, handle: dict[str, Any], tail: int, timestamps: bool) -> list[str]:
        container = self._container(handle)
        if container is None or tail <= 0:
            return []
        with engine_errors(f"read the log of {container.short_id}"):
            raw: bytes = quietly(lambda: container.logs(stdout=True, stderr=True, tail=tail,
                                                        timestamps=timestamps), b"")
        return [line for line in raw.decode("utf-8", "replace").splitlines() if line.strip()]

    def read_logs(self, handle: dict[str, Any], tail: int) -> list[str]:
        return self._log_lines(handle, tail, timestamps=True)[-tail:] if tail > 0 else []

    def last_output(self, handle: dict[str, Any], lines: int) -> LastOutput:
        container = self._container(handle)
        if container is None:
            return LastOutput()
        state = container.attrs.get("State") or {}
        ended = None if state.get("Running") else exit_status(state)
        said = self._log_lines(handle, max(lines, 0), timestamps=False) if lines > 0 else []
        return LastOutput(lines=said[-lines:] if lines > 0 else [], exit_status=ended)

    def listening_ports(self, ref: InstanceRef) -> list[int]:
        """The host port of the instance once its app listens inside the container (the engine's proxy opens
        the published port at once, so the container's own socket table decides "not up yet")."""
        container = self._container(ref.handle)
        state = (container.attrs.get("State") or {}) if container is not None else {}
        if container is None or not state.get("Running"):
            return []
        published = ((container.attrs.get("NetworkSettings") or {}).get("Ports") or {})
        label = container.labels.get(f"{LABEL}.port", "")
        inside_to_host = {int(spec.split("/")[0]): int(b["HostPort"]) for spec, binds in published.items()
                          for b in binds or () if str(b.get("HostPort")).isdigit()}
        if not inside_to_host and label.isdigit() and int(label) > 0:
            inside_to_host = {int(label): int(label)}       # network: host, the app listens on $PORT itself
        listening = listening_in(int(state.get("Pid") or 0))
        if listening is None:                                 # cannot look (a remote engine): trust the engine
            return sorted(inside_to_host.values())
        return sorted(host for inside, host in inside_to_host.items() if inside in listening)

    def usage(self, handle: dict[str, Any]) -> Usage | None:
        return container_usage(self._container(handle))

    # -- retention ------------------------------------------------------------------------------------

    def prune(self, home_id: str, service: str, environment: str, keep: set[str]) -> dict[str, list[str]]:
        """Remove this home's stopped containers of versions not in ``keep``, then untag the images
        shipmate/<service>:<version> of such versions that no container (of anyone) still uses."""
        selector = [f"{LABEL}.home={home_id}", f"{LABEL}.service={service}", f"{LABEL}.environment={environment}"]
        removed: list[str] = []
        with engine_errors(f"prune the old containers of {service}/{environment}"):
            for container in self.client.containers.list(ignore_removed=True, all=True, filters={"label": selector}):
                if container.labels.get(f"{LABEL}.version") in keep or container.status not in STOPPED:
                    continue            # kept for rollback, or running: never removed here
                if quietly(partial(_removed, container), False):   # no force: one that started meanwhile stays
                    removed.append(str(container.name))
            images = untag_unused(self.client, service, keep)
        return {"containers": removed, "images": images}


def _removed(container: Container) -> bool:
    container.remove()
    return True


def _reloaded(container: Container) -> bool:
    container.reload()
    return True
