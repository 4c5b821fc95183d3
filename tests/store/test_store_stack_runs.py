"""stack_runs / stack_members: a run with its members in order, each state change an audit event, and a run
whose shipmate died (its owner's pid is gone) is orphaned, one whose owner lives is not; an older database
gets the tables by migration."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from shipmate.store.migrations import MIGRATIONS
from shipmate.store.owners import this_process_owner
from shipmate.store.store import Store

STACK_MIGRATION = next(m.version for m in MIGRATIONS if m.apply.__name__ == "_stack_runs")  # renumbered at merges
MEMBERS = [("api", "api", "/p/api/shipmate.yaml"), ("web", "web", "/p/web/shipmate.yaml")]


def _dead_owner() -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True, timeout=30)
    return {"pid": int(proc.stdout), "create_time": 1.0, "host": socket.gethostname(), "actor": "gone"}


def test_a_run_keeps_its_members_in_order_and_each_state_change_is_an_event(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        run = store.create_stack_run(stack="shop", environment="prod", kind="deploy", file="/p/s.yaml",
                                     owner=this_process_owner("test"), actor="t", members=MEMBERS)
        assert [m.name for m in run.members] == ["api", "web"] and {m.state for m in run.members} == {"pending"}
        store.set_stack_member(run.id, 0, state="done", previous_release_id="rel_1", previous_version="1.0",
                               deployment_id="dep_1", version="2.0")
        assert not run.orphaned   # its owner (this test) is alive
        store.set_stack_state(run.id, "rolling_back", actor="t", error="web: failed")
        done = store.set_stack_state(run.id, "rolled_back", actor="t")
        assert done.finished_at is not None and done.error == "web: failed"
        assert done.members[0].previous_release_id == "rel_1" and done.members[0].version == "2.0"
        kinds = [e.event_type for e in store.events(service="shop")]
        assert kinds == ["stack.deploy.started", "stack.deploy.rolling_back", "stack.deploy.rolled_back"]
        assert store.unfinished_stack_runs("shop") == []
        assert [r.id for r in store.stack_runs("shop", "prod", kind="deploy")] == [run.id]


def test_a_run_whose_owner_died_is_orphaned_until_it_finishes(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        run = store.create_stack_run(stack="shop", environment="prod", kind="deploy", file="/p/s.yaml",
                                     owner=_dead_owner(), actor="t", members=MEMBERS)
        [found] = store.unfinished_stack_runs("shop")
        assert found.id == run.id and found.orphaned
        taken = store.set_stack_state(run.id, "rolling_back", actor="t", owner=this_process_owner("test"))
        assert not taken.orphaned   # a recovering command took it over
        store.set_stack_state(run.id, "failed", actor="t", owner=_dead_owner())
        assert store.unfinished_stack_runs("shop") == []


def test_an_older_database_gets_the_stack_tables_by_migration(tmp_path: Path) -> None:
    Store.open(tmp_path).close()
    with sqlite3.connect(tmp_path / "state.db") as conn:
        conn.execute("DROP TABLE stack_members")
        conn.execute("DROP TABLE stack_runs")
        conn.execute("DELETE FROM schema_version WHERE version = ?", (STACK_MIGRATION,))
    with Store.open(tmp_path) as store:
        store.create_stack_run(stack="shop", environment="prod", kind="down", file="/p/s.yaml",
                               owner=this_process_owner("test"), actor="t", members=MEMBERS)
        assert len(store.stack_runs("shop")) == 1
