"""The process target: each instance is the release's command (the app) run by a detached log pump
(own session and process group). The handle names the app by pid + create time (so a reused pid is
never ours) and its pump beside it: the app is what lives or dies, the pump only copies its output.
Every process carries the instance's environment markers, so nothing of ours is left when one dies."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import psutil

from shipmate.command_path import resolve_command
from shipmate.errors import PrerequisiteMissingError, TargetError
from shipmate.model import InstanceRef, LaunchSpec
from shipmate.release_config import ReleaseConfig
from shipmate.targets import process_family, process_group
from shipmate.targets.base import Capabilities, InstanceState, LastOutput, Target, Usage
from shipmate.targets.log_follow import FileFollower
from shipmate.targets.log_pump import EXIT_CANNOT_RUN
from shipmate.targets.log_tail import last_output, tail_logs
from shipmate.targets.process_family import HOME_MARKER, INSTANCE_MARKER, PUMP_MODULE, SERVICE_MARKER
from shipmate.targets.process_launch import app_handle, process_handle, pump_argv, wait_ready

READY_TIMEOUT = 10.0  # the pump reports "running" or dies within this, even on a loaded machine
PUMP_FINISH_S = 2.0   # after its app ended, a pump copies the last output and notes the exit within this
__all__ = ["HOME_MARKER", "INSTANCE_MARKER", "PUMP_MODULE", "SERVICE_MARKER", "ProcessTarget"]


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
        env.setdefault(SERVICE_MARKER, "")
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
        pump_proc = psutil.Process(pump.pid)  # a zombie child still has a create time
        try:
            app_pid = wait_ready(ready_read, READY_TIMEOUT)
            if app_pid is None:
                self._fail_if_not_runnable(pump, launch)
        finally:
            os.close(ready_read)
        app = None
        if app_pid is not None:
            with contextlib.suppress(psutil.Error):
                app = psutil.Process(app_pid)
        handle = process_handle(app.pid if app else 0, process_family.create_time(app), launch.log_path,
                                pump_pid=pump.pid, pump_create_time=pump_proc.create_time(), home_id=launch.home_id)
        return InstanceRef(instance_id=launch.instance_id, port=launch.port, handle=handle)

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
        """The instance's app if it is still this very process and running (zombies are dead)."""
        self._reap_spawned()
        try:
            return process_family.app_of(handle)
        except psutil.AccessDenied as exc:
            raise TargetError(f"cannot inspect pid {_pid(handle)}: access denied",
                              hint="run shipmate as the user that started the instance") from exc

    def _reap_spawned(self) -> None:
        for pid, popen in list(self._spawned.items()):
            if popen.poll() is not None:
                del self._spawned[pid]

    def inspect(self, handle: dict[str, Any]) -> InstanceState:
        app = self._process(handle)
        if app is not None:
            pump_note = "" if process_family.pump_of(handle) is not None else " (its log pump is gone)"
            return InstanceState(alive=True, state="running", pid=app.pid,
                                 detail=f"pid {app.pid} running{pump_note}")
        pid = _pid(handle) or None
        self._let_pump_finish(handle)
        ended = self._exit_status(handle)
        if ended is not None:
            return InstanceState(alive=False, state="exited", exit_status=ended, pid=pid,
                                 detail=f"pid {pid} {ended}")
        return InstanceState(alive=False, state="gone", pid=pid, detail=f"pid {pid} is not running")

    def mend(self, ref: InstanceRef) -> str | None:
        """A running app whose log pump died gets a new pump on its kept output pipe, so no line is lost."""
        if not process_family.tracks_app(ref.handle):
            return None
        app = self._process(ref.handle)
        if app is None or process_family.pump_of(ref.handle) is not None or process_family.pump_attached(app.pid):
            return None
        log_path = _log_path(ref.handle)
        if not log_path:
            return None
        try:
            pump = process_family.attach_pump(app, ref.instance_id, log_path)
        except (OSError, psutil.Error) as exc:
            raise TargetError(f"cannot re-attach a log pump to pid {app.pid}: {exc}",
                              hint=f"see {log_path}") from exc
        self._spawned[pump.pid] = pump
        return f"log pump re-attached to pid {app.pid} (pump pid {pump.pid})"

    @staticmethod
    def _let_pump_finish(handle: dict[str, Any]) -> None:
        """The app just ended: its pump is writing how (its last line), so give it a moment."""
        pump = process_family.pump_of(handle) if process_family.tracks_app(handle) else None
        if pump is not None:
            process_group.wait_gone([pump], PUMP_FINISH_S)

    def _exit_status(self, handle: dict[str, Any]) -> str | None:
        """How the app ended, from the pump's last note; None when the log does not say (e.g. SIGKILLed pump)."""
        if not _log_path(handle):
            return None
        try:
            return last_output(_log_path(handle), 0).exit_status
        except OSError:
            return None

    def stop(self, ref: InstanceRef, grace: float) -> None:
        """SIGTERM every process of the instance (app, pump, the app's children, anything with its markers),
        SIGKILL what outlives ``grace``: whichever of them died first, none is left."""
        members = process_family.family(ref.instance_id, ref.handle).members
        if not members:
            return
        for proc in members:
            with contextlib.suppress(psutil.Error):
                proc.send_signal(signal.SIGTERM)  # psutil checks the create time: a reused pid is spared
        alive = process_group.wait_gone(members, max(grace, 0.0))
        for proc in alive:
            with contextlib.suppress(psutil.Error):
                proc.kill()
        survivors = process_group.wait_gone(alive, 5.0)
        for proc in members:
            popen = self._spawned.pop(proc.pid, None)
            if popen is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    popen.wait(timeout=1.0)
        if survivors:
            pids = ", ".join(str(p.pid) for p in survivors)
            raise TargetError(f"instance {ref.instance_id} did not stop: pid {pids} survived SIGKILL",
                              hint="a process stuck in the kernel (D state); check `ps -o stat`")

    def find_strays(self, home_id: str, known: set[str]) -> list[InstanceRef]:
        groups: dict[str, list[tuple[psutil.Process, dict[str, str]]]] = {}
        for proc, env in process_family.marked(**{HOME_MARKER: home_id}):
            instance_id = env.get(INSTANCE_MARKER, "")
            if instance_id and instance_id not in known:
                groups.setdefault(instance_id, []).append((proc, env))
        strays = []
        for instance_id, found in sorted(groups.items()):
            procs = [proc for proc, _ in found]
            app, pump = process_family.pick_app(procs), process_family.pick_pump(procs)
            env = next((e for p, e in found if p is app), found[0][1])
            strays.append(self._ref_from(instance_id, app, pump, env))
        return strays

    @staticmethod
    def _ref_from(instance_id: str, app: psutil.Process | None, pump: psutil.Process | None,
                  env: dict[str, str]) -> InstanceRef:
        log_path = ""
        if pump is not None:
            with contextlib.suppress(psutil.Error):
                cmdline = pump.cmdline()
                log_path = cmdline[cmdline.index("--log") + 1] if "--log" in cmdline else ""
        port_text = env.get("PORT", "")
        handle = app_handle(app, pump, log_path, deployment_id=env.get("SHIPMATE_DEPLOYMENT_ID", ""),
                            home_id=env.get(HOME_MARKER, ""))
        return InstanceRef(instance_id=instance_id, port=int(port_text) if port_text.isdigit() else 0, handle=handle)

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
        if self._process(handle) is None:   # read after the pump's exit line, not before (serve saw the death first)
            self._let_pump_finish(handle)
        try:
            return last_output(log_path, lines)
        except OSError as exc:
            raise TargetError(f"cannot read log {log_path}: {exc.strerror or exc}",
                              hint="check the file's permissions") from exc

    def usage(self, handle: dict[str, Any]) -> Usage | None:
        """The app and its children (the pump only copies output)."""
        try:
            app = self._process(handle)
            if app is None:
                return None
            tree = [app, *app.children(recursive=True)]
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
