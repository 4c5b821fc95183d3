"""Shared by the spec tests: the table-driven cases in cases/*.yaml and small helpers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

CASES_DIR = Path(__file__).parent / "cases"

MINIMAL_SPEC = """\
service: web
version: "1.0.0"
port: 8080
target: {kind: process, command: [python3, app.py]}
"""


def load_cases(name: str) -> list[dict[str, Any]]:
    cases = yaml.safe_load((CASES_DIR / name).read_text(encoding="utf-8"))
    assert isinstance(cases, list)
    return cases


def write_spec(folder: Path, text: str, name: str = "shipmate.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def lookup(obj: Any, dotted: str) -> Any:
    """'spec.health.checks[0].kind' -> the value (dict keys too); tuples come back as lists."""
    for part in dotted.split("."):
        match = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)", part)
        assert match, part
        obj = obj[match.group(1)] if isinstance(obj, dict) else getattr(obj, match.group(1))
        for index in re.findall(r"\[(\d+)\]", match.group(2)):
            obj = obj[int(index)]
    return list(obj) if isinstance(obj, tuple) else obj
