"""schemathesis against serve's own /openapi.json, with a deployed service behind it: no server error on any
operation, and every response matches the schema the route publishes (the ops result types)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from tests.e2e.cli_project import Project
from tests.e2e.serve_support import Serve
from tests.web.conftest import make_token

_state: dict[str, str] = {}
# What the issue asks: no 5xx, every response (status, content type, body) as the schema says. Not
# positive_data_acceptance: a schema-valid but forged cursor, or an unknown environment, is rightly a 400.
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance]


@pytest.fixture(scope="module")
def live_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[schemathesis.Schema]:
    """One deployed project and its serve for the whole module (the schema is loaded from it)."""
    import os
    import shutil

    from shipmate.ops.common.agent_environment import AGENT_VARIABLES
    from tests.e2e.cli_project import cleanup
    from tests.waiting import APP, free_port

    root = tmp_path_factory.mktemp("openapi") / "proj"
    root.mkdir()
    shutil.copy(APP, root / "app.py")
    env = {**os.environ, "SHIPMATE_RUNTIME_DIR": str(root.parent / "run"), "SHIPMATE_ACTOR": "test:e2e",
           "XDG_STATE_HOME": str(root.parent / "xdg")}
    for name in AGENT_VARIABLES:
        env.pop(name, None)
    project = Project(root, free_port(), env)
    project.spec("1.0.0")
    project.json("deploy")
    serve = Serve(project).start()
    # A read token: every read answers with real data; every action is refused before it acts (403), so the
    # generated calls cannot take the service down while the schema's every response is still checked.
    _state["token"] = make_token(project, "schemathesis", "read")
    try:
        yield schemathesis.openapi.from_url(f"http://127.0.0.1:{serve.port}/openapi.json")
    finally:
        serve.kill()
        for proc in project.started:
            if proc.poll() is None:
                proc.kill()
        cleanup(project, root.parent / "run")


def test_no_server_error_and_every_response_matches_its_schema(live_api: schemathesis.Schema) -> None:
    """Each operation gets a bounded number of generated cases (the whole run stays well under a minute)."""
    headers = {"Authorization": f"Bearer {_state['token']}"}
    seen = []
    for result in live_api.get_all_operations():
        operation = result.ok()
        seen.append(operation.label)

        @given(case=operation.as_strategy())
        @settings(max_examples=6, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)
        check()
    assert len(seen) >= 25, seen
