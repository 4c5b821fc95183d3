"""Swarm: deploys of a release that fails its health check are reported failed and rolled back, every time.

One single-node swarm on the shared test engine (initialised on 127.0.0.1 if it is not active; never left).
A good release (the hello app with a Docker HEALTHCHECK, 2 replicas) is deployed once; then each deploy ships a
release whose /health answers 500 (so both Docker's HEALTHCHECK and shipmate's probes fail), alternating
update.delay 0 s and 10 s (update.monitor 5 s and 10 s: never shorter than the delay, moby#37972). Each must
exit 1 with the deployment rolled back, the previous image in every running task and the router answering
with the good release. Baseline, same run: `docker service update --detach=false` of the same bad image on
a plain service with the same update settings, which exits 0 on a rollback (docker/cli#6752).

Run: eval "$(.ci/docker-engine up)" && .venv/bin/python bench/swarm_bench.py [--deploys 30] [--baseline 3]
(writes bench/SWARM_RESULTS.md; bench/run_all.py includes it in BENCHMARKS.md)
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))
from bench_project import SHIPMATE, free_port  # noqa: E402
from tests.docker_images import HELLO_PORT, ensure_python_base, write_hello_context  # noqa: E402

PREFIX = "shipmate-bench"
IMAGE_REPO = f"127.0.0.1:1/{PREFIX}/swarm-hello"   # loopback port 1: Swarm's pull before each task fails at once
SERVICE = "benchsw"                                # shipmate's Swarm service: shipmate-benchsw-default
CLI_SERVICE = f"{PREFIX}-swarm-cli"                # the baseline's plain service
REPLICAS = 2
DELAYS = ((0, 5), (10, 10))                        # (update.delay, update.monitor) in seconds
SETTLE_S = 60.0                                    # how long "previous image running" may take after the exit
# Fails within ~3 s: short enough that 30 failing deploys fit in minutes (the test image's waits 10 s first).
HEALTHCHECK = ('HEALTHCHECK --interval=1s --timeout=1s --start-period=1s --retries=2 '
               f'CMD ["/bin/wget", "-q", "-O", "/dev/null", "http://127.0.0.1:{HELLO_PORT}/health"]\n')

SPEC = """service: {service}
version: "{version}"
port: {port}
replicas: {replicas}
strategy: rolling
target:
  kind: swarm
  image: {image}
  container_port: {container_port}
  stop_signal: SIGINT
  stop_grace: 2s
  update: {{parallelism: 1, delay: {delay}s, order: start-first, monitor: {monitor}s, failure_action: rollback,
           max_failure_ratio: 0}}
  rollback: {{parallelism: 0, delay: 0s, order: stop-first, monitor: 5s}}
  placement: {{constraints: ["node.id=={node}"]}}
  converge_timeout: 3m
health:
  interval: 200ms
  deadline: 30s
  checks: [{{http: {{path: /health, status: 200}}}}]
drain: 2s
monitor: {{duration: 1s, interval: 200ms, min_samples: 3}}
"""


def ensure_swarm(client: Any) -> str:
    """The local node's id; makes this engine a single-node swarm on 127.0.0.1 if it is not in one."""
    swarm = client.info().get("Swarm") or {}
    if swarm.get("LocalNodeState") != "active":
        client.swarm.init(advertise_addr="127.0.0.1", listen_addr=f"127.0.0.1:{free_port()}")
        swarm = client.info().get("Swarm") or {}
    if not swarm.get("ControlAvailable"):
        raise RuntimeError("this engine is a swarm worker; the bench needs a manager")
    return str(swarm["NodeID"])


def build_images(client: Any, work: Path) -> dict[str, str]:
    """good: the hello app with a HEALTHCHECK; bad: the same with HELLO_FAIL_HEALTH=1 (its /health answers 500)."""
    ensure_python_base(client)
    ids = {}
    for name, extra in (("good", ""), ("bad", "ENV HELLO_FAIL_HEALTH=1\n")):
        context = write_hello_context(work / f"ctx-{name}", version=name, healthcheck=False)
        dockerfile = context / "Dockerfile"
        dockerfile.write_text(dockerfile.read_text() + HEALTHCHECK + extra)
        image, _ = client.images.build(path=str(context), tag=f"{IMAGE_REPO}:{name}", pull=False, rm=True,
                                       forcerm=True, timeout=180)
        ids[name] = str(image.id)
    return ids


@dataclass
class Outcome:
    delay_s: int
    exit_code: int
    state: str
    wall_s: float
    previous_at_exit: bool     # every running task on the good image, REPLICAS of them, as the CLI exits
    previous_within_s: float   # how long until that was true (-1: not within SETTLE_S)
    router_serves_good: bool
    spec_on_good: bool         # the service's own spec names the good image again
    reason: str = ""           # the first line of shipmate's error: who noticed the failure

    @property
    def ok(self) -> bool:
        return self.exit_code == 1 and self.state == "rolled_back" and self.previous_at_exit \
            and self.router_serves_good and self.spec_on_good


def running_images(client: Any, service: str) -> list[str]:
    """Image ids of the service's running task containers (all on this node)."""
    from docker.errors import NotFound

    try:
        tasks = client.services.get(service).tasks(filters={"desired-state": "running"})
    except NotFound:
        return []
    ids = []
    for task in tasks:
        status = task.get("Status") or {}
        cid = (status.get("ContainerStatus") or {}).get("ContainerID")
        if status.get("State") == "running" and cid:
            try:
                ids.append(str(client.containers.get(cid).image.id))
            except NotFound:
                continue
    return ids


def previous_running(client: Any, service: str, good: str) -> bool:
    images = running_images(client, service)
    return len(images) == REPLICAS and all(i == good for i in images)


def spec_on(client: Any, service: str, image_id: str) -> bool:
    """Whether the service's spec (what Swarm would start next) names ``image_id``, by tag, digest or id."""
    from docker.errors import DockerException

    try:
        ref = client.services.get(service).attrs["Spec"]["TaskTemplate"]["ContainerSpec"]["Image"]
        return bool(str(client.images.get(str(ref)).id) == image_id)
    except (DockerException, KeyError):
        return False


def settle(client: Any, service: str, good: str) -> float:
    """Seconds until the previous image runs in every task (-1 if not within SETTLE_S)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < SETTLE_S:
        if previous_running(client, service, good):
            return time.monotonic() - t0
        time.sleep(0.2)
    return -1.0


def serves(port: int, version: str) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/")
        resp = conn.getresponse()
        return resp.status == 200 and json.loads(resp.read()).get("version") == version
    except (OSError, http.client.HTTPException, ValueError):
        return False
    finally:
        conn.close()


class ShipmateSwarm:
    def __init__(self, work: Path, node: str) -> None:
        self.root = work / "shipmate"
        self.root.mkdir()
        self.port, self.node = free_port(), node
        self.env = {**os.environ, "SHIPMATE_RUNTIME_DIR": str(work / "run"), "SHIPMATE_ACTOR": "bench"}

    def deploy(self, version: str, image: str, delay_s: int, monitor_s: int) -> tuple[int, str, float, str]:
        """(exit code, deployment state, wall time, error text) of one `shipmate deploy --json`."""
        (self.root / "shipmate.yaml").write_text(SPEC.format(
            service=SERVICE, version=version, port=self.port, replicas=REPLICAS, image=image,
            container_port=HELLO_PORT, delay=delay_s, monitor=monitor_s, node=self.node))
        t0 = time.perf_counter()
        proc = subprocess.run([SHIPMATE, "deploy", "--json"], cwd=self.root, env=self.env, capture_output=True,
                              text=True, timeout=600)
        wall = time.perf_counter() - t0
        try:
            out = json.loads(proc.stdout)
        except ValueError:
            return proc.returncode, "?", wall, (proc.stdout + proc.stderr)[-500:]
        if out.get("ok"):
            return proc.returncode, str(out.get("state")), wall, ""
        error = out.get("error") or {}
        details = error.get("details") or {}
        return proc.returncode, str(details.get("state", error.get("code", "?"))), wall, str(error.get("message"))

    def close(self, client: Any) -> None:
        subprocess.run([SHIPMATE, "down"], cwd=self.root, env=self.env, capture_output=True, timeout=300)
        _remove_service(client, f"shipmate-{SERVICE}-default")
        for image in client.images.list(name=f"shipmate/{SERVICE}"):   # the target tags every release's image
            for tag in image.tags:
                if tag.startswith(f"shipmate/{SERVICE}:"):
                    client.images.remove(tag, noprune=False)


class CliBaseline:
    """`docker service update --detach=false`, as people script a Swarm deploy, on a plain service."""

    def __init__(self, client: Any, node: str, good_tag: str) -> None:
        self.client = client
        _remove_service(client, CLI_SERVICE)
        subprocess.run(["docker", "service", "create", "--detach", "--quiet", "--no-resolve-image",
                        "--name", CLI_SERVICE, "--replicas", str(REPLICAS), "--constraint", f"node.id=={node}",
                        "--stop-signal", "SIGINT", "--stop-grace-period", "2s", "--env", f"PORT={HELLO_PORT}",
                        good_tag], check=True, capture_output=True, timeout=120)

    def deploy(self, image_tag: str, delay_s: int, monitor_s: int) -> tuple[int, str, float]:
        t0 = time.perf_counter()
        proc = subprocess.run(["docker", "service", "update", "--detach=false", "--quiet", "--no-resolve-image",
                               "--image", image_tag, "--update-parallelism", "1", "--update-delay", f"{delay_s}s",
                               "--update-order", "start-first", "--update-monitor", f"{monitor_s}s",
                               "--update-failure-action", "rollback", "--update-max-failure-ratio", "0",
                               CLI_SERVICE], capture_output=True, text=True, timeout=600)
        wall = time.perf_counter() - t0
        status = (self.client.services.get(CLI_SERVICE).attrs.get("UpdateStatus") or {}).get("State", "?")
        return proc.returncode, str(status), wall


def _remove_service(client: Any, name: str) -> None:
    from docker.errors import NotFound

    try:
        client.services.get(name).remove()
    except NotFound:
        return
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and client.containers.list(
            all=True, ignore_removed=True, filters={"label": f"com.docker.swarm.service.name={name}"}):
        time.sleep(0.2)


def run(deploys: int = 30, baseline: int = 3) -> dict[str, Any]:
    import docker

    client = docker.from_env()
    node = ensure_swarm(client)
    work = Path(tempfile.mkdtemp(prefix=f"{PREFIX}-swarm-"))
    ours: list[Outcome] = []
    theirs: list[tuple[int, int, str, bool, float]] = []
    errors: list[str] = []
    images: dict[str, str] = {}
    ship = ShipmateSwarm(work, node)
    cli: CliBaseline | None = None
    try:
        for leftover in (f"shipmate-{SERVICE}-default", CLI_SERVICE):   # an interrupted earlier run's services
            _remove_service(client, leftover)
        images.update(build_images(client, work))
        code, state, _, error = ship.deploy("good", f"{IMAGE_REPO}:good", *DELAYS[0])
        if code != 0:
            raise RuntimeError(f"the good release did not deploy: exit {code}, {state}: {error}")
        for i in range(deploys):
            delay_s, monitor_s = DELAYS[i % 2]
            code, state, wall, error = ship.deploy(f"bad-{i + 1}", f"{IMAGE_REPO}:bad", delay_s, monitor_s)
            at_exit = previous_running(client, f"shipmate-{SERVICE}-default", images["good"])
            within = 0.0 if at_exit else settle(client, f"shipmate-{SERVICE}-default", images["good"])
            name = f"shipmate-{SERVICE}-default"
            outcome = Outcome(delay_s, code, state, wall, at_exit, within, serves(ship.port, "good"),
                              spec_on(client, name, images["good"]), error.splitlines()[0][:160] if error else "")
            ours.append(outcome)
            if not outcome.ok:
                errors.append(f"deploy {i + 1} (delay {delay_s} s): {outcome} {error}")
            print(f"shipmate deploy {i + 1}/{deploys}: {outcome}", file=sys.stderr, flush=True)
        if baseline:
            cli = CliBaseline(client, node, f"{IMAGE_REPO}:good")
            for i in range(2 * baseline):
                delay_s, monitor_s = DELAYS[i % 2]
                code, status, wall = cli.deploy(f"{IMAGE_REPO}:bad", delay_s, monitor_s)
                previous = settle(client, CLI_SERVICE, images["good"]) >= 0
                theirs.append((delay_s, code, status, previous, wall))
                print(f"docker service update {i + 1}/{2 * baseline}: exit {code}, {status}, {wall:.1f} s",
                      file=sys.stderr, flush=True)
    finally:
        ship.close(client)
        if cli is not None:
            _remove_service(client, CLI_SERVICE)
        for name in ("good", "bad"):
            if name in images:
                client.images.remove(f"{IMAGE_REPO}:{name}", noprune=False)
        shutil.rmtree(work, ignore_errors=True)
    return {"ours": ours, "theirs": theirs, "errors": errors, "deploys": deploys, "baseline": baseline}


def section(deploys: int = 30, baseline: int = 3) -> str:
    """Run the bench and write bench/SWARM_RESULTS.md, the BENCHMARKS.md section; returns its text."""
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    r = run(deploys, baseline)
    rows = []
    for delay_s, monitor_s in DELAYS:
        ours = [o for o in r["ours"] if o.delay_s == delay_s]
        theirs = [t for t in r["theirs"] if t[0] == delay_s]
        walls = [o.wall_s for o in ours]
        ok = sum(o.ok for o in ours)
        reported = sum(o.exit_code == 1 and o.state == "rolled_back" for o in ours)
        at_exit = sum(o.previous_at_exit for o in ours)
        serving = sum(o.router_serves_good for o in ours)
        cli_failed = sum(t[1] != 0 for t in theirs)
        cli_states = ", ".join(sorted({t[2] for t in theirs})) or "-"
        cli_walls = [t[4] for t in theirs]
        cli_wall = f", median {statistics.median(cli_walls):.1f} s" if cli_walls else ""
        wall = f"median {statistics.median(walls):.1f} s, max {max(walls):.1f} s" if walls else "-"
        rows.append(
            f"| failing release, update.delay {delay_s} s (monitor {monitor_s} s), {len(ours)} deploys | "
            f"{ok}/{len(ours)} ok: {reported} exit 1 rolled_back, {at_exit} previous image in all {REPLICAS} "
            f"tasks at exit, {serving} router on the good release; {wall} | `docker service update "
            f"--detach=false`: {cli_failed}/{len(theirs)} reported failed (exit != 0; UpdateStatus {cli_states})"
            f"{cli_wall} | {ok}/{len(ours)} | all |")
    total_ok = sum(o.ok for o in r["ours"])
    reasons: dict[str, int] = {}
    for o in r["ours"]:
        key = re.sub(r"\b[0-9a-z]{12,}\b|bad-[0-9]+|[0-9.]+ ?s\b", "…", o.reason) or "(none)"
        reasons[key] = reasons.get(key, 0) + 1
    said = "\n".join(f"- {n}x: {k}" for k, n in sorted(reasons.items(), key=lambda kv: -kv[1]))
    failures = "\n".join(f"- {e}" for e in r["errors"][:10]) or "- none"
    text = f"""## Swarm: failing releases are reported failed and rolled back

Command: `eval "$(.ci/docker-engine up)" && .venv/bin/python bench/swarm_bench.py --deploys {r["deploys"]} \\
--baseline {r["baseline"]}` (run from the repo root, {started}).
Machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.machine()}, Docker engine \\
{_engine_version()}, single-node swarm on 127.0.0.1.
A good release (the hello app with a Docker HEALTHCHECK every 1 s, {REPLICAS} replicas, strategy rolling,
update parallelism 1, order start-first, failure_action rollback) is deployed once; then {r["deploys"]} releases
whose /health answers 500, alternating update.delay 0 s and 10 s. A deploy is ok when `shipmate deploy` exits 1
with the deployment rolled back, every running task of the service runs the good image as it exits, and the
router answers with the good release. Baseline (same run, same images and update settings, a plain service):
`docker service update --detach=false --image <bad>`; Swarm rolls it back too, but the exit code says nothing.

| what | shipmate | baseline (same run) | ok | goal |
| --- | --- | --- | --- | --- |
{chr(10).join(rows)}

Total: {total_ok}/{len(r["ours"])} reported failed and rolled back with the previous image running (and named
by the service's spec again). What shipmate said (ids and times elided):
{said}
Deploys that were not ok:
{failures}
"""
    (HERE / "SWARM_RESULTS.md").write_text(text)
    return text


def _engine_version() -> str:
    out = subprocess.run(["docker", "version", "--format", "{{.Server.Version}}"], capture_output=True, text=True,
                         check=False, timeout=30)
    return out.stdout.strip() or "?"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deploys", type=int, default=30, help="failing deploys, alternating delays (default 30)")
    parser.add_argument("--baseline", type=int, default=3,
                        help="`docker service update` runs per delay for the baseline (default 3; 0: none)")
    args = parser.parse_args()
    print(section(args.deploys, args.baseline))
