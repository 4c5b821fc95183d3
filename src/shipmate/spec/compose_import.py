"""Convert one service of a docker-compose file into a shipmate.yaml mapping (target.kind: docker).

Pure: takes the parsed compose mapping, returns the spec mapping and one warning per compose key
it could not carry, named by its key path (``services.web.depends_on``), so nothing is dropped silently.
"""

from __future__ import annotations

import re
from typing import Any

from shipmate.errors import InvalidInputError
from shipmate.spec.compose_sections import (
    DEFAULT_PORT,
    HANDLED_ELSEWHERE,
    HANDLERS,
    ComposeWarning,
    Conversion,
    key_values,
    ports,
)
from shipmate.spec.field_types import VERSION_PATTERN

__all__ = ["ComposeWarning", "choose_service", "convert"]
_SILENT_TOP = ("version", "name", "services", "volumes")
_INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}")


def choose_service(compose: dict[str, Any], wanted: str | None) -> str:
    """--service, else the only service, else the only one that publishes a port."""
    services = compose.get("services")
    if not isinstance(services, dict) or not services:
        raise InvalidInputError("the compose file has no services", hint="expected a top-level services: mapping")
    names = [str(name) for name in services]
    if wanted is not None:
        if wanted not in services:
            raise InvalidInputError(f"no service '{wanted}' in the compose file", hint=f"services: {', '.join(names)}")
        return wanted
    if len(names) == 1:
        return names[0]
    published = [name for name in names if isinstance(services[name], dict) and services[name].get("ports")]
    if len(published) == 1:
        return published[0]
    candidates = published or names
    raise InvalidInputError(f"{len(candidates)} services could be imported",
                            hint=f"pick one with --service: {', '.join(candidates)}")


def convert(compose: dict[str, Any], service: str) -> tuple[dict[str, Any], list[ComposeWarning]]:
    """The shipmate.yaml mapping for ``service`` and the warnings; InvalidInputError if it cannot be a spec."""
    body = compose["services"][service]
    if not isinstance(body, dict):
        raise InvalidInputError(f"services.{service} is not a mapping", hint="see the compose file reference")
    base = f"services.{service}"
    conv = Conversion({"service": _dns_label(service), "version": "1",
                       "port": DEFAULT_PORT, "target": {"kind": "docker", "container_port": DEFAULT_PORT}})
    if conv.spec["service"] != service:
        conv.warn(base, f"the service name became {conv.spec['service']} (a DNS label)")
    body = _interpolate(body, base, conv)
    for key in compose:
        if key not in _SILENT_TOP and not str(key).startswith("x-"):
            conv.warn(str(key), _top_level_reason(str(key)))
    volumes = compose.get("volumes")
    for name, options in volumes.items() if isinstance(volumes, dict) else []:
        if options:
            conv.warn(f"volumes.{name}", "volume options (driver, external, ...) are not carried: a plain local "
                      "volume is created")
    _image_or_build(body, base, conv)
    ports(body, base, conv)  # before the healthcheck: it needs container_port
    for key, value in body.items():
        handler = HANDLERS.get(str(key))
        if handler is not None:
            handler(value, f"{base}.{key}", conv)
        elif key not in HANDLED_ELSEWHERE:
            conv.warn(f"{base}.{key}", "not carried by shipmate.yaml")
    if not conv.spec["target"].get("env"):
        conv.spec["target"].pop("env", None)
    if conv.spec["target"].get("volumes") and conv.spec.get("replicas", 1) == 1:
        conv.spec["strategy"] = "recreate"  # two copies must never share a volume (blue-green would run two)
        conv.warn(f"{base}.volumes", "with a volume and one replica the strategy is recreate (the router holds "
                  "requests meanwhile); write strategy: blue-green if two copies may share the data")
    return conv.spec, conv.warnings


def _top_level_reason(key: str) -> str:
    if key == "secrets":
        return "secrets are not carried yet: set them on the machine (NAME_FILE) outside shipmate.yaml"
    return "not carried by shipmate.yaml"


def _dns_label(name: str) -> str:
    label = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")[:63].strip("-")
    return label or "service"


def _interpolate(value: Any, path: str, conv: Conversion) -> Any:
    """${VAR:-default} takes its default (the file must not depend on this shell); ${VAR} alone is dropped."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            done = _interpolate(item, f"{path}.{key}", conv)
            if done is not _DROP:
                out[key] = done
        return out
    if isinstance(value, list):
        items = [_interpolate(item, f"{path}[{i}]", conv) for i, item in enumerate(value)]
        return [item for item in items if item is not _DROP]
    if not isinstance(value, str) or "$" not in value:
        return value
    text = value.replace("$$", "\x00")
    if any(match.group(2) is None for match in _INTERPOLATION.finditer(text)) or "$" in _INTERPOLATION.sub("", text):
        conv.warn(path, "uses a variable from the shell without a default; left out, write the value")
        return _DROP
    conv.warn(path, "${VAR:-default} replaced by its default")
    return _INTERPOLATION.sub(lambda m: m.group(2), text).replace("\x00", "$")


_DROP: Any = object()


def _image_or_build(body: dict[str, Any], base: str, conv: Conversion) -> None:
    target = conv.spec["target"]
    build, image = body.get("build"), body.get("image")
    if build is not None:
        target["build"] = _build(build, f"{base}.build", conv)
        if image is not None:
            conv.warn(f"{base}.image", "not used with build: shipmate tags the built image with the release version")
    elif isinstance(image, str):
        target["image"] = image
    else:
        raise InvalidInputError(f"{base} has neither image nor build", hint="shipmate needs one of them")
    # The image's tag is the release version compose would deploy (also the tag it builds).
    tag = str(image or "").rsplit("/", 1)[-1].partition("@")[0].partition(":")[2]
    if tag and tag != "latest" and re.match(VERSION_PATTERN, tag):
        conv.spec["version"] = tag


def _build(value: Any, path: str, conv: Conversion) -> dict[str, Any]:
    if isinstance(value, str):
        return {"context": value}
    if not isinstance(value, dict):
        raise InvalidInputError(f"{path} must be a folder or a mapping", hint="e.g. build: {context: .}")
    out: dict[str, Any] = {"context": str(value.get("context", "."))}
    if "dockerfile" in value:
        out["dockerfile"] = str(value["dockerfile"])
    if "args" in value:
        out["args"] = key_values(value["args"], f"{path}.args", conv)
    for key in value:
        if key not in ("context", "dockerfile", "args"):
            conv.warn(f"{path}.{key}", "not carried by shipmate.yaml")
    return out


