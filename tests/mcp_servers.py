"""Real MCP servers for the probe tests: one the tests define with the SDK (stdio, streamable HTTP, SSE on a real
uvicorn bound to 127.0.0.1), mcp-server-time from PyPI in its own venv, and servers that misbehave.

Run as a server:  python -m tests.mcp_servers stdio | http | sse | hang | malformed
(the HTTP kinds bind 127.0.0.1:0 and print their port on the first stdout line).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.waiting import free_port, port_open, wait_until

REPO = Path(__file__).resolve().parents[1]
TOOLS_VENVS = REPO / ".venv-tools"
SLOW_TOOL_S = 0.3


def build_server() -> object:
    """The SDK test server: two quick tools and one slow one."""
    from mcp.server.mcpserver import MCPServer

    server = MCPServer("shipmate-test-server", version="1.0")

    @server.tool()
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    @server.tool()
    def echo(text: str) -> str:
        """Return the text unchanged."""
        return text

    @server.tool()
    async def slow(seconds: float = SLOW_TOOL_S) -> str:
        """Sleep, then answer (a slow tool for timeouts)."""
        import anyio

        await anyio.sleep(seconds)
        return "done"

    return server


def _listening_socket() -> socket.socket:
    # IPPROTO_TCP explicitly: uvicorn sets TCP_NODELAY only on sockets it recognises as TCP (else Nagle, 40 ms)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


def _serve_asgi(app: object) -> None:
    import uvicorn

    sock = _listening_socket()
    print(sock.getsockname()[1], flush=True)
    config = uvicorn.Config(app, log_level="error", lifespan="on")  # type: ignore[arg-type]
    uvicorn.Server(config).run(sockets=[sock])


def _serve_hanging() -> None:
    """Accepts connections and reads requests, but never answers (an MCP server stuck in initialize)."""
    sock = _listening_socket()
    print(sock.getsockname()[1], flush=True)
    held = []
    while True:
        conn, _ = sock.accept()
        held.append(conn)


def _serve_malformed() -> None:
    """Answers every HTTP request 200 application/json with a body that is not JSON-RPC."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = b'{"jsonrpc": "2.0", "id": "oops", "result": [1, 2'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_DELETE = do_POST

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(httpd.server_address[1], flush=True)
    httpd.serve_forever()


def main(kind: str) -> None:
    if kind == "hang":
        _serve_hanging()
    elif kind == "malformed":
        _serve_malformed()
    elif kind == "stdio-garbage":
        for _line in sys.stdin:
            print("this is not json-rpc", flush=True)
    else:
        server = build_server()
        if kind == "stdio":
            server.run()  # type: ignore[attr-defined]
        elif kind == "http":
            _serve_asgi(server.streamable_http_app())  # type: ignore[attr-defined]
        elif kind == "sse":
            _serve_asgi(server.sse_app())  # type: ignore[attr-defined]
        else:
            raise SystemExit(f"unknown kind {kind}")


# ----------------------------------------------------------------------------------------------- fixtures side

SERVER_ARGV = (sys.executable, "-m", "tests.mcp_servers")


@dataclass
class RunningServer:
    proc: subprocess.Popen[str]
    port: int

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def start_server(kind: str, timeout: float = 30.0) -> RunningServer:
    """Start ``python -m tests.mcp_servers KIND``; return once its port is printed and accepts connections."""
    proc = subprocess.Popen([*SERVER_ARGV, kind], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.stdout is not None
    import selectors

    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    if not sel.select(timeout):
        proc.kill()
        raise AssertionError(f"the {kind} MCP test server printed no port within {timeout}s")
    line = proc.stdout.readline().strip()
    if not line.isdigit():
        proc.kill()
        raise AssertionError(f"the {kind} MCP test server did not start: {line!r}")
    server = RunningServer(proc=proc, port=int(line))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.05)
    server.stop()
    raise AssertionError(f"the {kind} MCP test server never accepted connections")


def serving(kind: str) -> Iterator[RunningServer]:
    server = start_server(kind)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def http_server() -> Iterator[RunningServer]:
    """The SDK test server over streamable HTTP (/mcp) on a real uvicorn."""
    yield from serving("http")


@pytest.fixture(scope="module")
def sse_server() -> Iterator[RunningServer]:
    """The SDK test server over legacy SSE (/sse) on a real uvicorn."""
    yield from serving("sse")


@pytest.fixture
def hanging_server() -> Iterator[RunningServer]:
    yield from serving("hang")


@pytest.fixture
def malformed_server() -> Iterator[RunningServer]:
    yield from serving("malformed")


@pytest.fixture
def plain_http_server() -> Iterator[str]:
    """`python -m http.server`: HTTP, but not MCP."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: port_open(port) or proc.poll() is not None, 20, "python -m http.server")
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def stdio_argv(kind: str = "stdio") -> list[str]:
    return [*SERVER_ARGV, kind]


@pytest.fixture(scope="session")
def time_server_argv() -> list[str]:
    """mcp-server-time from PyPI, in .venv-tools/mcp-server-time (it may pin an mcp other than ours)."""
    return [str(_tool_or_skip("mcp-server-time", "mcp-server-time") / "bin" / "mcp-server-time"),
            "--local-timezone", "UTC"]


@pytest.fixture(scope="module")
def bridged_time_server(time_server_argv: list[str]) -> Iterator[str]:
    """mcp-server-time behind mcp-proxy (stdio to HTTP, its own venv: it needs mcp<2); the base URL."""
    proxy = _tool_or_skip("mcp-proxy", "mcp-proxy") / "bin" / "mcp-proxy"
    yield from bridge(proxy, time_server_argv)


@pytest.fixture(scope="module")
def supergateway_time_server(time_server_argv: list[str]) -> Iterator[str]:
    """mcp-server-time behind supergateway (npm, stdio to SSE); the base URL (it serves /sse)."""
    try:
        gateway = npm_tool("supergateway", "supergateway@4") / "node_modules" / ".bin" / "supergateway"
    except (RuntimeError, subprocess.SubprocessError, OSError) as exc:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"cannot install supergateway with npm into .venv-tools/supergateway: {exc}")
    yield from gateway_bridge(gateway, time_server_argv)


def gateway_bridge(gateway: Path, argv: list[str]) -> Iterator[str]:
    """Run ``argv`` behind supergateway (stdio to SSE on 127.0.0.1:PORT/sse) until the caller is done."""
    import shlex

    port = free_port()
    yield from _bridge_process([str(gateway), "--stdio", shlex.join(argv), "--port", str(port), "--logLevel",
                                "none"], port)


def bridge(proxy: Path, argv: list[str]) -> Iterator[str]:
    """Run ``argv`` behind mcp-proxy on 127.0.0.1 (serves /mcp and /sse) until the caller is done."""
    port = free_port()
    yield from _bridge_process([str(proxy), "--host", "127.0.0.1", "--port", str(port), "--log-level", "WARNING",
                                "--", *argv], port)


def _bridge_process(command: list[str], port: int) -> Iterator[str]:
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: port_open(port) or proc.poll() is not None, 30, Path(command[0]).name)
        assert proc.poll() is None, f"{Path(command[0]).name} exited early"
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _tool_or_skip(name: str, requirement: str) -> Path:
    try:
        return tool_venv(name, requirement)
    except (RuntimeError, subprocess.SubprocessError, OSError) as exc:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"cannot install {requirement} into .venv-tools/{name} (no registry?): {exc}")


# ------------------------------------------------------------------------------ third-party servers in own venvs

def npm_tool(name: str, package: str) -> Path:
    """.venv-tools/NAME with the npm PACKAGE installed (idempotent); RuntimeError when npm cannot install it."""
    home = TOOLS_VENVS / name
    marker = home / ".installed"
    if marker.exists() and marker.read_text() == package:
        return home
    home.mkdir(parents=True, exist_ok=True)
    (TOOLS_VENVS / ".gitignore").write_text("*\n")
    done = subprocess.run(["npm", "install", "--prefix", str(home), "--no-audit", "--no-fund", package],
                          capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"npm install {package} failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
    marker.write_text(package)
    return home


def tool_venv(name: str, requirement: str) -> Path:
    """.venv-tools/NAME with REQUIREMENT installed (idempotent); raises RuntimeError when pip cannot install it."""
    venv = TOOLS_VENVS / name
    TOOLS_VENVS.mkdir(exist_ok=True)
    (TOOLS_VENVS / ".gitignore").write_text("*\n")   # never committed
    marker = venv / ".installed"
    if marker.exists() and marker.read_text() == requirement:
        return venv
    if not (venv / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300,
                       capture_output=True)
    done = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                           requirement], capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"pip install {requirement} failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
    marker.write_text(requirement)
    return venv


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "stdio")
