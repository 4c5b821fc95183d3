"""The Swarm target's part of shipmate.yaml: the container as for docker, plus Swarm's update, rollback and
placement settings. Impossible combinations are refused here, before anything touches an engine: an update
whose monitor is shorter than its delay (moby#37972), start-first with a fixed host port (it would hang), more
tasks replaced at once than the service has, and strategies Swarm cannot run (blue-green, canary)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from shipmate.spec.docker_target import DockerBuild, DockerResources, ImageRef, SignalName
from shipmate.spec.durations import DurationRange, default_duration, format_duration
from shipmate.spec.env_rules import EnvVars
from shipmate.spec.field_types import FloatRange, IntRange, NonEmptyText, Port, SpecModel, TextRule
from shipmate.strategies.names import NATIVE_STRATEGIES, RECREATE, ROLLING

STRATEGY_HINT = ("Swarm replaces tasks itself: use strategy: rolling (update.parallelism tasks at a time) or "
                 "recreate (all at once, stop-first)")
Constraint = Annotated[str, TextRule(r"^[A-Za-z0-9_.\-]+ *(==|!=) *[A-Za-z0-9_.\-:/]+\Z",
                                     "a placement constraint like node.role==worker",
                                     "e.g. node.role==worker or node.labels.zone!=a")]
Parallelism = Annotated[int, IntRange(0, 32, "tasks replaced at once; 0 = all of them")]


class SwarmUpdate(SpecModel):
    """Swarm's update_config: how a new release replaces the running tasks."""

    parallelism: Parallelism = Field(1, description="Tasks replaced at once (0 = all at once).")
    delay: Annotated[float, DurationRange("0s", "1h")] = default_duration("0s", "Pause between two batches.")
    order: Literal["start-first", "stop-first"] = Field(
        "start-first", description="start-first: a new task runs before its old one stops (needs published_port: "
        "null); stop-first: the old one stops first.")
    monitor: Annotated[float, DurationRange("0s", "1h")] = default_duration(
        "5s", "How long Swarm watches each new task for a failure (at least delay).")
    failure_action: Literal["rollback", "pause", "continue"] = Field(
        "rollback", description="What Swarm does when a task fails during the update; only a completed update "
        "counts as success for shipmate either way.")
    max_failure_ratio: Annotated[float, FloatRange(0, 1)] = Field(
        0, description="Share of failed tasks tolerated during the update (0..1).")


class SwarmRollback(SpecModel):
    """Swarm's rollback_config: how Swarm puts the previous spec back when an update fails."""

    parallelism: Parallelism = Field(0, description="Tasks rolled back at once (0 = all at once).")
    delay: Annotated[float, DurationRange("0s", "1h")] = default_duration("0s", "Pause between two batches.")
    order: Literal["start-first", "stop-first"] = Field("stop-first", description="As update.order.")
    monitor: Annotated[float, DurationRange("0s", "1h")] = default_duration(
        "5s", "How long Swarm watches each rolled-back task (at least delay).")
    failure_action: Literal["pause", "continue"] = Field("pause", description="When a rolled-back task fails.")
    max_failure_ratio: Annotated[float, FloatRange(0, 1)] = Field(0, description="As update.max_failure_ratio.")


class SwarmPlacement(SpecModel):
    """Where Swarm may run the tasks."""

    constraints: Annotated[tuple[Constraint, ...], Field(max_length=32)] = Field(
        (), description='Node constraints, e.g. ["node.role==worker"].')
    max_per_node: Annotated[int, IntRange(0, 1000)] = Field(0, description="Tasks per node at most (0 = no limit).")


class SwarmTargetSpec(SpecModel):
    """Run the service as a Docker Swarm service; each replica is a task published in host mode for the router."""

    kind: Literal["swarm"] = Field(description="Target kind: swarm (a Docker Swarm service on a manager node).")
    image: ImageRef | None = Field(None, description="A local image (shipmate never pulls; every node needs it).")
    build: DockerBuild | None = Field(None, description="Build the image on the manager instead of image.")
    container_port: Port = Field(description="Where the app listens inside the container.")
    command: Annotated[tuple[NonEmptyText, ...], Field(max_length=256)] = Field(
        (), description="Overrides the image's CMD; an argv list, never run through a shell.")
    env: EnvVars = Field(default_factory=dict, description="Extra environment variables (PORT is set by shipmate).")
    resources: DockerResources = Field(default_factory=lambda: DockerResources.model_validate({}),
                                       description="cpus and memory limits of each task.")
    stop_signal: SignalName = Field("SIGTERM", description="Signal that asks a task to stop.")
    stop_grace: Annotated[float, DurationRange("0s", "10m")] = default_duration(
        "10s", "Time between stop_signal and SIGKILL when Swarm stops a task.")
    update: SwarmUpdate = Field(default_factory=lambda: SwarmUpdate.model_validate({}),
                                description="How an update replaces tasks (Swarm's update_config).")
    rollback: SwarmRollback = Field(default_factory=lambda: SwarmRollback.model_validate({}),
                                    description="How Swarm rolls a failed update back (rollback_config).")
    placement: SwarmPlacement = Field(default_factory=lambda: SwarmPlacement.model_validate({}),
                                      description="Placement constraints and tasks per node.")
    published_port: Port | None = Field(
        None, description="null: each task gets an ephemeral host-mode port the router targets; a number: every "
        "task publishes it (one task per node, stop-first only).")
    converge_timeout: Annotated[float, DurationRange("1s", "1h")] = default_duration(
        "5m", "Longest wait for Swarm to finish creating or updating the service.")
    log_max_bytes: Annotated[int, IntRange(1024, 1073741824)] = Field(
        10485760, description="json-file log rotation of each task: size of one file.")
    log_max_files: Annotated[int, IntRange(1, 100)] = Field(3, description="json-file log rotation: files kept.")
    keep_releases: Annotated[int, IntRange(1, 100)] = Field(
        5, description="Images of this many recent releases stay tagged; older shipmate/<service> tags are removed.")

    @model_validator(mode="after")
    def _fits_swarm(self) -> SwarmTargetSpec:
        if (self.image is None) == (self.build is None):
            raise PydanticCustomError("image_or_build", "needs exactly one of image or build",
                                      {"hint": "image: repo/name:tag, or build: {context: .}"})
        for section, cfg in (("update", self.update), ("rollback", self.rollback)):
            if cfg.monitor < cfg.delay:
                raise PydanticCustomError(
                    "swarm_monitor_under_delay", "{monitor} is shorter than {section}.delay ({delay}): Swarm would "
                    "stop watching a batch before the next one starts (moby#37972)",
                    {"monitor": format_duration(cfg.monitor), "delay": format_duration(cfg.delay),
                     "section": section, "at": (section, "monitor"),
                     "hint": f"make {section}.monitor at least {section}.delay"})
        return self

    @property
    def log_backups(self) -> int:
        """Rotated files besides the live one, as the process target counts them."""
        return self.log_max_files - 1

    def settings(self, project: str) -> dict[str, Any]:
        """What the target needs at run time (JSON-ready); stored with the release."""
        build = self.build.settings(project) if self.build is not None else None
        return {"image": self.image, "build": build, "container_port": self.container_port, "project": project,
                "cpus": self.resources.cpus, "memory": self.resources.memory, "stop_signal": self.stop_signal,
                "update": self.update.model_dump(mode="python"), "rollback": self.rollback.model_dump(mode="python"),
                "constraints": list(self.placement.constraints), "max_per_node": self.placement.max_per_node,
                "published_port": self.published_port, "converge_timeout_s": float(self.converge_timeout),
                "log_max_bytes": self.log_max_bytes, "log_max_files": self.log_max_files,
                "keep_releases": self.keep_releases}


def check_swarm_fits(target: SwarmTargetSpec, strategy: str, replicas: int, overlay_replicas: dict[str, int | None]
                     ) -> None:
    """Spec-wide rules of a swarm target: a strategy Swarm can run, and batches no larger than the service."""
    if strategy not in NATIVE_STRATEGIES:
        raise PydanticCustomError("swarm_strategy", "{strategy} is not possible with target.kind: swarm",
                                  {"strategy": strategy, "at": ("strategy",), "hint": STRATEGY_HINT})
    counts: dict[tuple[str, ...], int] = {("replicas",): replicas}
    counts.update({("environments", env, "replicas"): n for env, n in overlay_replicas.items() if n is not None})
    sections: list[tuple[str, SwarmUpdate | SwarmRollback]] = [("update", target.update), ("rollback", target.rollback)]
    for section, cfg in sections[1:] if strategy == RECREATE else sections:   # recreate: all at once, stop-first
        if target.published_port is not None and cfg.order == "start-first":
            raise PydanticCustomError(
                "swarm_start_first_fixed_port", "start-first with published_port {port}: the new task could never "
                "bind the port its old task holds, and the update would hang",
                {"port": target.published_port, "at": ("target", section, "order"),
                 "hint": "use order: stop-first, or published_port: null (an ephemeral port per task)"})
        for at, count in counts.items():
            if cfg.parallelism > count:
                raise PydanticCustomError(
                    "swarm_parallelism", "{got} tasks at once is more than {where} ({count})",
                    {"got": cfg.parallelism, "where": ".".join(at), "count": count,
                     "at": ("target", section, "parallelism"),
                     "hint": f"set target.{section}.parallelism to at most {count} (0 = all at once)"})


def default_swarm_strategy(data: Any) -> Any:
    """Raw spec data: a swarm target without `strategy:` rolls (Swarm's own update), not blue-green."""
    if isinstance(data, dict) and "strategy" not in data and isinstance(data.get("target"), dict) \
            and data["target"].get("kind") == "swarm":
        return {**data, "strategy": ROLLING}
    return data
