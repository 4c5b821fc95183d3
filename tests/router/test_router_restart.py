"""A router restart (RouterClient.restart: --takeover) keeps the public port open: no client fails."""

from __future__ import annotations

import http.client
import threading
from typing import Any

import psutil
from http_support import route
from router_support import DaemonTracker, free_port, http_get, wait_for


def test_restart_hands_the_port_over_without_failing_a_request(daemon: DaemonTracker, uvicorns: Any) -> None:
    a = uvicorns("A")
    port = free_port()
    route(daemon, port, [a.backend()], fencing=4)
    old_pid = daemon.client.ensure_daemon()
    stop = threading.Event()
    failures: list[str] = []
    served = [0]

    def keep_alive_client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while not stop.is_set():
            try:
                conn.request("GET", "/")
                assert conn.getresponse().read() == b"A"
                served[0] += 1
            except Exception as exc:
                failures.append(repr(exc))
                conn.close()
        conn.close()

    def new_connection_client() -> None:
        while not stop.is_set():
            try:
                assert http_get(port) == "A"
                served[0] += 1
            except Exception as exc:
                failures.append(repr(exc))

    workers = [threading.Thread(target=f) for f in (keep_alive_client, keep_alive_client, new_connection_client)]
    for worker in workers:
        worker.start()
    try:
        wait_for(lambda: served[0] > 50, what="traffic before the restart")
        new_pid = daemon.client.restart()
        daemon.pids.add(new_pid)
        assert new_pid != old_pid
        before = served[0]
        wait_for(lambda: served[0] > before + 200, timeout=30, what="traffic after the restart")
        psutil.Process(old_pid).wait(timeout=30)  # the old daemon exits once its connections are done
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=30)
    assert failures == []
    [saved] = daemon.client.routes()
    assert saved["fencing"] == 4 and saved["listening"] is True
    stats = daemon.client.stats(port)
    assert stats is not None and stats.backends[0].requests > 0


def test_a_daemon_running_other_router_code_is_replaced_on_the_next_ensure_running(
        daemon: DaemonTracker, uvicorns: Any, monkeypatch: Any) -> None:
    from shipmate.router.client import RouterClient
    from shipmate.router.fingerprint import SALT_ENV, code_fingerprint

    a = uvicorns("A")
    port = free_port()
    if daemon.client.is_running():
        daemon.pids.add(daemon.client.ensure_daemon())
        daemon.client.shutdown()
        wait_for(lambda: not daemon.client.is_running(), what="the fixture's daemon gone")
    monkeypatch.setenv(SALT_ENV, "an older shipmate")   # the daemon spawned now reports other code
    old_pid = daemon.client.ensure_daemon()
    daemon.pids.add(old_pid)
    route(daemon, port, [a.backend()], fencing=2)
    monkeypatch.delenv(SALT_ENV)                       # "after the upgrade": this client's code differs
    assert daemon.client._call("ping")["code"] != code_fingerprint()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/")
    assert conn.getresponse().read() == b"A"
    RouterClient(daemon.state_dir).ensure_running()    # a later shipmate command notices and hands over
    new_pid = daemon.client.ensure_daemon()
    daemon.pids.add(new_pid)
    assert new_pid != old_pid
    assert daemon.client._call("ping")["code"] == code_fingerprint()
    assert http_get(port) == "A"                       # same port, same route, served by the new daemon
    conn.close()
    psutil.Process(old_pid).wait(timeout=30)
    RouterClient(daemon.state_dir).ensure_running()    # now current: nothing more happens
    assert daemon.client.ensure_daemon() == new_pid
