"""How spec errors echo what the user wrote: short, safe and on one line, whatever the value.

A 100k-character value once made 1.2 MB of `--json`; a 6000-digit integer cannot even be printed
(Python's int digit limit). Every value a spec error shows goes through here. Stdlib only.
"""

from __future__ import annotations

from typing import Any

ECHO_LIMIT = 80
BIG_INT_BITS = 256  # larger integers are described, never converted to decimal text


def clip(text: str, limit: int = ECHO_LIMIT) -> str:
    """``text`` on one line and at most about ``limit`` characters ("…" marks the cut)."""
    one_line = text.replace("\r", "\\r").replace("\n", "\\n")
    one_line = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in one_line[: limit * 4])
    return one_line if len(one_line) <= limit else one_line[: limit - 3] + "..."


def number_text(value: int | float) -> str:
    """A number as text; huge integers as their size (their decimal form may not even exist)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > BIG_INT_BITS:
        return f"a number of about {int(value.bit_length() * 0.30103) + 1} digits"
    return clip(str(value) if isinstance(value, int) else repr(value))


def quoted(value: Any) -> str:
    """A scalar as an error message shows it: strings in quotes and clipped, numbers safely."""
    if isinstance(value, str):
        return f"'{clip(value)}'"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return number_text(value)
    return clip(repr(value))
