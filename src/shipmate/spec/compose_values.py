"""Compose's small value formats (ports, durations, sizes, healthcheck tests) read into shipmate's.

Pure: each function takes one compose value and returns shipmate's form, or raises ValueError
saying why it cannot be carried; the converter turns that into a warning with the key path.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from shipmate.spec.durations import format_duration

_GO_DURATION = re.compile(r"([0-9]+(?:\.[0-9]+)?)(h|ms|us|µs|ns|m|s)")
_GO_UNIT_S = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}
_SIZE = re.compile(r"^([0-9]+(?:\.[0-9]+)?)\s*([bkmg]?)b?$", re.IGNORECASE)
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "0.0.0.0", "[::1]", "::1")


@dataclass(frozen=True)
class PortMapping:
    """One published port: where the router should listen (public) and where the app listens inside."""

    public: int | None  # None: compose would publish on an ephemeral host port
    container: int
    host_ip: str | None
    protocol: str


def compose_seconds(value: Any) -> float:
    """"1m30s", "10s", "500ms" (Go durations, as compose writes them) as seconds."""
    text = str(value).strip()
    if isinstance(value, bool) or not text:
        raise ValueError(f"not a duration: {text!r}")
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError(f"not a duration: {value!r}")
        return float(value)  # compose reads a bare number as seconds in stop_grace_period
    pos, total = 0, 0.0
    for match in _GO_DURATION.finditer(text):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _GO_UNIT_S[match.group(2)]
        pos = match.end()
    if pos != len(text):
        raise ValueError(f"not a duration: {text!r}")
    return total


def duration_text(seconds: float) -> str:
    """Seconds as a shipmate duration ("90s" -> "1m30s" is not one; shipmate writes a single unit)."""
    return format_duration(round(seconds * 1000) / 1000)


def memory_text(value: Any) -> str:
    """"512M", "1gb", "268435456" as shipmate's "512m", "1g", "256m"."""
    if isinstance(value, bool):
        raise ValueError(f"not a size: {value!r}")
    match = _SIZE.match(str(value).strip())
    if match is None:
        raise ValueError(f"not a size: {str(value)[:40]!r}")
    number, unit = float(match.group(1)), match.group(2).lower()
    size = number * {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit]
    for suffix, scale in (("g", 1024**3), ("m", 1024**2), ("k", 1024)):
        if size >= scale and size % scale == 0:
            return f"{int(size // scale)}{suffix}"
    if size < 1 or size != int(size):
        raise ValueError(f"not a whole number of bytes: {str(value)[:40]!r}")
    return str(int(size))


def cpus_number(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"not a number of CPUs: {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"not a number of CPUs: {str(value)[:40]!r}") from None


def signal_name(value: Any) -> str:
    """"SIGINT" or "INT" as "SIGINT"; numbers and anything else are refused."""
    text = str(value).strip().upper() if isinstance(value, str) else ""
    name = text if text.startswith("SIG") else f"SIG{text}"
    if re.match(r"^SIG[A-Z0-9]{2,8}\Z", name) is None or name[3:].isdigit():
        raise ValueError(f"not a signal name: {str(value)[:40]!r}")
    return name


def _port_number(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise ValueError(f"not a single port number: {text!r} (ranges are not carried)")
    return int(text)


def port_mapping(value: Any) -> PortMapping:
    """Short ("127.0.0.1:8080:8000/tcp", "8080:8000", "8000") or long ({target, published, host_ip}) form."""
    if isinstance(value, dict):
        if "target" not in value:
            raise ValueError("the long form needs target")
        published = value.get("published")
        return PortMapping(None if published in (None, "") else _port_number(str(published)),
                           _port_number(str(value["target"])), value.get("host_ip"),
                           str(value.get("protocol", "tcp")))
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f"not a port: {str(value)[:40]!r}")
    if isinstance(value, int) and value > 65535:
        raise ValueError(f"{value} is not a port: YAML read an unquoted HOST:CONTAINER (e.g. 8080:50) as a "
                         "base-60 number; quote it")
    text, _, protocol = str(value).partition("/")
    host_ip: str | None = None
    if text.startswith("["):  # [::1]:8080:8000
        end = text.find("]")
        host_ip, text = text[1:end], text[end + 2:]
    parts = text.split(":")
    if len(parts) == 3:
        host_ip, parts = parts[0], parts[1:]
    if len(parts) == 1:
        return PortMapping(None, _port_number(parts[0]), host_ip, protocol or "tcp")
    if len(parts) != 2:
        raise ValueError(f"not a port mapping: {text!r}")
    public = _port_number(parts[0]) if parts[0] else None
    return PortMapping(public, _port_number(parts[1]), host_ip, protocol or "tcp")


def healthcheck_argv(test: Any) -> list[str]:
    """A healthcheck test as an argv: CMD is already one; CMD-SHELL and the string form are shell text."""
    if isinstance(test, str):
        return ["/bin/sh", "-c", test]
    if not isinstance(test, list) or not test or not all(isinstance(part, str) for part in test):
        raise ValueError("test must be a string or a list of strings")
    head, rest = test[0], list(test[1:])
    if head == "CMD" and rest:
        return rest
    if head == "CMD-SHELL" and len(rest) == 1:
        return ["/bin/sh", "-c", rest[0]]
    raise ValueError(f"test must start with CMD or CMD-SHELL, got {head!r}")


def http_path(argv: list[str], container_port: int) -> str | None:
    """The path when the check is a curl/wget GET of this container's own port, else None."""
    try:
        words = shlex.split(argv[2]) if argv[:2] == ["/bin/sh", "-c"] else argv
    except ValueError:
        return None
    if not words or words[0].rsplit("/", 1)[-1] not in ("curl", "wget"):
        return None
    if any(word in ("||", "&&", "|", ";") for word in words):
        words = words[: min(words.index(w) for w in ("||", "&&", "|", ";") if w in words)]
    urls = [w for w in words[1:] if w.startswith(("http://", "https://"))]
    if len(urls) != 1 or urls[0].startswith("https://") or any(w in ("-X", "--request", "-d", "--data", "--post-data")
                                                               for w in words):
        return None
    parts = urlsplit(urls[0])
    port = parts.port or 80
    if parts.hostname is None or parts.hostname not in _LOCAL_HOSTS or port != container_port:
        return None
    path = parts.path or "/"
    return f"{path}?{parts.query}" if parts.query else path
