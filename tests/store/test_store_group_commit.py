"""Group commit: callers appending at once share transactions, each returns only once its event is durable,
and one bad event fails only its own caller."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import event

from shipmate.store import EventRow, Store

THREADS, EACH = 16, 25


def _append(store: Store, who: str, i: int, data: dict[str, object] | None = None) -> EventRow:
    return store.append_event(event_type="tick", service="web", environment="default", version=None,
                              status="ok", deployed_by=who, data={"i": i} if data is None else data)


def test_concurrent_appends_share_commits_and_each_returns_once_durable(store: Store, home: Path) -> None:
    commits: list[int] = []
    event.listen(store._db.engine, "commit", lambda conn: commits.append(1))
    rows: list[EventRow] = []
    seen_elsewhere: list[bool] = []
    failures: list[BaseException] = []
    gate = threading.Barrier(THREADS)

    def caller(n: int) -> None:
        try:
            gate.wait(30)
            mine = [_append(store, f"t{n}", i) for i in range(EACH)]
            rows.extend(mine)
            with Store.open(home) as other:   # another connection sees it: it committed before we returned
                seen_elsewhere.append(any(e.seq == mine[-1].seq for e in other.events(after_seq=mine[-1].seq - 1,
                                                                                      limit=1)))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=caller, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert failures == []
    assert len(rows) == THREADS * EACH and len({r.seq for r in rows}) == THREADS * EACH
    assert all(seen_elsewhere) and len(seen_elsewhere) == THREADS
    assert store.verify_chain() == (True, None, THREADS * EACH)
    assert store.verify_mirror()[0]
    assert len(commits) < THREADS * EACH, "no two appends ever shared a commit"


def test_a_bad_event_among_concurrent_ones_fails_only_its_own_caller(store: Store) -> None:
    outcomes: dict[int, int | TypeError] = {}
    gate = threading.Barrier(8)

    def caller(n: int) -> None:
        gate.wait(30)
        try:
            outcomes[n] = _append(store, f"t{n}", n, data={"not json": object()} if n == 3 else None).seq
        except TypeError as exc:
            outcomes[n] = exc

    threads = [threading.Thread(target=caller, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert isinstance(outcomes[3], TypeError)
    assert sorted(v for k, v in outcomes.items() if isinstance(v, int)) == list(range(1, 8))
    assert store.verify_chain() == (True, None, 7)


def test_a_lone_append_commits_at_once_with_nobody_to_wait_for(store: Store) -> None:
    assert _append(store, "t", 0).seq == 1 and store.verify_chain() == (True, None, 1)
