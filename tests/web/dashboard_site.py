"""A host for the dashboard's browser tests: two services (hello, api) in two environments each, really
deployed by the CLI, a failed deploy among them, tokens of a person, a reader and an agent, and one
`shipmate serve` carrying the dashboard. Built once per session (tests/web/conftest.py): deploys are the slow part."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from shipmate.ops.common.agent_environment import AGENT_VARIABLES
from tests.e2e.cli_project import Project, cleanup
from tests.e2e.serve_support import Serve
from tests.waiting import APP, free_port

PRODUCTION_GATED = "environments:\n  staging: {{}}\n  production:\n    port: {port}\n    approval: required\n"
PRODUCTION_OPEN = "environments:\n  staging: {{}}\n  production:\n    port: {port}\n"


@dataclass
class Site:
    hello: Project
    api: Project
    serve: Serve
    tokens: dict[str, str] = field(default_factory=dict)     # name -> secret: ann (deploy), viewer (read), bot
    failed_deployment: str = ""
    production_port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.serve.port}"

    def spec(self, project: Project, service: str, version: str, extra: str, **kw: str) -> None:
        path = project.spec(version, extra=extra, **kw)  # type: ignore[arg-type]
        path.write_text(path.read_text().replace("service: hello", f"service: {service}", 1))


def _project(root: Path, env: dict[str, str]) -> Project:
    root.mkdir()
    shutil.copy(APP, root / "app.py")
    return Project(root, free_port(), env)


def token(project: Project, name: str, scope: str, *more: str) -> str:
    secret: str = project.json("token", "create", "--name", name, "--scope", scope, *more)["secret"]
    return secret


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    base = tmp_path_factory.mktemp("dashboard")
    env = {**os.environ, "XDG_STATE_HOME": str(base / "xdg"), "SHIPMATE_RUNTIME_DIR": str(base / "run"),
           "SHIPMATE_ACTOR": "user:dev"}
    for name in (*AGENT_VARIABLES, "SHIPMATE_HOME", "SHIPMATE_CRASHPOINT", "SHIPMATE_LEASE_SECONDS"):
        env.pop(name, None)
    hello, api = _project(base / "hello", env), _project(base / "api", env)
    site = Site(hello, api, Serve(hello))
    try:
        site.production_port = free_port()
        gated = PRODUCTION_GATED.format(port=site.production_port)
        site.spec(hello, "hello", "1.0.0", gated, monitor="1s")
        hello.json("deploy", "-e", "staging")
        asked = hello.json("promote", "--from", "staging", "--to", "production", "--no-wait", expect=6)
        hello.json("approve", asked["error"]["details"]["approval_id"])   # a person on the host
        hello.json("promote", "--from", "staging", "--to", "production")
        opened = PRODUCTION_OPEN.format(port=free_port())
        site.spec(api, "api", "3.1.0", opened, monitor="1s")
        api.json("deploy", "-e", "staging")
        api.json("deploy", "-e", "production")
        # 3.2.0 passes its health check, takes traffic, then fails every request: the monitor rolls it back.
        site.spec(api, "api", "3.2.0", opened, monitor="60s")
        code, out = api.deploy_then_break("3.2.0", {"error_rate": 1.0}, "-e", "staging")
        assert code == 1 and out["error"]["details"]["state"] == "rolled_back", out
        site.failed_deployment = out["error"]["details"]["deployment_id"]
        site.tokens = {"ann": token(hello, "ann", "deploy"), "viewer": token(hello, "viewer", "read"),
                       "bot": token(hello, "bot", "deploy", "--agent")}
        site.serve.proc = proc = hello.spawn("serve", "--port", str(site.serve.port))   # every registered home
        from tests.waiting import wait_until
        # serve reconciles every registered home before it answers: slow on a loaded machine, so a wide bound,
        # and an early end when it died instead.
        wait_until(lambda: proc.poll() is not None or site.serve.health().get("ok") is True, 90, "serve's /healthz")
        assert proc.poll() is None, proc.communicate(timeout=10)
        yield site
    finally:
        for project in (hello, api):
            for proc in project.started:
                if proc.poll() is None:
                    proc.kill()
                proc.communicate(timeout=10)
            cleanup(project, base / "run")
