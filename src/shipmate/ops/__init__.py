"""The one service layer: every face (CLI, MCP; later HTTP, inbox) calls only these names.

Each operation lives in its own verb-named module (ops/deploying.py, ops/reading_status.py, ...); the gates
every forward release passes are in ops/gates/, what operations share in ops/common/, what they return in
ops/results/. Names are re-exported lazily (PEP 562) from the table in ops/_names.py: `import shipmate.ops` loads
nothing else, so `shipmate status --json` never imports the deploy layer. A module is never named like the
operation it holds (deploying.py holds deploy): importing a submodule binds its name on this package and would
hide the function.

Each operation returns a typed result (ops/results: frozen dataclasses; `as_json` gives the `--json` object)
or JSON-able data, or raises a ShipmateError (shipmate.errors); none prints. Beside the operations: who is
calling (Identity), the audit of a face's call, a face's bearer token, and the secret filter every face applies
to what it shows.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shipmate.ops.approvals import approve, list_approvals, reject, withdraw
    from shipmate.ops.backups import backup_create, backup_list, backup_prune, backup_restore
    from shipmate.ops.bumping_version import version_bump
    from shipmate.ops.charting import window_charts
    from shipmate.ops.checking import check
    from shipmate.ops.common.acting import acting_as
    from shipmate.ops.common.auditing import record_call
    from shipmate.ops.common.cancellation import Cancellation
    from shipmate.ops.common.face_tokens import bearer_token
    from shipmate.ops.common.host_state import host_home, web_key
    from shipmate.ops.common.identity import Identity, cli_identity, mcp_identity
    from shipmate.ops.common.workspace import home_of, spec_path_of
    from shipmate.ops.decider_tokens import add_decider, list_deciders, revoke_decider
    from shipmate.ops.deploying import deploy
    from shipmate.ops.doctoring import doctor
    from shipmate.ops.explaining import explain
    from shipmate.ops.following_logs import follow_logs
    from shipmate.ops.importing import import_compose
    from shipmate.ops.importing_stack import import_compose_stack
    from shipmate.ops.initialising import init, schema
    from shipmate.ops.issuing_tokens import token_active, token_create, token_holder, token_list, token_revoke
    from shipmate.ops.locking import lock_release, lock_status
    from shipmate.ops.probing import probe_mcp
    from shipmate.ops.processing_inbox import inbox_process
    from shipmate.ops.promoting import promote
    from shipmate.ops.reading_deployment_detail import deployment_detail
    from shipmate.ops.reading_deployments import (
        deployment_events,
        deployment_of_trace,
        deployments_page,
        events_page,
        find_deployment,
        list_filters,
    )
    from shipmate.ops.reading_history import events, history
    from shipmate.ops.reading_host import locate_service, overview, registered_services
    from shipmate.ops.reading_inbox import inbox_status
    from shipmate.ops.reading_logs import logs
    from shipmate.ops.reading_metrics import metrics
    from shipmate.ops.reading_status import status
    from shipmate.ops.reading_uptime import uptime
    from shipmate.ops.reading_version import version_check, version_show
    from shipmate.ops.recalling import (
        memory_export,
        memory_list,
        memory_match,
        memory_search,
        memory_show,
        memory_stats,
    )
    from shipmate.ops.recovering import recover
    from shipmate.ops.releasing import release
    from shipmate.ops.remembering import memory_add, memory_import, memory_merge, memory_split
    from shipmate.ops.reporting import render_report, report
    from shipmate.ops.results.approvals import (
        Approval,
        ApprovalsResult,
        Decider,
        DeciderAdded,
        DeciderRevoked,
        DecidersResult,
        DecisionResult,
    )
    from shipmate.ops.results.audit import AuditEvent, ChainCheck, EventsResult
    from shipmate.ops.results.backups import (
        BackupEntry,
        BackupPlan,
        BackupRestored,
        BackupsList,
        BackupsPruned,
        BackupTaken,
        RestorePlan,
    )
    from shipmate.ops.results.deployment_detail import DeploymentDetail, LevelPassed, TimelineStep
    from shipmate.ops.results.deployments import (
        ApprovalUsed,
        DeploymentRecord,
        DeploymentResult,
        HistoryResult,
        NoChangeResult,
        StepResult,
    )
    from shipmate.ops.results.doctor import DoctorReport
    from shipmate.ops.results.explanations import Calibration, Explanation
    from shipmate.ops.results.health import CheckResult
    from shipmate.ops.results.imports import ComposeImport, ComposeStackImport
    from shipmate.ops.results.inbox_results import InboxPass, InboxStatus, SubmittedTask, TaskOutcome
    from shipmate.ops.results.instances import (
        DownPlan,
        InstanceLog,
        LogsResult,
        NothingRunning,
        RecoverResult,
        TakenDown,
    )
    from shipmate.ops.results.json_result import JsonResult, as_json
    from shipmate.ops.results.locks import LockReleaseResult, LocksResult
    from shipmate.ops.results.memory import (
        MemoryAddResult,
        MemoryExportResult,
        MemoryGroupResult,
        MemoryImportResult,
        MemoryListResult,
        MemoryMatchResult,
        MemorySearchResult,
        MemoryShowResult,
        MemoryStatsResult,
    )
    from shipmate.ops.results.metrics import LabeledHistogram, LabeledValue, MetricsSnapshot
    from shipmate.ops.results.overview import (
        DeploymentEvents,
        DeploymentsPage,
        EventsPage,
        HostDeployment,
        HostEvent,
        LastDeployment,
        Overview,
        OverviewRow,
        ServiceRef,
        ServicesResult,
    )
    from shipmate.ops.results.plans import GatedPlan, ReleasePlan
    from shipmate.ops.results.probes import McpProbeResult
    from shipmate.ops.results.promotions import PromotionPlan, PromotionResult, PromotionUnchanged
    from shipmate.ops.results.reports import ReportResult
    from shipmate.ops.results.secrets import SecretInfo, SecretRemoved, SecretsList, SecretWritten
    from shipmate.ops.results.spec_files import InitResult, ValidationResult
    from shipmate.ops.results.stacks import StackHistory, StackMemberResult, StackPlan, StackRunResult, StackStatus
    from shipmate.ops.results.status import (
        CurrentRelease,
        DeploymentInProgress,
        EnvironmentStatus,
        InstanceStatus,
        NeverDeployedEnvironment,
        StatusResult,
    )
    from shipmate.ops.results.store_results import StoreCopied, StoreHome, StoreHomes
    from shipmate.ops.results.tokens import ApiToken, TokenCreated, TokenHolder, TokenRevoked, TokensResult
    from shipmate.ops.results.uptime import UptimeResult
    from shipmate.ops.results.versions import (
        BumpResult,
        CommitView,
        NothingToRelease,
        ReleaseDryRun,
        ReleaseResult,
        VersionCheckResult,
        VersionResult,
    )
    from shipmate.ops.rolling_back import rollback
    from shipmate.ops.secrets import read_value_file, secrets_list, secrets_rm, secrets_rotate, secrets_set
    from shipmate.ops.serving import serve, systemd_unit
    from shipmate.ops.store_admin import store_copy, store_homes
    from shipmate.ops.submitting_task import inbox_submit
    from shipmate.ops.taking_down import down
    from shipmate.ops.validating import validate
    from shipmate.ops.watching_inbox import inbox_watch
    from shipmate.secrets.redact import redact, redact_tree, remember

from shipmate.ops._names import HOMES as _HOMES
from shipmate.ops._names import STACK_AWARE as _STACK_AWARE

__all__ = ["Approval", "ApprovalUsed", "ApprovalsResult", "AuditEvent", "BackupEntry", "BackupPlan",
           "BackupRestored", "BackupTaken", "BackupsList", "BackupsPruned", "Calibration", "ChainCheck",
           "CheckResult", "ComposeImport", "ComposeStackImport", "CurrentRelease", "Decider", "DeciderAdded",
           "DeciderRevoked",
           "DecidersResult", "DecisionResult", "DeploymentInProgress", "DeploymentRecord",
           "DeploymentResult", "DoctorReport", "DownPlan", "EnvironmentStatus", "EventsResult",
           "Explanation", "GatedPlan", "HistoryResult", "Identity", "InboxPass", "InboxStatus",
           "InitResult", "InstanceLog", "InstanceStatus", "JsonResult", "LockReleaseResult", "LocksResult",
           "LogsResult", "McpProbeResult", "MemoryAddResult", "MemoryExportResult", "MemoryGroupResult",
           "MemoryImportResult", "MemoryListResult", "MemoryMatchResult", "MemorySearchResult",
           "MemoryShowResult", "MemoryStatsResult", "NeverDeployedEnvironment", "NoChangeResult",
           "NothingRunning", "PromotionPlan", "PromotionResult", "PromotionUnchanged", "RecoverResult",
           "ReleasePlan", "RestorePlan", "SecretInfo", "SecretRemoved", "SecretWritten", "SecretsList",
           "StackHistory", "StackMemberResult", "StackPlan", "StackRunResult", "StackStatus", "StatusResult",
           "StepResult", "SubmittedTask", "TakenDown", "TaskOutcome", "ValidationResult",
           "add_decider", "approve", "as_json", "backup_create", "backup_list", "backup_prune",
           "backup_restore", "bearer_token", "check", "cli_identity", "deploy", "doctor", "down", "events",
           "explain", "follow_logs", "history", "home_of", "import_compose", "import_compose_stack", "inbox_process",
           "inbox_status", "inbox_submit", "inbox_watch", "init", "list_approvals", "list_deciders",
           "lock_release", "lock_status", "logs", "mcp_identity", "memory_add", "memory_export",
           "memory_import", "memory_list", "memory_match", "memory_merge", "memory_search", "memory_show",
           "memory_split", "memory_stats", "probe_mcp", "promote", "read_value_file", "record_call",
           "recover", "redact", "redact_tree", "reject", "remember", "revoke_decider", "rollback", "schema",
           "secrets_list", "secrets_rm", "secrets_rotate", "secrets_set", "serve", "spec_path_of", "status",
           "systemd_unit", "validate", "withdraw"]
__all__ += ["StoreCopied", "StoreHome", "StoreHomes", "store_copy", "store_homes"]   # PostgreSQL for teams
__all__ += ["BumpResult", "CommitView", "NothingToRelease", "ReleaseDryRun", "ReleaseResult",  # issue 21
            "VersionCheckResult", "VersionResult", "release", "version_bump", "version_check", "version_show"]
__all__ += ["ApiToken", "TokenCreated", "TokenHolder", "TokenRevoked", "TokensResult", "host_home",
            "token_active", "token_create", "token_holder", "token_list", "token_revoke", "web_key"]
__all__ += ["Cancellation", "DeploymentEvents", "DeploymentsPage", "EventsPage", "HostDeployment", "HostEvent",
            "LastDeployment", "Overview", "OverviewRow", "ServiceRef", "ServicesResult", "acting_as",
            "deployment_events", "deployment_of_trace", "deployments_page", "events_page", "find_deployment",
            "list_filters", "locate_service", "overview", "registered_services"]
__all__ += ["DeploymentDetail", "LevelPassed", "TimelineStep", "deployment_detail", "window_charts"]   # issue 19
__all__ += ["ReportResult", "render_report", "report"]   # reports (issue 20)
__all__ += ["LabeledHistogram", "LabeledValue", "MetricsSnapshot", "UptimeResult", "metrics", "uptime"]   # issue 20


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name]), name)
    if name in _STACK_AWARE:
        from shipmate.ops.stack_dispatch import stack_aware

        value = stack_aware(name, value)
    return value
