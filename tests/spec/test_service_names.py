"""read_service_names: the fast path for read-only commands (no pydantic)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from spec_cases import MINIMAL_SPEC, write_spec

from shipmate.errors import SpecError
from shipmate.spec.service_names import read_service_names


def test_service_names_of_a_spec_without_environments(tmp_path: Path) -> None:
    assert read_service_names(write_spec(tmp_path, MINIMAL_SPEC)) == ("web", [])


def test_service_names_lists_environments_in_file_order(tmp_path: Path) -> None:
    text = MINIMAL_SPEC + "environments:\n  staging: {}\n  production: {port: 9000}\n  dev: {}\n"
    assert read_service_names(write_spec(tmp_path, text)) == ("web", ["staging", "production", "dev"])


def test_service_names_does_not_need_the_rest_of_the_spec_to_be_valid(tmp_path: Path) -> None:
    assert read_service_names(write_spec(tmp_path, "service: api\nport: not-a-port\n")) == ("api", [])


def test_service_names_of_a_missing_file_is_a_spec_error(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="no such file") as caught:
        read_service_names(tmp_path / "shipmate.yaml")
    assert caught.value.hint is not None and "shipmate init" in caught.value.hint


@pytest.mark.parametrize("text", ["port: 8080\n", "service: Web_1\n", "service: [a]\n", "- service: web\n", ""])
def test_service_names_without_a_valid_service_is_a_spec_error(tmp_path: Path, text: str) -> None:
    with pytest.raises(SpecError):
        read_service_names(write_spec(tmp_path, text))


def test_service_names_refuses_duplicate_keys(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="duplicate key 'service'"):
        read_service_names(write_spec(tmp_path, "service: web\nservice: api\n"))


def test_importing_identity_does_not_import_pydantic(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, MINIMAL_SPEC)
    code = (
        "import sys; from pathlib import Path; import shipmate.spec.service_names as i; "
        f"assert i.read_service_names(Path({str(spec)!r}))[0] == 'web'; "
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'pydantic_core')); "
        "print(heavy); sys.exit(1 if heavy else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
