"""serve's cheap look at a home: no query while the SQLite files are untouched, one small query when they
changed, and a full read only when what it supervises changed (a real store on disk)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from shipmate.store.owners import this_process_owner
from shipmate.store.store import Store
from shipmate.store.uptime_rows import UptimeSample
from shipmate.supervise.store_stamp import StoreStamp


class Counting:
    """The real store, with its stamp queries counted."""

    def __init__(self, store: Store) -> None:
        self.store, self.asked = store, 0

    def serving_stamp(self) -> tuple[object, ...]:
        self.asked += 1
        return self.store.serving_stamp()


@pytest.fixture
def home(tmp_path: Path) -> Iterator[tuple[Path, Store]]:
    path = tmp_path / ".shipmate"
    with Store.open(path) as store:
        yield path, store


def test_only_a_change_of_what_serve_supervises_says_changed(home: tuple[Path, Store]) -> None:
    path, store = home
    stamp, counting = StoreStamp(str(path)), Counting(store)
    assert stamp.changed(counting) is True   # the first look reads everything
    assert stamp.changed(counting) is False and counting.asked == 1   # files untouched: not even a query
    store.uptime.record([UptimeSample("web", "default", time.time(), True, 3.0, 5.0)])
    assert stamp.changed(counting) is False and counting.asked == 2   # written, but nothing serve supervises
    store.acquire_lock("web/default", owner=this_process_owner("deploy", "tester"), lease_seconds=60)
    assert stamp.changed(counting) is True and counting.asked == 3   # a deploy took the lock
