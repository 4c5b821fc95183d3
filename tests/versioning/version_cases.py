"""The table-driven cases of the versioning tests (cases/*.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

CASES_DIR = Path(__file__).parent / "cases"


def cases(name: str) -> list[Any]:
    rows = yaml.safe_load((CASES_DIR / name).read_text(encoding="utf-8"))
    assert isinstance(rows, list) and rows
    return [pytest.param(row, id=row["name"]) for row in rows]
