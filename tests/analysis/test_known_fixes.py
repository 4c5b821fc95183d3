"""Known fixes: the ranking as a table (known_fix_cases.yaml), the track record's words, and every starter fix
matched by the words of the real failure it is for (messages as shipmate prints them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from shipmate.analysis.known_fixes import Candidate, rank, record_text, starters_matching
from shipmate.ops.common.failure_memory import starters

CASES: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "known_fix_cases.yaml").read_text())

REAL_MESSAGES = {
    "fix_starter_port_in_use": "port 18931 is already in use on 127.0.0.1 stop what listens there (ss -ltnp)",
    "fix_starter_missing_secret": "secret API_KEY is declared in shipmate.yaml but not set",
    "fix_starter_image_missing": "target.image: 127.0.0.1:1/x:1 is not in the local Docker engine",
    "fix_starter_port_env_unused": "http /health: connect 127.0.0.1:40763: connection refused; the app listens on "
                                   "port 8000, not on its $PORT (40763)",
    "fix_starter_start_period": "not healthy after 3s (health.deadline): level 3 (application) http /health: "
                                "connect 127.0.0.1:49575: connection refused if it is only slow to start",
    "fix_starter_health_path": "level 3 (application) http /healthz: GET /healthz -> 404",
    "fix_starter_volume_permission": "PermissionError: [Errno 13] Permission denied: '/data/state.db'",
    "fix_starter_crash_loop": "the process exited with code 3; its last output: exiting at start",
}


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_ranking_matches_the_table(case: dict[str, Any]) -> None:
    ranked = rank(Candidate(fix_id, how, worked, tried) for fix_id, how, worked, tried in case["candidates"])
    assert [c.fix_id for c in ranked] == case["top"]


def test_the_track_record_reads_as_a_person_says_it() -> None:
    assert record_text(4, 5) == "worked 4 of 5 times"
    assert record_text(1, 1) == "worked 1 of 1 time"
    assert record_text(0, 0) == "not tried here yet"


def test_every_starter_fix_has_a_real_message_it_is_offered_first_for() -> None:
    assert {s.id for s in starters()} == set(REAL_MESSAGES)
    for fix_id, text in REAL_MESSAGES.items():
        assert starters_matching(starters(), text)[:1] == [fix_id], (fix_id, starters_matching(starters(), text))
