"""The failure memory (real SQLite file, real PostgreSQL schema): recording, grouping, search, fixes, outcomes."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.store.store_support import raw_sql

from shipmate.analysis.failure_signature import FailureFacts, search_terms, signature_of
from shipmate.errors import InvalidInputError
from shipmate.store import Store


def _sig(text: str, phase: str = "start") -> dict[str, object]:
    s = signature_of(FailureFacts(phase, "process", "deployment_failed", text))
    return {"key": s.key, "version": s.version, "phase": s.phase, "target_kind": s.target_kind,
            "error_code": s.error_code, "exit_code": s.exit_code, "text": s.text}


def _record(store: Store, text: str, *, shown: tuple[str, ...] = (), dep: str | None = None) -> str:
    sig = _sig(text)
    store.memory.record_failure(sig, service="web", environment="default", deployment_id=dep, kind="deploy",
                         message=text, shown_fix_ids=shown)
    return str(sig["key"])


def test_the_same_failure_twice_is_one_signature_with_two_failures(store: Store) -> None:
    a = _record(store, "instance ins_a exited with code 3 after 0.5s")
    b = _record(store, "instance ins_b exited with code 3 after 9s")
    assert a == b
    [(row, count)] = store.memory.signatures()
    assert (row.id, count) == (a, 2)
    assert row.text == "instance <id> exited with code <n> after <n>"


def test_search_ranks_the_fix_that_names_more_of_the_words_first(store: Store) -> None:
    store.memory.add_fix(symptom="port already in use", root_cause="another process listens",
                  solution="stop it or change port", prevention="pick a free port", source="person", created_by="t")
    best, _ = store.memory.add_fix(symptom="health check returns 404 on the health path", root_cause="wrong path",
                            solution="set health.checks[0].http.path to the app's route", prevention="test it",
                            source="person", created_by="t")
    hits = store.memory.search_fixes(search_terms("GET <url> returned 404: health path not found"))
    assert hits[0][0] == best.id


def test_adding_the_same_fix_twice_keeps_one(store: Store) -> None:
    first, new1 = store.memory.add_fix(symptom="s", root_cause="r", solution="x", prevention="p", source="person",
                                created_by="t")
    again, new2 = store.memory.add_fix(symptom=" S ", root_cause="r", solution="x", prevention="p", source="import",
                                created_by="u")
    assert (new1, new2) == (True, False) and again.id == first.id
    assert len(store.memory.fixes()) == 1


def test_merge_groups_two_signatures_and_split_takes_it_back(store: Store) -> None:
    a = _record(store, "instance ins_a exited with code 3")
    b = _record(store, "worker crashed: segmentation fault")
    store.memory.merge_signatures(a, b)
    assert set(store.memory.signature_group(b)) == {a, b}
    assert [row.id for row, _ in store.memory.signatures()] == [a]
    assert len(store.memory.failures(signature_id=a)) == 2
    assert store.memory.memory_stats().signatures == 1
    with pytest.raises(InvalidInputError):
        store.memory.merge_signatures(a, b)
    store.memory.split_signature(b)
    assert store.memory.signature_group(a) == [a]
    assert store.memory.memory_stats().signatures == 2


def test_outcomes_count_worked_of_tried_and_the_hit_rate_counts_offered_fixes(store: Store) -> None:
    fix, _ = store.memory.add_fix(symptom="s", root_cause="r", solution="x", prevention="p", source="person",
                           created_by="t")
    _record(store, "boom one", shown=(fix.id,))
    _record(store, "boom two")
    open_ = store.memory.open_failures("web", "default")
    assert len(open_) == 2
    store.memory.settle_failure(open_[0].id, settled="worked", deployment_id="dep_1", outcomes=[(fix.id, True)])
    store.memory.settle_failure(open_[0].id, settled="worked", deployment_id="dep_1", outcomes=[(fix.id, True)])
    store.memory.settle_failure(open_[1].id, settled="repeated", deployment_id="dep_2", outcomes=[(fix.id, False)])
    assert store.memory.fix_counts([fix.id])[fix.id].as_dict() == {"worked": 1, "tried": 2}
    assert store.memory.open_failures("web", "default") == []
    stats = store.memory.memory_stats()
    assert (stats.failures, stats.matched, stats.hit_rate, stats.worked, stats.tried) == (2, 1, 0.5, 1, 2)


def test_a_database_from_before_migration_9_gains_the_memory_and_its_search(home: Path) -> None:
    Store.open(home).close()
    with Store.open(home) as old:
        fts = ("memory_fixes_fts", "memory_signatures_fts") if old.backend == "sqlite" else ()
        for name in (*fts, "memory_outcomes", "memory_failures", "memory_fixes", "memory_signatures",
                     "deployment_notes"):
            raw_sql(old, f"DROP TABLE {name}")
        raw_sql(old, "DELETE FROM schema_version WHERE version >= 9")
    with Store.open(home) as store:
        store.memory.add_fix(symptom="permission denied on the volume", root_cause="uid", solution="chown",
                      prevention="p", source="person", created_by="t")
        assert len(store.memory.search_fixes(["permission"])) == 1
        store.memory.set_deployment_note("dep_x", "raised start_period to 10s")
        assert store.memory.deployment_note("dep_x") == "raised start_period to 10s"


def test_all_words_first_then_any_and_too_common_words_give_the_newest(store: Store,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from shipmate.store import memory_search

    rows = [{"id": f"sig_{i:016x}", "signature_version": 1, "phase": "start", "target_kind": "process",
             "error_code": "deployment_failed", "exit_code": None,
             "text": f"worker crashed {'redis timeout' if i == 3 else 'disk full'} n{i}", "merged_into": None,
             "first_seen": float(i), "last_seen": float(i)} for i in range(8)]
    assert store.memory.import_signatures(rows) == 8
    assert store.memory.import_signatures(rows) == 0
    _, sigs = store.memory.search(["redis", "timeout"])
    assert [s["id"] for s in sigs] == [rows[3]["id"]]                       # every word
    _, sigs = store.memory.search(["redis", "nothing"])
    assert [s["id"] for s in sigs] == [rows[3]["id"]]                       # no row has both: any word
    monkeypatch.setattr(memory_search, "RANK_AT_MOST", 5)
    _, sigs = store.memory.search(["worker"], limit=3)
    assert [s["id"] for s in sigs] == [rows[7]["id"], rows[6]["id"], rows[5]["id"]]   # too common: newest
