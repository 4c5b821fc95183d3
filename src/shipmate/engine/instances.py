"""Start and stop instances of a release, recording each in the store as it happens."""

from __future__ import annotations

import socket
import time
import uuid
from typing import TYPE_CHECKING

from shipmate.engine import crashpoints, probe_set
from shipmate.engine.context import Runtime, ref_of
from shipmate.model import LaunchSpec, Phase, ProbeResult
from shipmate.release_config import ReleaseConfig
from shipmate.spec.argv_template import ARGV_NAMES, fill_argv

if TYPE_CHECKING:
    from shipmate.store.rows import InstanceRow


def free_port() -> int:
    """An ephemeral port the kernel just handed out; instances bind it right after."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def launch_spec(rt: Runtime, config: ReleaseConfig, deployment_id: str) -> LaunchSpec:
    instance_id = "ins_" + uuid.uuid4().hex[:10]
    port = free_port()
    env = {
        **config.env,
        "PORT": str(port),
        "SHIPMATE_SERVICE": config.service,
        "SHIPMATE_VERSION": config.version,
        "SHIPMATE_ENVIRONMENT": config.environment,
        "SHIPMATE_DEPLOYMENT_ID": deployment_id,
    }
    argv = fill_argv(config.argv, {name: env[name] for name in ARGV_NAMES})  # no shell: filled in here
    return LaunchSpec(instance_id, argv, config.cwd, env, port,
                      rt.log_path(config.service, config.environment, instance_id), rt.home_id,
                      config.log_max_bytes, config.log_backups)


def start(rt: Runtime, config: ReleaseConfig, release_id: str, deployment_id: str, fencing: int) -> InstanceRow:
    launch = launch_spec(rt, config, deployment_id)
    ref = rt.target.start(launch)
    crashpoints.hit("instance:started")  # running, but not yet recorded: recovery must find it
    return rt.store.add_instance(
        instance_id=ref.instance_id, service=config.service, environment=config.environment,
        release_id=release_id, deployment_id=deployment_id, target_kind=config.target_kind,
        pid=ref.pid, create_time=ref.create_time, port=ref.port, log_path=ref.log_path,
        status="starting", fencing=fencing)


def stop(rt: Runtime, row: InstanceRow, grace: float, fencing: int) -> None:
    rt.target.stop(ref_of(row), grace)
    rt.store.set_instance_status(row.instance_id, "stopped", fencing=fencing)


def wait_healthy(rt: Runtime, config: ReleaseConfig, row: InstanceRow,
                 deadline_s: float | None = None) -> tuple[bool, list[ProbeResult]]:
    """Probe until every check passes, the process dies, or the progress deadline passes."""
    ref = ref_of(row)
    probes = probe_set.instance_probes(config, rt.target, ref)
    limit = time.monotonic() + (config.health.deadline_s if deadline_s is None else deadline_s)
    quiet_until = time.monotonic() + config.health.start_period_s
    results: list[ProbeResult] = []
    while True:
        tick = time.monotonic()
        results = probe_set.run_all(probes)
        if all(r.phase is Phase.PASS for r in results):
            return True, results
        if results[0].phase is not Phase.PASS:
            return False, results          # the process is gone: no point waiting
        if tick >= quiet_until:
            failing = next(r for r in results if r.phase is not Phase.PASS)
            rt.progress("waiting for health", {"detail": failing.detail})
        if tick >= limit:
            return False, results
        time.sleep(max(0.0, min(config.health.interval_s, limit - time.monotonic(),
                                config.health.interval_s - (time.monotonic() - tick))))


def failure_detail(rt: Runtime, row: InstanceRow, results: list[ProbeResult]) -> str:
    failing = [r for r in results if r.phase is not Phase.PASS]
    detail = "; ".join(f"{r.probe}: {r.detail}" for r in failing) or "unhealthy"
    if results and results[0].phase is not Phase.PASS:
        tail = [ln for ln in rt.target.read_logs(row.log_path or "", 5) if ln.strip()]
        if tail:
            detail += f" (last log line: {tail[-1].strip()[:200]})"
    return detail
