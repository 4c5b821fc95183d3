"""The digest is the release identity: same meaning -> same digest, any real change -> new digest."""

from __future__ import annotations

from pathlib import Path

from spec_cases import write_spec

from shipmate.spec.loader import load_spec

SPEC = """\
service: web
version: "1.0.0"
port: 8080
target:
  kind: process
  command: [python3, app.py]
  env: {A: "1", B: "2"}
health:
  interval: 1s
  checks: [{http: {path: /health, status: 200}}]
environments:
  staging: {port: 8081}
  production: {port: 9090}
"""

REORDERED = """\
environments:
  staging: {port: 8081}
  production: {port: 9090}
health:
  checks: [{http: {status: 200, path: /health}}]
  interval: 1000ms
target:
  env: {B: "2", A: "1"}
  command: [python3, app.py]
  kind: process
port: 8080
version: "9.9.9"
service: web
"""


def _digest(folder: Path, text: str, environment: str | None = None) -> str:
    folder.mkdir(exist_ok=True)
    return load_spec(write_spec(folder, text), environment=environment).digest


def test_digest_ignores_key_order_spelling_of_durations_and_version(tmp_path: Path) -> None:
    assert _digest(tmp_path / "a", SPEC) == _digest(tmp_path / "b", REORDERED)


def test_digest_ignores_version_override(tmp_path: Path) -> None:
    path = write_spec(tmp_path, SPEC)
    assert load_spec(path, version_override="2").digest == load_spec(path).digest


def test_digest_changes_with_command(tmp_path: Path) -> None:
    changed = SPEC.replace("command: [python3, app.py]", "command: [python3, app2.py]")
    assert _digest(tmp_path / "a", SPEC) != _digest(tmp_path / "b", changed)


def test_digest_changes_with_env_value(tmp_path: Path) -> None:
    changed = SPEC.replace('A: "1"', 'A: "one"')
    assert _digest(tmp_path / "a", SPEC) != _digest(tmp_path / "b", changed)


def test_digest_differs_between_environments_with_different_ports(tmp_path: Path) -> None:
    assert _digest(tmp_path, SPEC, "staging") != _digest(tmp_path, SPEC, "production")


def test_digest_ignores_other_environments_overlays(tmp_path: Path) -> None:
    changed = SPEC.replace("production: {port: 9090}", "production: {port: 9091}")
    assert _digest(tmp_path / "a", SPEC, "staging") == _digest(tmp_path / "b", changed, "staging")


# What shipmate computed for this spec before replicas/canary/rolling existed: a running release
# deployed again from an unchanged spec must still be recognised as the same release.
PRE_REPLICAS_SPEC = """\
service: web
version: "1.0.0"
port: 8080
target: {kind: process, command: [python3, app.py]}
health: {checks: [{http: {path: /health}}]}
"""
PRE_REPLICAS_DIGEST = "87cd36059bcd7ec98923dce897289ddd03df2dd5360d3b060485a6a4becc8072"


def test_digest_of_a_spec_without_the_new_keys_is_what_older_shipmate_gave_it(tmp_path: Path) -> None:
    assert _digest(tmp_path / "a", PRE_REPLICAS_SPEC) == PRE_REPLICAS_DIGEST
    assert _digest(tmp_path / "b", PRE_REPLICAS_SPEC + "replicas: 1\n") == PRE_REPLICAS_DIGEST


def test_digest_changes_with_replicas_and_strategy_settings(tmp_path: Path) -> None:
    canary = PRE_REPLICAS_SPEC + "strategy: canary\n"
    digests = {
        _digest(tmp_path / "a", PRE_REPLICAS_SPEC + "replicas: 3\n"),
        _digest(tmp_path / "b", canary),
        _digest(tmp_path / "c", canary + "canary: {steps: [{weight: 20}]}\n"),
        _digest(tmp_path / "d", canary + "canary: {sticky: true}\n"),
        _digest(tmp_path / "e", PRE_REPLICAS_SPEC + "strategy: rolling\n"),
        _digest(tmp_path / "f", PRE_REPLICAS_SPEC + "strategy: rolling\nrolling: {max_surge: 0}\n"),
    }
    assert len(digests) == 6 and PRE_REPLICAS_DIGEST not in digests


def test_default_canary_steps_written_out_give_the_same_digest(tmp_path: Path) -> None:
    canary = PRE_REPLICAS_SPEC + "strategy: canary\n"
    spelled = canary + "canary: {steps: [{weight: 10, pause: 30s}, {weight: 50, pause: 30000ms}], sticky: false}\n"
    assert _digest(tmp_path / "a", canary) == _digest(tmp_path / "b", spelled)


def test_digest_follows_the_environments_replicas(tmp_path: Path) -> None:
    text = PRE_REPLICAS_SPEC + "environments: {staging: {replicas: 1}, production: {replicas: 3}}\n"
    assert _digest(tmp_path, text, "staging") == PRE_REPLICAS_DIGEST
    assert _digest(tmp_path, text, "production") != PRE_REPLICAS_DIGEST
