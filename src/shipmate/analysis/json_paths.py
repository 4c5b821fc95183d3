"""Dotted paths into a JSON document ("a.0.b"), shared by the HTTP check and the smoke level (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MISSING: Any = object()   # a step of the path is absent: distinct from a JSON null


def dotted(document: Any, key: str) -> Any:
    """``document["a"][0]["b"]`` for "a.0.b"; MISSING when a step is absent or not an object/list."""
    current = document
    for part in key.split("."):
        if isinstance(current, Mapping) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return MISSING
    return current
