"""One compose service's sections (env, ports, volumes, healthcheck, limits...) as shipmate.yaml parts.

Pure: each handler reads one compose key and fills the spec mapping, or warns with the key path.
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shipmate.spec.compose_values import (
    compose_seconds,
    cpus_number,
    duration_text,
    healthcheck_argv,
    http_path,
    memory_text,
    port_mapping,
    signal_name,
)
from shipmate.spec.docker_target import parse_volume
from shipmate.spec.env_rules import RESERVED_NAMES, RESERVED_PREFIX, looks_like_secret_name

DEFAULT_PORT = 8000
DEFAULT_DEADLINE_S = 30.0  # shipmate's health.deadline default; a longer compose budget raises it


@dataclass(frozen=True)
class ComposeWarning:
    """One compose key that shipmate.yaml does not carry (or carries differently), and why."""

    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


@dataclass
class Conversion:
    """The spec mapping being built and the warnings so far."""

    spec: dict[str, Any]
    warnings: list[ComposeWarning] = field(default_factory=list)

    def warn(self, path: str, message: str) -> None:
        self.warnings.append(ComposeWarning(path, message))


def key_values(value: Any, path: str, conv: Conversion) -> dict[str, str]:
    """The list ("A=b") or map form of environment/args; pass-through names (no value) are dropped."""
    pairs: list[tuple[str, Any, str]] = []
    if isinstance(value, dict):
        pairs = [(str(k), v, f"{path}.{k}") for k, v in value.items()]
    elif isinstance(value, list):
        for i, item in enumerate(value):
            name, eq, rest = str(item).partition("=")
            pairs.append((name, rest if eq else None, f"{path}[{i}]"))
    else:
        conv.warn(path, "must be a list or a mapping; left out")
        return {}
    out: dict[str, str] = {}
    for name, raw, where in pairs:
        if raw is None:
            conv.warn(where, f"{name} takes its value from the shell; left out, write the value")
        elif looks_like_secret_name(name):
            conv.warn(where, f"{name} looks like a secret and never goes in shipmate.yaml; "
                      f"set {name}_FILE on the machine instead")
        elif name in RESERVED_NAMES or name.upper().startswith(RESERVED_PREFIX):
            conv.warn(where, f"{name} is set by shipmate itself; left out")
        else:
            out[name] = str(raw).lower() if isinstance(raw, bool) else str(raw)
    return out


def _environment(value: Any, path: str, conv: Conversion) -> None:
    conv.spec["target"]["env"] = key_values(value, path, conv)


def ports(body: dict[str, Any], base: str, conv: Conversion) -> None:
    raw = body.get("ports") or []
    if not isinstance(raw, list):
        raw = [raw]
    mappings = []
    for i, item in enumerate(raw):
        try:
            mappings.append((i, port_mapping(item)))
        except ValueError as exc:
            conv.warn(f"{base}.ports[{i}]", f"{exc}; left out")
    tcp = [(i, m) for i, m in mappings if m.protocol == "tcp"]
    for i, m in mappings:
        if m.protocol != "tcp":
            conv.warn(f"{base}.ports[{i}]", f"{m.protocol} is not routed; only one tcp port is")
    if not tcp:
        expose = body.get("expose") or []
        exposed = str(expose[0]).partition("/")[0] if isinstance(expose, list) and expose else ""
        port = int(exposed) if exposed.isdigit() and 1 <= int(exposed) <= 65535 else DEFAULT_PORT
        conv.spec["port"] = conv.spec["target"]["container_port"] = port
        conv.warn(f"{base}.ports", f"no published tcp port: assumed the app listens on {port}, public port {port}")
        return
    index, first = tcp[0]
    conv.spec["target"]["container_port"] = first.container
    conv.spec["port"] = first.public if first.public is not None else first.container
    if first.public is None:
        conv.warn(f"{base}.ports[{index}]", f"no host port given: the public port is {first.container}")
    if first.host_ip not in (None, "127.0.0.1", "localhost"):
        conv.warn(f"{base}.ports[{index}]", f"host_ip {first.host_ip}: shipmate's router listens on 127.0.0.1 only")
    for i, _ in tcp[1:]:
        conv.warn(f"{base}.ports[{i}]", "only the first port is routed; left out")


def _volumes(value: Any, path: str, conv: Conversion) -> None:
    out: list[str] = []
    for i, item in enumerate(value if isinstance(value, list) else []):
        where = f"{path}[{i}]"
        if isinstance(item, dict):
            kind = item.get("type", "volume")
            if kind not in ("volume", "bind") or not item.get("source") or not item.get("target"):
                conv.warn(where, f"a {kind} mount without source and target is not carried")
                continue
            text = f"{item['source']}:{item['target']}{':ro' if item.get('read_only') else ''}"
            if kind == "bind" and not str(item["source"]).startswith(("/", ".", "~")):
                text = "./" + text
        else:
            text = str(item)
            if text.count(":") == 0:
                conv.warn(where, "an anonymous volume is not carried; name it (name:/path) to keep its data")
                continue
            parts = text.split(":")
            if len(parts) > 2:
                text = f"{parts[0]}:{parts[1]}{':ro' if 'ro' in parts[2].split(',') else ''}"
        try:
            parse_volume(text)
        except ValueError as exc:
            conv.warn(where, f"{exc}; left out")
            continue
        out.append(text)
    if not isinstance(value, list):
        conv.warn(path, "must be a list; left out")
    if out:
        conv.spec["target"]["volumes"] = out


def _healthcheck(value: Any, path: str, conv: Conversion) -> None:
    if not isinstance(value, dict):
        conv.warn(path, "must be a mapping; left out")
        return
    health: dict[str, Any] = {}
    if value.get("disable") or value.get("test") in (["NONE"], "NONE"):
        conv.warn(path, "disabled in compose: shipmate still checks that the port accepts connections")
        return
    container_port = conv.spec["target"]["container_port"]
    if "test" in value:
        try:
            argv = healthcheck_argv(value["test"])
        except ValueError as exc:
            conv.warn(f"{path}.test", f"{exc}; left out")
        else:
            route = http_path(argv, container_port)
            if route is not None:
                health["checks"] = [{"http": {"path": route}}]
            else:
                health["checks"] = [{"command": {"argv": argv}}]
                conv.warn(f"{path}.test", "kept as a command check, which runs on this machine, not inside the "
                          "container; the image's own HEALTHCHECK is also read by the Docker target")
    seconds: dict[str, float] = {}
    for key, limit in (("interval", 60.0), ("timeout", 60.0), ("start_period", 3600.0)):
        if key in value:
            try:
                seconds[key] = compose_seconds(value[key])
            except ValueError as exc:
                conv.warn(f"{path}.{key}", f"{exc}; left out")
                continue
            if not 0.05 <= seconds[key] <= limit and not (key == "start_period" and seconds[key] == 0):
                seconds[key] = min(max(seconds[key], 0.05), limit)
                conv.warn(f"{path}.{key}", f"outside shipmate's range: {duration_text(seconds[key])} is used")
            health[key] = duration_text(seconds[key])
    retries = value.get("retries", 3)
    if isinstance(retries, int) and not isinstance(retries, bool) and retries > 0:
        deadline = seconds.get("start_period", 0) + retries * (seconds.get("interval", 1) + seconds.get("timeout", 2))
        if deadline > DEFAULT_DEADLINE_S:
            health["deadline"] = duration_text(min(math.ceil(deadline), 3600.0))  # whole seconds read better
    else:
        conv.warn(f"{path}.retries", "must be a positive number; left out")
    for key in value:
        if key not in ("test", "interval", "timeout", "start_period", "retries", "disable"):
            conv.warn(f"{path}.{key}", "not carried by shipmate.yaml")
    conv.spec["health"] = health


def _resources(limits: dict[str, Any], path: str, conv: Conversion) -> None:
    resources = conv.spec["target"].setdefault("resources", {})
    for key, read in (("cpus", cpus_number), ("memory", memory_text)):
        if key in limits:
            try:
                resources[key] = read(limits[key])
            except ValueError as exc:
                conv.warn(f"{path}.{key}", f"{exc}; left out")
    for key in limits:
        if key not in ("cpus", "memory"):
            conv.warn(f"{path}.{key}", "not carried by shipmate.yaml")


def _deploy(value: Any, path: str, conv: Conversion) -> None:
    if not isinstance(value, dict):
        conv.warn(path, "must be a mapping; left out")
        return
    for key, item in value.items():
        where = f"{path}.{key}"
        if key == "replicas" and isinstance(item, int) and not isinstance(item, bool) and 1 <= item <= 32:
            conv.spec["replicas"] = item
        elif key == "resources" and isinstance(item, dict):
            if isinstance(item.get("limits"), dict):
                _resources(item["limits"], f"{where}.limits", conv)
            for sub in item:
                if sub != "limits":
                    conv.warn(f"{where}.{sub}", "not carried by shipmate.yaml (only limits are)")
        else:
            conv.warn(where, "not carried by shipmate.yaml" if key != "replicas" else "must be 1..32; left out")


def _top_limit(key: str) -> Callable[[Any, str, Conversion], None]:
    """mem_limit and cpus (compose v2 keys) land in the same resources as deploy.resources.limits."""
    def carry(value: Any, path: str, conv: Conversion) -> None:
        try:
            read = memory_text if key == "memory" else cpus_number
            conv.spec["target"].setdefault("resources", {})[key] = read(value)
        except ValueError as exc:
            conv.warn(path, f"{exc}; left out")
    return carry


def _stop_signal(value: Any, path: str, conv: Conversion) -> None:
    try:
        conv.spec["target"]["stop_signal"] = signal_name(value)
    except ValueError as exc:
        conv.warn(path, f"{exc}; left out")


def _stop_grace(value: Any, path: str, conv: Conversion) -> None:
    try:
        conv.spec["target"]["stop_grace"] = duration_text(min(compose_seconds(value), 600.0))
    except ValueError as exc:
        conv.warn(path, f"{exc}; left out")


def _command(value: Any, path: str, conv: Conversion) -> None:
    if isinstance(value, str):
        try:
            conv.spec["target"]["command"] = shlex.split(value)
        except ValueError as exc:
            conv.warn(path, f"cannot be split into words ({exc}); left out")
    elif isinstance(value, list) and value:
        conv.spec["target"]["command"] = [str(part) for part in value]


def _service_secrets(value: Any, path: str, conv: Conversion) -> None:
    items = value if isinstance(value, list) else []
    names = [str(item.get("source") if isinstance(item, dict) else item) for item in items]
    conv.warn(path, f"secrets ({', '.join(names)}) are not carried yet: provide each as NAME_FILE on the machine")


def _network_mode(value: Any, path: str, conv: Conversion) -> None:
    if value == "host":
        conv.spec["target"]["network"] = "host"
        conv.warn(path, "network: host — the app must listen on 127.0.0.1:$PORT itself")
    else:
        conv.warn(path, "not carried by shipmate.yaml (bridge or host only)")



def _logging(value: Any, path: str, conv: Conversion) -> None:
    """json-file rotation (max-size, max-file) is carried; other drivers and options are not."""
    if not isinstance(value, dict) or value.get("driver", "json-file") != "json-file":
        conv.warn(path, "only the json-file driver is carried (shipmate uses it)")
        return
    options = value.get("options") or {}
    for key, item in options.items() if isinstance(options, dict) else []:
        try:
            if key == "max-size":
                size = memory_text(item)
                conv.spec["target"]["log_max_bytes"] = int(size[:-1]) * {"k": 1024, "m": 1024**2, "g": 1024**3}[
                    size[-1]] if size[-1] in "kmg" else int(size)
            elif key == "max-file":
                conv.spec["target"]["log_max_files"] = int(str(item))
            else:
                conv.warn(f"{path}.options.{key}", "not carried by shipmate.yaml")
        except ValueError as exc:
            conv.warn(f"{path}.options.{key}", f"{exc}; left out")


HANDLERS: dict[str, Callable[[Any, str, Conversion], None]] = {
    "environment": _environment, "volumes": _volumes, "healthcheck": _healthcheck, "deploy": _deploy,
    "mem_limit": _top_limit("memory"), "cpus": _top_limit("cpus"), "stop_signal": _stop_signal,
    "stop_grace_period": _stop_grace, "command": _command, "secrets": _service_secrets,
    "network_mode": _network_mode, "logging": _logging}
HANDLED_ELSEWHERE = ("image", "build", "ports", "expose")  # expose: the port when none is published
