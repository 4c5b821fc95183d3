"""The process target: each instance is a detached log pump (own session and process group)
running the release's command, tracked by pid + create time so a reused pid is never ours."""

from __future__ import annotations

import contextlib
import os
import select
import subprocess
import sys
from pathlib import Path
from typing import Any

import psutil

from shipmate.command_path import resolve_command
from shipmate.errors import PrerequisiteMissingError, TargetError
from shipmate.model import InstanceRef, LaunchSpec
from shipmate.release_config import ReleaseConfig
from shipmate.targets import process_group
from shipmate.targets.base import Capabilities, InstanceState, LastOutput, Target, Usage
from shipmate.targets.log_follow import FileFollower
from shipmate.targets.log_pump import EXIT_CANNOT_RUN
from shipmate.targets.log_tail import last_output, tail_logs

PUMP_MODULE = "shipmate.targets.log_pump"
READY_TIMEOUT = 10.0  # the pump reports "running" or dies within this, even on a loaded machine
HOME_MARKER = "SHIPMATE_HOME_ID"
INSTANCE_MARKER = "SHIPMATE_INSTANCE_ID"


def pump_argv(launch: LaunchSpec, ready_fd: int) -> list[str]:
    # -I: the release directory (cwd) and its PYTHON* env must not shadow the pump's own imports.
    return [sys.executable, "-I", "-m", PUMP_MODULE, "--log", launch.log_path,
            "--max-bytes", str(launch.log_max_bytes), "--backups", str(launch.log_backups),
            "--ready-fd", str(ready_fd), "--", *launch.argv]


def wait_ready(ready_read: int, timeout: float) -> bool:
    """True once the pump says its command runs; False on EOF (it died first) or timeout."""
    readable, _, _ = select.select([ready_read], [], [], timeout)
    return bool(readable) and os.read(ready_read, 64).startswith(b"running")


def process_handle(pid: int, create_time: float, log_path: str, **extra: Any) -> dict[str, Any]:
    """The handle the store keeps for a process instance (JSON-ready)."""
    return {"pid": pid, "create_time": create_time, "log_path": log_path, **extra}


def _pid(handle: dict[str, Any]) -> int:
    return int(handle.get("pid") or 0)


def _log_path(handle: dict[str, Any]) -> str:
    return str(handle.get("log_path") or "")


class ProcessTarget(Target):
    """Starts, inspects and stops local processes; never decides anything."""

    kind = "process"
    capabilities = Capabilities(routable=True, replicas=True, max_replicas=32, logs=True, process_stats=True,
                                file_artifact=True)

    def __init__(self) -> None:
        # Pumps we spawned, kept so they can be reaped (and do not warn as leaked) once they exit.
        self._spawned: dict[int, subprocess.Popen[bytes]] = {}

    def preflight(self, config: ReleaseConfig) -> None:
        """The command and its folder must exist before any instance, row or file is made."""
        if not Path(config.cwd).is_dir():
            raise PrerequisiteMissingError(f"target.cwd: no such directory: {config.cwd}",
                                           hint="fix target.cwd in shipmate.yaml (relative to the spec file)")
        if not config.argv:
            raise PrerequisiteMissingError("target.command: no command to run",
                                           hint="set target.command in shipmate.yaml")
        path_env = config.env.get("PATH", os.environ.get("PATH", os.defpath))
        try:
            resolve_command(config.argv[0], config.cwd, path_env)
        except PrerequisiteMissingError as exc:
            raise PrerequisiteMissingError(f"target.command: {exc.message}", hint=exc.hint) from exc

    def start(self, launch: LaunchSpec) -> InstanceRef:
        if not os.path.isdir(launch.cwd):
            raise PrerequisiteMissingError(f"working directory not found: {launch.cwd}",
                                           hint="check target.cwd in shipmate.yaml; was the folder removed?")
        if not launch.argv:
            raise PrerequisiteMissingError("no command to run", hint="set target.command in shipmate.yaml")
        env = {**os.environ, **launch.env, HOME_MARKER: launch.home_id, INSTANCE_MARKER: launch.instance_id}
        resolve_command(launch.argv[0], launch.cwd, env.get("PATH", os.defpath))
        ready_read, ready_write = os.pipe()
        try:
            os.makedirs(os.path.dirname(os.path.abspath(launch.log_path)), exist_ok=True)
            pump = subprocess.Popen(pump_argv(launch, ready_write), cwd=launch.cwd, env=env,
                                    start_new_session=True, pass_fds=(ready_write,),
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
        except OSError as exc:
            os.close(ready_read)
            raise TargetError(f"cannot start instance {launch.instance_id}: {exc.strerror or exc}",
                              hint=f"check permissions on {launch.cwd} and {launch.log_path}") from exc
        finally:
            os.close(ready_write)
        self._spawned[pump.pid] = pump
        create_time = psutil.Process(pump.pid).create_time()  # a zombie child still has one
        try:
            if not wait_ready(ready_read, READY_TIMEOUT):
                self._fail_if_not_runnable(pump, launch)
        finally:
            os.close(ready_read)
        return InstanceRef(instance_id=launch.instance_id, port=launch.port,
                           handle=process_handle(pump.pid, create_time, launch.log_path))

    def _fail_if_not_runnable(self, pump: subprocess.Popen[bytes], launch: LaunchSpec) -> None:
        """The pump closed its ready pipe without a word: find out whether it could not run the command."""
        try:
            code = pump.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            return  # still running though silent: liveness and health are for later checks
        self._spawned.pop(pump.pid, None)
        if code == EXIT_CANNOT_RUN:
            lines = tail_logs(launch.log_path, 2)
            reason = lines[0].split(" ", 1)[-1].removeprefix("[shipmate] ") if lines else ""
            raise PrerequisiteMissingError(reason or f"cannot run {launch.argv[0]} (exit 127)",
                                           hint=f"check the command and see {launch.log_path}")
        # Any other exit: it ran and stopped; the probes will report that, not start().

    def _process(self, handle: dict[str, Any]) -> psutil.Process | None:
        """The instance's pump if it is still this very process and running (zombies are dead)."""
        pid = _pid(handle)
        if pid <= 0:
            return None
        popen = self._spawned.get(pid)
        if popen is not None and popen.poll() is not None:
            del self._spawned[pid]
        try:
            proc = psutil.Process(pid)
            if not process_group.same_create_time(proc.create_time(), float(handle.get("create_time") or 0.0)):
                return None
            if proc.status() == psutil.STATUS_ZOMBIE:
                process_group.reap(pid)
                return None
            return proc
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            return None
        except psutil.AccessDenied as exc:
            raise TargetError(f"cannot inspect pid {pid}: access denied",
                              hint="run shipmate as the user that started the instance") from exc

    def inspect(self, handle: dict[str, Any]) -> InstanceState:
        pid = _pid(handle) or None
        if self._process(handle) is not None:
            return InstanceState(alive=True, state="running", pid=pid, detail=f"pid {pid} running")
        ended = self._exit_status(handle)
        if ended is not None:
            return InstanceState(alive=False, state="exited", exit_status=ended, pid=pid,
                                 detail=f"pid {pid} {ended}")
        return InstanceState(alive=False, state="gone", pid=pid, detail=f"pid {pid} is not running")

    def _exit_status(self, handle: dict[str, Any]) -> str | None:
        """How the app ended, from the pump's last note; None when the log does not say (e.g. SIGKILLed pump)."""
        if not _log_path(handle):
            return None
        try:
            return last_output(_log_path(handle), 0).exit_status
        except OSError:
            return None

    def stop(self, ref: InstanceRef, grace: float) -> None:
        proc = self._process(ref.handle)
        if proc is None:
            return
        survivors = process_group.terminate_group(proc, grace)
        popen = self._spawned.pop(proc.pid, None)
        if popen is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                popen.wait(timeout=1.0)
        if survivors:
            pids = ", ".join(str(p.pid) for p in survivors)
            raise TargetError(f"instance {ref.instance_id} did not stop: pid {pids} survived SIGKILL",
                              hint="a process stuck in the kernel (D state); check `ps -o stat`")

    def find_strays(self, home_id: str, known: set[str]) -> list[InstanceRef]:
        strays: list[InstanceRef] = []
        for proc in psutil.process_iter():
            try:
                if proc.pid != os.getpgid(proc.pid):
                    continue  # pumps lead their own group; the app under them does not
                cmdline = proc.cmdline()
                if PUMP_MODULE not in cmdline or proc.status() == psutil.STATUS_ZOMBIE:
                    continue
                env = proc.environ()
                if env.get(HOME_MARKER) != home_id or env.get(INSTANCE_MARKER, "") in known:
                    continue
                strays.append(self._ref_from(proc, cmdline, env))
            except (psutil.Error, ProcessLookupError, PermissionError):
                continue
        return strays

    @staticmethod
    def _ref_from(proc: psutil.Process, cmdline: list[str], env: dict[str, str]) -> InstanceRef:
        log_path = cmdline[cmdline.index("--log") + 1] if "--log" in cmdline else ""
        port_text = env.get("PORT", "")
        handle = process_handle(proc.pid, proc.create_time(), log_path,
                                deployment_id=env.get("SHIPMATE_DEPLOYMENT_ID", ""))
        return InstanceRef(instance_id=env.get(INSTANCE_MARKER, ""),
                           port=int(port_text) if port_text.isdigit() else 0, handle=handle)

    def read_logs(self, handle: dict[str, Any], tail: int) -> list[str]:
        log_path = _log_path(handle)
        if not log_path:
            return []
        try:
            return tail_logs(log_path, tail)
        except OSError as exc:
            raise TargetError(f"cannot read log {log_path}: {exc.strerror or exc}",
                              hint="check the file's permissions") from exc

    def follow_logs(self, handle: dict[str, Any], *, tail: int = 0, from_start: bool = False) -> FileFollower:
        return FileFollower(_log_path(handle), tail=tail, from_start=from_start)

    def last_output(self, handle: dict[str, Any], lines: int) -> LastOutput:
        log_path = _log_path(handle)
        if not log_path:
            return LastOutput()
        try:
            return last_output(log_path, lines)
        except OSError as exc:
            raise TargetError(f"cannot read log {log_path}: {exc.strerror or exc}",
                              hint="check the file's permissions") from exc

    def usage(self, handle: dict[str, Any]) -> Usage | None:
        """The app's processes under the pump (the pump itself only copies output)."""
        try:
            leader = self._process(handle)
            if leader is None:
                return None
            tree = leader.children(recursive=True)
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            return None
        except psutil.Error as exc:
            raise TargetError(f"cannot look at pid {_pid(handle)}: {exc}",
                              hint="run shipmate as the user that started the instance") from exc
        cpu: dict[str, float] = {}
        rss = 0.0
        for proc in tree:
            try:
                with proc.oneshot():
                    times = proc.cpu_times()
                    rss += proc.memory_info().rss
            except psutil.Error:
                continue  # it ended between the listing and the look
            cpu[str(proc.pid)] = times.user + times.system
        return Usage(cpu_s_by_process=cpu, rss_bytes=rss)

    def listening_ports(self, ref: InstanceRef) -> list[int]:
        proc = self._process(ref.handle)
        if proc is None:
            return []
        ports: set[int] = set()
        try:
            family = [proc, *proc.children(recursive=True)]
        except psutil.Error:
            return []
        for member in family:
            try:
                for conn in member.net_connections(kind="inet"):
                    if conn.status == psutil.CONN_LISTEN and conn.laddr:
                        ports.add(int(conn.laddr.port))
            except psutil.Error:
                continue  # gone or not ours to inspect: the others still tell
        return sorted(ports)
