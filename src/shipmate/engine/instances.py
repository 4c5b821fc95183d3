"""Start and stop instances of a release, recording each in the store as it happens."""

from __future__ import annotations

import socket
import time
import uuid
from typing import TYPE_CHECKING

from shipmate.analysis.health_levels import LEVEL_NAMES
from shipmate.engine import crashpoints, probe_set
from shipmate.engine.context import Runtime, ref_of
from shipmate.errors import ShipmateError
from shipmate.model import LaunchSpec, Phase, ProbeResult
from shipmate.probes.mcp_level import McpListProbe
from shipmate.release_config import ReleaseConfig
from shipmate.secrets.vault import secret_path
from shipmate.spec.argv_template import ARGV_NAMES, bare_references, fill_argv
from shipmate.targets.base import LastOutput

if TYPE_CHECKING:
    from shipmate.store.rows import InstanceRow

LAST_LINES = 3
LINE_LIMIT = 200


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
        # A path, never the value: the app reads the file (env and argv are readable in /proc).
        **{f"{name}_FILE": str(secret_path(rt.home, name, version)) for name, version in config.secrets.items()},
    }
    argv = fill_argv(config.argv, {name: env[name] for name in ARGV_NAMES})  # no shell: filled in here
    # run_cwd: the release's snapshot, so every start (deploy, rollback, recovery, restart) runs its own bytes.
    return LaunchSpec(instance_id, argv, config.run_cwd, env, port,
                      rt.log_path(config.service, config.environment, instance_id), rt.home_id,
                      config.log_max_bytes, config.log_backups, dict(config.target_settings))


def start(rt: Runtime, config: ReleaseConfig, release_id: str, deployment_id: str, fencing: int) -> InstanceRow:
    launch = launch_spec(rt, config, deployment_id)
    ref = rt.target.start(launch)
    crashpoints.hit("instance:started")  # running, but not yet recorded: recovery must find it
    seen = rt.target.inspect(ref.handle)   # the pid column is for humans (status); the handle is the truth
    return rt.store.add_instance(
        instance_id=ref.instance_id, service=config.service, environment=config.environment,
        release_id=release_id, deployment_id=deployment_id, target_kind=config.target_kind,
        pid=seen.pid, port=ref.port, log_path=launch.log_path, handle=ref.handle,
        status="starting", fencing=fencing)


def stop(rt: Runtime, row: InstanceRow, grace: float, fencing: int) -> None:
    rt.target.stop(ref_of(row), grace)
    rt.store.set_instance_status(row.instance_id, "stopped", fencing=fencing)


def wait_healthy(rt: Runtime, config: ReleaseConfig, row: InstanceRow,
                 deadline_s: float | None = None) -> tuple[bool, list[ProbeResult]]:
    """Probe levels 1-4 until every check passes, the process dies, a level fails for good (an MCP server
    that answered without a required tool), or the progress deadline passes."""
    ref = ref_of(row)
    probes = probe_set.instance_probes(config, rt.target, ref, protocol=True)
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
        if any(isinstance(p, McpListProbe) and p.settled for p in probes):
            return False, results          # it speaks MCP but lacks what the spec needs: waiting cannot help
        if tick >= quiet_until:
            failing = next(r for r in results if r.phase is not Phase.PASS)
            rt.progress("waiting for health", {"detail": failing.detail})
        if tick >= limit:
            return False, results
        time.sleep(max(0.0, min(config.health.interval_s, limit - time.monotonic(),
                                config.health.interval_s - (time.monotonic() - tick))))


def failure_detail(rt: Runtime, row: InstanceRow, results: list[ProbeResult],
                   config: ReleaseConfig | None = None) -> tuple[str, str | None]:
    """(why the instance is not healthy, in the app's own last words; a hint for the usual slips, if any).

    The process probe's own detail is left out: it repeats the pump's exit line, not the cause.
    """
    config = config or _config_of(rt, row)
    out = _last_output(rt, row)
    dead = bool(results) and results[0].phase is not Phase.PASS
    if dead:
        what = f"the process {out.exit_status or 'stopped'}"
    else:
        levels = {probe.name: level for level, probe in probe_set.leveled_probes(config, rt.target, ref_of(row),
                                                                                  protocol=True)} if config else {}
        failing = "; ".join(f"{_level_label(levels.get(r.probe))}{r.probe}: {r.detail}"
                            for r in results if r.phase is not Phase.PASS)
        deadline = f"after {config.health.deadline_s:g}s (health.deadline)" if config else "in time"
        what = f"not healthy {deadline}: {failing or 'unhealthy'}"
    if out.lines:
        what += "; its last output: " + " | ".join(_one_line(line) for line in out.lines)
    hints = _hints(rt, row, config, dead)
    return what, "; ".join(hints) if hints else None


def _level_label(level: int | None) -> str:
    return f"level {level} ({LEVEL_NAMES[level]}) " if level else ""


def _hints(rt: Runtime, row: InstanceRow, config: ReleaseConfig | None, dead: bool) -> list[str]:
    hints: list[str] = []
    bare = bare_references(config.argv) if config else []
    if bare:
        name = bare[0].lstrip("$")
        hints.append(f"target.command passes {bare[0]} as it is (there is no shell): write ${{{name}}}")
    if not dead and row.port:
        try:
            ports = rt.target.listening_ports(ref_of(row))
        except ShipmateError:
            ports = []
        if ports and row.port not in ports:
            shown = ", ".join(str(p) for p in ports[:5])
            hints.append(f"the app listens on port {shown}, not on its $PORT ({row.port}): make it read the "
                         "PORT environment variable, or pass ${PORT} in target.command")
    if not dead and not hints:
        hints.append("if it is only slow to start, raise health.deadline or health.start_period")
    return hints


def _last_output(rt: Runtime, row: InstanceRow) -> LastOutput:
    try:
        return rt.target.last_output(ref_of(row).handle, LAST_LINES)
    except ShipmateError:
        return LastOutput()


def _config_of(rt: Runtime, row: InstanceRow) -> ReleaseConfig | None:
    release = rt.store.get_release(row.release_id)
    return ReleaseConfig.from_dict(release.spec) if release is not None else None


def _one_line(text: str) -> str:
    text = text.strip()
    return text if len(text) <= LINE_LIMIT else text[:LINE_LIMIT - 3] + "..."
