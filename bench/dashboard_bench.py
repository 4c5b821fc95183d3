"""The dashboard's first page in a real browser: bytes transferred and time to render, against a static HTML
file of the same content served the same way (loopback HTTP), measured in the same run.

Run: .venv/bin/python bench/dashboard_bench.py [--loads 20] [--services 4]

A host with --services services (two environments each, really deployed) and one `shipmate serve`; Debian's
chromium (Playwright, /usr/bin/chromium) logs in once, then loads the overview --loads times. The baseline is the
very HTML the overview sent, saved to a file and served by `python -m http.server`: what a page costs when
nothing is computed. Time to render = navigationStart -> loadEvent end (the page is one document: CSS inline,
charts inline SVG, no script on the overview); bytes = the response body as transferred.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_project import SHIPMATE, BenchProject, free_port

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost", "--no-sandbox",
        "--disable-gpu", "--disable-dev-shm-usage", "--disable-component-update", "--no-first-run",
        "--disable-sync", "--disable-background-networking", "--disable-quic"]
TIMING = "(() => { const t = performance.getEntriesByType('navigation')[0];" \
         " return [t.loadEventEnd - t.startTime, t.transferSize, t.encodedBodySize]; })()"


def _wait(condition: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise RuntimeError("timed out")


def _answers(port: int, path: str) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2):
            return True
    except OSError:
        return False


def _host(services: int, env: dict[str, str]) -> list[BenchProject]:
    projects = []
    for index in range(services):
        project = BenchProject(monitor="0s")
        project.env.update(env)
        project.spec("1.0", extra=f"environments:\n  staging: {{}}\n  production: {{port: {free_port()}}}\n")
        spec = project.root / "shipmate.yaml"
        spec.write_text(spec.read_text().replace("service: bench", f"service: svc{index:02d}", 1))
        project.run("deploy", "-e", "staging")
        project.run("deploy", "-e", "production")
        projects.append(project)
    return projects


def _measure(page: Any, url: str, loads: int) -> tuple[list[float], int]:
    times, size = [], 0
    for _ in range(loads):
        page.goto(url, wait_until="load")
        took, transferred, body = page.evaluate(TIMING)
        times.append(float(took))
        size = int(body or transferred)
    return times, size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--loads", type=int, default=20)
    parser.add_argument("--services", type=int, default=4)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="shipmate-dashboard-bench-"))
    env = {"XDG_STATE_HOME": str(tmp / "xdg"), "SHIPMATE_RUNTIME_DIR": str(tmp / "run")}
    projects = _host(args.services, env)
    full_env = {**projects[0].env}
    token = projects[0].run("token", "create", "--name", "bench", "--scope", "read")["secret"]
    port = free_port()
    serve = subprocess.Popen([SHIPMATE, "serve", "--port", str(port)], env=full_env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    static_port = free_port()
    (tmp / "static").mkdir()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(static_port), "--bind", "127.0.0.1"],
                              cwd=tmp / "static", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(lambda: _answers(port, "/healthz") and _answers(static_port, "/"), 120)
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_context().new_page()
            page.goto(f"http://127.0.0.1:{port}/login")
            page.fill("#token", token)
            page.click("button[type=submit]")
            page.wait_for_selector("#overview")
            # The very bytes the server sent (not the browser's re-serialised DOM).
            (tmp / "static" / "overview.html").write_bytes(page.request.get(f"http://127.0.0.1:{port}/").body())
            _measure(page, f"http://127.0.0.1:{port}/", 3)                       # warm both up
            _measure(page, f"http://127.0.0.1:{static_port}/overview.html", 3)
            dashboard, size = _measure(page, f"http://127.0.0.1:{port}/", args.loads)
            static, static_size = _measure(page, f"http://127.0.0.1:{static_port}/overview.html", args.loads)
            browser.close()
    finally:
        serve.terminate()
        server.terminate()
        serve.wait(timeout=30)
        server.wait(timeout=30)
        for project in projects:
            for environment in ("staging", "production"):
                project.run("down", "-e", environment, check=False)
            project.close()
    med, base = statistics.median(dashboard), statistics.median(static)
    p95 = sorted(dashboard)[int(0.95 * (len(dashboard) - 1))]
    print(f"dashboard overview ({args.services} services x 2 environments, {args.loads} loads, load "
          f"{os.getloadavg()[0]:.1f}):")
    print(f"  bytes: {size} (static file of the same HTML: {static_size})")
    print(f"  time to render (navigation -> load end): median {med:.1f} ms, p95 {p95:.1f} ms")
    print(f"  static file: median {base:.1f} ms")
    print(f"  ratio dashboard / static: {med / base:.2f}x")


if __name__ == "__main__":
    main()
