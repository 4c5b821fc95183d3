"""`/metrics` on serve's app reads the stores on each scrape; the Grafana dashboard names only what it exposes."""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from prometheus_client.parser import text_string_to_metric_families

from shipmate.store.store import Store
from shipmate.store.uptime_rows import UptimeSample
from shipmate.web.app import create_app
from tests.waiting import free_port, wait_until

DASHBOARD = Path(__file__).resolve().parents[2] / "examples" / "grafana" / "shipmate.json"
# The exposition format's own suffixes per type: what a query may name for a family of that type.
SUFFIXES = {"counter": ("_total", "_created"), "gauge": ("",), "info": ("_info",), "untyped": ("",),
            "histogram": ("_bucket", "_sum", "_count", "_created"), "summary": ("", "_sum", "_count")}


@contextmanager
def _served(homes: list[str]) -> Iterator[int]:
    port = free_port()
    app = create_app(lambda: {"ok": True, "homes": homes}, port=port)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started, 20, "uvicorn to listen")
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as resp:
        assert resp.headers["Content-Type"].startswith("text/plain")
        return resp.read().decode()


def _home_with_uptime(tmp_path: Path) -> Path:
    home = tmp_path / ".shipmate"
    with Store.open(home) as store:
        now = time.time()
        store.uptime.record([UptimeSample("web", "production", now - 60 + i * 5, i != 3, 12.0 + i, 5.0)
                             for i in range(10)])
        store.acquire_lock("web/production", owner={"actor": "alice", "pid": 1, "host": "elsewhere"},
                           lease_seconds=300)
    return home


def test_a_scrape_reads_the_store_each_time(tmp_path: Path) -> None:
    home = _home_with_uptime(tmp_path)
    with _served([str(home)]) as port:
        first = _scrape(port)
        assert 'shipmate_lock_held{holder="alice",lock="web/production"} 1.0' in first
        assert "shipmate_homes_unreadable 0.0" in first
        with Store.open(home) as store:   # a change in the store shows in the next scrape, nothing cached
            store.force_release_lock("web/production", actor="test")
        assert 'lock="web/production"' not in _scrape(port)


def test_every_dashboard_expression_names_a_metric_that_metrics_exposes(tmp_path: Path) -> None:
    with _served([str(_home_with_uptime(tmp_path))]) as port:
        text = _scrape(port)
    exposed: set[str] = set()
    for family in text_string_to_metric_families(text):
        assert family.name.startswith("shipmate_"), family.name
        exposed |= {family.name + suffix for suffix in SUFFIXES[family.type]}
    dashboard: dict[str, Any] = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    exprs += [v["query"]["query"] for v in dashboard["templating"]["list"] if isinstance(v.get("query"), dict)]
    named = {name for expr in exprs for name in re.findall(r"\bshipmate_[a-z0-9_]+", expr)}
    assert len(named) >= 12, named
    assert named <= exposed, named - exposed
    # and the other way round: every family /metrics exposes has a panel
    families = {f.name for f in text_string_to_metric_families(text)}
    shown = {f for f in families if any(n.startswith(f) for n in named)}
    assert families - shown <= {"shipmate_probe_latency_seconds_gcount", "shipmate_probe_latency_seconds_gsum"}
