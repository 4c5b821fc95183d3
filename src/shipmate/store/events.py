"""Append-only, hash-chained events: each row's hash covers its fields and the previous hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from shipmate.secrets.redact import redact, redact_tree
from shipmate.store import schema
from shipmate.store.rows import EventRow

GENESIS_HASH = "0" * 64

# The fields an event is made of; the caller supplies these (plus `errors`, `data`, ...).
EVENT_FIELDS = ("event_type", "service", "environment", "version", "status", "deployment_id",
                "trace_id", "duration_seconds", "errors", "notes", "deployed_by", "data")

_t = schema.events


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def row_hash(fields: dict[str, Any]) -> str:
    """sha256 over prev_hash + the canonical JSON of every field except the hash itself."""
    body = {k: v for k, v in fields.items() if k != "hash"}
    return hashlib.sha256((fields["prev_hash"] + canonical_json(body)).encode()).hexdigest()


def utc_timestamp() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def append(conn: Connection, *, event_type: str, service: str, environment: str,
           version: str | None, status: str, deployment_id: str | None = None,
           trace_id: str | None = None, duration_seconds: float | None = None,
           errors: Sequence[str] = (), notes: str = "", deployed_by: str,
           data: dict[str, Any] | None = None) -> EventRow:
    """Append one event inside the caller's write transaction (which serialises the chain)."""
    return append_many(conn, [dict(
        event_type=event_type, service=service, environment=environment, version=version, status=status,
        deployment_id=deployment_id, trace_id=trace_id, duration_seconds=duration_seconds, errors=errors,
        notes=notes, deployed_by=deployed_by, data=data)])[0]


def append_many(conn: Connection, specs: Sequence[dict[str, Any]]) -> list[EventRow]:
    """Append events (append's keywords each) in order, one head read and one INSERT: group commit's write."""
    last = conn.execute(select(_t.c.seq, _t.c.hash).order_by(_t.c.seq.desc()).limit(1)).first()
    seq, prev_hash = (0, GENESIS_HASH) if last is None else (int(last.seq), str(last.hash))
    rows: list[dict[str, Any]] = []
    for spec in specs:
        seq += 1
        fields = _fields(seq, prev_hash, **spec)
        prev_hash = fields["hash"]
        rows.append(fields)
    conn.execute(_t.insert(), rows)
    return [EventRow(**fields) for fields in rows]


def _fields(seq: int, prev_hash: str, *, event_type: str, service: str, environment: str,
            version: str | None, status: str, deployment_id: str | None = None,
            trace_id: str | None = None, duration_seconds: float | None = None,
            errors: Sequence[str] = (), notes: str = "", deployed_by: str,
            data: dict[str, Any] | None = None) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "seq": seq, "ts": utc_timestamp(), "event_type": event_type, "service": service,
        "environment": environment, "version": version, "status": status,
        "deployment_id": deployment_id, "trace_id": trace_id,
        "duration_seconds": None if duration_seconds is None else float(duration_seconds),
        # Known secret values never reach the table or its JSONL mirror (redacted before hashing).
        "errors": [redact(str(e)) for e in errors], "notes": redact(notes), "deployed_by": deployed_by,
        # A JSON round trip now makes the hashed value exactly what later reads return.
        "data": json.loads(canonical_json(redact_tree(data or {}))), "prev_hash": prev_hash,
    }
    fields["hash"] = row_hash(fields)
    return fields


def query(conn: Connection, *, service: str | None = None, environment: str | None = None,
          deployment_id: str | None = None, limit: int | None = 100,
          after_seq: int | None = None) -> list[EventRow]:
    """Events in ascending seq; with a limit and no after_seq, the newest `limit` of them."""
    stmt = select(_t)
    if service is not None:
        stmt = stmt.where(_t.c.service == service)
    if environment is not None:
        stmt = stmt.where(_t.c.environment == environment)
    if deployment_id is not None:
        stmt = stmt.where(_t.c.deployment_id == deployment_id)
    if after_seq is not None:
        stmt = stmt.where(_t.c.seq > after_seq).order_by(_t.c.seq.asc())
        if limit is not None:
            stmt = stmt.limit(limit)
        return [EventRow.of(m) for m in conn.execute(stmt).mappings()]
    stmt = stmt.order_by(_t.c.seq.desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    return [EventRow.of(m) for m in reversed(conn.execute(stmt).mappings().all())]


def verify_chain(conn: Connection, batch: int = 1000) -> tuple[bool, int | None, int]:
    """Walk the whole chain: (ok, first bad seq, rows checked). Catches edits, gaps and reorders."""
    prev_hash, expected_seq, checked, after = GENESIS_HASH, 1, 0, 0
    while True:
        rows = conn.execute(select(_t).where(_t.c.seq > after).order_by(_t.c.seq.asc())
                            .limit(batch)).mappings().all()
        if not rows:
            return True, None, checked
        for m in rows:
            fields = dict(m)
            checked += 1
            if (fields["seq"] != expected_seq or fields["prev_hash"] != prev_hash
                    or row_hash(fields) != fields["hash"]):
                return False, int(fields["seq"]), checked
            prev_hash, expected_seq, after = fields["hash"], expected_seq + 1, fields["seq"]
