"""The one service layer: every face (CLI, MCP; later HTTP, inbox) calls only these names.

Each operation lives in its own verb-named module (ops/deploying.py, ops/reading_status.py, ...); the gates
every forward release passes are in ops/gates/, what operations share in ops/common/, what they return in
ops/results/. Names are re-exported lazily (PEP 562): `import shipmate.ops` loads nothing else, so
`shipmate status --json` never imports the deploy layer. A module is never named like the operation it holds
(deploying.py holds deploy): importing a submodule binds its name on this package and would hide the function.

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
    from shipmate.ops.reading_status import status
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
    from shipmate.ops.results.tokens import ApiToken, TokenCreated, TokenHolder, TokenRevoked, TokensResult
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
    from shipmate.ops.submitting_task import inbox_submit
    from shipmate.ops.taking_down import down
    from shipmate.ops.validating import validate
    from shipmate.ops.watching_inbox import inbox_watch
    from shipmate.secrets.redact import redact, redact_tree, remember

_HOMES = {
    "approve": "shipmate.ops.approvals",
    "list_approvals": "shipmate.ops.approvals",
    "reject": "shipmate.ops.approvals",
    "withdraw": "shipmate.ops.approvals",
    "add_decider": "shipmate.ops.decider_tokens",
    "list_deciders": "shipmate.ops.decider_tokens",
    "revoke_decider": "shipmate.ops.decider_tokens",
    "backup_create": "shipmate.ops.backups",
    "backup_list": "shipmate.ops.backups",
    "backup_prune": "shipmate.ops.backups",
    "backup_restore": "shipmate.ops.backups",
    "check": "shipmate.ops.checking",
    "deploy": "shipmate.ops.deploying",
    "doctor": "shipmate.ops.doctoring",
    "DoctorReport": "shipmate.ops.results.doctor",
    "down": "shipmate.ops.taking_down",
    "explain": "shipmate.ops.explaining",
    "events": "shipmate.ops.reading_history",
    "history": "shipmate.ops.reading_history",
    "import_compose": "shipmate.ops.importing",
    "import_compose_stack": "shipmate.ops.importing_stack",
    "inbox_process": "shipmate.ops.processing_inbox",
    "inbox_status": "shipmate.ops.reading_inbox",
    "inbox_submit": "shipmate.ops.submitting_task",
    "inbox_watch": "shipmate.ops.watching_inbox",
    "init": "shipmate.ops.initialising",
    "schema": "shipmate.ops.initialising",
    "lock_release": "shipmate.ops.locking",
    "lock_status": "shipmate.ops.locking",
    "logs": "shipmate.ops.reading_logs",
    "memory_add": "shipmate.ops.remembering",
    "memory_import": "shipmate.ops.remembering",
    "memory_merge": "shipmate.ops.remembering",
    "memory_split": "shipmate.ops.remembering",
    "memory_export": "shipmate.ops.recalling",
    "memory_list": "shipmate.ops.recalling",
    "memory_match": "shipmate.ops.recalling",
    "memory_search": "shipmate.ops.recalling",
    "memory_show": "shipmate.ops.recalling",
    "memory_stats": "shipmate.ops.recalling",
    "follow_logs": "shipmate.ops.following_logs",
    "probe_mcp": "shipmate.ops.probing",
    "promote": "shipmate.ops.promoting",
    "recover": "shipmate.ops.recovering",
    "rollback": "shipmate.ops.rolling_back",
    "read_value_file": "shipmate.ops.secrets",
    "secrets_list": "shipmate.ops.secrets",
    "secrets_rm": "shipmate.ops.secrets",
    "secrets_rotate": "shipmate.ops.secrets",
    "secrets_set": "shipmate.ops.secrets",
    "status": "shipmate.ops.reading_status",
    "validate": "shipmate.ops.validating",
    "record_call": "shipmate.ops.common.auditing",
    "Identity": "shipmate.ops.common.identity",
    "cli_identity": "shipmate.ops.common.identity",
    "mcp_identity": "shipmate.ops.common.identity",
    "home_of": "shipmate.ops.common.workspace",
    "spec_path_of": "shipmate.ops.common.workspace",
    "bearer_token": "shipmate.ops.common.face_tokens",
    "serve": "shipmate.ops.serving",
    "systemd_unit": "shipmate.ops.serving",
    "JsonResult": "shipmate.ops.results.json_result",
    "InboxPass": "shipmate.ops.results.inbox_results",
    "InboxStatus": "shipmate.ops.results.inbox_results",
    "SubmittedTask": "shipmate.ops.results.inbox_results",
    "TaskOutcome": "shipmate.ops.results.inbox_results",
    "as_json": "shipmate.ops.results.json_result",
    "StatusResult": "shipmate.ops.results.status",
    "EnvironmentStatus": "shipmate.ops.results.status",
    "NeverDeployedEnvironment": "shipmate.ops.results.status",
    "CurrentRelease": "shipmate.ops.results.status",
    "InstanceStatus": "shipmate.ops.results.status",
    "DeploymentInProgress": "shipmate.ops.results.status",
    "DeploymentRecord": "shipmate.ops.results.deployments",
    "HistoryResult": "shipmate.ops.results.deployments",
    "DeploymentResult": "shipmate.ops.results.deployments",
    "NoChangeResult": "shipmate.ops.results.deployments",
    "StepResult": "shipmate.ops.results.deployments",
    "ApprovalUsed": "shipmate.ops.results.deployments",
    "AuditEvent": "shipmate.ops.results.audit",
    "ChainCheck": "shipmate.ops.results.audit",
    "EventsResult": "shipmate.ops.results.audit",
    "CheckResult": "shipmate.ops.results.health",
    "MemoryAddResult": "shipmate.ops.results.memory",
    "MemoryExportResult": "shipmate.ops.results.memory",
    "MemoryGroupResult": "shipmate.ops.results.memory",
    "MemoryImportResult": "shipmate.ops.results.memory",
    "MemoryListResult": "shipmate.ops.results.memory",
    "MemoryMatchResult": "shipmate.ops.results.memory",
    "MemorySearchResult": "shipmate.ops.results.memory",
    "MemoryShowResult": "shipmate.ops.results.memory",
    "MemoryStatsResult": "shipmate.ops.results.memory",
    "Approval": "shipmate.ops.results.approvals",
    "ApprovalsResult": "shipmate.ops.results.approvals",
    "DecisionResult": "shipmate.ops.results.approvals",
    "Decider": "shipmate.ops.results.approvals",
    "DeciderAdded": "shipmate.ops.results.approvals",
    "DeciderRevoked": "shipmate.ops.results.approvals",
    "DecidersResult": "shipmate.ops.results.approvals",
    "SecretInfo": "shipmate.ops.results.secrets",
    "SecretWritten": "shipmate.ops.results.secrets",
    "SecretsList": "shipmate.ops.results.secrets",
    "SecretRemoved": "shipmate.ops.results.secrets",
    "InstanceLog": "shipmate.ops.results.instances",
    "LogsResult": "shipmate.ops.results.instances",
    "TakenDown": "shipmate.ops.results.instances",
    "NothingRunning": "shipmate.ops.results.instances",
    "DownPlan": "shipmate.ops.results.instances",
    "RecoverResult": "shipmate.ops.results.instances",
    "InitResult": "shipmate.ops.results.spec_files",
    "ValidationResult": "shipmate.ops.results.spec_files",
    "LocksResult": "shipmate.ops.results.locks",
    "LockReleaseResult": "shipmate.ops.results.locks",
    "ReleasePlan": "shipmate.ops.results.plans",
    "GatedPlan": "shipmate.ops.results.plans",
    "PromotionResult": "shipmate.ops.results.promotions",
    "PromotionUnchanged": "shipmate.ops.results.promotions",
    "PromotionPlan": "shipmate.ops.results.promotions",
    "BackupPlan": "shipmate.ops.results.backups",
    "BackupTaken": "shipmate.ops.results.backups",
    "BackupEntry": "shipmate.ops.results.backups",
    "BackupsList": "shipmate.ops.results.backups",
    "BackupsPruned": "shipmate.ops.results.backups",
    "RestorePlan": "shipmate.ops.results.backups",
    "BackupRestored": "shipmate.ops.results.backups",
    "Explanation": "shipmate.ops.results.explanations",
    "Calibration": "shipmate.ops.results.explanations",
    "ComposeImport": "shipmate.ops.results.imports",
    "ComposeStackImport": "shipmate.ops.results.imports",
    "StackHistory": "shipmate.ops.results.stacks",
    "StackMemberResult": "shipmate.ops.results.stacks",
    "StackPlan": "shipmate.ops.results.stacks",
    "StackRunResult": "shipmate.ops.results.stacks",
    "StackStatus": "shipmate.ops.results.stacks",
    "McpProbeResult": "shipmate.ops.results.probes",
    "redact": "shipmate.secrets.redact",
    "redact_tree": "shipmate.secrets.redact",
    "remember": "shipmate.secrets.redact",
    # Issue 21: versions and releases
    "version_show": "shipmate.ops.reading_version",
    "version_check": "shipmate.ops.reading_version",
    "version_bump": "shipmate.ops.bumping_version",
    "release": "shipmate.ops.releasing",
    "BumpResult": "shipmate.ops.results.versions",
    "CommitView": "shipmate.ops.results.versions",
    "NothingToRelease": "shipmate.ops.results.versions",
    "ReleaseDryRun": "shipmate.ops.results.versions",
    "ReleaseResult": "shipmate.ops.results.versions",
    "VersionCheckResult": "shipmate.ops.results.versions",
    "VersionResult": "shipmate.ops.results.versions",
    # the HTTP API's tokens and signing key (host-level)
    "host_home": "shipmate.ops.common.host_state",
    "web_key": "shipmate.ops.common.host_state",
    "token_active": "shipmate.ops.issuing_tokens",
    "token_create": "shipmate.ops.issuing_tokens",
    "token_holder": "shipmate.ops.issuing_tokens",
    "token_list": "shipmate.ops.issuing_tokens",
    "token_revoke": "shipmate.ops.issuing_tokens",
    "ApiToken": "shipmate.ops.results.tokens",
    "TokenCreated": "shipmate.ops.results.tokens",
    "TokenHolder": "shipmate.ops.results.tokens",
    "TokenRevoked": "shipmate.ops.results.tokens",
    "TokensResult": "shipmate.ops.results.tokens",
    # serve's HTTP face: host-wide reads, who a call acts for, cancelling a worker thread's deployment
    "acting_as": "shipmate.ops.common.acting",
    "Cancellation": "shipmate.ops.common.cancellation",
    "deployment_events": "shipmate.ops.reading_deployments",
    "deployment_of_trace": "shipmate.ops.reading_deployments",
    "deployments_page": "shipmate.ops.reading_deployments",
    "events_page": "shipmate.ops.reading_deployments",
    "find_deployment": "shipmate.ops.reading_deployments",
    "list_filters": "shipmate.ops.reading_deployments",
    "locate_service": "shipmate.ops.reading_host",
    "overview": "shipmate.ops.reading_host",
    "registered_services": "shipmate.ops.reading_host",
    "DeploymentEvents": "shipmate.ops.results.overview",
    "DeploymentsPage": "shipmate.ops.results.overview",
    "EventsPage": "shipmate.ops.results.overview",
    "HostDeployment": "shipmate.ops.results.overview",
    "HostEvent": "shipmate.ops.results.overview",
    "LastDeployment": "shipmate.ops.results.overview",
    "Overview": "shipmate.ops.results.overview",
    "OverviewRow": "shipmate.ops.results.overview",
    "ServiceRef": "shipmate.ops.results.overview",
    "ServicesResult": "shipmate.ops.results.overview",
    # reports (issue 20)
    "report": "shipmate.ops.reporting",
    "render_report": "shipmate.ops.reporting",
    "ReportResult": "shipmate.ops.results.reports",
}
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
__all__ += ["BumpResult", "CommitView", "NothingToRelease", "ReleaseDryRun", "ReleaseResult",  # issue 21
            "VersionCheckResult", "VersionResult", "release", "version_bump", "version_check", "version_show"]
__all__ += ["ApiToken", "TokenCreated", "TokenHolder", "TokenRevoked", "TokensResult", "host_home",
            "token_active", "token_create", "token_holder", "token_list", "token_revoke", "web_key"]
__all__ += ["Cancellation", "DeploymentEvents", "DeploymentsPage", "EventsPage", "HostDeployment", "HostEvent",
            "LastDeployment", "Overview", "OverviewRow", "ServiceRef", "ServicesResult", "acting_as",
            "deployment_events", "deployment_of_trace", "deployments_page", "events_page", "find_deployment",
            "list_filters", "locate_service", "overview", "registered_services"]

# The dashboard's overview and deployment page (issue 19, webui)
_HOMES.update({"deployment_detail": "shipmate.ops.reading_deployment_detail",
               "window_charts": "shipmate.ops.charting",
               "DeploymentDetail": "shipmate.ops.results.deployment_detail",
               "LevelPassed": "shipmate.ops.results.deployment_detail",
               "TimelineStep": "shipmate.ops.results.deployment_detail"})
__all__ += ["DeploymentDetail", "LevelPassed", "TimelineStep", "deployment_detail", "window_charts"]
__all__ += ["ReportResult", "render_report", "report"]   # reports (issue 20)

# Stacks: these operations also take a stack file (-f shipmate.stack.yaml); ops/stack_dispatch.py picks the stack's.
_STACK_AWARE = ("deploy", "rollback", "down", "status", "history", "recover")


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name]), name)
    if name in _STACK_AWARE:
        from shipmate.ops.stack_dispatch import stack_aware

        value = stack_aware(name, value)
    return value
