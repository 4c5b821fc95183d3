"""The tools this server offers, as data: names, short descriptions and truthful safety facts.

The guide and the policy read this; tools.py binds each entry to its ops call. Descriptions are short on
purpose: the guide plus every description must stay within ~3,000 tokens (characters / 4).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ToolInfo:
    name: str
    command: str            # the CLI command it mirrors (its --json object is the tool's structured output)
    description: str
    read_only: bool
    destructive: bool = False
    idempotent: bool = True
    long_running: bool = False   # sends progress notifications; a cancellation rolls it back
    secret_args: tuple[str, ...] = ()   # arguments never recorded (the audit gets *** in their place)

    @property
    def mutating(self) -> bool:
        return not self.read_only


TOOLS: tuple[ToolInfo, ...] = (
    ToolInfo("status", "status", "What runs now per environment, whether it answers, what is in progress.",
             read_only=True),
    ToolInfo("history", "history", "Past deployments, newest first (id, version, state, verified, actor).",
             read_only=True),
    ToolInfo("events", "events", "The audit trail: hash-chained events, optionally of one deployment.",
             read_only=True),
    ToolInfo("check", "check", "Run the current release's health levels 1..level now (1 instance, 2 endpoint, "
             "3 application, 4 MCP, 5 smoke); the first failing level is an error (exit 3, `level` in details).",
             read_only=True),
    ToolInfo("logs", "logs", "Last lines of the serving instances' logs, or of one deployment's instances.",
             read_only=True),
    ToolInfo("uptime", "uptime", "Uptime % over 24h/7d/30d and the SLO window, error budget left, incidents.",
             read_only=True),
    ToolInfo("report", "report", "DORA keys with bands and counts, rollbacks, calibration, uptime, approvals of a "
             "period (day|week|month; since: a date).", read_only=True),
    ToolInfo("lock_status", "lock status", "Who holds the deployment locks, until when.", read_only=True),
    ToolInfo("probe", "probe mcp", "Probe an MCP server over HTTP/SSE: tools, schema hash, connect and tools/list "
             "p50/p95/p99. URLs only (no commands).", read_only=True),
    ToolInfo("secrets_list", "secrets list", "Secret names, versions and fingerprints; never values.",
             read_only=True),
    ToolInfo("secrets_set", "secrets set", "Store a new version of secret name (env: that environment only); the "
             "next deploy uses it. The value is never echoed or audited.", read_only=False, idempotent=False,
             secret_args=("value",)),
    ToolInfo("secrets_rotate", "secrets rotate", "Like secrets_set for a secret that exists; the old version "
             "goes once the next release passed its window.", read_only=False, idempotent=False,
             secret_args=("value",)),
    ToolInfo("doctor", "doctor", "Troubleshoot: the last failure first, then prerequisites, instances, router, "
             "endpoints, levels 1-4, locks. Each finding: id, severity, fix.", read_only=True),
    ToolInfo("deploy", "deploy", "Deploy the spec's release: start, prove healthy, switch, watch; rolls back "
             "by itself on failure (exit 1). dry_run returns the plan.", read_only=False, destructive=False,
             idempotent=False, long_running=True),
    ToolInfo("rollback", "rollback", "Put back the last verified release, or to_version, then watch it for the "
             "monitor window (monitor: false skips; a failed window is exit 5). A to_version that failed or was "
             "rolled back is refused (exit 2) unless force (audited). dry_run returns the plan.", read_only=False,
             destructive=False, idempotent=False, long_running=True),
    ToolInfo("down", "down", "Stop the service and close its port (history kept). dry_run returns the plan.",
             read_only=False, destructive=True, idempotent=True),
    ToolInfo("promote", "promote", "Deploy to to_env the exact release that passed from_env (same artifact and "
             "config); refused (exit 6) otherwise. dry_run returns the plan and evidence.", read_only=False,
             destructive=False, idempotent=False, long_running=True),
    ToolInfo("explain", "explain", "A deployment's confidence score, its factors, and how it ended.", read_only=True),
    ToolInfo("backups", "backup list", "Backups of an environment: id, time, size, archive.", read_only=True),
    ToolInfo("backup_create", "backup create", "Take a backup of the spec's backup: paths now. dry_run lists what "
             "it would archive and its size.", read_only=False, idempotent=False),
    ToolInfo("approvals", "approvals", "Pending approvals: id, action, release, diff, confidence, expiry, "
             "proceeds_at (notice tier) (all: decided ones too). Never codes.", read_only=True),
    ToolInfo("approve", "approve", "Grant a pending approval (approval_id); needs the one-time code a person was "
             "shown out of band, else refused (exit 6) and audited, recorded as that person's code.",
             read_only=False, idempotent=False),
    ToolInfo("memory_search", "memory search", "Known fixes and failure signatures matching words of an error, "
             "with how often each fix worked here.", read_only=True),
    ToolInfo("version", "version", "The version (latest release tag) and the next one from conventional commits "
             "since it; check: every version file agrees (exit 2 lists mismatches).", read_only=True),
    ToolInfo("memory_add", "memory add", "Teach a known fix (symptom, solution, root_cause, prevention), linked "
             "to a failed deployment's signature with from_deployment, or to signature (a failure's "
             "details.memory.signature).", read_only=False, idempotent=True),
    ToolInfo("inbox_status", "inbox status", "Inbox task files per folder, active tasks with their claim, the latest "
             "results.", read_only=True),
    ToolInfo("inbox_submit", "inbox submit", "Queue a task (`shipmate schema inbox`) in inbox/incoming/; a bad one is "
             "refused with every problem (exit 2). serve or `inbox process` acts on it once per trace_id.",
             read_only=False, idempotent=True),
    ToolInfo("inbox_process", "inbox process", "Run one inbox pass now: each queued task is deployed once, gated "
             "like your own deploy, then verified; inbox_status shows the results.", read_only=False,
             idempotent=True),
    ToolInfo("reject", "reject", "Reject a pending approval (approval_id) with a reason; needs the one-time code "
             "too.", read_only=False, idempotent=False),
    ToolInfo("withdraw", "approvals withdraw", "Withdraw your own pending request (approval_id): the waiting "
             "change stops. Only the requester may.", read_only=False, idempotent=False),
)

BY_NAME = {tool.name: tool for tool in TOOLS}

# Asked for by agents, kept on the host on purpose: the refusal says what a person runs and what the agent can do.
HOST_ONLY = {
    "backup_restore": "restore overwrites data and stops the service: a person runs `shipmate backup restore ID "
                      "--dry-run`, then without --dry-run, on the host; you can list backups and take one "
                      "(backup_create)",
    "doctor_fix": "fixes run on the host: a person runs `shipmate doctor --fix`; doctor shows what it would fix",
}


def audited(info: ToolInfo, arguments: dict[str, object]) -> dict[str, object]:
    """The arguments as the audit records them: secret ones replaced."""
    return {key: "***" if key in info.secret_args else value for key, value in arguments.items()}
