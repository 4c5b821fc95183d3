"""The "resolved config hash": what a release runs with, minus its version and every environment overlay.

Two environments deploying the same release share it, so a promotion can tell "same config, other
environment" from "the spec changed since staging" and name the keys that changed. Pure.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shipmate.spec.models import Spec

_LEFT_OUT = {"version", "environments"}   # identity and overlays: allowed to differ between environments


def config_fingerprint(base: Spec) -> tuple[str, dict[str, str]]:
    """(sha256 of the whole base config, {"target.command": sha256[:16], ...} per key two levels deep)."""
    data = base.model_dump(mode="json", by_alias=True, exclude=_LEFT_OUT)
    keys: dict[str, str] = {}
    for key, value in data.items():
        if isinstance(value, dict) and value:
            keys.update({f"{key}.{sub}": _hash(inner)[:16] for sub, inner in value.items()})
        else:
            keys[key] = _hash(value)[:16]
    return "sha256:" + _hash(data), keys


def changed_keys(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """Keys added, removed or changed between two fingerprints, sorted."""
    return sorted(key for key in before.keys() | after.keys() if before.get(key) != after.get(key))


def _hash(value: Any) -> str:
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
