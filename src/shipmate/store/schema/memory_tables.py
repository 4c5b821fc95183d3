"""The failure memory (migration 9): signatures, failures, known fixes, their outcomes and deployment notes."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Float, ForeignKey, Index, Integer, String, Table, Text

from shipmate.store.schema.deployment_tables import metadata

# Failure memory (migration 9). A signature groups failures; a person may merge one into another (merged_into).
memory_signatures = Table(
    "memory_signatures", metadata,
    Column("id", String(32), primary_key=True),            # sig_ + 16 hex (analysis/failure_signature.py)
    Column("signature_version", Integer, nullable=False),
    Column("phase", String(64), nullable=False),
    Column("target_kind", String(32), nullable=False),
    Column("error_code", String(64), nullable=False),
    Column("exit_code", Integer, nullable=True),
    Column("text", Text, nullable=False),                  # masked: no ids, ports, paths, numbers, times
    Column("merged_into", String(32), nullable=True),
    Column("first_seen", Float, nullable=False),
    Column("last_seen", Float, nullable=False),
    Index("ix_memory_signatures_merged", "merged_into"),
    Index("ix_memory_signatures_seen", "last_seen"),
)

memory_failures = Table(
    "memory_failures", metadata,
    Column("id", String(32), primary_key=True),
    Column("signature_id", String(32), ForeignKey("memory_signatures.id"), nullable=False),
    Column("service", String(63), nullable=False),
    Column("environment", String(63), nullable=False),
    Column("deployment_id", String(32), nullable=True),
    Column("kind", String(16), nullable=False),            # deploy | promote | rollback | check | hook | restart
    Column("message", Text, nullable=False),               # as shown (secret filter applied)
    Column("shown_fix_ids", JSON, nullable=False),         # the known fixes offered at the time (the hit rate)
    Column("settled", String(16), nullable=True),          # NULL open | worked | repeated
    Column("created_at", Float, nullable=False),
    Index("ix_memory_failures_target", "service", "environment", "created_at"),
    Index("ix_memory_failures_signature", "signature_id"),
    Index("ix_memory_failures_deployment", "deployment_id"),
)

memory_fixes = Table(
    "memory_fixes", metadata,
    Column("id", String(32), primary_key=True),
    Column("content_key", String(64), nullable=False, unique=True),   # sha256 of the text: import is idempotent
    Column("signature_id", String(32), nullable=True),
    Column("symptom", Text, nullable=False),
    Column("root_cause", Text, nullable=False),
    Column("solution", Text, nullable=False),
    Column("prevention", Text, nullable=False),
    Column("source", String(16), nullable=False),          # starter | person | note | import
    Column("from_deployment_id", String(32), nullable=True),
    Column("created_by", String(128), nullable=False),
    Column("created_at", Float, nullable=False),
    Index("ix_memory_fixes_signature", "signature_id"),
    Index("ix_memory_fixes_deployment", "from_deployment_id"),
)

# One row per (fix, failure) once the next deployment after it ended: "worked 4 of 5 times".
memory_outcomes = Table(
    "memory_outcomes", metadata,
    Column("fix_id", String(32), primary_key=True),
    Column("failure_id", String(32), primary_key=True),
    Column("deployment_id", String(32), nullable=False),
    Column("worked", Boolean, nullable=False),
    Column("at", Float, nullable=False),
)

deployment_notes = Table(
    "deployment_notes", metadata,
    Column("deployment_id", String(32), primary_key=True),
    Column("note", Text, nullable=False),                  # `deploy --note`: what was changed to fix it
    Column("created_at", Float, nullable=False),
)

MEMORY_TABLES = (memory_signatures, memory_failures, memory_fixes, memory_outcomes, deployment_notes)
