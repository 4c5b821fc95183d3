"""Load shipmate.yaml: read, validate, pick the environment, resolve the version, compute the digest.

The only module of the spec package that does I/O (the file). `version: git` is resolved by the caller's
``describe`` (shipmate.git_repo, passed in by ops/common/spec_loading.py): the spec package runs no git.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from shipmate.errors import SpecError
from shipmate.spec.durations import format_duration
from shipmate.spec.error_messages import spec_error_from
from shipmate.spec.field_types import VERSION_PATTERN
from shipmate.spec.models import Monitor, Spec
from shipmate.spec.quoting import clip
from shipmate.spec.release_spec import released_version
from shipmate.spec.stack_file import refuse_stack_here
from shipmate.spec.yaml_source import load_mapping

DEFAULT_ENVIRONMENT = "default"
M = TypeVar("M", bound=BaseModel)
Describe = Callable[[Path, str, str], str]   # (directory, spec file, version pattern) -> version


@dataclass(frozen=True)
class LoadedSpec:
    """A validated spec with its environment overlay applied and everything resolved."""

    spec: Spec  # overlay applied: port and replicas replaced, env merged over target.env
    environment: str
    version: str
    path: Path  # absolute path of the spec file
    base_dir: Path  # its folder; relative paths in the spec are relative to it
    cwd: Path  # target.cwd resolved against base_dir
    digest: str  # sha256 of the resolved spec without version: the release identity
    base: Spec | None = None  # the spec before the overlay (config_hash compares it across environments)


def load_spec(
    path: Path, *, environment: str | None = None, version_override: str | None = None,
    describe: Describe | None = None,
) -> LoadedSpec:
    """``describe(directory, file, pattern)``: the version `version: git` stands for (None: not allowed here)."""
    shown = str(path)
    data, positions = load_mapping(path)
    refuse_stack_here(data, path)
    try:
        spec = Spec.model_validate(data)
    except ValidationError as exc:
        raise spec_error_from(exc, root=Spec, file=shown, positions=positions) from None
    absolute = path.absolute()
    base_dir = absolute.parent
    name = _resolve_environment(spec, environment, shown)
    resolved = _apply_overlay(spec, name)
    version = _resolve_version(spec.version, version_override, base_dir, shown, describe)
    if spec.release is not None and spec.version == "git" and version_override is None:
        version = released_version(version, spec.release.tag_format)
    cwd = (base_dir / getattr(resolved.target, "cwd", ".")).resolve()  # docker: the project
    if not cwd.is_dir():
        raise SpecError(
            f"no such directory: {cwd}",
            path="target.cwd",
            file=shown,
            hint="target.cwd is relative to the folder of shipmate.yaml",
        )
    return LoadedSpec(
        spec=resolved,
        environment=name,
        version=version,
        path=absolute,
        base_dir=base_dir,
        cwd=cwd,
        digest=spec_digest(resolved),
        base=spec,
    )


# Keys added later, left out of the digest at these values: a spec that does not use them keeps the
# digest an older shipmate gave it (so an unchanged, running release is not deployed again).
_DIGEST_OMITTED_AT: dict[str, Any] = {"replicas": 1, "canary": None, "rolling": None, "secrets": []}


# The same for keys added inside sections (health.levels, the MCP monitor rules).
_NESTED_OMITTED_AT: dict[tuple[str, ...], Any] = {
    ("health", "levels"): None,
    ("monitor", "rollback_if", "mcp_error_rate"): None,
    ("monitor", "rollback_if", "mcp_p95_ms"): None,
    ("target", "snapshot"): True,
    ("target", "shared"): [],
    ("target", "build"): [],
    ("target", "build_timeout"): 600.0,
    ("target", "keep_releases"): 5,
}


def _drop_at(data: dict[str, Any], path: tuple[str, ...], default: Any) -> None:
    *parents, last = path
    for key in parents:
        data = data.get(key) if isinstance(data.get(key), dict) else None  # type: ignore[assignment]
        if data is None:
            return
    if last in data and data[last] == default:
        del data[last]


def spec_digest(spec: Spec) -> str:
    """Stable across key order, version, other environments' overlays and backup settings; changes with anything
    else."""
    # hooks/notify/confidence/backup/supervise/release say how a deployment is conducted or watched, not what runs:
    # not part of the release.
    data = spec.model_dump(mode="json", by_alias=True, exclude={"version", "environments", "hooks", "notify",
                                                                "confidence", "backup", "supervise",
                                                                "reports", "release", "uptime", "slo"})
    data = {key: value for key, value in data.items()
            if key not in _DIGEST_OMITTED_AT or value != _DIGEST_OMITTED_AT[key]}
    for path, default in _NESTED_OMITTED_AT.items():
        _drop_at(data, path, default)
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _resolve_environment(spec: Spec, requested: str | None, file: str) -> str:
    known = list(spec.environments) or [DEFAULT_ENVIRONMENT]
    if requested is None:
        return known[0]
    if requested not in known:
        raise SpecError(
            f"unknown environment '{clip(requested)}'",
            path="environments",
            file=file,
            hint=f"known: {', '.join(known)}",
        )
    return requested


def _apply_overlay(spec: Spec, environment: str) -> Spec:
    overlay = spec.environments.get(environment)
    if overlay is None:
        return spec
    target = spec.target if spec.target.kind == "files" else \
        spec.target.model_copy(update={"env": {**spec.target.env, **overlay.env}})
    port = overlay.port if overlay.port is not None else spec.port
    replicas = overlay.replicas if overlay.replicas is not None else spec.replicas
    monitor = _merged_monitor(spec, overlay.monitor, environment)
    return spec.model_copy(update={"target": target, "port": port, "replicas": replicas, "monitor": monitor})


def _merged_monitor(spec: Spec, written: Monitor | None, environment: str) -> Monitor:
    """The base monitor with the overlay's written keys (only those: unset ones keep the base's value)."""
    if written is None:
        return spec.monitor
    merged = _merge_written(spec.monitor, written)
    if merged.duration > 0 and merged.interval > merged.duration:
        raise SpecError(f"{format_duration(merged.interval)} is longer than the whole window (monitor.duration: "
                        f"{format_duration(merged.duration)}); it could never pass",
                        path=f"environments.{environment}.monitor.interval",
                        hint="make the interval at most the duration in this environment, e.g. interval: 1s")
    if merged.duration == 0 and spec.smoke_gate():
        raise SpecError("the smoke gate runs inside the monitor window, and it is 0s in this environment",
                        path=f"environments.{environment}.monitor.duration",
                        hint="give this environment a window, e.g. duration: 10s, or set smoke gate: false")
    return merged


def _merge_written(base: M, over: M) -> M:
    """``base`` with each field ``over`` wrote replaced; nested models are merged the same way."""
    update: dict[str, Any] = {}
    for key in over.model_fields_set:
        value, before = getattr(over, key), getattr(base, key)
        same_kind = isinstance(value, BaseModel) and type(value) is type(before)
        update[key] = _merge_written(before, value) if same_kind else value
    return base.model_copy(update=update)


def _resolve_version(declared: str | None, override: str | None, base_dir: Path, file: str,
                     describe: Describe | None) -> str:
    if override is not None:
        if re.match(VERSION_PATTERN, override) is None:
            raise SpecError(
                f"must be 1-128 characters of letters, digits, '.', '_', '+' or '-', got '{clip(override)}'",
                path="--version",
                file=file,
                hint="e.g. --version 1.4.2",
            )
        chosen = override
    elif declared is not None:
        chosen = declared
    else:
        raise SpecError(
            "no version given",
            path="version",
            file=file,
            hint="set version: in shipmate.yaml or pass --version",
        )
    if chosen != "git":
        return chosen
    if describe is None:
        raise SpecError("version: git is resolved by shipmate's commands, not by this load", path="version",
                        file=file, hint="pass --version, or load through shipmate.ops")
    return describe(base_dir, file, VERSION_PATTERN)
