"""The process target's section of shipmate.yaml: run the service as local child processes (argv, no shell)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from shipmate.spec.argv_template import ARGV_HINT, argv_problem
from shipmate.spec.durations import DurationRange, default_duration
from shipmate.spec.env_rules import EnvVars
from shipmate.spec.field_types import IntRange, NonEmptyText
from shipmate.spec.quoting import quoted
from shipmate.spec.snapshot_spec import ReleaseFilesSpec


def _check_argv_arg(value: str) -> str:
    problem = argv_problem(value)
    if problem is not None:
        raise PydanticCustomError("argv_template", "{problem} in {got}", {"problem": problem, "got": quoted(value),
                                                                          "hint": ARGV_HINT})
    return value


# One argv element; ${PORT} and ${SHIPMATE_*} are filled in when an instance starts.
ArgvArg = Annotated[NonEmptyText, AfterValidator(_check_argv_arg)]


class ProcessTargetSpec(ReleaseFilesSpec):
    """Run the service as a local child process that listens on $PORT."""

    kind: Literal["process"] = Field(description="Target kind: process (local child processes).")
    command: Annotated[tuple[ArgvArg, ...], Field(min_length=1, max_length=256)] = Field(
        description='The argv list to start one instance, e.g. ["python3", "app.py"]; never run through a shell. '
        "${PORT} and ${SHIPMATE_SERVICE|VERSION|ENVIRONMENT|DEPLOYMENT_ID} are filled in; $$ is a literal $."
    )
    cwd: NonEmptyText = Field(".", description="Working directory, relative to the spec file.")
    env: EnvVars = Field(
        default_factory=dict, description="Extra environment variables (PORT and SHIPMATE_* are set by shipmate)."
    )
    stop_grace: Annotated[float, DurationRange("0s", "10m")] = default_duration(
        "10s", "Time between SIGTERM and SIGKILL when stopping an instance."
    )
    log_max_bytes: Annotated[int, IntRange(1024, 1073741824)] = Field(
        10485760, description="Rotate an instance's log file when it reaches this size."
    )
    log_backups: Annotated[int, IntRange(0, 100)] = Field(3, description="How many rotated log files to keep.")

    def settings(self, project: str) -> dict[str, Any]:
        """Beyond argv, cwd and env: how the release's files are kept (spec/snapshot_spec.py)."""
        return self.release_files()
