"""Tell people about deployment events (sent by shipmate.notify); a failed send is a warning, never an error.

Every text passes the secret filter before it leaves; URLs are shown with apprise's privacy mask
(tokens in slack://, mailto:// ... never appear in warnings or the audit log).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shipmate.errors import NotifyError, ShipmateError
from shipmate.notify import send
from shipmate.secrets.redact import redact
from shipmate.spec.hooks_spec import Notify

FIELD_ORDER = ("service", "environment", "version", "previous_version", "deployment_id", "kind", "state",
               "verified", "actor", "confidence", "error", "approval_id")


def announce(home: Path, notify_spec: Notify | None, event: str, fields: dict[str, Any]) -> list[str]:
    """Send ``event`` to every URL that wants it; returns warnings (one per failed URL). Never raises."""
    if notify_spec is None or not notify_spec.urls or event not in notify_spec.events:
        return []
    title, body = message(event, fields)
    warnings: list[str] = []
    for url in notify_spec.urls:
        try:
            send(url, title, body)
        except NotifyError as exc:   # a notification must never break a deployment
            warnings.append(f"notification {event} not sent: {redact(exc.message)[:200]}")
    if warnings:
        warnings += _audit(home, event, fields, warnings)
    return warnings


def message(event: str, fields: dict[str, Any]) -> tuple[str, str]:
    """(title, body) as plain text, secrets masked: pure, so it is tested exactly."""
    who = f"{fields.get('service', '?')}/{fields.get('environment', '?')}"
    title = f"shipmate {event}: {who} {fields.get('version') or ''}".strip()
    keys = [k for k in FIELD_ORDER if fields.get(k) is not None] + sorted(
        k for k in fields if k not in FIELD_ORDER and fields[k] is not None and k != "known_fixes")
    # Known fixes come before anything else: what to try is what the reader needs first.
    fixes = [f"known fix: {fix['solution']} ({fix['record']}; {fix['id']})" for fix in fields.get("known_fixes") or ()]
    body = "\n".join([*fixes, *(f"{key}: {fields[key]}" for key in keys)])
    return redact(title), redact(body)


def _audit(home: Path, event: str, fields: dict[str, Any], warnings: list[str]) -> list[str]:
    """Record the failed sends in the audit log; a store that cannot take it is one more warning, said."""
    from shipmate.store.store import Store

    try:
        with Store.open(home) as store:
            store.append_event(event_type="notify.failed", service=str(fields.get("service") or "?"),
                               environment=str(fields.get("environment") or "?"),
                               version=fields.get("version"), status="warning",
                               deployment_id=fields.get("deployment_id"), errors=warnings,
                               notes=f"notification of {event} failed",
                               deployed_by=str(fields.get("actor") or "shipmate"), data={"event": event})
    except ShipmateError as exc:
        return [f"notification failure of {event} not audited: {exc.message}"]
    return []
