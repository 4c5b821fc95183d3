"""YAML frontmatter of Markdown files, read as text: key renames keep every other byte as it was."""

from __future__ import annotations

import re
from typing import Any

FENCE = b"---"
KEY_LINE = re.compile(rb"^([A-Za-z_][A-Za-z0-9_.-]*)(\s*:)")


def split_frontmatter(data: bytes) -> tuple[bytes, bytes] | None:
    """(frontmatter, body) of a file that starts with a --- fenced block; None when it has none."""
    if not data.startswith(FENCE + b"\n") and not data.startswith(FENCE + b"\r\n"):
        return None
    first = data.index(b"\n") + 1
    end = data.find(b"\n" + FENCE, first - 1)
    if end < 0:
        return None
    close = data.find(b"\n", end + 1 + len(FENCE))
    return data[first:end + 1], (data[close + 1:] if close >= 0 else b"")


def _top_keys(front: bytes) -> list[bytes]:
    return [m.group(1) for line in front.splitlines() if (m := KEY_LINE.match(line))]


def uses_keys(data: bytes, migrate: dict[str, str]) -> bool:
    """Whether the file's frontmatter has any of the old keys ``migrate`` renames."""
    parts = split_frontmatter(data) if migrate else None
    return parts is not None and any(k.decode() in migrate for k in _top_keys(parts[0]))


def renamed_keys(data: bytes, migrate: dict[str, str]) -> bytes:
    """``data`` with its top-level frontmatter keys renamed old -> new; the rest byte for byte."""
    parts = split_frontmatter(data)
    if parts is None:
        return data
    front = parts[0]
    lines = []
    for line in front.splitlines(keepends=True):
        m = KEY_LINE.match(line)
        if m is not None and m.group(1).decode() in migrate:
            line = migrate[m.group(1).decode()].encode() + line[m.end(1):]
        lines.append(line)
    head_end = data.index(b"\n") + 1
    return data[:head_end] + b"".join(lines) + data[head_end + len(front):]


def parsed_frontmatter(data: bytes) -> dict[str, Any] | None:
    """The frontmatter as a mapping (raises yaml.YAMLError / ValueError when it does not parse)."""
    import yaml

    parts = split_frontmatter(data)
    if parts is None:
        if data.startswith(FENCE + b"\n") or data.startswith(FENCE + b"\r\n"):
            raise ValueError("frontmatter opened by --- is never closed")
        return None
    value = yaml.load(parts[0], Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))   # libyaml: ~10x faster
    if not isinstance(value, dict):
        raise ValueError("frontmatter is not a mapping")
    return value
