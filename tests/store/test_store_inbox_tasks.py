"""inbox_tasks: one row per trace id; a live claim is never taken, a dead owner's claim or a waiting task is
resumed by the holder of the task's own file only, and a finished one never changes again."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.store.store_support import raw_sql

from shipmate.store.owners import this_process_owner
from shipmate.store.store import Store


def _claim(store: Store, owner: dict[str, Any], *, digest: str = "d1", file_name: str = "t.json",
           resume: bool = False) -> tuple[Any, bool]:
    return store.claim_inbox_task(trace_id="T-1", service="web", environment="staging", digest=digest,
                                  file_name=file_name, owner=owner, resume=resume)


def _dead_owner() -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True, timeout=30)
    return {"pid": int(proc.stdout), "create_time": 1.0, "host": socket.gethostname(), "actor": "gone"}


def test_the_first_claim_wins_and_a_second_file_with_the_trace_id_sees_the_winner(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        me = this_process_owner("test")
        row, mine = _claim(store, me)
        assert mine and row.state == "claimed" and row.owner["pid"] == me["pid"]
        again, mine = _claim(store, me, file_name="u.json", resume=True)
        assert not mine and again.file_name == "t.json"     # alive: never taken over, even by its own file
        events = [e.event_type for e in store.events(limit=10)]
    assert events == ["inbox.claimed"]


def test_a_dead_owners_claim_is_resumed_once_and_a_finished_task_never_again(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        _claim(store, _dead_owner())
        assert not _claim(store, this_process_owner("test"))[1]               # a new file: a duplicate
        assert not _claim(store, this_process_owner("test"), digest="d2", resume=True)[1]   # other payload
        row, mine = _claim(store, this_process_owner("test"), resume=True)
        assert mine and row.state == "claimed"
        done = store.finish_inbox_task("T-1", state="completed", deployment_id=None, approval_id=None,
                                       result={"status": "completed"}, actor="inbox:x")
        assert done is not None and done.finished and done.owner is None
        assert store.finish_inbox_task("T-1", state="failed", deployment_id=None, approval_id=None,
                                       result={}, actor="inbox:x") is None
        assert not _claim(store, _dead_owner(), resume=True)[1]
        kinds = [e.event_type for e in store.events(limit=10)]
    assert kinds == ["inbox.claimed", "inbox.resumed", "inbox.completed"]


def test_a_waiting_task_is_resumed_by_its_own_file(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        _claim(store, this_process_owner("test"))
        store.finish_inbox_task("T-1", state="waiting", deployment_id=None, approval_id="apr_1",
                                result={"status": "waiting"}, actor="inbox:x")
        assert not _claim(store, this_process_owner("test"), file_name="other.json")[1]
        row, mine = _claim(store, this_process_owner("test"), resume=True)
    assert mine and row.approval_id == "apr_1"


def test_a_database_from_before_migration_8_gets_the_inbox_tasks_table(tmp_path: Path) -> None:
    with Store.open(tmp_path) as old:
        raw_sql(old, "DROP TABLE inbox_tasks")
        raw_sql(old, "DELETE FROM schema_version WHERE version >= 8")
    with Store.open(tmp_path) as store:
        assert store.inbox_tasks() == []
        assert _claim(store, this_process_owner("test"))[1]
