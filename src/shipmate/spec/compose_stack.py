"""Convert EVERY service of a compose file into a stack: one shipmate.yaml mapping per service (compose_import's
convert) and the stack mapping, keeping `depends_on`.

Pure. A dependency's `condition: service_healthy` is the stack's own order: a member deploys only after its
dependencies' deploys ended, and a deploy ends only once its health levels passed (the health gate). Each service
gets a public port of its own (compose lets unpublished services share one; a stack refuses that).
"""

from __future__ import annotations

import posixpath
from typing import Any

from shipmate.errors import InvalidInputError
from shipmate.spec.compose_import import ComposeWarning, convert

CARRIED = ("service_healthy", "service_started")


def convert_stack(compose: dict[str, Any], stack_name: str, compose_dir_from_spec: str
                  ) -> tuple[dict[str, dict[str, Any]], dict[str, Any], list[ComposeWarning]]:
    """(spec mapping by member name, stack mapping, warnings). ``compose_dir_from_spec``: the compose file's
    folder as seen from a member's folder (e.g. ".."): relative build contexts and ./ mounts are rewritten so."""
    services = compose.get("services")
    if not isinstance(services, dict) or not services:
        raise InvalidInputError("the compose file has no services", hint="expected a top-level services: mapping")
    specs: dict[str, dict[str, Any]] = {}
    names: dict[str, str] = {}     # compose name -> member name (its DNS label)
    warnings: list[ComposeWarning] = []
    used_ports: dict[int, str] = {}
    for compose_name in services:
        spec, found = convert(compose, str(compose_name))
        base = f"services.{compose_name}"
        first = not specs   # top-level keys (networks, secrets) are warned about once, not once per service
        warnings += [w for w in found if w.path != f"{base}.depends_on" and (first or w.path.startswith(base))]
        name = spec["service"]
        if name in specs:
            raise InvalidInputError(f"{base}: two services become '{name}'", hint="rename one in the compose file")
        port = spec["port"]
        while port in used_ports:
            port += 1
        if port != spec["port"]:
            warnings.append(ComposeWarning(f"{base}.ports", f"public port {spec['port']} is also "
                                           f"{used_ports[spec['port']]}'s: this service's public port is {port}"))
            spec["port"] = port
        used_ports[port] = name
        _rebase_paths(spec["target"], compose_dir_from_spec, base, warnings)
        specs[name], names[str(compose_name)] = spec, name
    members: dict[str, Any] = {}
    for compose_name, name in names.items():
        entry: dict[str, Any] = {"spec": f"{name}/shipmate.yaml"}
        depends = _depends_on(services[compose_name], f"services.{compose_name}.depends_on", names, specs, warnings)
        if depends:
            entry["depends_on"] = depends
        members[name] = entry
    return specs, {"stack": stack_name, "services": members}, warnings


def _depends_on(body: Any, path: str, names: dict[str, str], specs: dict[str, dict[str, Any]],
                warnings: list[ComposeWarning]) -> dict[str, dict[str, str]]:
    raw = body.get("depends_on") if isinstance(body, dict) else None
    if raw is None:
        return {}
    items: dict[str, Any] = {str(d): {} for d in raw} if isinstance(raw, list) else \
        {str(k): v for k, v in raw.items()} if isinstance(raw, dict) else {}
    if not items:
        warnings.append(ComposeWarning(path, "must be a list or a mapping of services; left out"))
    out: dict[str, dict[str, str]] = {}
    for dep, options in items.items():
        if dep not in names:
            raise InvalidInputError(f"{path}: unknown service '{dep}'", hint="services: " + ", ".join(names))
        condition = str(options.get("condition", "service_started")) if isinstance(options, dict) else \
            "service_started"
        if condition not in CARRIED:
            warnings.append(ComposeWarning(f"{path}.{dep}.condition", f"{condition} is not carried: the dependant "
                                           "waits until the dependency passed its health levels"))
            condition = "service_healthy"
        if condition == "service_healthy" and "health" not in specs[names[dep]]:
            warnings.append(ComposeWarning(f"{path}.{dep}.condition", f"{dep} has no healthcheck: the dependant "
                                           "waits until its port accepts connections (its default health level)"))
        out[names[dep]] = {"condition": condition}
    return out


def _rebase_paths(target: dict[str, Any], prefix: str, base: str, warnings: list[ComposeWarning]) -> None:
    """Relative paths were relative to the compose file's folder; a member's spec lives one folder down. The build
    context follows; a ./ mount cannot (a bind mount must stay inside the member's folder): said, kept as written."""
    build = target.get("build")
    if isinstance(build, dict) and not posixpath.isabs(build.get("context", ".")):
        build["context"] = posixpath.normpath(posixpath.join(prefix, build.get("context", ".")))
    volumes = target.get("volumes")
    for i, volume in enumerate(volumes if isinstance(volumes, list) else []):
        if isinstance(volume, str) and volume.startswith("."):
            warnings.append(ComposeWarning(f"{base}.volumes[{i}]", f"{volume.partition(':')[0]} is now relative "
                                           "to this service's own folder: move or link the data there"))
