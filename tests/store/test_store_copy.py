"""`store copy`: a SQLite home's history moves into PostgreSQL whole, once, verified by the chain."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.postgres_server import PgServer
from tests.store.store_support import KEY, start_deployment
from tests.waiting import free_port

from shipmate.errors import InvalidInputError
from shipmate.model import DeploymentState
from shipmate.ops import store_copy
from shipmate.store import Store
from shipmate.store.owners import this_process_owner

pytestmark = pytest.mark.postgres_only


def _sqlite_history(home: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """A SQLite home with releases, a deployment, steps, current, a lock, memory and events: (events, head)."""
    monkeypatch.delenv("SHIPMATE_STORE")
    with Store.open(home) as store:
        rel = store.ensure_release("web", "1.0.0", "sha256:a", {"port": 1}, "process")
        fencing = store.acquire_lock(KEY, owner=this_process_owner("deploy", "t"), lease_seconds=60).fencing
        dep = start_deployment(store, rel, fencing, event={"event_type": "deployment.started"})
        step = store.step_intent(dep, 0, "start", {"n": 1}, fencing=fencing)
        store.step_result(step.id, "ok", {"port": 4000}, fencing=fencing)
        store.set_state(dep, DeploymentState.RUNNING, fencing=fencing, event={"event_type": "deployment.running"})
        store.set_current("web", "default", release_id=rel.id, deployment_id=dep, fencing=fencing,
                          event={"event_type": "deployment.current"})
        store.memory.add_fix(symptom="port already in use", root_cause="old instance", solution="stop it",
                             prevention="p", source="person", created_by="t")
        evs = store.events(limit=None)
        assert store.backend == "sqlite"
        return len(evs), evs[-1].hash


def test_a_copy_moves_everything_verifies_the_chain_and_a_second_run_adds_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_server: PgServer) -> None:
    home = tmp_path / "proj" / ".shipmate"
    (tmp_path / "proj" / "shipmate.yaml").parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / "proj" / "shipmate.yaml").write_text("service: web\nport: 8080\n")
    count, head = _sqlite_history(home, monkeypatch)
    spec = str(tmp_path / "proj" / "shipmate.yaml")
    first = store_copy(spec, postgres_server.url)
    assert first.events == count and first.head_hash == head and first.chain_verified
    assert first.added["events"] == count and first.added["releases"] == 1 and first.added["deployments"] == 1
    assert first.added["steps"] == 1 and first.added["current"] == 1 and first.added["memory_fixes"] == 1
    again = store_copy(spec, postgres_server.url)
    assert again.total_added == 0 and again.events == count and again.head_hash == head
    monkeypatch.setenv("SHIPMATE_STORE", postgres_server.url)
    with Store.open(home) as store:
        assert store.backend == "postgresql"
        assert store.verify_chain() == (True, None, count)
        assert store.current("web", "default") is not None
        assert [fix for fix, _ in store.memory.search_fixes(["port"])]     # its search index covers copied rows
        store.append_event(event_type="after", service="web", environment="default", version=None, status="ok",
                           deployed_by="t")
        assert store.verify_chain() == (True, None, count + 1)


def test_a_home_whose_postgresql_history_went_another_way_is_refused_and_left_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_server: PgServer) -> None:
    home = tmp_path / ".shipmate"
    with Store.open(home) as pg:   # SHIPMATE_STORE is set: this history is PostgreSQL's own
        pg.append_event(event_type="elsewhere", service="web", environment="default", version=None, status="ok",
                        deployed_by="t")
    _sqlite_history(home, monkeypatch)
    from shipmate.store.copying import copy_home
    from shipmate.store.location import checked_url

    with pytest.raises(InvalidInputError, match="already holds a different history"):
        copy_home(home, checked_url(postgres_server.url))
    monkeypatch.setenv("SHIPMATE_STORE", postgres_server.url)
    with Store.open(home) as pg:
        assert [e.event_type for e in pg.events(limit=None)] == ["elsewhere"]


@pytest.mark.parametrize("url, says", [
    ("mysql://db/x", "is not a postgresql:// URL"),
    ("postgresql://u:pw@127.0.0.1:{port}/x", "cannot be reached"),
])
def test_a_bad_or_unreachable_target_is_bad_input_and_copies_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, says: str) -> None:
    (tmp_path / "shipmate.yaml").write_text("service: web\nport: 8080\n")
    _sqlite_history(tmp_path / ".shipmate", monkeypatch)
    with pytest.raises(InvalidInputError, match=says) as info:
        store_copy(str(tmp_path / "shipmate.yaml"), url.format(port=free_port()))
    assert info.value.exit_code == 2 and "pw@" not in info.value.message
