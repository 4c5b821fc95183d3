"""Tokens an agent reads per seed workflow through MCP alone (guide + tool descriptions + every result's text,
chars/4), against the seed's 20k-token context budget. Runs tests/mcp/workflows.py with a real in-memory MCP
client on a real project (processes, router, store), the same steps the tests assert.

Run: .venv/bin/python bench/mcp_workflow_tokens.py
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))


def main() -> None:
    import anyio
    from mcp import Client
    from mcp_types import Implementation
    from tests.e2e.cli_project import Project, cleanup
    from tests.mcp.workflows import SEED_BUDGET_TOKENS, WORKFLOWS, Agent, Person, spec_text
    from tests.waiting import APP, free_port

    from shipmate.mcp.server import build_server

    with tempfile.TemporaryDirectory() as tmp:
        root, runtime = Path(tmp) / "proj", Path(tmp) / "run"
        root.mkdir()
        shutil.copy(APP, root / "app.py")
        (root / "data").mkdir()
        (root / "data" / "orders.txt").write_text("order 1\n")
        for name in ("SHIPMATE_HOME", "SHIPMATE_ACTOR", "SHIPMATE_MCP_TOKEN"):
            os.environ.pop(name, None)
        os.environ["SHIPMATE_RUNTIME_DIR"] = str(runtime)
        project = Project(root, free_port(), dict(os.environ))
        (root / "shipmate.yaml").write_text(spec_text(project, free_port()))
        server = build_server(str(root / "shipmate.yaml"))
        rows: list[tuple[str, int, int]] = []

        async def run() -> None:
            for title, workflow in WORKFLOWS:
                async with Client(server, mode="legacy", cache=None,
                                  client_info=Implementation(name="bench-agent", version="1")) as client:
                    agent = Agent(client)
                    await agent.start()
                    await workflow(agent, Person(project))
                    rows.append((title, len(agent.calls), agent.tokens))

        try:
            anyio.run(run)
        finally:
            cleanup(project, runtime)
    print("| Workflow | Tool calls | Tokens read | vs the seed's 20k |")
    print("|---|---|---|---|")
    for title, calls, tokens in rows:
        print(f"| {title} | {calls} | {tokens} | {tokens / SEED_BUDGET_TOKENS:.2f}x |")


if __name__ == "__main__":
    main()
