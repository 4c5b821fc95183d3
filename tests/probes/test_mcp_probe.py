"""The MCP probe against real servers: the SDK test server over stdio, streamable HTTP and SSE, mcp-server-time
from PyPI over stdio, and servers that misbehave (each bounded, each one clear error)."""

from __future__ import annotations

import time

import pytest
from tests import mcp_servers
from tests.mcp_servers import REPO, RunningServer, stdio_argv

from shipmate.errors import InvalidInputError
from shipmate.probes.mcp import McpProbeError, McpServerUnreachableError, McpTarget, parse_target, schema_hash
from shipmate.probes.mcp_calls import call_tool, list_tools, measure

TEST_TOOLS = ("add", "echo", "slow")
http_server, sse_server = mcp_servers.http_server, mcp_servers.sse_server
time_server_argv, bridged_time_server = mcp_servers.time_server_argv, mcp_servers.bridged_time_server
hanging_server, malformed_server = mcp_servers.hanging_server, mcp_servers.malformed_server
plain_http_server, supergateway_time_server = mcp_servers.plain_http_server, mcp_servers.supergateway_time_server


def stdio_target(kind: str = "stdio") -> McpTarget:
    return McpTarget(kind="stdio", argv=tuple(stdio_argv(kind)), cwd=str(REPO))


def test_parse_target_tells_streamable_http_sse_and_stdio_apart() -> None:
    assert parse_target("http://127.0.0.1:8000/mcp") == McpTarget(kind="http", url="http://127.0.0.1:8000/mcp")
    assert parse_target("http://127.0.0.1:8000/sse").kind == "sse"
    target = parse_target("stdio:mcp-server-time --local-timezone 'Europe/Paris'")
    assert target.kind == "stdio"
    assert target.argv == ("mcp-server-time", "--local-timezone", "Europe/Paris")
    assert parse_target(["python3", "-m", "x"]).argv == ("python3", "-m", "x")


@pytest.mark.parametrize("text", ["", "stdio:", "ftp://host/mcp", "127.0.0.1:8000/mcp", "http://:80/mcp",
                                  "stdio:'unclosed", "http://127.0.0.1:99999/mcp"])
def test_parse_target_refuses_what_is_not_a_target(text: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_target(text)
    assert caught.value.exit_code == 2
    assert caught.value.hint


def test_schema_hash_ignores_listing_order_but_sees_a_changed_schema() -> None:
    a = {"name": "a", "input_schema": {"type": "object", "properties": {"x": {"type": "integer"}}}}
    b = {"name": "b", "input_schema": {"type": "object"}}
    changed = {"name": "a", "input_schema": {"type": "object", "properties": {"x": {"type": "string"}}}}
    assert schema_hash([a, b]) == schema_hash([b, a])
    assert schema_hash([a, b]) != schema_hash([changed, b])
    assert schema_hash([a, b]) != schema_hash([a])


def test_list_tools_over_streamable_http_sees_every_tool(http_server: RunningServer) -> None:
    listing = list_tools(parse_target(http_server.url("/mcp")), timeout_s=10)
    assert listing.names == TEST_TOOLS
    assert listing.server_name == "shipmate-test-server"
    assert listing.schema_hash.startswith("sha256:")
    assert listing.connect_ms > 0 and listing.list_ms > 0


def test_the_same_server_over_sse_and_stdio_has_the_same_schema_hash(http_server: RunningServer,
                                                                      sse_server: RunningServer) -> None:
    over_http = list_tools(parse_target(http_server.url("/mcp")), timeout_s=10)
    over_sse = list_tools(parse_target(sse_server.url("/sse")), timeout_s=10)
    over_stdio = list_tools(stdio_target(), timeout_s=30)
    assert over_sse.names == over_stdio.names == TEST_TOOLS
    assert over_http.schema_hash == over_sse.schema_hash == over_stdio.schema_hash


def test_measure_reaches_the_server_on_every_call(http_server: RunningServer) -> None:
    latency = measure(parse_target(http_server.url("/mcp")), calls=30, timeout_s=10)
    assert latency.operation == "tools/list" and latency.errors == 0
    assert len(latency.samples_ms) == 30
    # cache=None: a cached listing would come back in microseconds, a real round trip takes a few 100 µs at least
    assert min(latency.samples_ms) > 0.2


def test_call_tool_returns_the_result_and_an_is_error_as_data(http_server: RunningServer) -> None:
    target = parse_target(http_server.url("/mcp"))
    added = call_tool(target, "add", {"a": 2, "b": 3}, timeout_s=10)
    assert not added.is_error and added.structured == {"result": 5}
    wrong = call_tool(target, "add", {"a": "x"}, timeout_s=10)
    assert wrong.is_error and wrong.text


def test_the_probe_also_works_when_called_from_inside_an_event_loop(http_server: RunningServer) -> None:
    import anyio

    async def caller() -> tuple[str, ...]:   # e.g. a sync MCP tool handler of shipmate's own face
        return list_tools(parse_target(http_server.url("/mcp")), timeout_s=10).names

    assert anyio.run(caller) == TEST_TOOLS


def test_a_slow_tool_call_counts_as_an_error_bounded_by_the_timeout(http_server: RunningServer) -> None:
    started = time.monotonic()
    latency = measure(parse_target(http_server.url("/mcp")), calls=2, tool="slow", arguments={"seconds": 5},
                      timeout_s=0.5)
    assert latency.errors == 2 and "no answer within 0.5s" in latency.first_error
    assert time.monotonic() - started < 10


def test_an_unknown_tool_is_refused_with_the_tools_it_has(http_server: RunningServer) -> None:
    with pytest.raises(McpProbeError) as caught:
        measure(parse_target(http_server.url("/mcp")), calls=1, tool="nope", timeout_s=10)
    assert "nope" in caught.value.message and "add" in (caught.value.hint or "")


def test_third_party_time_server_over_stdio(time_server_argv: list[str]) -> None:
    target = parse_target(time_server_argv)
    listing = list_tools(target, timeout_s=30)
    assert {"get_current_time", "convert_time"} <= set(listing.names)
    now = call_tool(target, "get_current_time", {"timezone": "UTC"}, timeout_s=30)
    assert not now.is_error and "UTC" in now.text


@pytest.mark.parametrize("path", ["/mcp", "/sse"])
def test_third_party_server_through_a_stdio_to_http_bridge(time_server_argv: list[str], bridged_time_server: str,
                                                           path: str) -> None:
    direct = list_tools(parse_target(time_server_argv), timeout_s=30)
    latency = measure(parse_target(bridged_time_server + path), calls=10, timeout_s=10)
    assert latency.errors == 0 and len(latency.samples_ms) == 10
    assert latency.listing.schema_hash == direct.schema_hash   # the bridge hides nothing and adds nothing
    answer = measure(parse_target(bridged_time_server + path), calls=2, tool="get_current_time",
                     arguments={"timezone": "UTC"}, timeout_s=10)
    assert answer.errors == 0


def test_third_party_server_through_supergateway_sse(time_server_argv: list[str],
                                                     supergateway_time_server: str) -> None:
    direct = list_tools(parse_target(time_server_argv), timeout_s=30)
    latency = measure(parse_target(supergateway_time_server + "/sse"), calls=10, timeout_s=10)
    assert latency.errors == 0 and latency.listing.schema_hash == direct.schema_hash


# ------------------------------------------------------------------------------------------------ bad input

def test_an_unreachable_url_is_a_missing_prerequisite() -> None:
    from tests.waiting import free_port

    started = time.monotonic()
    with pytest.raises(McpServerUnreachableError) as caught:
        list_tools(parse_target(f"http://127.0.0.1:{free_port()}/mcp"), timeout_s=5)
    assert caught.value.exit_code == 7 and "nothing answers" in caught.value.message
    assert time.monotonic() - started < 5


def test_a_stdio_command_not_found_is_a_missing_prerequisite() -> None:
    with pytest.raises(McpServerUnreachableError) as caught:
        list_tools(parse_target("stdio:shipmate-no-such-mcp-server --flag"), timeout_s=5)
    assert caught.value.exit_code == 7 and "shipmate-no-such-mcp-server" in caught.value.message


@pytest.mark.parametrize("path", ["/mcp", "/sse"])
def test_a_server_that_hangs_in_initialize_ends_with_a_timeout(hanging_server: RunningServer, path: str) -> None:
    started = time.monotonic()
    with pytest.raises(McpProbeError) as caught:
        list_tools(parse_target(hanging_server.url(path)), timeout_s=1)
    assert caught.value.exit_code == 3
    assert "no answer to" in caught.value.message and "within 1s" in caught.value.message
    assert time.monotonic() - started < 6


def test_a_stdio_server_that_hangs_in_initialize_ends_with_a_timeout() -> None:
    started = time.monotonic()
    with pytest.raises(McpProbeError) as caught:
        list_tools(McpTarget(kind="stdio", argv=("sleep", "600")), timeout_s=1)
    assert "initialize" in caught.value.message
    assert time.monotonic() - started < 10   # the SDK closes stdin, waits 2 s, then SIGTERM


@pytest.mark.parametrize("path", ["/mcp", "/sse"])
def test_a_non_mcp_http_server_fails_the_probe(plain_http_server: str, path: str) -> None:
    with pytest.raises(McpProbeError) as caught:
        list_tools(parse_target(plain_http_server.removesuffix("/mcp") + path), timeout_s=5)
    assert caught.value.exit_code == 3
    assert "not an MCP endpoint" in caught.value.message
    assert caught.value.hint


def test_a_wrong_path_on_an_mcp_server_is_not_an_mcp_endpoint(http_server: RunningServer) -> None:
    with pytest.raises(McpProbeError) as caught:
        list_tools(parse_target(http_server.url("/nope")), timeout_s=5)
    assert "Not Found" in caught.value.message and "/mcp" in (caught.value.hint or "")


def test_malformed_json_rpc_fails_the_probe(malformed_server: RunningServer) -> None:
    with pytest.raises(McpProbeError) as caught:
        list_tools(parse_target(malformed_server.url("/mcp")), timeout_s=5)
    assert "malformed JSON-RPC" in caught.value.message
    assert "\n" not in caught.value.message and "\n" not in caught.value.details["cause"]


def test_a_stdio_server_writing_garbage_is_malformed_json_rpc_not_just_a_timeout() -> None:
    with pytest.raises(McpProbeError) as caught:
        list_tools(stdio_target("stdio-garbage"), timeout_s=2)
    assert "malformed JSON-RPC during initialize" in caught.value.message
    assert "stdout" in (caught.value.hint or "")


def test_a_stdio_command_that_exits_at_once_says_the_connection_closed() -> None:
    with pytest.raises(McpProbeError) as caught:
        list_tools(McpTarget(kind="stdio", argv=("true",)), timeout_s=5)
    assert "closed the connection during initialize" in caught.value.message
