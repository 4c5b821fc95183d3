"""Which known fixes fit a failure, and in what order: pure, so the ranking is tested as a table.

Three ways a fix can match, strongest first: it was recorded for this very signature (or its group), a starter
fix's patterns match the failure's words, or full-text search found it and it shares enough words. Within each,
fixes that worked more often come first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

MATCH_ORDER = ("signature", "pattern", "search")
MIN_SHARED_WORDS = 2
TOP = 3


@dataclass(frozen=True)
class StarterFix:
    id: str
    symptom: str
    root_cause: str
    solution: str
    prevention: str
    match: tuple[str, ...]
    unless: tuple[str, ...] = ()

    @classmethod
    def of(cls, raw: dict[str, Any]) -> StarterFix:
        return cls(id=raw["id"], symptom=raw["symptom"], root_cause=raw["root_cause"], solution=raw["solution"],
                   prevention=raw["prevention"], match=tuple(raw["match"]), unless=tuple(raw.get("unless", ())))

    def matches(self, text: str) -> bool:
        def found(patterns: Iterable[str]) -> bool:
            return any(re.search(p, text, re.IGNORECASE) for p in patterns)
        return found(self.match) and not found(self.unless)


@dataclass(frozen=True)
class Candidate:
    fix_id: str
    how: str             # signature | pattern | search
    worked: int
    tried: int
    score: float = 0.0   # search only: higher is better


def record_text(worked: int, tried: int) -> str:
    """What a person reads beside a fix: its track record in this project."""
    if tried == 0:
        return "not tried here yet"
    return f"worked {worked} of {tried} time{'s' if tried != 1 else ''}"


def starters_matching(starters: Sequence[StarterFix], text: str) -> list[str]:
    return [s.id for s in starters if s.matches(text)]


def shares_words(terms: Sequence[str], fix_text: str, minimum: int = MIN_SHARED_WORDS) -> bool:
    """A search hit counts only when the fix names at least ``minimum`` of the failure's words."""
    low = fix_text.lower()
    return sum(1 for term in terms if re.search(r"\b" + re.escape(term), low)) >= min(minimum, len(terms))


def rank(candidates: Iterable[Candidate], top: int = TOP) -> list[Candidate]:
    """Best first: by how it matched, then the share of times it worked, then how often it was tried; a fix
    found several ways keeps its strongest way."""
    best: dict[str, Candidate] = {}
    for cand in candidates:
        kept = best.get(cand.fix_id)
        if kept is None or MATCH_ORDER.index(cand.how) < MATCH_ORDER.index(kept.how):
            best[cand.fix_id] = cand

    def key(c: Candidate) -> tuple[int, float, int, float]:
        ratio = c.worked / c.tried if c.tried else 0.5   # untried sits between a fix that works and one that fails
        return (MATCH_ORDER.index(c.how), -ratio, -c.tried, -c.score)
    return sorted(best.values(), key=key)[:top]


def word_score(terms: Sequence[str], text: str) -> int:
    """How many of the search's words a text names (a plain scorer for fixes not in a database yet)."""
    low = text.lower()
    return sum(1 for term in terms if re.search(r"\b" + re.escape(term), low))
