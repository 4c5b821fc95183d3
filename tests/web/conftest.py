"""Fixtures for serve's HTTP face: a deployed project, its `shipmate serve` (a real process on a real port),
and tokens made with the real CLI."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.cli_project import Project
from tests.e2e.conftest import project
from tests.e2e.serve_support import Serve
from tests.web.client import Api
from tests.web.dashboard_site import site  # the dashboard's host, built once per session


def make_token(project: Project, name: str, scope: str, *args: str) -> str:
    created = project.json("token", "create", "--name", name, "--scope", scope, *args)
    secret: str = created["secret"]
    assert secret.startswith("smt_") and created["token"]["scope"] == scope
    return secret


@pytest.fixture
def served(project: Project) -> Iterator[tuple[Project, Serve]]:
    """A project with 1.0.0 deployed and `shipmate serve -f` on its own port (stopped afterwards)."""
    project.spec("1.0.0")
    project.json("deploy")
    serve = Serve(project).start()
    yield project, serve
    if serve.proc is not None and serve.proc.poll() is None:
        serve.kill()


@pytest.fixture
def api(served: tuple[Project, Serve]) -> Api:
    return Api(served[1].port)


__all__ = ["api", "make_token", "project", "served", "site"]
