"""The troubleshooting tree as data: each check is an id prefix and a small function of the context that returns
findings (nothing when all is well). Order is the seed's: memory first, then prerequisites, instances,
endpoints, the health levels (MCP included), the router, locks, leftovers, recent events."""

from __future__ import annotations

import shutil
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from shipmate.analysis.diagnosis import Finding
from shipmate.errors import HealthCheckFailedError, PrerequisiteMissingError, ShipmateError
from shipmate.ops.doctoring.context import DoctorContext
from shipmate.ops.doctoring.memory_seam import known_fixes
from shipmate.ops.doctoring.snapshot_checks import files_made_in_snapshot

if TYPE_CHECKING:
    from shipmate.store.store import Store

LOW_DISK_BYTES = 512 * 1024 * 1024
LOW_DISK_SHARE = 0.05
CLOCK_SKEW_S = 120.0
RECENT_S = 24 * 3600.0
FAILED_STATES = ("rolled_back", "failed")


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    run: Callable[[DoctorContext], list[Finding]]


def memory_first(ctx: DoctorContext) -> list[Finding]:
    """The last deployment here failed: what it said, and the known fixes that match it (failure memory)."""
    if ctx.store is None or ctx.service is None or ctx.environment is None:
        return []
    last = ctx.store.deployments(ctx.service, ctx.environment, limit=1)
    if not last or str(last[0].state) not in FAILED_STATES:
        return []
    dep = last[0]
    fixes = known_fixes(ctx, dep.error or "")
    first = f"; known fix: {fixes[0].get('solution') or fixes[0]}" if fixes else ""
    return [Finding("memory.last_failure", "warning",
                    f"the last deployment {dep.id} ended {dep.state}: {dep.error or 'no error recorded'}{first}",
                    f"shipmate explain {dep.id}", detail={"deployment_id": dep.id, "known_fixes": fixes})]


def spec_loads(ctx: DoctorContext) -> list[Finding]:
    problem = ctx.spec_problem
    if problem is None:
        return []
    return [Finding("prereq.spec", "error", problem.message, problem.hint or "shipmate validate",
                    exit_code=problem.exit_code)]


def target_ready(ctx: DoctorContext) -> list[Finding]:
    """The target can run the release: engine reachable, command found, image present."""
    from shipmate.engine.preflight import check_command

    config = ctx.config()
    if config is None:
        return []
    try:
        check_command(config)
    except ShipmateError as exc:
        kind = "engine" if config.target_kind in ("docker", "swarm") else "target"
        return [Finding(f"prereq.{kind}", "error", exc.message, exc.hint or "shipmate validate",
                        exit_code=exc.exit_code)]
    return []


def port_free(ctx: DoctorContext) -> list[Finding]:
    """Before the first deploy: the public port is free (or already routed to this service)."""
    from shipmate.engine.preflight import check_port

    config = ctx.config()
    if config is None or ctx.current_config() is not None:
        return []
    try:
        check_port(ctx.ws.traffic_router(), config.port, config.service, config.environment)
    except PrerequisiteMissingError as exc:
        return [Finding("prereq.port", "error", exc.message, exc.hint or "", exit_code=exc.exit_code)]
    return []


def secrets_set(ctx: DoctorContext) -> list[Finding]:
    """Every declared secret has a value for this environment, and the value passes its rule."""
    from shipmate.secrets.vault import Vault

    if ctx.loaded is None:
        return []
    vault, env = Vault(ctx.ws.home, ctx.environment), ctx.environment
    only = f" --env {env}" if ctx.loaded.spec.environments else ""
    found: list[Finding] = []
    for secret in ctx.loaded.spec.secrets:
        latest = vault.latest(secret.name)
        if latest is None:
            found.append(Finding("prereq.secret_missing", "error",
                                 f"secret {secret.name} is declared but has no value for {env}",
                                 f"shipmate secrets set {secret.name}{only} < value-file",
                                 exit_code=PrerequisiteMissingError.exit_code, detail={"secret": secret.name}))
            continue
        problem = secret.problem_with(vault.read(secret.name, latest.version))
        if problem is not None:
            found.append(Finding("prereq.secret_invalid", "error",
                                 f"secret {secret.name} (v{latest.version}, {latest.fingerprint}) {problem}",
                                 f"shipmate secrets rotate {secret.name}{only} < value-file",
                                 exit_code=2, detail={"secret": secret.name}))
    return found


def disk_space(ctx: DoctorContext) -> list[Finding]:
    where = ctx.ws.home if ctx.ws.home.exists() else ctx.ws.spec_path.parent
    usage = shutil.disk_usage(where)
    if usage.free >= LOW_DISK_BYTES and usage.free >= usage.total * LOW_DISK_SHARE:
        return []
    return [Finding("prereq.disk_low", "warning",
                    f"{usage.free // (1024 * 1024)} MiB free of {usage.total // (1024 * 1024)} MiB where {where} is",
                    "shipmate backup prune; remove old logs or images (docker image prune)")]


def clock_sane(ctx: DoctorContext) -> list[Finding]:
    """An event stamped in the future means the clock went back: locks' leases and windows misjudge time."""
    if ctx.store is None:
        return []
    newest = ctx.store.events(limit=1)
    if not newest:
        return []
    stamped = datetime.fromisoformat(newest[-1].ts.replace("Z", "+00:00")).timestamp()
    ahead = stamped - time.time()
    if ahead <= CLOCK_SKEW_S:
        return []
    return [Finding("prereq.clock", "warning", f"the newest event is {ahead:.0f} s in the future: the clock went back",
                    "timedatectl status  # then enable NTP: timedatectl set-ntp true")]


def supervised(ctx: DoctorContext) -> list[Finding]:
    """A deployed home is in the host registry, and a `shipmate serve` holds its serve lock (restarts, liveness,
    crash-loop rollback); without one, a crashed instance stays down until the next command."""
    from shipmate.ops.serving import SERVE_LOCK
    from shipmate.supervise import registry

    if ctx.store is None or ctx.current_config() is None:
        return []
    found: list[Finding] = []
    listed, _ = registry.entries()
    if not any(entry.home == ctx.ws.home.absolute() for entry in listed):
        found.append(Finding("prereq.registry", "warning",
                             f"{ctx.ws.home} is not in the host registry ({registry.registry_dir()})",
                             f"shipmate serve -f {ctx.ws.spec_path}  # or deploy again: a deploy registers it"))
    if not ctx.store.lock_owner_alive(SERVE_LOCK):
        found.append(Finding("prereq.serve", "warning",
                             "no `shipmate serve` supervises this home: a crashed instance is not restarted",
                             "shipmate serve --systemd > ~/.config/systemd/user/shipmate.service  # then enable it"))
    return found


def instances_alive(ctx: DoctorContext) -> list[Finding]:
    from shipmate.engine.context import ref_of
    from shipmate.targets.registry import target_for

    config = ctx.current_config()
    if config is None or ctx.store is None or ctx.service is None or ctx.environment is None:
        return []
    cur = ctx.store.current(ctx.service, ctx.environment)
    rows = [row for row in ctx.store.instances(ctx.service, ctx.environment, live_only=True)
            if cur is not None and row.release_id == cur.release_id]
    dead: list[str] = []
    for row in rows:
        try:
            target = target_for(row.target_kind)
            target.use_home(ctx.ws.home)
            alive = target.inspect(ref_of(row).handle).alive
        except ShipmateError:
            alive = False
        if not alive:
            dead.append(row.instance_id)
    live = len(rows) - len(dead)
    if live >= config.replicas:
        return []
    return [Finding("instances.down", "error",
                    f"{live} of {config.replicas} instance(s) of {config.version} run"
                    + (f" ({', '.join(dead)} gone)" if dead else ""),
                    f"shipmate recover -e {ctx.environment}  # or: shipmate deploy -e {ctx.environment} --force",
                    exit_code=HealthCheckFailedError.exit_code, detail={"dead": dead, "replicas": config.replicas})]


def router_running(ctx: DoctorContext) -> list[Finding]:
    if ctx.current_config() is None or ctx.ws.traffic_router().is_running():
        return []
    return [Finding("router.down", "error", "the router is not running: the public port serves nobody",
                    "shipmate doctor --fix  # restarts it with its saved routes",
                    exit_code=HealthCheckFailedError.exit_code, fixable=True)]


def public_port_answers(ctx: DoctorContext) -> list[Finding]:
    config = ctx.current_config()
    if config is None or not ctx.ws.traffic_router().is_running():
        return []
    try:
        with socket.create_connection(("127.0.0.1", config.port), timeout=1.0):
            return []
    except OSError as exc:
        return [Finding("endpoints.public_port", "error",
                        f"127.0.0.1:{config.port} does not answer ({exc.strerror or type(exc).__name__})",
                        f"shipmate status -e {config.environment}; shipmate logs -e {config.environment}",
                        exit_code=HealthCheckFailedError.exit_code)]


def levels_pass(ctx: DoctorContext) -> list[Finding]:
    """The health levels 1-4 of the running release (the smoke, level 5, may change data: not run here)."""
    from shipmate.ops.checking import check
    from shipmate.ops.common.reading import needs_care

    config = ctx.current_config()
    if config is None or ctx.store is None or needs_care(ctx.store, ctx.ws):
        return []           # `check` would reconcile first: doctor only looks (the other checks say what is wrong)
    upto = 4 if config.health.levels.get("mcp") else 3
    try:
        check(ctx.spec_file, environment=ctx.environment, level=upto)
    except HealthCheckFailedError as exc:
        level = (getattr(exc, "details", None) or {}).get("failed_level", "")
        return [Finding(f"levels.level_{level or 'unknown'}", "error", exc.message,
                        exc.hint or f"shipmate check -e {ctx.environment} --json", exit_code=exc.exit_code)]
    except ShipmateError:
        return []       # nothing to check against (the other checks say why)
    return []


def stale_locks(ctx: DoctorContext) -> list[Finding]:
    if ctx.store is None:
        return []
    found: list[Finding] = []
    for row in ctx.store.locks():
        if ctx.service is not None and row.key.split("/", 1)[0] != ctx.service:
            continue
        if row.released_at is None and row.free_because == "died":
            # not in force (the next deploy takes it over), yet never released: a killed holder's leftover
            found.append(Finding("locks.stale", "warning",
                                 f"lock {row.key} was never released: its holder pid {row.owner.get('pid')} is gone",
                                 "shipmate doctor --fix  # releases a dead holder's lock",
                                 exit_code=4, fixable=True, detail={"key": row.key}))
    return found


def interrupted_deployments(ctx: DoctorContext) -> list[Finding]:
    """A deployment whose process died mid-way: the next command (or `recover`) finishes or rolls it back."""
    if ctx.store is None:
        return []
    return [Finding("locks.interrupted_deployment", "error",
                    f"deployment {dep.id} of {dep.service}/{dep.environment} was interrupted ({dep.state}): "
                    "its process is gone", "shipmate recover  # finishes it or rolls it back",
                    exit_code=4, detail={"deployment_id": dep.id})
            for dep in ctx.store.active_deployments()
            if (ctx.service is None or dep.service == ctx.service)
            and not ctx.store.lock_owner_alive(f"{dep.service}/{dep.environment}")]


def orphans(ctx: DoctorContext) -> list[Finding]:
    """Instances of this home that no record knows (a start whose record was lost, a stop that failed)."""
    if ctx.store is None:
        return []
    rt = ctx.ws.runtime(ctx.store)
    known = {row.instance_id for row in ctx.store.instances(live_only=True)}
    active = _running_deployments(ctx.store)
    strays = [ref for ref in rt.target.find_strays(ctx.ws.home_id, known)
              if rt.target.deployment_of(ref) not in active]
    return [Finding("orphans.instance", "warning", f"instance {ref.instance_id} of this home runs with no record",
                    "shipmate doctor --fix  # stops it", fixable=True, detail={"instance_id": ref.instance_id})
            for ref in strays]


def _running_deployments(store: Store) -> set[str]:
    """Deployments whose process lives: an instance it started may be recorded any moment, so it is no orphan."""
    return {dep.id for dep in store.active_deployments() if store.lock_owner_alive(f"{dep.service}/{dep.environment}")}


def recent_failures(ctx: DoctorContext) -> list[Finding]:
    if ctx.store is None or ctx.service is None or ctx.environment is None:
        return []
    since = time.time() - RECENT_S
    failed = [dep for dep in ctx.store.deployments(ctx.service, ctx.environment, limit=50)
              if dep.started_at >= since and str(dep.state) in FAILED_STATES]
    if len(failed) < 2:
        return []       # one is the memory check's; several in a day is a pattern
    return [Finding("events.repeated_failures", "warning",
                    f"{len(failed)} deployments to {ctx.environment} failed in the last 24 h",
                    f"shipmate events -e {ctx.environment} --limit 50",
                    detail={"deployments": [dep.id for dep in failed]})]


CHECKS: tuple[Check, ...] = (
    Check("memory", "failure memory: the last failure and its known fixes", memory_first),
    Check("prereq.spec", "shipmate.yaml loads", spec_loads),
    Check("prereq.target", "the target (engine, command, image) is ready", target_ready),
    Check("prereq.port", "the public port is free or ours", port_free),
    Check("prereq.secrets", "declared secrets are set and valid", secrets_set),
    Check("prereq.disk", "disk space", disk_space),
    Check("prereq.clock", "the clock", clock_sane),
    Check("prereq.serve", "the host registry and `shipmate serve`", supervised),
    Check("instances", "the current release's instances run", instances_alive),
    Check("router", "the router runs", router_running),
    Check("endpoints", "the public port answers", public_port_answers),
    Check("levels", "health levels 1-4 (MCP included)", levels_pass),
    Check("locks", "no lock held by a dead process", stale_locks),
    Check("locks.interrupted", "no deployment left half-done", interrupted_deployments),
    Check("orphans", "no instance without a record", orphans),
    Check("snapshot", "no file written inside the release's snapshot", files_made_in_snapshot),
    Check("events", "recent failures", recent_failures),
)
