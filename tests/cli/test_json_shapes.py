"""The `--json` shapes of status, deploy, rollback, check, history, events, the approvals and backup commands,
explain, import compose and probe mcp (and more, below) are pinned:
keys and value types, recursively, as the real CLI prints them for a real deployed service (examples/hello).

Values are normalised away (ids, times, ports differ per run); numbers are "number" (a duration may be
whole). A snapshot lives in tests/cli/data/json_shapes/NAME.json; after an intended change of a shape,
rewrite them with SHIPMATE_UPDATE_SHAPES=1 and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from tests import mcp_servers
from tests.e2e.cli_project import Project
from tests.mcp_servers import RunningServer

SHAPES = Path(__file__).parent / "data" / "json_shapes"
FREE_FORM = {"data", "diff", "series"}   # an event's data, an approval's diff, a verdict's per-tick series:
#                                           their keys depend on the event / the change / the source watched
PROTECTED = "environments:\n  production: {protected: true}\n"
http_server = mcp_servers.http_server


def shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: "object" if key in FREE_FORM and isinstance(item, dict) else shape(item)
                for key, item in value.items()}
    if isinstance(value, list):
        merged: Any = None
        for item in value:
            merged = _merge(merged, shape(item))
        return [] if merged is None else [merged]
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if value is None:
        return "null"
    return type(value).__name__


def _merge(a: Any, b: Any) -> Any:
    """One shape for every element of a list: keys united, differing leaf types joined (sorted, '|')."""
    if a is None or a == b:
        return b
    if b is None:
        return a
    if isinstance(a, dict) and isinstance(b, dict):
        return {key: _merge(a.get(key), b.get(key)) if key in a and key in b else a.get(key, b.get(key))
                for key in [*a, *(k for k in b if k not in a)]}
    if isinstance(a, list) and isinstance(b, list):
        return [_merge(a[0] if a else None, b[0] if b else None)] if a or b else []
    parts = set(str(a).split("|")) | set(str(b).split("|")) if isinstance(a, str) and isinstance(b, str) else None
    return "|".join(sorted(parts)) if parts else f"{a!r}|{b!r}"


def _pinned(name: str, output: dict[str, Any]) -> None:
    path = SHAPES / f"{name}.json"
    found = shape(output)
    if os.environ.get("SHIPMATE_UPDATE_SHAPES") == "1":
        path.write_text(json.dumps(found, indent=2, sort_keys=False) + "\n")
    expected = json.loads(path.read_text())
    assert found == expected, f"`{name} --json` changed shape:\n{json.dumps(found, indent=2)}"
    assert list(found) == list(expected), f"`{name} --json` changed key order"


def test_deploy_status_check_history_events_and_rollback_keep_their_json_shape(project: Project) -> None:
    project.spec("1.0.0")
    _pinned("deploy_dry_run", project.json("deploy", "--dry-run"))
    _pinned("deploy", project.json("deploy"))
    _pinned("status", project.json("status"))
    _pinned("check", project.json("check"))
    project.spec("2.0.0")
    assert project.json("deploy")["state"] == "succeeded"
    _pinned("history", project.json("history"))
    _pinned("rollback_dry_run", project.json("rollback", "--dry-run"))
    _pinned("rollback", project.json("rollback"))
    _pinned("events", project.json("events", "--limit", "1000"))
    assert project.serves("1.0.0")


def test_the_approval_commands_keep_their_json_shape(project: Project) -> None:
    project.spec("1.0.0", extra=PROTECTED)
    agent = {"SHIPMATE_ACTOR": "agent:ci"}
    first = project.json("deploy", "--no-wait", expect=6, env=agent)["error"]["details"]["approval_id"]
    _pinned("approvals", project.json("approvals"))
    _pinned("approve", project.json("approve", first))   # a person decides: an agent's shell is refused
    project.spec("1.0.1", extra=PROTECTED)
    second = project.json("deploy", "--no-wait", expect=6, env=agent)["error"]["details"]["approval_id"]
    assert second != first
    _pinned("reject", project.json("reject", second, "--reason", "not today"))
    _pinned("approvals_all", project.json("approvals", "--all"))


def test_logs_down_locks_secrets_validate_init_and_recover_keep_their_json_shape(project: Project) -> None:
    project.spec("1.0.0")
    _pinned("validate", project.json("validate"))
    (project.root / "other").mkdir()
    _pinned("init", project.json("init", "-f", str(project.root / "other" / "shipmate.yaml")))
    _pinned("recover_nothing", project.json("recover"))
    value = project.root / "value.txt"
    value.write_text("s3cret-value-0001\n")
    _pinned("secrets_set", project.json("secrets", "set", "API_KEY", "--from-file", str(value)))
    value.write_text("s3cret-value-0002\n")
    _pinned("secrets_rotate", project.json("secrets", "rotate", "API_KEY", "--from-file", str(value)))
    _pinned("secrets_list", project.json("secrets", "list"))
    _pinned("secrets_rm", project.json("secrets", "rm", "API_KEY"))
    assert project.json("deploy")["state"] == "succeeded"
    _pinned("logs", project.json("logs", "--lines", "5"))
    _pinned("lock_status", project.json("lock", "status"))
    _pinned("lock_release", project.json("lock", "release"))
    _pinned("down_dry_run", project.json("down", "--dry-run"))
    _pinned("down", project.json("down"))
    _pinned("down_nothing", project.json("down"))


def test_promote_keeps_its_json_shape(project: Project) -> None:
    from tests.waiting import free_port

    project.spec("1.0", extra=f"environments:\n  staging: {{}}\n  production:\n    port: {free_port()}\n")
    assert project.json("deploy", "-e", "staging")["verified"] is True
    _pinned("promote_dry_run", project.json("promote", "--from", "staging", "--to", "production", "--dry-run"))
    _pinned("promote", project.json("promote", "--from", "staging", "--to", "production"))


def test_the_backup_commands_keep_their_json_shape(project: Project) -> None:
    (project.root / "data").mkdir()
    (project.root / "data" / "a.txt").write_text("alpha\n")
    project.spec("1.0.0", extra="backup:\n  paths: [data/]\n  keep: 3\n")
    assert project.json("deploy")["state"] == "succeeded"
    _pinned("backup_create_dry_run", project.json("backup", "create", "--dry-run"))
    first = project.json("backup", "create")["backup_id"]
    _pinned("backup_restore_dry_run", project.json("backup", "restore", first, "--dry-run"))
    (project.root / "data" / "a.txt").write_text("changed\n")
    _pinned("backup_restore", project.json("backup", "restore", first))
    assert (project.root / "data" / "a.txt").read_text() == "alpha\n"
    assert project.json("backup", "create")["pruned"] == []
    _pinned("backup_list", project.json("backup", "list"))
    project.spec("1.0.0", extra="backup:\n  paths: [data/]\n  keep: 1\n")
    assert project.json("backup", "prune", "--dry-run")["removed"] == [first]
    _pinned("backup_prune", project.json("backup", "prune", "--dry-run"))
    taken = project.json("backup", "create")   # keep 1: taking it removes both older ones
    assert first in taken["pruned"] and len(taken["pruned"]) == 2
    _pinned("backup_create", taken)


def test_explain_and_import_compose_keep_their_json_shape(project: Project) -> None:
    project.spec("1.0.0")
    deployment = project.json("deploy")["deployment_id"]
    _pinned("explain", project.json("explain", deployment))
    (project.root / "other").mkdir()
    compose = project.root / "other" / "docker-compose.yml"
    compose.write_text("services:\n  web: {image: web:1, ports: [\"8000:8000\"], volumes: [\"./d:/d\"]}\n")
    _pinned("import_compose", project.json("import", "compose", str(compose), "--out",
                                           str(project.root / "imported.yaml")))


def test_probe_mcp_keeps_its_json_shape(http_server: RunningServer, project: Project) -> None:
    _pinned("probe_mcp", project.json("probe", "mcp", http_server.url("/mcp"), "--calls", "3"))


def test_a_remembered_failure_and_the_memory_commands_keep_their_json_shape(project: Project) -> None:
    path = project.spec("1.0.0", deadline="3s")
    path.write_text(path.read_text().replace("path: /health,", "path: /healthz,"))
    failed = project.json("deploy", expect=1)
    _pinned("deploy_failed", failed)
    dep = failed["error"]["details"]["deployment_id"]
    _pinned("memory_add", project.json("memory", "add", "--symptom", "404 on health", "--solution", "use /health",
                                       "--root-cause", "typo", "--prevention", "test it", "--from", dep))
    listed = project.json("memory", "list")
    _pinned("memory_list", listed)
    _pinned("memory_search", project.json("memory", "search", "health 404"))
    _pinned("memory_show", project.json("memory", "show", listed["signatures"][0]["id"]))
    _pinned("memory_stats", project.json("memory", "stats"))
