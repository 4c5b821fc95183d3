"""The seed's workflows through MCP alone, in memory and over streamable HTTP (`shipmate mcp --http` on uvicorn):
every step is a tool or a resource; a person only shares an approval's code or is the incident. Each workflow
stays far below the seed's 20k tokens of context (guide + tool descriptions + results, chars/4)."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import Implementation

from shipmate.mcp.server import build_server
from tests.e2e.cli_project import Project
from tests.mcp.workflows import SEED_BUDGET_TOKENS, WORKFLOWS, Agent, Person, spec_text
from tests.waiting import free_port, wait_until

TOKEN = "workflow-token-0123456789abcdef"
AGENT = Implementation(name="workflow-agent", version="1")


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def _prepare(project: Project) -> None:
    (project.root / "shipmate.yaml").write_text(spec_text(project, free_port()))
    (project.root / "data").mkdir()
    (project.root / "data" / "orders.txt").write_text("order 1\n")


async def _run_all(project: Project, connect: Callable[[], AbstractAsyncContextManager[Client]]) -> dict[str, int]:
    person, tokens = Person(project), {}
    for name, workflow in WORKFLOWS:
        async with connect() as client:
            agent = Agent(client)
            await agent.start()
            await workflow(agent, person)
            tokens[name] = agent.tokens
    return tokens


@pytest.mark.anyio
async def test_every_workflow_runs_through_an_in_memory_mcp_client_within_the_token_budget(project: Project) -> None:
    _prepare(project)
    server = build_server(str(project.root / "shipmate.yaml"))

    @asynccontextmanager
    async def connect() -> AsyncIterator[Client]:
        async with Client(server, mode="legacy", cache=None, client_info=AGENT) as client:
            yield client

    tokens = await _run_all(project, connect)
    assert set(tokens) == {name for name, _ in WORKFLOWS}
    assert all(0 < used <= SEED_BUDGET_TOKENS // 2 for used in tokens.values()), tokens


@pytest.mark.anyio
async def test_every_workflow_runs_over_streamable_http_with_the_bearer_token(project: Project) -> None:
    _prepare(project)
    port = free_port()
    proc = project.spawn("mcp", "--http", "--port", str(port), env={"SHIPMATE_MCP_TOKEN": TOKEN})
    wait_until(lambda: _listening(port) or proc.poll() is not None, 30, "shipmate mcp --http to listen")
    assert proc.poll() is None, proc.communicate()

    @asynccontextmanager
    async def connect() -> AsyncIterator[Client]:
        async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120) as http, Client(
                streamable_http_client(f"http://127.0.0.1:{port}/mcp", http_client=http), mode="legacy",
                cache=None, client_info=AGENT) as client:
            yield client

    try:
        tokens = await _run_all(project, connect)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    assert all(0 < used <= SEED_BUDGET_TOKENS // 2 for used in tokens.values()), tokens
