"""Table definitions (the latest shape); migrations.py moves older databases to it.

Portable SQLAlchemy Core types only: timestamps are float unix seconds, dicts are JSON,
ids are short prefixed strings. Event timestamps are ISO text because they are hashed.
"""

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

# One row per request for a person's yes (migration 5). The one-time code is kept only as its sha256.
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
# One row per inbox trace id: the idempotency key (a second task with the same trace id never acts) and
# who works on it now (owner: pid + create time, so a killed processor's claim can be taken over).
inbox_tasks = Table(
    "inbox_tasks", metadata,
    Column("trace_id", String(64), primary_key=True),
    Column("service", String(63), nullable=False),
    Column("environment", String(63), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("file_name", Text, nullable=False),
    Column("state", String(16), nullable=False),          # claimed | waiting | completed | failed
    Column("owner", JSON, nullable=True),
    Column("claimed_at", Float, nullable=False),
    Column("finished_at", Float, nullable=True),
    Column("deployment_id", String(32), nullable=True),
    Column("approval_id", String(32), nullable=True),
    Column("result", JSON, nullable=True),
    Index("ix_inbox_tasks_state", "state"),
)

# -- uptime (migration 11): written by `shipmate serve`'s uptime prober, read by `uptime`, `report`, /metrics ----
# Raw samples live uptime.raw_retention (7 d); each hour is rolled up into one uptime_hourly row kept 400 days,
# so a service-year is bounded (README "Uptime and SLOs"). Wall-clock columns are labels and hour keys only;
# durations are measured on the monotonic clock by the process that saw both ends.
uptime_samples = Table(
    "uptime_samples", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("service", String(63), nullable=False),
    Column("environment", String(63), nullable=False),
    Column("at", Float, nullable=False),                   # wall time of the sample (label, hour key)
    Column("ok", Boolean, nullable=False),
    Column("latency_ms", Float, nullable=True),
    Column("span_seconds", Float, nullable=False),         # the time this sample stands for (the probe interval)
    Column("source", String(16), nullable=False),          # probe | death | restart | liveness | lost
    Column("detail", Text, nullable=True),
    Index("ix_uptime_samples_target", "service", "environment", "at"),
)

uptime_hourly = Table(
    "uptime_hourly", metadata,
    Column("service", String(63), primary_key=True),
    Column("environment", String(63), primary_key=True),
    Column("hour", Integer, primary_key=True),             # unix seconds of the hour's start (UTC)
    Column("checks", Integer, nullable=False),
    Column("failures", Integer, nullable=False),
    Column("bad_seconds", Float, nullable=False),          # sum of span_seconds of failed samples
    Column("lost", Integer, nullable=False),               # samples dropped while the store was unreachable
    Column("latency_sum_ms", Float, nullable=False),
    Column("latency_buckets", JSON, nullable=False),       # counts per analysis.uptime_math.LATENCY_BUCKETS_MS
)

# A down -> up incident (failure_threshold consecutive failures open it, success_threshold successes close it).
uptime_incidents = Table(
    "uptime_incidents", metadata,
    Column("id", String(32), primary_key=True),
    Column("service", String(63), nullable=False),
    Column("environment", String(63), nullable=False),
    Column("started_at", Float, nullable=False),           # wall time of the first failed sample
    Column("ended_at", Float, nullable=True),              # wall time of the first good sample; NULL: still down
    Column("duration_seconds", Float, nullable=True),      # monotonic when one serve saw both ends
    Column("cause", Text, nullable=False),
    Index("ix_uptime_incidents_target", "service", "environment", "started_at"),
)

# Which alerts are firing, so a restarted serve neither pages again nor forgets to send the resolve.
uptime_alerts = Table(
    "uptime_alerts", metadata,
    Column("service", String(63), primary_key=True),
    Column("environment", String(63), primary_key=True),
    Column("alert", String(32), primary_key=True),         # down | page | ticket
    Column("firing", Boolean, nullable=False),
    Column("since", Float, nullable=False),
    Column("notified_at", Float, nullable=True),
    Column("detail", Text, nullable=False),
)

UPTIME_TABLES = (uptime_samples, uptime_hourly, uptime_incidents, uptime_alerts)
# Scheduled reports `serve` sent (migration 13): one row per schedule and period, so a report goes out once per
# period even across a serve restart. owner: pid + create time of the serve that claimed it (a dead owner's
# claim is taken over).
report_sends = Table(
    "report_sends", metadata,
    Column("key", String(200), primary_key=True),          # service|environment|schedule|period end (ISO)
    Column("service", String(63), nullable=False),
    Column("environment", String(63), nullable=False),
    Column("schedule", String(16), nullable=False),         # daily | weekly
    Column("period_start", Float, nullable=False),
    Column("period_end", Float, nullable=False),
    Column("state", String(16), nullable=False),            # sending | sent | failed
    Column("owner", JSON, nullable=True),
    Column("claimed_at", Float, nullable=False),
    Column("sent_at", Float, nullable=True),
    Column("detail", Text, nullable=True),                  # failed sends: why (URLs masked)
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
