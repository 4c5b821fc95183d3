"""What an approver is asked to say yes to: the change from the current release to the new one (pure).

Computed from two stored ReleaseConfig dicts. Values are shown for what identifies the artifact (version,
digest, target kind, command, image settings); for everything else only the changed key names, so
environment values never reach an approval (or a notification) even when they are not known secrets.
"""

from __future__ import annotations

from typing import Any

IGNORED = frozenset({"version", "digest", "environment", "service",
                     "artifact", "config_hash", "config_keys"})   # the release's identity, not config keys
TARGET_KEYS = ("target_kind", "argv", "cwd")
SHOWN_SETTINGS = frozenset({"image", "image_id", "build", "context", "dockerfile", "container_port", "platform",
                            "replicas_per_node"})


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """{"health.checks": [...], "env.GREETING": "hi", ...}: dicts are walked, lists and scalars are leaves."""
    if not isinstance(data, dict):
        return {prefix: _plain(data)}
    out: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and value:
            out.update(flatten(value, path))
        else:
            out[path] = _plain(value)
    return out


def _plain(value: Any) -> Any:
    """Tuples and lists compare alike: a stored release (JSON lists) against a new one (tuples) is no change."""
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def release_diff(current: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """{version: {from, to}, digest: {from, to}, target: {key: {from, to}}, config_keys_changed: [...],
    first_deploy}. ``current`` is None when nothing runs in the environment yet: then no key "changed"
    (there is nothing to change from), and `target` shows what identifies the artifact it starts."""
    before = flatten(current) if current is not None else {}
    after = flatten(new)
    # What the target's prepare() added to the running release (e.g. image_id) is not a config change.
    prepared = {key for key in before if key.startswith("target_settings.") and key not in after}
    changed = sorted(key for key in set(before) | set(after)
                     if key.split(".", 1)[0] not in IGNORED and key not in prepared
                     and before.get(key) != after.get(key))
    target: dict[str, dict[str, Any]] = {}
    for key in changed:
        head, _, rest = key.partition(".")
        if key in TARGET_KEYS or (head == "target_settings" and rest.split(".", 1)[0] in SHOWN_SETTINGS):
            target[key] = {"from": before.get(key), "to": after.get(key)}
    return {
        "first_deploy": current is None,
        "version": {"from": current.get("version") if current else None, "to": new.get("version")},
        "digest": {"from": current.get("digest") if current else None, "to": new.get("digest")},
        "target": target,
        "config_keys_changed": changed if current is not None else [],
    }


def summary_line(diff: dict[str, Any]) -> str:
    """One line for lists and notifications: "1.0.0 -> 1.1.0, 3 config keys changed (env.GREETING, ...)"."""
    version = diff.get("version") or {}
    keys = list(diff.get("config_keys_changed") or [])
    if diff.get("stops") or version.get("to") is None:
        return f"stops {version.get('from') or 'nothing'}"
    head = f"{version.get('from') or 'nothing'} -> {version.get('to')}"
    if diff.get("first_deploy"):
        return f"{head}, first deploy here"
    if not keys:
        return f"{head}, no config change"
    shown = ", ".join(keys[:3]) + (", ..." if len(keys) > 3 else "")
    return f"{head}, {len(keys)} config key{'s' if len(keys) != 1 else ''} changed ({shown})"
