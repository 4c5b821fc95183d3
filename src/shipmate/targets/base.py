"""The interface every target (processes now; Docker, Swarm, files later) implements.

An instance is known to the rest of shipmate by its id, its port and an opaque JSON-ready handle;
only the target that made a handle reads its keys. tests/targets/test_target_contract.py holds
every target to this interface.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from shipmate.errors import TargetError
from shipmate.model import InstanceRef, LaunchSpec
from shipmate.release_config import ReleaseConfig


@dataclass(frozen=True)
class Capabilities:
    """What a target can do, so strategies and faces ask instead of checking its kind."""

    routable: bool          # instances listen on a host port the built-in router can send traffic to
    replicas: bool          # a release may run more than one instance at once
    max_replicas: int
    logs: bool              # read_logs / last_output return the app's output
    process_stats: bool     # usage() reports CPU and memory
    port_proxied: bool = False  # the engine holds the port before the app listens (a TCP connect proves nothing)
    keeps_artifacts: bool = False  # stopped instances and built images stay until prune() removes them
    native_rollout: bool = False   # the engine behind the target replaces instances itself (Swarm's update_config):
                                   # the target is a NativeRollout too, and plans are built by strategies/native.py
    engine_health_check: bool = False  # the engine runs the image's own health check (Docker HEALTHCHECK):
                                       # level 3 asks it, and it counts as a configured level
    file_artifact: bool = False    # a release runs from the files in target.cwd: their hash is its artifact
                                   # (otherwise the target names it in prepare(), e.g. image_id)
    file_set: bool = False         # a release is a set of files placed in a folder: no instances, ports or logs
                                   # (targets/files.py); ops deploy it with the "switch" strategy


@dataclass(frozen=True)
class InstanceState:
    """What a target sees of one instance right now; never an exception for a dead one."""

    alive: bool
    state: str                      # running | exited | gone
    exit_status: str | None = None  # "exited with code 2", when the target knows how it ended
    pid: int | None = None          # the process a human can look at, if there is one
    detail: str = ""
    health: str | None = None       # the engine's own health check (Docker HEALTHCHECK): healthy | unhealthy | starting
    restarts: int | None = None     # restarts the engine did by itself (Docker's RestartCount); None: it does none


@dataclass(frozen=True)
class LastOutput:
    """What an instance said last, for failure messages: the app's own lines, not the target's notes."""

    lines: list[str] = field(default_factory=list)   # oldest first, without timestamps
    exit_status: str | None = None                    # "exited with code 2", once it has stopped


@dataclass(frozen=True)
class Usage:
    """An instance's resource use at one look: cumulative CPU seconds per process, and resident memory."""

    cpu_s_by_process: dict[str, float]   # keyed by the target's own process/container id
    rss_bytes: float


class LogFollower(Protocol):
    """The lines an instance writes from now on, one poll at a time (``shipmate logs --follow``)."""

    def read_new(self) -> list[str]: ...

    def close(self) -> None: ...


class Target(ABC):
    """Starts, inspects and stops instances; never decides anything (that is the engine's job)."""

    kind: str
    capabilities: Capabilities

    def use_home(self, home: Path) -> None:  # noqa: B027  (an optional hook: most targets need no home)
        """The shipmate home this target works for (a target that reads secrets or labels by home keeps it)."""

    @abstractmethod
    def preflight(self, config: ReleaseConfig) -> None:
        """Refuse a release this target cannot run, before anything is written.

        Raises PrerequisiteMissingError or SpecError, each with a hint.
        """

    def prepare(self, config: ReleaseConfig) -> dict[str, Any]:
        """Make what every instance of the release shares (an image), once, before the release is recorded.

        Returns settings merged into the release's ``target_settings`` (e.g. the image id); {} by default.
        """
        return {}

    @abstractmethod
    def start(self, launch: LaunchSpec) -> InstanceRef:
        """Start one instance detached; return as soon as it runs (health is the probes' job).

        Raises PrerequisiteMissingError when the command cannot be found or run, TargetError otherwise.
        """

    @abstractmethod
    def inspect(self, handle: dict[str, Any]) -> InstanceState:
        """Whether the instance behind ``handle`` (not a reused pid or id) still runs, and how it ended."""

    def mend(self, ref: InstanceRef) -> str | None:
        """Repair what the target can around a running instance without restarting it (a process's dead log
        pump); returns what it did, None when nothing needed doing."""
        return None

    def is_alive(self, ref: InstanceRef) -> bool:
        """True only if this very instance (not a reused pid) still runs."""
        return self.inspect(ref.handle).alive

    @abstractmethod
    def stop(self, ref: InstanceRef, grace: float) -> None:
        """Polite stop (SIGTERM), then forced after ``grace`` seconds; stopping a gone instance is fine."""

    @abstractmethod
    def find_strays(self, home_id: str, known: set[str]) -> list[InstanceRef]:
        """Instances started by this shipmate home whose ids are not in ``known`` (crash leftovers)."""

    def deployment_of(self, ref: InstanceRef) -> str | None:
        """The deployment that started a stray, when the target recorded it (find_strays puts it in the handle)."""
        found = ref.handle.get("deployment_id")
        return str(found) if found else None

    @abstractmethod
    def read_logs(self, handle: dict[str, Any], tail: int) -> list[str]:
        """The last ``tail`` lines of an instance's log (across rotated files); [] when there is none."""

    def follow_logs(self, handle: dict[str, Any], *, tail: int = 0, from_start: bool = False) -> LogFollower:
        """Follow an instance's log: its last ``tail`` lines, then each new one (``from_start``: every line from
        its first); TargetError where the target cannot follow yet."""
        raise TargetError(f"`logs --follow` is not available for target.kind {self.kind} yet",
                          hint="run `shipmate logs` without --follow, or the engine's own log command "
                               "(docker logs -f CONTAINER)")

    @abstractmethod
    def last_output(self, handle: dict[str, Any], lines: int) -> LastOutput:
        """The app's own last ``lines`` non-empty output lines and how it exited, if it did."""

    @abstractmethod
    def listening_ports(self, ref: InstanceRef) -> list[int]:
        """TCP ports the instance (any process of it) listens on: tells "wrong port" from "not up yet"."""

    @abstractmethod
    def usage(self, handle: dict[str, Any]) -> Usage | None:
        """CPU and memory of the instance's app; None when it is gone (TargetError when it cannot look)."""

    def retire_secrets(self, service: str, environment: str, keep: dict[str, int]) -> list[str]:
        """Remove the engine-side copies of secret versions older than ``keep`` (name -> version in use), after
        the release that uses ``keep`` passed its monitor window. Returns what went; [] when the target keeps none."""
        return []

    def prune(self, home_id: str, service: str, environment: str, keep: set[str]) -> dict[str, list[str]]:
        """Remove what this home kept of releases whose version is not in ``keep`` (never a running instance).

        Returns what went, e.g. {"containers": [...], "images": [...]}; nothing for a target that keeps nothing.
        """
        return {}


@dataclass(frozen=True)
class RolloutReport:
    """How a native rollout of one release ended, judged from *our* update (never a CLI exit code)."""

    state: str                      # completed | created | unchanged | rollback_completed | rollback_paused |
                                    # paused | timeout | failed  (Swarm's UpdateStatus.State where it has one)
    ok: bool                        # completed/created/unchanged with every wanted replica running
    message: str                    # UpdateStatus.Message, or the first task error seen
    instances: tuple[InstanceRef, ...] = ()   # running tasks of the wanted release (host/port reachable here)
    failed_output: LastOutput | None = None   # a failed task's last lines, for the failure message


@dataclass(frozen=True)
class Seen:
    """One running instance of a natively rolled-out service, as the engine syncs the router to it."""

    ref: InstanceRef
    version: str


class NativeRollout(ABC):
    """A target whose engine replaces instances by itself (Swarm): shipmate asks for a release and watches."""

    @abstractmethod
    def roll_out(self, config: ReleaseConfig, *, deadline_s: float,
                 on_tick: Callable[[list[Seen]], None]) -> RolloutReport:
        """Create or update the service so it runs ``config`` and wait until our update ends (or ``deadline_s``).

        ``on_tick`` gets the running instances of every version about every 0.2 s, so the caller can keep the
        router's membership on what really runs. Idempotent: the service already running ``config`` -> unchanged.
        """

    @abstractmethod
    def running(self, service: str, environment: str) -> list[Seen]:
        """The service's running instances now (any version); [] when there is no service."""

    @abstractmethod
    def take_down(self, service: str, environment: str) -> bool:
        """Remove the service (a failed first deploy, `down`); False when there was none."""
