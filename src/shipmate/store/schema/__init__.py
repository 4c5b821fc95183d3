"""Table definitions (the latest shape); migrations.py moves older databases to it.

Portable SQLAlchemy Core types only: timestamps are float unix seconds, dicts are JSON,
ids are short prefixed strings. Event timestamps are ISO text because they are hashed.
The tables live in one module per area, all on one ``metadata``; every module reads them from here.
"""

from shipmate.store.schema.approval_tables import api_tokens, approvals, decider_tokens
from shipmate.store.schema.deployment_tables import (
    STACK_TABLES,
    current,
    deployments,
    events,
    instances,
    locks,
    metadata,
    releases,
    schema_version,
    stack_members,
    stack_runs,
    steps,
)
from shipmate.store.schema.memory_tables import (
    MEMORY_TABLES,
    deployment_notes,
    memory_failures,
    memory_fixes,
    memory_outcomes,
    memory_signatures,
)
from shipmate.store.schema.serve_tables import (
    UPTIME_TABLES,
    inbox_tasks,
    report_sends,
    uptime_alerts,
    uptime_hourly,
    uptime_incidents,
    uptime_samples,
)

__all__ = [
    "MEMORY_TABLES", "STACK_TABLES", "UPTIME_TABLES", "api_tokens", "approvals", "current", "decider_tokens",
    "deployment_notes", "deployments", "events", "inbox_tasks", "instances", "locks", "memory_failures",
    "memory_fixes", "memory_outcomes", "memory_signatures", "metadata", "releases", "report_sends",
    "schema_version", "stack_members", "stack_runs", "steps", "uptime_alerts", "uptime_hourly", "uptime_incidents",
    "uptime_samples",
]
