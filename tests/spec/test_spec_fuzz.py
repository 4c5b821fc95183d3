"""Mutated specs: whatever the bytes, load_spec answers with a SpecError (exit 2) or a spec, never a crash."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shipmate.errors import SpecError
from shipmate.spec.loader import LoadedSpec, load_spec

FUZZ = settings(deadline=None, database=None, max_examples=300,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

VALID = b"""\
# a comment
service: web
version: "1.0.0"
port: 8080
target:
  kind: process
  command: [python3, -m, http.server, "${PORT}"]
  stop_grace: 3s
  env: {GREETING: hi}
health:
  interval: 100ms
  deadline: 15s
  checks:
    - http: {path: /health, status: 200}
strategy: blue-green
drain: 1s
monitor: {duration: 2s, interval: 100ms, min_samples: 3}
environments: {staging: {}, production: {port: 9090}}
"""

NASTY = [
    b"\x00", b"\x01", b"\x07", b"\x1b", b"\x7f", b"\x85", b"\xff", b"\xc3", b"\t", b"\r", b"\n",
    b"9" * 5000, b"0x" + b"f" * 5000, b"9" * 400 + b"s", b"x" * 100_000, b"1e999", b"-", b":", b"{", b"[",
    b"&a", b"*a", b"!!python/object", b"${PORT", b"${NOPE}", b"'", b'"', b"  ", b"#", b"---", b"...",
]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(VALID)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["insert", "delete", "replace", "nasty"]))
        if action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif action == "delete":
            del data[at:at + draw(st.integers(1, 20))]
        elif action == "replace":
            data[at:at + 1] = draw(st.binary(min_size=1, max_size=1))
        else:
            size = draw(st.integers(0, 12))
            data[at:at + size] = draw(st.sampled_from(NASTY))
    return bytes(data)


@pytest.fixture(scope="module")
def folder() -> Path:
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)  # type: ignore[misc]


def _load(folder: Path, data: bytes) -> LoadedSpec | SpecError:
    path = folder / "shipmate.yaml"
    path.write_bytes(data)
    try:
        return load_spec(path)
    except SpecError as exc:
        return exc


@FUZZ
@given(data=mutated())
def test_a_mutated_spec_loads_or_is_refused_with_a_spec_error(folder: Path, data: bytes) -> None:
    outcome = _load(folder, data)
    if isinstance(outcome, SpecError):
        assert outcome.exit_code == 2
        text = json.dumps(outcome.to_dict())
        assert len(text) < 2000, text[:300]
        assert "\n" not in outcome.message


@pytest.mark.parametrize(("name", "text", "path"), [
    ("control character in a comment", VALID.replace(b"# a comment", b"# a \x01 comment"), ""),
    ("control character in a value", VALID.replace(b"GREETING: hi", b"GREETING: h\x1bi"), "target.env.GREETING"),
    ("control character in a list item", VALID.replace(b"http.server", b"http.ser\x07ver"), "target.command[2]"),
    ("5000-digit integer", VALID.replace(b"port: 8080", b"port: " + b"9" * 5000), "port"),
    ("5000-digit hex integer", VALID.replace(b"port: 8080", b"port: 0x" + b"f" * 5000), "port"),
    ("400-digit duration", VALID.replace(b"deadline: 15s", b"deadline: " + b"9" * 400 + b"s"), "health.deadline"),
    ("400-digit decimal duration", VALID.replace(b"drain: 1s", b"drain: 1." + b"9" * 400 + b"h"), ""),
    ("huge float", VALID.replace(b"min_samples: 3", b"min_samples: 1e999"), "monitor.min_samples"),
])
def test_inputs_that_once_crashed_the_loader_exit_2(folder: Path, name: str, text: bytes, path: str) -> None:
    outcome = _load(folder, text)
    assert isinstance(outcome, SpecError), name
    assert outcome.exit_code == 2
    if path:
        assert outcome.path == path, outcome.message


@pytest.mark.parametrize("where", [
    b"strategy: blue-green", b"version: \"1.0.0\"", b"deadline: 15s", b"kind: process",
    b"service: web",
])
def test_a_100k_character_value_is_echoed_cut_short(folder: Path, where: bytes) -> None:
    key = where.split(b":")[0]
    outcome = _load(folder, VALID.replace(where, key + b": " + b"x" * 100_000))
    assert isinstance(outcome, SpecError)
    dumped = json.dumps({**outcome.to_dict(), "errors": getattr(outcome, "errors", [])})
    assert len(dumped) < 2000, dumped[:300]


def test_a_100k_character_key_is_cut_short_in_the_path_and_message(folder: Path) -> None:
    outcome = _load(folder, VALID.replace(b"GREETING: hi", b"K" * 100_000 + b": hi"))
    outcome2 = _load(folder, VALID.replace(b"drain: 1s", b"d" * 100_000 + b": 1s"))
    for error in (outcome, outcome2):
        assert isinstance(error, SpecError)
        dumped = json.dumps({**error.to_dict(), "errors": getattr(error, "errors", [])})
        assert len(dumped) < 2000, dumped[:300]
