"""The deployment tables: releases, deployments and their steps, the current release, instances, the event
log, locks, and stack runs. ``metadata`` here is the one every table module of the schema registers on."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

schema_version = Table(
    "schema_version", metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("name", String(100), nullable=False),
    Column("applied_at", Float, nullable=False),
)

releases = Table(
    "releases", metadata,
    Column("id", String(32), primary_key=True),
    Column("service", String(63), nullable=False),
    Column("version", String(128), nullable=False),
    Column("digest", String(128), nullable=False),
    Column("spec", JSON, nullable=False),
    Column("target_kind", String(32), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("facts", JSON, nullable=True),   # learned after the build (migration 3), e.g. the MCP schema hash
    UniqueConstraint("service", "version", "digest", name="uq_releases_triple"),
)

deployments = Table(
    "deployments", metadata,
    Column("id", String(32), primary_key=True),
    Column("service", String(63), nullable=False),
    Column("environment", String(63), nullable=False),
    Column("release_id", String(32), ForeignKey("releases.id"), nullable=False),
    Column("previous_release_id", String(32), ForeignKey("releases.id"), nullable=True),
    Column("kind", String(16), nullable=False),
    Column("strategy", String(32), nullable=False),
    Column("state", String(16), nullable=False),
    Column("plan", JSON, nullable=False),
    Column("trace_id", String(64), nullable=False),
    Column("actor", String(128), nullable=False),
    Column("fencing", Integer, nullable=False),
    Column("started_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("finished_at", Float, nullable=True),
    Column("error", Text, nullable=True),
    Column("verdict", JSON, nullable=True),
    Column("verified", Boolean, nullable=True),
    Column("confidence", JSON, nullable=True),     # score + factors (migration 4); NULL before it
    Column("origin", JSON, nullable=True),   # migration 6: {"promoted_from": {...}} for a promotion
    Index("ix_deployments_service_env", "service", "environment", "started_at"),
    Index("ix_deployments_state", "state"),
)

steps = Table(
    "steps", metadata,
    Column("id", String(32), primary_key=True),
    Column("deployment_id", String(32), ForeignKey("deployments.id"), nullable=False),
    Column("idx", Integer, nullable=False),
    Column("name", String(100), nullable=False),
    Column("status", String(16), nullable=False),
    Column("intent", JSON, nullable=False),
    Column("result", JSON, nullable=True),
    Column("started_at", Float, nullable=False),
    Column("finished_at", Float, nullable=True),
    Index("ix_steps_deployment", "deployment_id", "idx"),
)

# The primary key is what guarantees "never two current releases" per service+environment.
current = Table(
    "current", metadata,
    Column("service", String(63), primary_key=True),
    Column("environment", String(63), primary_key=True),
    Column("release_id", String(32), ForeignKey("releases.id"), nullable=False),
    Column("deployment_id", String(32), ForeignKey("deployments.id"), nullable=False),
    Column("instance_id", String(32), nullable=True),   # unused since migration 2 (current names a release)
    Column("updated_at", Float, nullable=False),
)

instances = Table(
    "instances", metadata,
    Column("id", String(32), primary_key=True),
    Column("service", String(63), nullable=False),
    Column("environment", String(63), nullable=False),
    Column("release_id", String(32), ForeignKey("releases.id"), nullable=False),
    Column("deployment_id", String(32), ForeignKey("deployments.id"), nullable=False),
    Column("target_kind", String(32), nullable=False),
    Column("pid", Integer, nullable=True),
    Column("create_time", Float, nullable=True),
    Column("port", Integer, nullable=True),
    Column("log_path", Text, nullable=True),
    Column("handle", JSON, nullable=True),        # the target's opaque handle (migration 2); NULL before it
    Column("status", String(16), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("supervision", JSON, nullable=True),   # restarts / last_exit / in_rotation (migration 7)
    Index("ix_instances_service_env", "service", "environment"),
)

events = Table(
    "events", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("ts", String(40), nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("service", String(63), nullable=False),
    Column("environment", String(63), nullable=False),
    Column("version", String(128), nullable=True),
    Column("status", String(32), nullable=False),
    Column("deployment_id", String(32), nullable=True),
    Column("trace_id", String(64), nullable=True),
    Column("duration_seconds", Float, nullable=True),
    Column("errors", JSON, nullable=False),
    Column("notes", Text, nullable=False),
    Column("deployed_by", String(128), nullable=False),
    Column("data", JSON, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_events_service_env", "service", "environment", "seq"),
    Index("ix_events_deployment", "deployment_id"),
)

# Rows are never deleted: the fencing counter must survive release so numbers are never reused.
locks = Table(
    "locks", metadata,
    Column("key", String(130), primary_key=True),
    Column("fencing", Integer, nullable=False),
    Column("owner", JSON, nullable=False),
    Column("acquired_at", Float, nullable=False),
    Column("heartbeat_at", Float, nullable=False),
    Column("lease_until", Float, nullable=False),
    Column("released_at", Float, nullable=True),
)


# Stacks (migration 14): one row per stack run (deploy, rollback or down of several services together) and one
# per member. A member's deployment lives in that member's own home, so release and deployment ids are plain
# strings here, never foreign keys. owner: pid + create time of the running shipmate, so a killed run is found.
stack_runs = Table(
    "stack_runs", metadata,
    Column("id", String(32), primary_key=True),
    Column("stack", String(63), nullable=False),
    Column("environment", String(63), nullable=False),
    Column("kind", String(16), nullable=False),           # deploy | rollback | down
    Column("state", String(16), nullable=False),          # running | succeeded | rolling_back | rolled_back | failed
    Column("file", Text, nullable=False),
    Column("owner", JSON, nullable=True),
    Column("actor", String(128), nullable=False),
    Column("started_at", Float, nullable=False),
    Column("finished_at", Float, nullable=True),
    Column("error", Text, nullable=True),
    Index("ix_stack_runs_stack", "stack", "environment", "started_at"),
)

stack_members = Table(
    "stack_members", metadata,
    Column("run_id", String(32), ForeignKey("stack_runs.id"), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("name", String(63), nullable=False),
    Column("service", String(63), nullable=False),
    Column("spec", Text, nullable=False),
    Column("state", String(16), nullable=False),   # pending|running|done|unchanged|failed|undone|undo_failed
    Column("previous_release_id", String(32), nullable=True),
    Column("previous_version", String(128), nullable=True),
    Column("deployment_id", String(32), nullable=True),
    Column("version", String(128), nullable=True),
    Column("error", Text, nullable=True),
)

STACK_TABLES = (stack_runs, stack_members)
