"""Docker blue-green deploys with shipmate vs `docker-compose up -d` recreating the same service, same run.

Both serve the same offline image (the hello app, a real threaded HTTP server, on the python base built by
tests/docker_images.py; two builds, versions a and b, no HEALTHCHECK), stop with SIGINT and a 3 s grace, publish
on 127.0.0.1 only, and sit under the same steady load (tests/e2e/load.py: 2 keep-alive + 2 new-connection
clients each, pausing 5 ms after each request, running through the whole run). Rounds interleave shipmate
(monitor off), compose, and shipmate with a 2 s monitor window, alternating the image each deploy, so all three
see the same machine load; a few rounds without load come first. Everything it creates is named shipmate-bench*
/ benchdk and removed at the end; the shared engine and the python base image stay.

Run: eval "$(.ci/docker-engine up)" && .venv/bin/python bench/docker_bench.py [--deploys 5] [--pause-ms 5]
(writes bench/DOCKER_RESULTS.md; bench/run_all.py includes it in BENCHMARKS.md)
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))
from bench_project import SHIPMATE, free_port  # noqa: E402
from tests.docker_images import HELLO_PORT, ensure_python_base, write_hello_context  # noqa: E402
from tests.e2e.load import Load, LoadRecord  # noqa: E402

PREFIX = "shipmate-bench"                        # everything this bench creates on the shared engine
IMAGE_REPO = f"127.0.0.1:1/{PREFIX}/hello"        # loopback port 1: a pull would fail at once
SERVICE = "benchdk"                               # shipmate names containers shipmate-benchdk-default-...
COMPOSE = "/usr/bin/docker-compose"               # Debian's docker-compose 1.29
STOP_GRACE_S = 3
MONITOR_S = 2.0
GOAL = 1.2
WARM_DEPLOYS = 4   # ops.deploy calls in one interpreter (after one that warms it up)
PAUSE_S = 0.005          # each load client pauses this long after a request: steady, not saturating 2 cores

SHIPMATE_SPEC = """service: {service}
version: "{version}"
port: {port}
strategy: blue-green
target:
  kind: docker
  image: {image}
  container_port: {container_port}
  stop_signal: SIGINT
  stop_grace: {grace}s
health:
  interval: 100ms
  deadline: 30s
  checks: [{{http: {{path: /health, status: 200}}}}]
drain: 5s
monitor: {{duration: {monitor}s, interval: 200ms, min_samples: 3}}
"""

COMPOSE_FILE = """version: "2.4"
services:
  web:
    image: {image}
    network_mode: bridge
    ports: ["127.0.0.1:{port}:{container_port}"]
    stop_signal: SIGINT
    stop_grace_period: {grace}s
"""


def build_images(client: Any, work: Path) -> dict[str, str]:
    """Two versions of the hello app without a HEALTHCHECK (compose would not wait for one), FROM the shared base."""
    ensure_python_base(client)
    tags = {}
    for version in ("a", "b"):
        context = write_hello_context(work / f"ctx-{version}", version=version, healthcheck=False)
        tag = f"{IMAGE_REPO}:{version}"
        client.images.build(path=str(context), tag=tag, pull=False, rm=True, forcerm=True, timeout=180)
        tags[version] = tag
    return tags


WARM_SCRIPT = """
import json, pathlib, time
from shipmate import ops
walls = []
for number, image in enumerate({images!r}, start={start}):
    pathlib.Path("shipmate.yaml").write_text({spec!r}.format(service={service!r}, version=number, port={port},
        image=image, container_port={container_port}, grace={grace}, monitor=0))
    t0 = time.perf_counter()
    out = ops.deploy("shipmate.yaml")
    walls.append(time.perf_counter() - t0)
    assert out.get("state") == "succeeded", out
print(json.dumps(walls))
"""


class ShipmateSide:
    def __init__(self, work: Path, env: dict[str, str]) -> None:
        self.root = work / "shipmate"
        self.root.mkdir()
        self.port = free_port()
        self.env = {**env, "SHIPMATE_RUNTIME_DIR": str(work / "run"), "SHIPMATE_ACTOR": "bench"}
        self.count = 0

    def deploy(self, image: str, monitor_s: float) -> tuple[float, dict[str, float]]:
        """Wall time of one `shipmate deploy`, and its steps' durations."""
        import json

        self.count += 1
        (self.root / "shipmate.yaml").write_text(SHIPMATE_SPEC.format(
            service=SERVICE, version=self.count, port=self.port, image=image, container_port=HELLO_PORT,
            grace=STOP_GRACE_S, monitor=monitor_s))
        t0 = time.perf_counter()
        proc = subprocess.run([SHIPMATE, "deploy", "--json"], cwd=self.root, env=self.env, capture_output=True,
                              text=True, timeout=300)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"shipmate deploy exited {proc.returncode}: {proc.stdout[-2000:]} {proc.stderr[-2000:]}")
        out = json.loads(proc.stdout)
        steps = {s["name"]: float(s["duration_s"] or 0.0) for s in out["steps"]}
        return wall, steps

    def warm_deploys(self, images: list[str]) -> list[float]:
        """Wall time of ``ops.deploy`` in one running interpreter (as the MCP server and the dashboard call it):
        the same deploy without the CLI's start-up (interpreter, imports). The first call warms up and is dropped."""
        import json

        script = WARM_SCRIPT.format(spec=SHIPMATE_SPEC, service=SERVICE, port=self.port, container_port=HELLO_PORT,
                                    grace=STOP_GRACE_S, images=images, start=self.count + 1)
        proc = subprocess.run([sys.executable, "-c", script], cwd=self.root, env=self.env, capture_output=True,
                              text=True, timeout=600)
        if proc.returncode != 0:
            raise RuntimeError(f"warm deploys failed: {proc.stdout[-2000:]} {proc.stderr[-2000:]}")
        self.count += len(images)
        walls: list[float] = json.loads(proc.stdout.strip().splitlines()[-1])
        return walls[1:]

    def cli_floor(self) -> float:
        """Wall time of `shipmate status --json`: the CLI's fixed cost (interpreter, imports, state database)."""
        t0 = time.perf_counter()
        subprocess.run([SHIPMATE, "status", "--json"], cwd=self.root, env=self.env, capture_output=True,
                       timeout=120, check=True)
        return time.perf_counter() - t0

    def close(self, client: Any) -> None:
        subprocess.run([SHIPMATE, "down"], cwd=self.root, env=self.env, capture_output=True, timeout=120)
        for container in client.containers.list(all=True, filters={"label": f"shipmate.service={SERVICE}"}):
            if container.name.startswith(f"shipmate-{SERVICE}-"):
                container.remove(force=True)
        for image in client.images.list(name=f"shipmate/{SERVICE}"):
            for tag in image.tags:
                if tag.startswith(f"shipmate/{SERVICE}:"):
                    client.images.remove(tag, noprune=True)


class ComposeSide:
    def __init__(self, work: Path, env: dict[str, str]) -> None:
        self.root = work / "compose"
        self.root.mkdir()
        self.port = free_port()
        self.env = env
        self.project = f"{PREFIX.replace('-', '')}{os.getpid()}"

    def _run(self, *args: str) -> None:
        subprocess.run([COMPOSE, "-p", self.project, *args], cwd=self.root, env=self.env, check=True,
                       capture_output=True, timeout=300)

    def deploy(self, image: str, version: str) -> tuple[float, float]:
        """Wall time of `docker-compose up -d`, and until the new version answers on the port (what a user
        scripting compose waits for before calling it done)."""
        (self.root / "docker-compose.yml").write_text(COMPOSE_FILE.format(
            image=image, port=self.port, container_port=HELLO_PORT, grace=STOP_GRACE_S))
        t0 = time.perf_counter()
        self._run("up", "-d")
        up = time.perf_counter() - t0
        wait_serving(self.port, version=version)
        return up, time.perf_counter() - t0

    def close(self) -> None:
        self._run("down", "-t", str(STOP_GRACE_S))


def wait_serving(port: int, version: str = "", timeout_s: float = 30.0) -> None:
    """Poll GET / every 20 ms on a new connection until it answers 200 (from ``version``, if given)."""
    import http.client
    import json

    deadline = time.monotonic() + timeout_s
    while True:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", "/")
            resp = conn.getresponse()
            body = resp.read()
            if resp.status == 200 and (not version or json.loads(body).get("version") == version):
                return
        except (OSError, http.client.HTTPException, ValueError):
            pass
        finally:
            conn.close()
        if time.monotonic() > deadline:
            raise RuntimeError(f"127.0.0.1:{port} does not serve {version or 'anything'} after {timeout_s:.0f} s")
        time.sleep(0.02)


def _failures(record: LoadRecord) -> str:
    kinds: dict[str, int] = {}
    for o in record.failures():
        key = f"HTTP {o.status}" if o.status else o.error.split(":", 1)[0]
        kinds[key] = kinds.get(key, 0) + 1
    said = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items(), key=lambda kv: -kv[1]))
    # a refused connection fails in microseconds and the clients retry at once: time with failures says more
    failing_s = len({int(o.at * 10) for o in record.failures()}) / 10
    return f"{said}; failures in {failing_s:.1f} s of the run" if said else "none"


def run(deploys: int = 5, pause_s: float = PAUSE_S, quiet: int = 3) -> dict[str, Any]:
    import docker

    client = docker.from_env()
    work = Path(tempfile.mkdtemp(prefix=f"{PREFIX}-"))
    env = dict(os.environ)
    times: dict[str, list[float]] = {"ours_off": [], "ours_mon": [], "up": [], "ready": [], "cli": [],
                                     "quiet_ours": [], "quiet_up": [], "warm_ours": []}
    steps_off: list[dict[str, float]] = []
    images: dict[str, str] = {}
    ship, comp = ShipmateSide(work, env), ComposeSide(work, env)
    try:
        images.update(build_images(client, work))
        ship.deploy(images["a"], 0)
        comp.deploy(images["a"], "a")
        for i in range(quiet):          # without load first: nothing to drain, the floor of both
            new = "b" if i % 2 == 0 else "a"
            times["quiet_ours"].append(ship.deploy(images[new], 0)[0])
            times["quiet_up"].append(comp.deploy(images[new], new)[0])
        running = "b" if quiet % 2 else "a"
        warm = ["a" if (i % 2 == 0) == (running == "b") else "b" for i in range(WARM_DEPLOYS + 1)]
        times["warm_ours"] = ship.warm_deploys([images[name] for name in warm])
        if warm[-1] != "a":             # back on a, so the loaded rounds alternate the same way
            ship.deploy(images["a"], 0)
        if quiet % 2:
            comp.deploy(images["a"], "a")
        with Load(ship.port, pause_s=pause_s) as ship_load, Load(comp.port, pause_s=pause_s) as comp_load:
            started = time.perf_counter()
            for i in range(deploys):
                new, back = ("b", "a") if i % 2 == 0 else ("a", "b")
                wall, steps = ship.deploy(images[new], 0)
                times["ours_off"].append(wall)
                steps_off.append(steps)
                up, ready = comp.deploy(images[new], new)
                times["up"].append(up)
                times["ready"].append(ready)
                times["ours_mon"].append(ship.deploy(images[back], MONITOR_S)[0])
                times["cli"].append(ship.cli_floor())
            elapsed = time.perf_counter() - started
            ship_rec, comp_rec = ship_load.stop(), comp_load.stop()
    finally:
        ship.close(client)
        comp.close()
        for tag in images.values():
            client.images.remove(tag, noprune=False)
        shutil.rmtree(work, ignore_errors=True)
    return {
        "deploys": deploys, "elapsed_s": elapsed, "pause_s": pause_s, **times,
        "steps": {name: statistics.median(s.get(name, 0.0) for s in steps_off) for name in steps_off[0]},
        "ship_total": ship_rec.total, "ship_failed": len(ship_rec.failures()), "ship_kinds": _failures(ship_rec),
        "comp_total": comp_rec.total, "comp_failed": len(comp_rec.failures()), "comp_kinds": _failures(comp_rec),
    }


def section(deploys: int = 5, pause_s: float = PAUSE_S) -> str:
    """Run the bench and write bench/DOCKER_RESULTS.md, the BENCHMARKS.md section; returns its text."""
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    r = run(deploys, pause_s)
    m = {k: statistics.median(r[k]) for k in ("ours_off", "ours_mon", "up", "ready", "cli", "quiet_ours",
                                              "quiet_up", "warm_ours")}
    each = {k: ", ".join(f"{x:.2f}" for x in r[k]) for k in ("ours_off", "ours_mon", "up", "ready", "quiet_ours",
                                                              "quiet_up")}
    steps_sum = sum(r["steps"].values())
    step_text = ", ".join(f"{name} {s:.2f}" for name, s in r["steps"].items() if s >= 0.005)
    n, pause_ms = r["deploys"], r["pause_s"] * 1000
    rate = "as fast as they can" if not pause_ms else f"pausing {pause_ms:g} ms after each request"
    text = f"""## Docker: blue-green vs docker-compose up -d

Command: `eval "$(.ci/docker-engine up)" && .venv/bin/python bench/docker_bench.py --deploys {n} \
--pause-ms {pause_ms:g}` (run from the repo root, {started}).
Machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.machine()}, Docker engine \
{_engine_version()}, {_compose_version()}.
Same image for both (examples/hello/app.py, a threaded HTTP server, on the offline python base of
tests/docker_images.py; versions a and b alternate every deploy; no HEALTHCHECK), stop signal SIGINT, 3 s grace,
published on 127.0.0.1 only. Both sides are under steady load for the whole run ({r["elapsed_s"]:.0f} s): 2
keep-alive and 2 new-connection clients each (tests/e2e/load.py), {rate}; the shipmate ones through its router,
the compose ones on the published port. Rounds interleave shipmate (monitor off), compose, shipmate (monitor 2 s),
so all see the same machine load. Each deploy is timed from the CLI call to its exit; shipmate's includes its
health proof (probes every 100 ms), the switch, the drain and stop of the old container and, in the second row,
the monitor window. `docker-compose up -d` returns once the new container is started, before the app listens,
and proves nothing; the "compose + ready" baseline adds polling GET / every 20 ms until the new version answers.

| what | shipmate | baseline (same run) | ratio | goal |
| --- | --- | --- | --- | --- |
| Docker blue-green deploy, monitor off (median of {n}) | {m["ours_off"]:.2f} s | {m["up"]:.2f} s \
(`docker-compose up -d` recreating the service, median of {n}) | {m["ours_off"] / m["up"]:.2f}x | <= {GOAL}x |
| the same, against compose + ready | {m["ours_off"]:.2f} s | {m["ready"]:.2f} s (`up -d`, then poll until the \
new version answers) | {m["ours_off"] / m["ready"]:.2f}x | - |
| Docker blue-green deploy, monitor 2 s (median of {n}) | {m["ours_mon"]:.2f} s | {m["up"]:.2f} s (the same \
compose runs) | {m["ours_mon"] / m["up"]:.2f}x | - |
| the same without load (median of {len(r["quiet_ours"])}, before the loaded rounds) | {m["quiet_ours"]:.2f} s \
| {m["quiet_up"]:.2f} s (`docker-compose up -d`) | {m["quiet_ours"] / m["quiet_up"]:.2f}x | - |
| the same without load, `ops.deploy` in a running process (median of {len(r["warm_ours"])}) | \
{m["warm_ours"]:.2f} s | {m["quiet_up"]:.2f} s (`docker-compose up -d`, the quiet runs) | \
{m["warm_ours"] / m["quiet_up"]:.2f}x | - |
| failed requests under steady load, {2 * n} shipmate deploys vs {n} compose recreates | {r["ship_failed"]} \
failed of {r["ship_total"]} ({r["ship_kinds"]}) | {r["comp_failed"]} failed of {r["comp_total"]} \
({r["comp_kinds"]}) | - | 0 for shipmate |

Each deploy (s): shipmate monitor off {each["ours_off"]}; shipmate monitor 2 s {each["ours_mon"]};
compose up -d {each["up"]}; compose + ready {each["ready"]}. Without load: shipmate {each["quiet_ours"]};
compose up -d {each["quiet_up"]}.
Where shipmate's time goes (monitor off, median per step, s): {step_text}; the remaining
{m["ours_off"] - steps_sum:.2f} s are outside the plan's steps (interpreter and imports, spec, state database,
engine connection, preflight, reconcile, output). For scale: `shipmate status --json` takes {m["cli"]:.2f} s under
the same load (median). What the code does there: start_instances = create + start the container (the engine
spawns a docker-proxy for the published port, as for compose) + a 0.3 s look for a command the image cannot exec
(targets/docker.py NOT_RUNNABLE_WAIT, so that is exit 7 whatever the load); stop_old = one engine call (stop
signal, wait, SIGKILL after the grace). Outside the steps, most of the time is the CLI's start-up: importing
sqlalchemy (store, ~0.19 s idle), pydantic (spec), the docker SDK and typer/rich, ~0.7 s idle and 3-4x that on
this loaded 2-core machine. The `ops.deploy` row shows the same deploy without that start-up, as the MCP server
and the dashboard run it in a process that is already up. compose's own time under load is mostly its stop of
the old container, which waits for the app to let its keep-alive clients go.
"""
    (HERE / "DOCKER_RESULTS.md").write_text(text)
    return text


def _engine_version() -> str:
    out = subprocess.run(["docker", "version", "--format", "{{.Server.Version}}"], capture_output=True, text=True,
                         check=False, timeout=30)
    return out.stdout.strip() or "?"


def _compose_version() -> str:
    out = subprocess.run([COMPOSE, "version", "--short"], capture_output=True, text=True, check=False, timeout=30)
    return f"docker-compose {out.stdout.strip() or '?'}"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deploys", type=int, default=5, help="deploys of each kind (default 5)")
    parser.add_argument("--pause-ms", type=float, default=PAUSE_S * 1000,
                        help="pause of each load client after a request (default 5; 0: as fast as they can)")
    args = parser.parse_args()
    print(section(args.deploys, args.pause_ms / 1000))
