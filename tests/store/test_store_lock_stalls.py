"""A live but frozen lock holder: held while it heartbeats, taken over (audited `stalled`) once silent
for 3 leases, and fenced out when it wakes. Clocks are controlled: `judge` takes `now`, rows are aged."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.store.store_support import KEY, owner_of, silence_lock
from tests.waiting import wait_until

from shipmate.engine.lease import LEASE_ENV, LEASE_SECONDS, Lease, configured_lease_seconds
from shipmate.errors import InvalidInputError, LockHeldError, LockLostError
from shipmate.store import Store
from shipmate.store.owners import judge, this_process_owner
from shipmate.store.sqlite_reader import SqliteReader


@pytest.fixture
def frozen(sleeper: subprocess.Popen[bytes]) -> Iterator[subprocess.Popen[bytes]]:
    """A real process stopped with SIGSTOP: alive to psutil, but it cannot heartbeat."""
    os.kill(sleeper.pid, signal.SIGSTOP)
    yield sleeper
    os.kill(sleeper.pid, signal.SIGCONT)


def test_a_live_owner_holds_until_its_heartbeat_is_three_leases_old() -> None:
    me = this_process_owner("deploy")
    fresh = judge(me, heartbeat_at=1000.0, lease_until=1010.0, released_at=None, now=1029.9)
    assert (fresh.held, fresh.owner_alive, fresh.stalled, fresh.free_because) == (True, True, False, None)
    silent = judge(me, heartbeat_at=1000.0, lease_until=1010.0, released_at=None, now=1030.1)
    assert (silent.held, silent.owner_alive, silent.stalled, silent.free_because) == (False, True, True, "stalled")


def test_a_dead_owner_is_free_at_once_and_a_remote_one_when_its_lease_ends(
        sleeper: subprocess.Popen[bytes]) -> None:
    remote = {**owner_of(sleeper), "host": "another-host"}
    assert judge(remote, heartbeat_at=1000.0, lease_until=1010.0, released_at=None, now=1010.0).held
    ended = judge(remote, heartbeat_at=1000.0, lease_until=1010.0, released_at=None, now=1010.1)
    assert (ended.held, ended.owner_alive, ended.stalled, ended.free_because) == (False, None, False, "lease_expired")
    owner = owner_of(sleeper)
    sleeper.kill()
    sleeper.wait(timeout=30)
    dead = judge(owner, heartbeat_at=1000.0, lease_until=1010.0, released_at=None, now=1000.0)
    assert (dead.held, dead.owner_alive, dead.free_because) == (False, False, "died")
    released = judge(this_process_owner("x"), heartbeat_at=1000.0, lease_until=1010.0, released_at=1001.0,
                     now=2000.0)
    assert (released.held, released.stalled, released.free_because) == (False, False, "released")


def test_a_frozen_owner_keeps_the_lock_while_silent_for_under_three_leases(
        store: Store, frozen: subprocess.Popen[bytes]) -> None:
    store.acquire_lock(KEY, owner=owner_of(frozen), lease_seconds=10)
    silence_lock(store, KEY, seconds=29, lease=10)
    with pytest.raises(LockHeldError):
        store.acquire_lock(KEY, owner=this_process_owner("deploy"), lease_seconds=10)


def test_a_frozen_owner_silent_for_three_leases_is_taken_over_and_audited_as_stalled(
        store: Store, frozen: subprocess.Popen[bytes]) -> None:
    old = store.acquire_lock(KEY, owner=owner_of(frozen), lease_seconds=10)
    silence_lock(store, KEY, seconds=31, lease=10)
    before = store.locks()[0]
    assert (before.held, before.owner_alive, before.stalled, before.free_because) == (False, True, True, "stalled")
    new = store.acquire_lock(KEY, owner=this_process_owner("recover", "me"), lease_seconds=10)
    assert new.fencing == old.fencing + 1 and new.held and new.took_over == "stalled"
    audit = store.events()[-1]
    assert (audit.event_type, audit.data["reason"]) == ("lock.taken_over", "stalled")
    assert audit.data["previous_owner"]["pid"] == frozen.pid and audit.data["previous_fencing"] == old.fencing
    assert "owner stalled: alive but no heartbeat for 31 s (more than 3 leases of 10 s)" in audit.notes
    # The holder, once it wakes, is fenced out of every write, its heartbeat included.
    with pytest.raises(LockLostError, match=rf"fencing {new.fencing} > {old.fencing}"):
        store.heartbeat(KEY, old.fencing, 10)
    store.release_lock(KEY, old.fencing)
    assert store.locks()[0].held and store.locks()[0].fencing == new.fencing


@pytest.mark.sqlite_only   # the stdlib reader reads SQLite files only
def test_both_readers_say_a_stalled_owner_no_longer_holds(
        store: Store, home: Path, frozen: subprocess.Popen[bytes]) -> None:
    store.acquire_lock(KEY, owner=owner_of(frozen), lease_seconds=10)
    reader = SqliteReader.open(home)
    assert reader is not None
    try:
        assert reader.lock_owner_alive(KEY) and store.lock_owner_alive(KEY)
        silence_lock(store, KEY, seconds=31, lease=10)
        assert not reader.lock_owner_alive(KEY) and not store.lock_owner_alive(KEY)
    finally:
        reader.close()


def test_a_stalled_process_holding_a_lease_finds_it_lost_when_it_wakes(store: Store, home: Path) -> None:
    """A real Lease in a child process; SIGSTOP it past 3 leases, take over, SIGCONT: it must notice."""
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from shipmate.engine.lease import Lease\n"
        "from shipmate.errors import LockLostError\n"
        "from shipmate.store import Store\n"
        "store = Store.open(Path(sys.argv[1]))\n"
        "with Lease(store, 'web/default', 'child', lease_seconds=1.0) as lease:\n"
        "    print('held', lease.fencing, flush=True)\n"
        "    deadline = time.monotonic() + 60\n"
        "    while not lease.lost.is_set() and time.monotonic() < deadline:\n"
        "        time.sleep(0.05)\n"
        "    try:\n"
        "        lease.check()\n"
        "    except LockLostError as exc:\n"
        "        print('lost', exc.message, flush=True)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script, str(home)], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        assert child.stdout.readline().split() == ["held", "1"]
        os.kill(child.pid, signal.SIGSTOP)
        silence_lock(store, KEY, seconds=0, lease=1.0)
        with pytest.raises(LockHeldError):  # stopped, but its heartbeat is fresh
            store.acquire_lock(KEY, owner=this_process_owner("recover"), lease_seconds=10)
        silence_lock(store, KEY, seconds=3.5, lease=1.0)
        assert store.acquire_lock(KEY, owner=this_process_owner("recover"), lease_seconds=10).fencing == 2
        os.kill(child.pid, signal.SIGCONT)
        out, _ = child.communicate(timeout=30)
        assert out.startswith("lost lock for web/default was taken over"), out
        assert store.locks()[0].fencing == 2 and store.locks()[0].held  # its exit released nothing of ours
    finally:
        if child.poll() is None:
            os.kill(child.pid, signal.SIGCONT)
            child.kill()
            child.wait(timeout=30)


def test_the_lease_length_comes_from_the_environment_within_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(LEASE_ENV, raising=False)
    assert configured_lease_seconds() == LEASE_SECONDS
    monkeypatch.setenv(LEASE_ENV, "2.5")
    assert configured_lease_seconds() == 2.5
    for bad in ("0.5", "601", "nan", "inf", "soon", "-3"):
        monkeypatch.setenv(LEASE_ENV, bad)
        with pytest.raises(InvalidInputError, match=LEASE_ENV) as info:
            configured_lease_seconds()
        assert info.value.exit_code == 2


def test_a_lease_heartbeats_often_enough_to_never_look_stalled(store: Store) -> None:
    with Lease(store, KEY, "me", lease_seconds=1.0):
        first = store.locks()[0].heartbeat_at
        wait_until(lambda: store.locks()[0].heartbeat_at > first, 10, "a heartbeat")
        assert time.time() - store.locks()[0].heartbeat_at < 3.0 and store.locks()[0].held
    assert not store.locks()[0].held
