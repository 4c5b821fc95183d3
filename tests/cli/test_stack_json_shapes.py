"""The `--json` shapes of a stack's deploy (and its dry run), status, history, rollback and down are pinned like
the service commands' (tests/cli/test_json_shapes.py): keys and value types, as the real CLI prints them."""

from __future__ import annotations

from tests.cli.test_json_shapes import _pinned
from tests.e2e.stack_project import StackProject, stack

__all__ = ["stack"]   # the fixture


def test_a_stacks_commands_keep_their_json_shape(stack: StackProject) -> None:
    stack.write({"api": "1.0.0", "web": "1.0.0"})
    _pinned("stack_deploy_dry_run", stack.json("deploy", "--dry-run"))
    _pinned("stack_deploy", stack.json("deploy"))
    stack.write({"api": "2.0.0", "web": "2.0.0"})
    stack.json("deploy")
    _pinned("stack_status", stack.json("status"))
    _pinned("stack_history", stack.json("history"))
    _pinned("stack_rollback_dry_run", stack.json("rollback", "--dry-run"))
    _pinned("stack_rollback", stack.json("rollback"))
    _pinned("stack_down", stack.json("down"))
