"""The one service layer: every face (CLI, MCP; later HTTP, inbox) calls only these names.

Each operation lives in its own verb-named module (ops/deploy.py, ops/status.py, ...); the gates every forward
release passes are in ops/gates/, what operations share in ops/common/. Names are re-exported lazily (PEP 562):
`import shipmate.ops` loads nothing else, so `shipmate status --json` never imports the deploy layer.
Each operation returns JSON-able data or raises a ShipmateError (shipmate.errors); none prints.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shipmate.ops.approvals import approve, list_approvals, reject
    from shipmate.ops.backups import backup_create, backup_list, backup_prune, backup_restore
    from shipmate.ops.checking import check
    from shipmate.ops.common.auditing import record_call
    from shipmate.ops.common.identity import Identity, cli_identity, mcp_identity
    from shipmate.ops.common.workspace import home_of, spec_path_of
    from shipmate.ops.deploying import deploy
    from shipmate.ops.explaining import explain
    from shipmate.ops.importing import import_compose
    from shipmate.ops.initialising import init, schema
    from shipmate.ops.locking import lock_release, lock_status
    from shipmate.ops.probing import probe_mcp
    from shipmate.ops.promoting import promote
    from shipmate.ops.reading_history import events, history
    from shipmate.ops.reading_logs import logs
    from shipmate.ops.reading_status import status
    from shipmate.ops.recovering import recover
    from shipmate.ops.rolling_back import rollback
    from shipmate.ops.secrets import read_value_file, secrets_list, secrets_rm, secrets_rotate, secrets_set
    from shipmate.ops.taking_down import down
    from shipmate.ops.validating import validate

_HOMES = {
    "approve": "approvals",
    "list_approvals": "approvals",
    "reject": "approvals",
    "backup_create": "backups",
    "backup_list": "backups",
    "backup_prune": "backups",
    "backup_restore": "backups",
    "check": "checking",
    "deploy": "deploying",
    "down": "taking_down",
    "explain": "explaining",
    "events": "reading_history",
    "history": "reading_history",
    "import_compose": "importing",
    "init": "initialising",
    "schema": "initialising",
    "lock_release": "locking",
    "lock_status": "locking",
    "logs": "reading_logs",
    "probe_mcp": "probing",
    "promote": "promoting",
    "recover": "recovering",
    "rollback": "rolling_back",
    "read_value_file": "secrets",
    "secrets_list": "secrets",
    "secrets_rm": "secrets",
    "secrets_rotate": "secrets",
    "secrets_set": "secrets",
    "status": "reading_status",
    "validate": "validating",
    "record_call": "common.auditing",
    "Identity": "common.identity",
    "cli_identity": "common.identity",
    "mcp_identity": "common.identity",
    "home_of": "common.workspace",
    "spec_path_of": "common.workspace",
}
__all__ = ["Identity", "approve", "backup_create", "backup_list", "backup_prune", "backup_restore", "check",
           "cli_identity", "deploy", "down", "events", "explain", "history", "home_of", "import_compose", "init",
           "list_approvals", "lock_release", "lock_status", "logs", "mcp_identity", "probe_mcp", "promote",
           "read_value_file", "record_call", "recover", "reject", "rollback", "schema", "secrets_list", "secrets_rm",
           "secrets_rotate", "secrets_set", "spec_path_of", "status", "validate"]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
