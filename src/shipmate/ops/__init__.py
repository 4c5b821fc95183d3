"""The one service layer: every face (CLI now; MCP, HTTP, inbox later) calls only these.

Each function returns plain JSON-able data or raises a ShipmateError; none prints.
Heavy imports stay inside the functions so read-only commands start fast.
"""

from shipmate.ops.approvals import approve, list_approvals, reject
from shipmate.ops.deploying import deploy, rollback
from shipmate.ops.explaining import explain
from shipmate.ops.importing import import_compose
from shipmate.ops.lifecycle import down, init, lock_release, lock_status, recover, schema, validate
from shipmate.ops.promoting import promote
from shipmate.ops.reading import check, events, history, logs, status
from shipmate.ops.secrets import secrets_list, secrets_rm, secrets_set
from shipmate.ops.serving import serve, systemd_unit

__all__ = ["approve", "check", "deploy", "down", "events", "explain", "history", "import_compose", "init",
           "list_approvals", "lock_release", "lock_status", "logs", "promote", "recover", "reject", "rollback",
           "schema", "secrets_list", "secrets_rm", "secrets_set", "serve", "status", "systemd_unit", "validate"]
