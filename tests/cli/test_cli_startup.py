"""Start-up as a tested property: what the fast commands import, read from the interpreter that ran them.

Each command runs in a fresh interpreter exactly as the `shipmate` script runs it; at exit the driver writes
``sys.modules`` to a file. Timing is the bench's job (bench/cli_bench.py); this pins the cause of slowness.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.cli_project import Project

DRIVER = """
import atexit, json, sys
out = sys.argv[1]
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(sys.modules))))
sys.argv = ["shipmate", *sys.argv[2:]]
from shipmate.program import run   # the `shipmate` console script's entry point
run()
"""
# Third-party packages a command that answers in a blink must not load (each costs 0.05-0.9 s to import).
HEAVY = ("pydantic", "sqlalchemy", "docker", "mcp", "apprise")
# What `validate` must not load: it checks a file, it deploys nothing.
DEPLOY_LAYER = ("shipmate.engine", "shipmate.store", "shipmate.targets")


def loaded_by(project: Project, *args: str) -> set[str]:
    dump = project.root / "modules.json"
    proc = subprocess.run([sys.executable, "-c", DRIVER, str(dump), *args], cwd=project.root, env=project.env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"shipmate {' '.join(args)}: exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    modules: set[str] = set(json.loads(dump.read_text()))
    dump.unlink()
    return modules


def under(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == p or m.startswith(p + ".") for p in packages))


@pytest.mark.parametrize("args", [("--help",), ("--version",)], ids=["help", "version"])
def test_help_and_version_load_no_heavy_package(project: Project, args: tuple[str, ...]) -> None:
    assert under(loaded_by(project, *args), HEAVY) == []


def test_status_and_history_of_a_deployed_service_load_no_heavy_package(project: Project) -> None:
    project.spec("1.0.0", monitor="0s")
    project.json("deploy")
    for args in (("status", "--json"), ("history", "--json")):
        modules = loaded_by(project, *args)
        assert "shipmate.store.sqlite_reader" in modules, "the driver must have run the command"
        assert under(modules, HEAVY) == [], args


def test_validate_loads_no_engine_store_or_target_code(project: Project) -> None:
    project.spec("1.0.0")
    modules = loaded_by(project, "validate", "--json")
    assert "shipmate.spec.models" in modules, "the driver must have run the command"
    assert under(modules, DEPLOY_LAYER) == []


def test_the_driver_sees_what_a_command_loads(project: Project, tmp_path: Path) -> None:
    """The check can fail: `schema` builds the pydantic models, and the driver must see pydantic."""
    assert "pydantic" in loaded_by(project, "schema")
