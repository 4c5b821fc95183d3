"""The Docker target's part of shipmate.yaml: image or build, the container's port, mounts and limits.

Pure rules only: whether an image exists or a bind source is really inside the project is the
target's preflight (it needs the engine and the disk); here we refuse what is wrong on its face.
"""

from __future__ import annotations

import posixpath
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from shipmate.spec.durations import DurationRange, default_duration
from shipmate.spec.env_rules import EnvVars
from shipmate.spec.field_types import FloatRange, IntRange, NonEmptyText, Port, SpecModel, TextRule

# A docker image reference: [registry[:port]/]path[:tag][@sha256:digest]; no spaces, flags or newlines.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
IMAGE_PATTERN = (rf"^(?:[A-Za-z0-9][A-Za-z0-9.-]*(?::[0-9]{{1,5}})?/)?{_COMPONENT}(?:/{_COMPONENT})*"
                 r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?\Z")
ImageRef = Annotated[str, TextRule(IMAGE_PATTERN, "an image reference like repo/name:tag (no spaces, flags or "
                                   "newlines)", "e.g. image: ghcr.io/acme/web:1.4.2")]
MemoryText = Annotated[str, TextRule(r"^[1-9][0-9]*[kmg]?\Z", "a size like 512m or 1g",
                                     "e.g. memory: 256m (k, m or g)")]
SignalName = Annotated[str, TextRule(r"^SIG[A-Z0-9]{2,8}\Z", "a signal name like SIGTERM", "e.g. SIGINT")]
VOLUME_HINT = 'e.g. "data:/var/lib/app" (named volume) or "./config:/etc/app:ro" (inside the project)'
_NAMED_VOLUME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*\Z")


def parse_volume(text: str) -> dict[str, Any]:
    """"name:/path[:ro]" or "./rel:/path[:ro]" as {kind, source, target, read_only}; ValueError says why."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] not in ("ro", "rw")):
        raise ValueError("must be SOURCE:/container/path with an optional :ro")
    read_only = parts[-1] == "ro" and len(parts) == 3
    source, target = parts[0], parts[1]
    if not target.startswith("/") or any(ch.isspace() for ch in target):
        raise ValueError("the container path must be absolute, without spaces")
    if source.startswith("./") or source == ".":
        rel = posixpath.normpath(source)
        if rel == ".." or rel.startswith("../"):
            raise ValueError("a bind mount must stay inside the project (no ..)")
        return {"kind": "bind", "source": rel, "target": target, "read_only": read_only}
    if source.startswith(("/", "~", "..")):
        raise ValueError("a bind mount outside the project is refused; mount a ./path inside it")
    if _NAMED_VOLUME.match(source) is None:
        raise ValueError("a named volume is letters, digits, '_', '.' or '-'")
    return {"kind": "volume", "source": source, "target": target, "read_only": read_only}


def _check_volume(value: str) -> str:
    try:
        parse_volume(value)
    except ValueError as exc:
        raise PydanticCustomError("volume", "{why}, got '{got}'",
                                  {"why": str(exc), "got": value[:60], "hint": VOLUME_HINT}) from None
    return value


VolumeText = Annotated[str, AfterValidator(_check_volume)]


class DockerBuild(SpecModel):
    """Build the image from a Dockerfile; it is tagged with the release version."""

    context: NonEmptyText = Field(".", description="Build context folder, relative to the spec file.")
    dockerfile: NonEmptyText = Field("Dockerfile", description="Dockerfile path inside the context.")
    args: EnvVars = Field(default_factory=dict, description="Build arguments (--build-arg).")

    def settings(self, project: str) -> dict[str, Any]:
        """The build as the targets read it: the context resolved against the project folder."""
        return {"context": posixpath.normpath(posixpath.join(project, self.context)),
                "dockerfile": self.dockerfile, "args": dict(self.args)}


class DockerResources(SpecModel):
    """Limits of one container."""

    cpus: Annotated[float, FloatRange(0.01, 256)] | None = Field(None, description="CPU cores, e.g. 0.5.")
    memory: MemoryText | None = Field(None, description="Memory limit, e.g. 256m or 1g.")


class DockerTargetSpec(SpecModel):
    """Run each instance as a Docker container, published on 127.0.0.1 for the router."""

    kind: Literal["docker"] = Field(description="Target kind: docker.")
    image: ImageRef | None = Field(None, description="A local image (shipmate never pulls); or give build.")
    build: DockerBuild | None = Field(None, description="Build the image from a Dockerfile instead of image.")
    container_port: Port = Field(description="Where the app listens inside the container.")
    command: Annotated[tuple[NonEmptyText, ...], Field(max_length=256)] = Field(
        (), description="Overrides the image's CMD; an argv list, never run through a shell.")
    env: EnvVars = Field(default_factory=dict, description="Extra environment variables (PORT is set by shipmate).")
    volumes: Annotated[tuple[VolumeText, ...], Field(max_length=64)] = Field(
        (), description='"name:/path[:ro]" (named volume) or "./rel:/path[:ro]" (bind mount inside the project).')
    resources: DockerResources = Field(default_factory=lambda: DockerResources.model_validate({}),
                                       description="cpus and memory limits.")
    stop_signal: SignalName = Field("SIGTERM", description="Signal that asks the app to stop.")
    stop_grace: Annotated[float, DurationRange("0s", "10m")] = default_duration(
        "10s", "Time between stop_signal and SIGKILL when stopping a container.")
    network: Literal["bridge", "host"] = Field(
        "bridge", description="bridge: container_port published on 127.0.0.1; host: the app listens on $PORT.")
    log_max_bytes: Annotated[int, IntRange(1024, 1073741824)] = Field(
        10485760, description="json-file log rotation: size of one file.")
    log_max_files: Annotated[int, IntRange(1, 100)] = Field(3, description="json-file log rotation: files kept.")
    shared_volume_ok: bool = Field(
        False, description="Two copies of the service may share its writable volumes (allows blue-green, canary, "
        "rolling and replicas > 1 with volumes); without it such a service deploys with recreate.")
    keep_releases: Annotated[int, IntRange(1, 100)] = Field(
        5, description="Containers and images of this many recent releases are kept for instant rollback; "
        "older ones are removed (containers) and untagged (images) after a successful deploy.")

    @model_validator(mode="after")
    def _image_or_build(self) -> DockerTargetSpec:
        if (self.image is None) == (self.build is None):
            raise PydanticCustomError("image_or_build", "needs exactly one of image or build",
                                      {"hint": "image: repo/name:tag, or build: {context: .}"})
        if self.network == "bridge" and any("${PORT}" in arg for arg in self.command):
            raise PydanticCustomError(
                "bridge_port", "${PORT} in command is the host port; with network: bridge the app listens on "
                "container_port", {"hint": "write the container_port number in command, or use network: host"})
        return self

    def writable_volumes(self) -> list[str]:
        """Volumes two running copies would both write to (read-only mounts are safe to share)."""
        return [text for text in self.volumes if not parse_volume(text)["read_only"]]

    @property
    def log_backups(self) -> int:
        """Rotated files besides the live one, as the process target counts them."""
        return self.log_max_files - 1

    def settings(self, project: str) -> dict[str, Any]:
        """What the target needs at run time (JSON-ready); stored with the release."""
        build = self.build.settings(project) if self.build is not None else None
        return {"image": self.image, "build": build, "container_port": self.container_port,
                "project": project, "volumes": [parse_volume(v) for v in self.volumes],
                "cpus": self.resources.cpus, "memory": self.resources.memory, "stop_signal": self.stop_signal,
                "network": self.network, "log_max_bytes": self.log_max_bytes, "log_max_files": self.log_max_files,
                "keep_releases": self.keep_releases}


def writable_volumes_in(target: Any) -> bool:
    """Raw spec data (before validation): a docker target with a writable volume and no shared_volume_ok."""
    if not isinstance(target, dict) or target.get("kind") != "docker" or target.get("shared_volume_ok") is True:
        return False
    volumes = target.get("volumes")
    if not isinstance(volumes, (list, tuple)):
        return False
    for text in volumes:
        try:
            if isinstance(text, str) and not parse_volume(text)["read_only"]:
                return True
        except ValueError:
            continue                # refused later with its own message
    return False
