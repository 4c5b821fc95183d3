"""Run one hook command: no shell, own session (a timeout kills its children too), output kept short."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time

from shipmate.hooks.invocation import HookInvocation, HookOutcome, tail_of


def run_hook(inv: HookInvocation) -> HookOutcome:
    started = time.monotonic()

    def outcome(exit_code: int | None, output: bytes, problem: str | None) -> HookOutcome:
        return HookOutcome(inv.hook, inv.argv, exit_code, time.monotonic() - started, tail_of(output), problem)

    try:
        child = subprocess.Popen(list(inv.argv), cwd=inv.cwd, env=inv.env, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    except FileNotFoundError:
        return outcome(None, b"", f"command not found: {inv.argv[0]}")
    except PermissionError:
        return outcome(None, b"", f"not executable: {inv.argv[0]}")
    except OSError as exc:
        return outcome(None, b"", f"cannot run {inv.argv[0]}: {exc.strerror or exc}")
    try:
        output, _ = child.communicate(timeout=inv.timeout_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGKILL)
        child.kill()
        output = b""
        with contextlib.suppress(subprocess.TimeoutExpired):
            output, _ = child.communicate(timeout=2.0)
        return outcome(None, output or b"", f"timed out after {inv.timeout_s:g}s")
    if child.returncode != 0:
        return outcome(child.returncode, output, f"exit {child.returncode}")
    return outcome(0, output, None)


def run_all(invocations: list[HookInvocation], *, stop_on_failure: bool) -> list[HookOutcome]:
    """In order; a pre hook stops at the first failure, a post hook runs every command."""
    done: list[HookOutcome] = []
    for inv in invocations:
        done.append(run_hook(inv))
        if stop_on_failure and not done[-1].ok:
            break
    return done
