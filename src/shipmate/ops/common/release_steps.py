"""Running `release.steps`: each argv in the spec's folder with the release in its environment, in order,
stopping at the first failure."""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

from shipmate.ops.results.versions import StepRun

if TYPE_CHECKING:
    from pathlib import Path

    from shipmate.spec.release_spec import ReleaseStepSpec

TAIL_LINES = 20


def release_environment(version: str, previous: str, tag: str, commit: str) -> dict[str, str]:
    return {**os.environ, "SHIPMATE_VERSION": version, "SHIPMATE_PREVIOUS_VERSION": previous,
            "SHIPMATE_TAG": tag, "SHIPMATE_RELEASE_COMMIT": commit}


def run_steps(steps: tuple[ReleaseStepSpec, ...], cwd: Path, env: dict[str, str]) -> tuple[StepRun, ...]:
    """The runs up to and including the first failed one (the ones after it never start)."""
    from shipmate.bounded_run import run_bounded

    runs: list[StepRun] = []
    for step in steps:
        started = time.monotonic()
        done = run_bounded(step.run, cwd=cwd, env=env, timeout=step.timeout)
        took = int((time.monotonic() - started) * 1000)
        text = done.output.decode("utf-8", "replace")
        if done.start_error is not None:
            text = f"could not start {step.run[0]}: {done.start_error.strerror or done.start_error}"
        elif done.timed_out:
            text += f"\n(killed after {step.timeout:g}s)"
        tail = "\n".join(text.strip().splitlines()[-TAIL_LINES:])
        ok = done.returncode == 0
        runs.append(StepRun(step.name, tuple(step.run), ok, done.returncode, took, tail))
        if not ok:
            break
    return tuple(runs)
