"""Who may say yes: approval requests (migration 5), deciders' tokens and HTTP API tokens (hashes only)."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Float, Index, String, Table, Text

from shipmate.store.schema.deployment_tables import metadata

decider_tokens = Table(
    # A person's token for deciding approvals (approval.deciders: tokens): only its sha256 is kept.
    "decider_tokens", metadata,
    Column("name", String(64), primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", Float, nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("revoked_at", Float, nullable=True),
)

api_tokens = Table(
    # An HTTP API token (`shipmate token create`) in the host database: only its sha256 is kept.
    "api_tokens", metadata,
    Column("name", String(64), primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("scope", String(8), nullable=False),          # read | deploy | admin
    Column("agent", Boolean, nullable=False),            # an agent's token requests, never approves
    Column("created_at", Float, nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("revoked_at", Float, nullable=True),
)

# One row per request for a person's yes (migration 5). The one-time code is kept only as its sha256.
approvals = Table(
    "approvals", metadata,
    Column("id", String(32), primary_key=True),
    Column("service", String(63), nullable=False),
    Column("environment", String(63), nullable=False),
    Column("action", String(16), nullable=False),
    Column("release_id", String(32), nullable=True),
    Column("version", String(128), nullable=False),
    Column("digest", String(128), nullable=False),
    Column("requested_by", String(128), nullable=False),
    Column("requested_face", String(16), nullable=False),
    Column("requested_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("state", String(16), nullable=False),
    Column("decided_by", String(128), nullable=True),
    Column("decided_face", String(16), nullable=True),
    Column("decided_at", Float, nullable=True),
    Column("comment", Text, nullable=True),
    Column("code_hash", String(64), nullable=True),
    Column("diff", JSON, nullable=False),
    Column("confidence", JSON, nullable=True),
    Column("used_by_deployment", String(32), nullable=True),
    Index("ix_approvals_target", "service", "environment", "action", "version", "digest"),
    Index("ix_approvals_state", "state"),
)
