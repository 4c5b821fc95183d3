"""What `shipmate serve` writes: inbox task claims, uptime samples, rollups, incidents and alerts, report sends."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Float, Index, Integer, String, Table, Text

from shipmate.store.schema.deployment_tables import metadata

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
