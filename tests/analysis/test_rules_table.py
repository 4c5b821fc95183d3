"""Every rule of the monitor window, as a table of replayed windows (rule_cases.yaml)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.analysis.window_replay import rules_from, tick_count, window_after

from shipmate.analysis.window import judge
from shipmate.model import Phase

CASES = yaml.safe_load((Path(__file__).parent / "rule_cases.yaml").read_text())


def test_case_names_are_unique() -> None:
    names = [case["name"] for case in CASES]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_window_verdict_matches_the_table(case: dict[str, Any]) -> None:
    rules = rules_from(case["rules"])
    ticks = tick_count(case)
    window, now = window_after(case, rules, ticks)
    final = judge(window, rules, now=now, final=True)
    assert final is not None
    assert final.phase == Phase(case["final"]), final.reasons
    if "decided_by" in case:
        assert final.decided_by == case["decided_by"], final.reasons
    early = None
    for seen in range(1, ticks + 1):
        partial, at = window_after(case, rules, seen)
        early = judge(partial, rules, now=at, final=False)
        if early is not None:
            break
    assert (early.phase.value if early else None) == case["early"]
    if early is not None:
        assert early.phase is Phase.FAIL and early.reasons and early.decided_by
    json.dumps(final.as_dict())  # evidence is JSON-ready for events and --json
