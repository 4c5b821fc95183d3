"""The confidence score of a deployment: the seeds' default formula over plain inputs, as data.

Pure: the inputs are counted elsewhere (ops.confidence.assess); every term is a Factor so that
`shipmate explain` can show why a score is what it is, and calibration can compare it with the outcome.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

DEFAULT_WEIGHTS: dict[str, float] = {
    "base": 0.5,
    "per_success": 0.05, "max_success": 0.25,          # previous successful deploys of this service/env
    "passed_first": 0.25, "passed_min_samples": 10,    # passed its window where it must pass first (full
                                                       # credit from this many samples, a share below)
    "per_soak_hour": 0.05, "max_soak": 0.1,            # how long it has run there since
    "per_known_fix": 0.03, "max_known_fix": 0.1,       # failure-memory entries with root cause + prevention
    "per_changed_key": 0.02, "max_changed_keys": 0.2,  # config keys changed against the current release
    "security_change": 0.15, "security_cap": 0.85,     # a security change never scores above this: a person
                                                       # looks at it (below the auto tier's 0.9)
    "first_deploy": 0.2,
    "per_failed_run": 0.15, "max_failed_runs": 0.3,    # failed runs of this version (staging first)
    "cap": 0.95, "floor": 0.05,
}
SECURITY_KEY = re.compile(r"secret|token|password|passwd|auth|tls|cert|(^|[._])(port|user)$", re.IGNORECASE)
IGNORED_KEYS = frozenset({"version", "digest", "environment",   # what every new release changes
                          "artifact", "config_hash", "config_keys"})   # identity of the release, not its config


# What only adds: the ceiling a deployment can reach with these weights (explain shows it).
RAISING = (("max_success",), ("passed_first",), ("max_soak",), ("max_known_fix",))


@dataclass(frozen=True)
class ConfidenceInputs:
    previous_successes: int = 0
    passed_in: str | None = None               # the environment it must pass first (None: no such rule)
    passed_samples: int | None = None          # samples of the window it passed there (None: it did not pass)
    soak_s: float = 0.0                        # how long it has run there since it started
    known_fixes: int = 0                       # known fixes with root cause + prevention for its signatures
    changed_keys: tuple[str, ...] = ()
    security_changes: tuple[str, ...] = ()
    first_deploy: bool = False
    failed_runs: int = 0
    failed_runs_where: str = "any environment"


@dataclass(frozen=True)
class Factor:
    name: str
    delta: float
    detail: str


@dataclass(frozen=True)
class Confidence:
    score: float
    factors: tuple[Factor, ...]
    weights: dict[str, float] = field(default_factory=dict)

    @property
    def reachable_max(self) -> float:
        """The highest score these weights allow (every adding factor at its maximum, nothing against)."""
        return reachable_max(self.weights or DEFAULT_WEIGHTS)

    def as_dict(self) -> dict[str, Any]:
        return {"score": self.score, "factors": [asdict(f) for f in self.factors], "weights": dict(self.weights),
                "reachable_max": self.reachable_max}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Confidence:
        return cls(float(data["score"]), tuple(Factor(**f) for f in data.get("factors", ())),
                   dict(data.get("weights") or {}))


def reachable_max(weights: Mapping[str, float]) -> float:
    w = {**DEFAULT_WEIGHTS, **weights}
    top = w["base"] + sum(max(0.0, w[name]) for (name,) in RAISING)
    return round(min(max(top, w["floor"]), w["cap"]), 3)


def weights_with(overrides: Mapping[str, float] | None) -> dict[str, float]:
    return {**DEFAULT_WEIGHTS, **{k: float(v) for k, v in (overrides or {}).items() if k in DEFAULT_WEIGHTS}}


def score(inputs: ConfidenceInputs, overrides: Mapping[str, float] | None = None) -> Confidence:
    w = weights_with(overrides)
    factors = [Factor("base", w["base"], "starting point")]

    def add(name: str, delta: float, detail: str) -> None:
        delta = round(delta, 3)   # a few seconds in staging is no evidence: below 0.001 a factor is not shown
        if delta != 0:
            factors.append(Factor(name, delta, detail))

    add("previous_successes", min(inputs.previous_successes * w["per_success"], w["max_success"]),
        f"{inputs.previous_successes} previous successful deploy(s) here")
    if inputs.passed_in is not None and inputs.passed_samples is not None:
        enough = max(1.0, w["passed_min_samples"])
        share = min(1.0, inputs.passed_samples / enough)
        add("passed_first", w["passed_first"] * share,
            f"passed its window in {inputs.passed_in} ({inputs.passed_samples} samples"
            + (")" if share >= 1 else f", full credit from {enough:g})"))
        hours = max(0.0, inputs.soak_s) / 3600
        add("soak", min(hours * w["per_soak_hour"], w["max_soak"]),
            f"ran {_duration(inputs.soak_s)} in {inputs.passed_in}")
    add("known_fixes", min(inputs.known_fixes * w["per_known_fix"], w["max_known_fix"]),
        f"{inputs.known_fixes} known fix(es) with root cause and prevention")
    add("changed_keys", -min(len(inputs.changed_keys) * w["per_changed_key"], w["max_changed_keys"]),
        f"{len(inputs.changed_keys)} config key(s) changed: {_few(inputs.changed_keys)}")
    if inputs.security_changes:
        add("security_change", -w["security_change"], f"security-related: {_few(inputs.security_changes)}")
    if inputs.first_deploy:
        add("first_deploy", -w["first_deploy"], "nothing has run here before")
    add("failed_runs", -min(inputs.failed_runs * w["per_failed_run"], w["max_failed_runs"]),
        f"{inputs.failed_runs} failed run(s) of this version in {inputs.failed_runs_where}")
    raw = sum(f.delta for f in factors)
    cap = min(w["cap"], w["security_cap"]) if inputs.security_changes else w["cap"]
    bounded = min(max(raw, w["floor"]), cap)
    if round(bounded - raw, 4) != 0:
        name = "floor" if bounded > raw else "security_cap" if cap < w["cap"] and bounded == cap else "cap"
        add(name, bounded - raw, {"floor": f"kept at least {w['floor']}", "cap": f"capped at {w['cap']}",
                                  "security_cap": f"a security change is capped at {cap}"}[name])
    return Confidence(round(bounded, 3), tuple(factors), w)


def changed_keys(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Dotted paths whose values differ between two release configs (nested dicts flattened)."""
    a, b = _flatten(old), _flatten(new)
    return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k) and k.split(".")[0] not in IGNORED_KEYS)


def security_changes(keys: list[str] | tuple[str, ...]) -> list[str]:
    """Changed keys that touch security: secrets (renamed or rotated), credentials, TLS, ports, users."""
    return [k for k in keys if k.startswith("secrets.") or SECURITY_KEY.search(k)]


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):      # an empty one adds no key: {} -> {A: 1} is one change, env.A
            out.update(_flatten(value, path + "."))
        else:
            out[path] = list(value) if isinstance(value, tuple) else value
    return out


def _duration(seconds: float) -> str:
    seconds = int(max(0.0, seconds))
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def _few(items: tuple[str, ...] | list[str], limit: int = 5) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" (+{len(items) - limit} more)" if len(items) > limit else "")
