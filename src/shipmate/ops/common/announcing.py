"""Tell people about deployment events through apprise URLs; a failed send is a warning, never an error.

Every text passes the secret filter before it leaves; URLs are shown with apprise's privacy mask
(tokens in slack://, mailto:// ... never appear in warnings or the audit log).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from shipmate.secrets.redact import redact
from shipmate.spec.hooks_spec import Notify

CONNECT_TIMEOUT_S = 3.0
READ_TIMEOUT_S = 5.0
FIELD_ORDER = ("service", "environment", "version", "previous_version", "deployment_id", "kind", "state",
               "verified", "actor", "confidence", "error", "approval_id")


def announce(home: Path, notify_spec: Notify | None, event: str, fields: dict[str, Any]) -> list[str]:
    """Send ``event`` to every URL that wants it; returns warnings (one per failed URL). Never raises."""
    if notify_spec is None or not notify_spec.urls or event not in notify_spec.events:
        return []
    try:
        title, body = message(event, fields)
        warnings = [w for url in notify_spec.urls if (w := _send(url, title, body, event)) is not None]
    except Exception as exc:   # a notification must never break a deployment
        warnings = [f"notification {event} not sent: {redact(str(exc))[:200]}"]
    if warnings:
        _audit(home, event, fields, warnings)
    return warnings


def message(event: str, fields: dict[str, Any]) -> tuple[str, str]:
    """(title, body) as plain text, secrets masked: pure, so it is tested exactly."""
    who = f"{fields.get('service', '?')}/{fields.get('environment', '?')}"
    title = f"shipmate {event}: {who} {fields.get('version') or ''}".strip()
    keys = [k for k in FIELD_ORDER if fields.get(k) is not None] + sorted(
        k for k in fields if k not in FIELD_ORDER and fields[k] is not None)
    body = "\n".join(f"{key}: {fields[key]}" for key in keys)
    return redact(title), redact(body)


def shown_url(url: str) -> str:
    import apprise

    plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        return url.split("://", 1)[0] + "://..."
    shown: str = plugin.url(privacy=True)  # type: ignore[no-untyped-call]
    return shown.split("?", 1)[0]


def _send(url: str, title: str, body: str, event: str) -> str | None:
    import apprise

    logging.getLogger("apprise").setLevel(logging.CRITICAL)   # its own log lines would print URLs
    plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        return f"notification {event} not sent: {shown_url(url)} is not a URL apprise knows"
    plugin.socket_connect_timeout = CONNECT_TIMEOUT_S
    plugin.socket_read_timeout = READ_TIMEOUT_S
    if plugin.notify(body=body, title=title):
        return None
    return f"notification {event} to {shown_url(url)} failed (unreachable or refused)"


def _audit(home: Path, event: str, fields: dict[str, Any], warnings: list[str]) -> None:
    try:
        from shipmate.store.store import Store

        with Store.open(home) as store:
            store.append_event(event_type="notify.failed", service=str(fields.get("service") or "?"),
                               environment=str(fields.get("environment") or "?"),
                               version=fields.get("version"), status="warning",
                               deployment_id=fields.get("deployment_id"), errors=warnings,
                               notes=f"notification of {event} failed",
                               deployed_by=str(fields.get("actor") or "shipmate"), data={"event": event})
    except Exception:
        pass
