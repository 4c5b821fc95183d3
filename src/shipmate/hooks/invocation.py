"""One hook run as plain data: its argv, folder, environment and time limit, built without I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from shipmate.secrets.redact import redact

TAIL_LINES = 10


@dataclass(frozen=True)
class HookContext:
    """What a hook is told about the deployment, as SHIPMATE_* variables."""

    service: str
    version: str
    environment: str
    performer: str
    deployment_id: str = ""       # empty for pre hooks: no deployment row exists yet
    runtime_s: float = 0.0        # how long the deployment ran (0 for pre hooks)

    def variables(self) -> dict[str, str]:
        return {"SHIPMATE_SERVICE": self.service, "SHIPMATE_VERSION": self.version,
                "SHIPMATE_ENVIRONMENT": self.environment, "SHIPMATE_DEPLOYMENT_ID": self.deployment_id,
                "SHIPMATE_PERFORMER": self.performer, "SHIPMATE_RUNTIME_S": f"{self.runtime_s:.3f}"}


@dataclass(frozen=True)
class HookInvocation:
    hook: str                     # pre_deploy, post_deploy, ...
    argv: tuple[str, ...]
    cwd: Path
    env: dict[str, str]
    timeout_s: float


@dataclass(frozen=True)
class HookOutcome:
    hook: str
    argv: tuple[str, ...]
    exit_code: int | None         # None: it never started or was killed on timeout
    duration_s: float
    tail: tuple[str, ...] = ()    # its last output lines, secrets masked
    problem: str | None = None    # "exit 3", "timed out after 2s", "command not found: ./x"

    @property
    def ok(self) -> bool:
        return self.problem is None

    def as_dict(self) -> dict[str, object]:
        return {"hook": self.hook, "argv": list(self.argv), "exit_code": self.exit_code,
                "duration_s": round(self.duration_s, 3), "ok": self.ok, "problem": self.problem,
                "tail": list(self.tail)}


def hook_env(base: Mapping[str, str], context: HookContext, secret_names: tuple[str, ...] = ()) -> dict[str, str]:
    """The caller's environment without secrets (declared names, their _FILE paths, known values), plus SHIPMATE_*."""
    dropped = set(secret_names) | {f"{name}_FILE" for name in secret_names}
    env = {key: value for key, value in base.items() if key not in dropped and redact(value) == value}
    return {**env, **context.variables()}


def invocations(hook: str, commands: tuple[tuple[tuple[str, ...], float], ...], cwd: Path,
                env: dict[str, str]) -> list[HookInvocation]:
    """``commands``: (argv, timeout seconds) pairs as the spec gives them."""
    return [HookInvocation(hook, argv, cwd, env, timeout) for argv, timeout in commands]


def tail_of(output: bytes, lines: int = TAIL_LINES) -> tuple[str, ...]:
    text = redact(output.decode("utf-8", errors="replace"))
    return tuple(line.rstrip()[:300] for line in text.strip().splitlines()[-lines:])
