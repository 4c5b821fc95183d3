"""`shipmate probe mcp` through the real entry point: the table, --json, exit codes, and no `mcp` import elsewhere."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests import mcp_servers
from tests.mcp_servers import RunningServer
from tests.waiting import free_port

SHIPMATE = str(Path(sys.executable).parent / "shipmate")
http_server = mcp_servers.http_server


def shipmate(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SHIPMATE, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "COLUMNS": "120"}, check=False)


def test_probe_mcp_prints_the_latency_table(http_server: RunningServer) -> None:
    done = shipmate("probe", "mcp", http_server.url("/mcp"), "--calls", "5")
    assert done.returncode == 0, done.stderr
    for column in ("connect", "p50", "p95", "p99", "errors", "tools", "schema hash"):
        assert column in done.stdout
    assert "add, echo, slow" in done.stdout and "0/5" in done.stdout


def test_probe_mcp_json_times_a_tool_call(http_server: RunningServer) -> None:
    done = shipmate("probe", "mcp", http_server.url("/mcp"), "--calls", "3", "--tool", "add",
                    "--args", '{"a": 1, "b": 2}', "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["ok"] and result["operation"] == "tools/call add" and result["calls"] == 3
    assert result["errors"] == 0 and result["tools"] == 3 and result["schema_hash"].startswith("sha256:")
    assert result["p50_ms"] <= result["p95_ms"] <= result["p99_ms"]


def test_nothing_listening_exits_7_with_one_line_and_a_hint() -> None:
    done = shipmate("probe", "mcp", f"http://127.0.0.1:{free_port()}/mcp", "--timeout", "5")
    assert done.returncode == 7
    assert done.stderr.startswith("error: nothing answers at") and "hint:" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.splitlines()) == 2


def test_a_command_not_found_exits_7_as_json() -> None:
    done = shipmate("probe", "mcp", "stdio:shipmate-no-such-server --x", "--json")
    assert done.returncode == 7
    error = json.loads(done.stdout)["error"]
    assert error["code"] == "mcp_unreachable" and error["hint"]


def test_a_failing_tool_call_exits_3_with_the_figures_in_json(http_server: RunningServer) -> None:
    done = shipmate("probe", "mcp", http_server.url("/mcp"), "--calls", "2", "--tool", "slow",
                    "--args", '{"seconds": 5}', "--timeout", "0.3", "--json")
    assert done.returncode == 3
    error = json.loads(done.stdout)["error"]
    assert error["code"] == "mcp_probe_failed" and "2 of 2" in error["message"]
    assert error["details"]["probe"]["errors"] == 2


def test_bad_args_and_bad_targets_exit_2() -> None:
    assert shipmate("probe", "mcp", "ftp://example/mcp").returncode == 2
    done = shipmate("probe", "mcp", "http://127.0.0.1:1/mcp", "--tool", "add", "--args", "{not json")
    assert done.returncode == 2 and "--args is not JSON" in done.stderr


def test_help_and_status_do_not_import_mcp(tmp_path: Path) -> None:
    # the entry point's own code, run to its sys.exit; then look at what it loaded
    probe = ("import sys\n"
             "sys.argv = ['shipmate'] + sys.argv[1:]\n"
             "from shipmate.cli.main import run\n"
             "try:\n    run()\n"
             "except SystemExit as exc:\n    code = exc.code\n"
             "loaded = any(m == 'mcp' or m.startswith(('mcp.', 'mcp_types')) for m in sys.modules)\n"
             "print('RAN', code, 'MCP-LOADED' if loaded else 'MCP-ABSENT', file=sys.stderr)\n")
    for args in (["--help"], ["status", "--json"], ["probe", "mcp", "--help"]):
        done = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, timeout=60,
                              cwd=tmp_path, check=False)
        assert "RAN" in done.stderr and "MCP-ABSENT" in done.stderr, (args, done.stderr[-500:])
    # and the opposite, so the check can see a loaded SDK at all
    done = subprocess.run([sys.executable, "-c", probe, "probe", "mcp", "stdio:shipmate-no-such-server"],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path, check=False)
    assert "RAN 7 MCP-LOADED" in done.stderr, done.stderr[-500:]
