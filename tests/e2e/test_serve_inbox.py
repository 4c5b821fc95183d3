"""`shipmate serve` also processes each watched home's inbox: a task dropped while it runs is deployed."""

from __future__ import annotations

import json

from tests.e2e.cli_project import Project
from tests.e2e.serve_support import Serve, current, supervise_block
from tests.waiting import wait_until


def test_a_task_dropped_into_the_inbox_while_serve_runs_is_deployed_and_completed(project: Project) -> None:
    project.spec("1.0.0", extra=supervise_block())
    project.json("deploy")
    serve = Serve(project).start()
    project.spec("2.0.0", extra=supervise_block())
    task = {"trace_id": "T-serve", "category": "deployment", "environment": "default", "version": "2.0.0",
            "urgency": "high", "scope": {"services": ["hello"]},
            "verification": [{"healthy_within": {"seconds": 30}}], "requested_by": "agent-ci"}
    incoming = project.root / "inbox" / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    tmp = project.root / ".serve-task.tmp"
    tmp.write_text(json.dumps(task))
    tmp.rename(incoming / "serve-task.json")   # as a writer should: complete elsewhere, renamed in

    completed = project.root / "inbox" / "completed"
    wait_until(lambda: (completed / "serve-task.SUMMARY.md").exists(), 90, "serve to process the inbox task")
    assert "**Status**: COMPLETED" in (completed / "serve-task.SUMMARY.md").read_text()
    assert (completed / "serve-task.json").exists() and not list(incoming.glob("*.json"))
    wait_until(lambda: project.serves("2.0.0"), 15, "the task's release to serve")
    assert project.json("status")["environments"][0]["current"]["version"] == "2.0.0"
    wait_until(lambda: len(current(project)) == 1 and serve.health().get("instances") == 1, 20,
               "serve to watch the task's release")
    assert serve.stop() == 0
