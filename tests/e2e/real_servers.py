"""Specs that run real third-party servers (installed from PyPI by the test setup) under shipmate."""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.cli_project import Project

APPS = Path(__file__).resolve().parent / "apps"


@dataclass(frozen=True)
class Server:
    name: str
    command: tuple[str, ...]
    health_path: str
    files: tuple[str, ...] = ()


PY = sys.executable
SERVERS = {
    "uvicorn": Server("uvicorn", (PY, "-m", "uvicorn", "asgi_app:app", "--host", "127.0.0.1", "--port", "${PORT}",
                                  "--no-access-log", "--timeout-graceful-shutdown", "5"), "/health", ("asgi_app.py",)),
    "gunicorn-threads": Server("gunicorn-threads",
                               (PY, "-m", "gunicorn", "-k", "gthread", "--threads", "4", "-w", "1",
                                "--keep-alive", "5", "-b", "127.0.0.1:${PORT}", "--graceful-timeout", "5",
                                "wsgi_app:app"), "/health", ("wsgi_app.py",)),
    "http.server": Server("http.server", (PY, "-m", "http.server", "${PORT}", "--bind", "127.0.0.1"),
                          "/health.txt"),
    "sample-app": Server("sample-app", (PY, "app.py"), "/health"),
}


def write_server_spec(project: Project, server: Server, *, strategy: str = "blue-green", monitor: str = "1s",
                      interval: str = "100ms", rollback_if: str = "{error_rate: 0.05, p95_ms: 3000}",
                      env: dict[str, str] | None = None, extra: str = "", replicas: int = 1,
                      drain: str = "5s") -> Path:
    for name in server.files:
        shutil.copy(APPS / name, project.root / name)
    (project.root / "health.txt").write_text("ok\n")
    argv = ", ".join(f'"{part}"' for part in server.command)
    env_text = ", ".join(f'{k}: "{v}"' for k, v in (env or {}).items())
    text = f"""service: {server.name.replace('.', '-')}
version: "1"
port: {project.port}
target:
  kind: process
  command: [{argv}]
  stop_grace: 5s
  env: {{{env_text}}}
health:
  interval: 100ms
  deadline: 20s
  checks:
    - http: {{path: {server.health_path}, status: 200}}
replicas: {replicas}
strategy: {strategy}
drain: {drain}
monitor:
  duration: {monitor}
  interval: {interval}
  min_samples: 3
  rollback_if: {rollback_if}
{extra}"""
    path = project.root / "shipmate.yaml"
    path.write_text(text)
    return path


def canary_block(*steps: tuple[int, str], sticky: bool = False) -> str:
    """The spec's `canary:` section: (weight, pause) per step, e.g. canary_block((25, "1s"), (50, "1s"))."""
    items = ", ".join(f"{{weight: {weight}, pause: {pause}}}" for weight, pause in steps)
    return f"canary:\n  steps: [{items}]\n  sticky: {str(sticky).lower()}\n"


def rolling_block(max_unavailable: int = 1, max_surge: int = 1) -> str:
    """The spec's `rolling:` section."""
    return f"rolling:\n  max_unavailable: {max_unavailable}\n  max_surge: {max_surge}\n"
