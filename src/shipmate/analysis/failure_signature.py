"""A failure's signature: the same failure seen twice gets the same key, whatever ids, ports or times it carried.

Pure and deterministic, like Sentry's grouping: the facts (phase or health level, target kind, exit code, error
code) plus the error text with everything run-specific masked. ``SIGNATURE_VERSION`` is stored with every row,
so the masking can change later without old rows silently regrouping: a new version makes new keys.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

SIGNATURE_VERSION = 1

# Order matters: the most specific shapes first, so a uuid is not eaten as hex runs and numbers.
_MASKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"), "<time>"),
    (re.compile(r"\b\d{2}:\d{2}:\d{2}(?:\.\d+)?\b"), "<time>"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I), "<uuid>"),
    (re.compile(r"\b(?:dep|ins|apr|rel|fai|fix|sig|stp|bak)_[0-9a-zA-Z]+\b"), "<id>"),
    (re.compile(r"\bsha256:[0-9a-f]{12,}\b", re.I), "<hex>"),
    (re.compile(r"(?<![\w/])(?:~|\.{1,2})?(?:/[\w.@+-]+){2,}/?"), "<path>"),
    (re.compile(r"\b(?:https?|tcp|unix)://[^\s'\"]+"), "<url>"),
    (re.compile(r"\b(?:localhost|\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:]+\]):\d{1,5}\b", re.I), "<host>:<port>"),
    (re.compile(r"\bport\s+\d{1,5}\b", re.I), "port <port>"),
    (re.compile(r"\b[0-9a-f]{7,}\b", re.I), "<hex>"),
    (re.compile(r"(?<![\w.])v?\d+(?:\.\d+){2,}(?:[-+][\w.]+)?(?![\w.])"), "<version>"),
    (re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?:ms|s|m|h|%)?(?![\w.])"), "<n>"),
)
_EXIT_CODE = re.compile(r"\bexit(?:ed)?(?:\s+with)?\s+(?:code|status)\s+(-?\d+)", re.I)
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class FailureFacts:
    """What is known about one failure when it ends a command (no ids: those are masked out of ``text``)."""

    phase: str                 # a step name, "level:N" for a health level, "preflight", "hook", "restart"
    target_kind: str           # process | docker | swarm | "" when none was chosen yet
    error_code: str            # ShipmateError.code: deployment_failed, prerequisite_missing, ...
    text: str                  # the error message (and the failing check's own words), unmasked
    exit_code: int | None = None   # the instance's own exit code when the text names one


@dataclass(frozen=True)
class Signature:
    key: str                   # sig_ + 16 hex of sha256 over the version and the masked facts
    version: int
    phase: str
    target_kind: str
    error_code: str
    exit_code: int | None
    text: str                  # the masked text: what a person reads and what search indexes


def mask(text: str) -> str:
    """The error text with ids, uuids, hex, paths, urls, ports, numbers and times replaced by placeholders."""
    out = text.strip()
    for pattern, placeholder in _MASKS:
        out = pattern.sub(placeholder, out)
    return _SPACE.sub(" ", out)[:500]


def exit_code_in(text: str) -> int | None:
    """The process exit code an error text names ("exited with code 3"), read before numbers are masked."""
    found = _EXIT_CODE.search(text)
    return int(found.group(1)) if found else None


def signature_of(facts: FailureFacts) -> Signature:
    exit_code = facts.exit_code if facts.exit_code is not None else exit_code_in(facts.text)
    masked = mask(facts.text)
    basis = "\x1f".join((str(SIGNATURE_VERSION), facts.phase, facts.target_kind, facts.error_code,
                         "" if exit_code is None else str(exit_code), masked))
    digest = hashlib.sha256(basis.encode()).hexdigest()[:16]
    return Signature(f"sig_{digest}", SIGNATURE_VERSION, facts.phase, facts.target_kind, facts.error_code,
                     exit_code, masked)


def search_terms(text: str, *, limit: int = 24) -> list[str]:
    """The words of a (masked) text worth searching for: lowercase, placeholders and short words dropped."""
    words: list[str] = []
    for word in re.findall(r"[A-Za-z][A-Za-z0-9_]{2,}", re.sub(r"<[a-z]+>", " ", text)):
        low = word.lower()
        if low not in _STOP and low not in words:
            words.append(low)
    return words[:limit]


_STOP = frozenset({"the", "and", "for", "with", "was", "not", "but", "from", "has", "had", "are", "its", "this",
                   "that", "run", "see", "into", "after", "before", "been", "any", "all", "one", "new"})
