"""Every error shipmate raises on purpose, one tree, each with an exit code and a hint.

    ShipmateError                         exit 5   base: something a person must look at
    ├── InvalidInputError                 exit 2   bad arguments
    │   ├── SpecError(path)               exit 2   shipmate.yaml is missing, malformed or invalid
    │   └── BackupCorruptError            exit 2   a backup archive fails its checksums: nothing restored
    ├── HealthCheckFailedError            exit 3   `shipmate check` found the service unhealthy
    ├── LockHeldError                     exit 4   another deployment holds the lease
    ├── DeploymentFailedError             exit 1   the deployment failed and was rolled back
    ├── RollbackFailedError               exit 5   rolling back failed too: a person must look
    ├── ApprovalRequiredError             exit 6   a person's approval is pending, was refused, or expired
    │   └── ApprovalRefusedError          exit 6   this identity may not decide it (no person, no code, self)
    ├── PrerequisiteMissingError          exit 7   port taken, command not found, engine unreachable
    │   ├── HookFailedError               exit 7   a pre_deploy/pre_rollback hook said no: nothing was changed
    │   └── BuildFailedError              exit 7   a target.build step failed or hung: nothing was changed
    ├── TargetError                       exit 5   a target (processes, containers) refused an action
    ├── StoreError                        exit 5   the state database refused or is corrupt
    │   └── LockLostError                 exit 4   our lease was taken over (fencing number moved on)
    │       └── StaleFencingError         exit 4   the router refused a change from an older lock holder
    ├── NotFoundError                     exit 2   no such release, deployment or service
    ├── CommandInterruptedError           exit 130 Ctrl-C/SIGTERM/SIGHUP before this command changed anything
    ├── PolicyRefusedError                exit 6   an environment's policy said no (freeze, require_passed_in,
    │                                              dirty tree) or a promotion has no passed release to promote
    ├── ReleaseStepFailedError            exit 5   a `release.steps` command failed: the steps after it never ran
    └── AccessDeniedError                 exit 6   an HTTP caller without a valid token, scope, Host or Origin
        ├── NotAuthenticatedError         exit 6   no token, or an unknown or revoked one (HTTP 401)
        └── MisdirectedRequestError       exit 6   a Host header outside the allowlist: DNS rebinding (HTTP 421)

A few live beside the code that raises them and subclass one of these (``McpProbeError``,
``McpServerUnreachableError``, ``SqliteCopyFailedError``, ``RefusedError`` in the MCP face).
Every name ends in ``Error`` (ruff N818 keeps it so); what a face may show besides the message
(ids, a plan, a hook's output) is passed at construction: ``SomeError(msg, hint=..., details={...})``.

Foreign exceptions are mapped to these once, where they enter (``raise ... from exc``);
each face (CLI, later MCP and HTTP) maps these to its own codes at its edge only.
Exit 1 is kept for exactly one promise, "failed, and the previous release is serving again";
anything else that went wrong and needs a person exits 5, never 1.
"""

from __future__ import annotations

from typing import Any, ClassVar


class ShipmateError(Exception):
    """Base of the tree: a one-line message the user can act on, plus a hint."""

    exit_code: ClassVar[int] = 5
    code: ClassVar[str] = "error"

    def __init__(self, message: str, *, hint: str | None = None, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details: dict[str, Any] = dict(details or {})   # what a face may show besides the message (ids, plan)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message, "exit_code": self.exit_code}
        if self.hint:
            out["hint"] = self.hint
        if self.details:
            out["details"] = self.details
        return out

    def __str__(self) -> str:
        return self.message


class InvalidInputError(ShipmateError):
    exit_code = 2
    code = "invalid_input"


class SpecError(InvalidInputError):
    """A problem in shipmate.yaml; ``path`` is the dotted key path ("health.checks[0].http.path")."""

    code = "spec_invalid"

    def __init__(self, message: str, *, path: str = "", file: str | None = None, hint: str | None = None):
        prefix = f"{path}: " if path else ""
        super().__init__(prefix + message, hint=hint)
        self.path = path
        self.file = file

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["path"] = self.path
        if self.file:
            out["file"] = self.file
        return out


class NotFoundError(ShipmateError):
    exit_code = 2
    code = "not_found"


class HealthCheckFailedError(ShipmateError):
    exit_code = 3
    code = "health_check_failed"


class LockHeldError(ShipmateError):
    exit_code = 4
    code = "locked"


class DeploymentFailedError(ShipmateError):
    """The new release was refused and the previous one is serving again."""

    exit_code = 1
    code = "deployment_failed"


class RollbackFailedError(ShipmateError):
    exit_code = 5
    code = "rollback_failed"


class ApprovalRequiredError(ShipmateError):
    exit_code = 6
    code = "approval_required"


class PrerequisiteMissingError(ShipmateError):
    exit_code = 7
    code = "prerequisite_missing"


class TargetError(ShipmateError):
    exit_code = 5
    code = "target_error"


class StoreError(ShipmateError):
    exit_code = 5
    code = "store_error"


class LockLostError(StoreError):
    exit_code = 4
    code = "lock_lost"


class StaleFencingError(LockLostError):
    """A traffic change carried an older fencing number than the last one the router accepted."""

    code = "stale_fencing"


class CommandInterruptedError(ShipmateError):
    """Ctrl-C, SIGTERM or SIGHUP outside a deployment's steps: nothing was changed by this command.

    (Inside a deployment an interruption rolls back, exit 1, or keeps a promoted release, exit 0.)
    """

    exit_code = 130
    code = "interrupted"


class HookFailedError(PrerequisiteMissingError):
    """A pre_deploy or pre_rollback hook failed, timed out or could not start; nothing was changed.

    Exit 7 with the prerequisites: refused before anything started, fix it and run again (exit 1 would
    claim a rollback happened). ``details["hook"]`` holds the command and its last output lines.
    """

    code = "hook_failed"


class BuildFailedError(PrerequisiteMissingError):
    """A ``target.build`` step failed, timed out or could not start inside the new snapshot; nothing was
    recorded and the serving release is untouched. ``details["build"]`` holds the argv and its last lines."""

    code = "build_failed"


class ApprovalRefusedError(ApprovalRequiredError):
    """A grant or rejection this identity may not make: an agent without the one-time code, or self-approval."""

    code = "approval_refused"


class PolicyRefusedError(ShipmateError):
    """An environment's ``policy:`` or the promotion rules refused; nothing was changed.

    ``details["refusals"]`` lists every gate that said no (``{"gate", "reason"}``), not just the first.
    """

    exit_code = 6
    code = "policy_refused"


class BackupCorruptError(InvalidInputError):
    """A backup archive whose bytes do not match its manifest's sha256: restoring it would replace good data."""

    code = "backup_corrupt"


class NotifyError(ShipmateError):
    """A notification was not delivered: shown and audited as a warning, never a command's failure."""

    exit_code = 7
    code = "notify_failed"


class ReleaseStepFailedError(ShipmateError):
    """A `release.steps` command failed, timed out or could not start; the steps after it did not run.

    The release commit and tag stay (local, not pushed): fix the cause and run the steps again with
    `shipmate release --steps-only`. ``details["steps"]`` holds every run with its last output lines.
    """

    code = "release_step_failed"


class AccessDeniedError(ShipmateError):
    """An HTTP caller may not do this: its token's scope is too small, or its Origin or CSRF token is wrong."""

    exit_code = 6
    code = "forbidden"


class NotAuthenticatedError(AccessDeniedError):
    code = "unauthenticated"


class MisdirectedRequestError(AccessDeniedError):
    """The Host header names no address this server answers as (a DNS-rebinding page's own name)."""

    code = "misdirected"
