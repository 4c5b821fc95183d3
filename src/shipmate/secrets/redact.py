"""The one filter every output path passes: known secret values become ***.

Values become known when this process reads or writes them (the vault calls ``remember``); a face's edge
and the store's event writer pass their text through ``redact`` / ``redact_tree``.
"""

from __future__ import annotations

import json
from typing import Any

MASK = "***"
MIN_LENGTH = 8          # shorter values would mask ordinary words ("short"); `secrets set` warns about them

_known: set[str] = set()


def remember(value: str) -> None:
    for candidate in (value, value.strip()):
        if len(candidate) >= MIN_LENGTH:
            _known.add(candidate)
            _known.add(json.dumps(candidate)[1:-1])        # as it appears inside JSON text (quotes, \\)
            _known.add(json.dumps(candidate, ensure_ascii=False)[1:-1])


def redact(text: str) -> str:
    if not _known or not text:
        return text
    for value in sorted(_known, key=len, reverse=True):   # longest first: a value inside another still masks
        if value in text:
            text = text.replace(value, MASK)
    return text


def redact_tree(value: Any) -> Any:
    """The same filter over JSON-like data (dicts, lists, strings); other leaves are kept as they are."""
    if not _known:
        return value
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact(k) if isinstance(k, str) else k: redact_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_tree(v) for v in value]
    if isinstance(value, tuple):
        return tuple(redact_tree(v) for v in value)
    return value


def forget_all() -> None:
    """For tests: start from no known values."""
    _known.clear()
