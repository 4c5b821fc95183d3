"""A throwaway stack: `api` is the sample app (examples/hello), `web` a real `python -m http.server`, each in its
own folder with its own spec (and so its own state home), driven through the installed `shipmate` CLI."""

from __future__ import annotations

import shutil
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.cli_project import Project, cleanup
from tests.waiting import APP, free_port

STACK = "shipmate.stack.yaml"


@dataclass
class StackProject:
    project: Project            # the runner of `shipmate` (its root holds the stack file)
    members: dict[str, Project]  # one per member folder: its port, its processes, its router

    def write(self, versions: dict[str, str], *, web_health: str = "/", web_deadline: str = "15s",
              stack: str | None = None) -> Path:
        api, web = self.members["api"], self.members["web"]
        api.root.mkdir(exist_ok=True)
        web.root.mkdir(exist_ok=True)
        shutil.copy(APP, api.root / "app.py")
        (web.root / "index.html").write_text(f"<p>web {versions['web']}</p>\n")
        spec = api.spec(versions["api"])
        spec.write_text(spec.read_text().replace("service: hello", "service: api"))
        (web.root / "shipmate.yaml").write_text(f"""service: web
version: "{versions['web']}"
port: {web.port}
target:
  kind: process
  command: ["{sys.executable}", "-m", "http.server", "${{PORT}}", "--bind", "127.0.0.1"]
  stop_grace: 3s
health:
  interval: 100ms
  deadline: {web_deadline}
  checks:
    - http: {{path: {web_health}, status: 200}}
strategy: blue-green
drain: 1s
monitor: {{duration: 1s, interval: 100ms, min_samples: 3, rollback_if: {{error_rate: 0.05, p95_ms: 2000}}}}
""")
        path = self.project.root / STACK
        path.write_text(stack or "stack: shop\nservices:\n  web: {spec: web/shipmate.yaml, depends_on: [api]}\n"
                                 "  api: {spec: api/shipmate.yaml}\n")
        return path

    def json(self, *args: str, expect: int | None = 0, **kw: Any) -> dict[str, Any]:
        return self.project.json(*args, "-f", STACK, expect=expect, **kw)

    def api_version(self) -> str | None:
        """What the api's public port answers now (None: nothing)."""
        try:
            return str(self.members["api"].get("/", timeout=2)["version"])
        except (OSError, ValueError):
            return None

    def web_page(self) -> str | None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.members['web'].port}/", timeout=2) as resp:
                return str(resp.read().decode())
        except OSError:
            return None

    def serving(self) -> dict[str, str | None]:
        """Each member's version as its public port proves it (web: the page it serves)."""
        page = self.web_page()
        return {"api": self.api_version(), "web": page.split("web ")[1].split("<")[0] if page else None}

    def cleanup(self) -> None:
        for member in self.members.values():
            cleanup(member, member.root.parent / "run")


@pytest.fixture
def stack(project: Project) -> Iterator[StackProject]:
    """Two members (api, web) in folders of the project; their instances and routers are stopped afterwards."""
    members = {name: Project(project.root / name, free_port(), project.env) for name in ("api", "web")}
    sp = StackProject(project, members)
    yield sp
    sp.cleanup()
