"""Run one hook command: no shell, own session (a timeout kills its children too), output kept short."""

from __future__ import annotations

import time

from shipmate.bounded_run import run_bounded
from shipmate.hooks.invocation import HookInvocation, HookOutcome, tail_of


def run_hook(inv: HookInvocation) -> HookOutcome:
    started = time.monotonic()

    def outcome(exit_code: int | None, output: bytes, problem: str | None) -> HookOutcome:
        return HookOutcome(inv.hook, inv.argv, exit_code, time.monotonic() - started, tail_of(output), problem)

    done = run_bounded(inv.argv, cwd=inv.cwd, env=inv.env, timeout=inv.timeout_s)
    if isinstance(done.start_error, FileNotFoundError):
        return outcome(None, b"", f"command not found: {inv.argv[0]}")
    if isinstance(done.start_error, PermissionError):
        return outcome(None, b"", f"not executable: {inv.argv[0]}")
    if done.start_error is not None:
        return outcome(None, b"", f"cannot run {inv.argv[0]}: {done.start_error.strerror or done.start_error}")
    if done.timed_out:
        return outcome(None, done.output, f"timed out after {inv.timeout_s:g}s")
    if done.returncode != 0:
        return outcome(done.returncode, done.output, f"exit {done.returncode}")
    return outcome(0, done.output, None)


def run_all(invocations: list[HookInvocation], *, stop_on_failure: bool) -> list[HookOutcome]:
    """In order; a pre hook stops at the first failure, a post hook runs every command."""
    done: list[HookOutcome] = []
    for inv in invocations:
        done.append(run_hook(inv))
        if stop_on_failure and not done[-1].ok:
            break
    return done
