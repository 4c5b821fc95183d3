"""Bad hooks/notify/confidence input through the CLI: one line naming the key, its exit code, nothing changed."""

from __future__ import annotations

import pytest

from tests.e2e.cli_project import Project


@pytest.mark.parametrize(("extra", "path", "words"), [
    ("hooks:\n  pre_deplyo: [{run: [\"true\"]}]\n", "hooks", "unknown key 'pre_deplyo'"),
    ("hooks:\n  pre_deploy: [{run: []}]\n", "hooks.pre_deploy[0].run", ""),
    ("hooks:\n  pre_deploy: [{run: [\"true\"], timeout: 5}]\n", "hooks.pre_deploy[0].timeout", "unit"),
    ("notify:\n  urls: [\"json://127.0.0.1:9/x\"]\n  events: [deploy.exploded]\n", "notify.events[0]", ""),
    ("notify:\n  urls: [\"not a url\"]\n", "notify.urls", "apprise"),
    ("confidence:\n  weights: {bogus: 0.1}\n", "confidence.weights", "unknown key 'bogus'"),
    ("confidence:\n  weights: {cap: 2}\n", "confidence.weights.cap", "between"),
], ids=["unknown-hook", "empty-argv", "bare-timeout", "unknown-event", "bad-url", "unknown-weight", "weight-range"])
def test_bad_section_is_a_spec_error_naming_the_key(project: Project, extra: str, path: str, words: str) -> None:
    project.spec("1.0.0", extra=extra)
    out = project.json("deploy", expect=2)
    assert out["error"]["code"] == "spec_invalid" and out["error"]["path"] == path, out
    assert words.lower() in (out["error"]["message"] + out["error"].get("hint", "")).lower()
    assert not project.home().exists()
    text = project.run("deploy")
    assert text.returncode == 2 and "Traceback" not in text.stderr and path in text.stderr + text.stdout


def test_a_hook_command_that_does_not_exist_refuses_the_deploy_and_changes_nothing(project: Project) -> None:
    project.spec("1.0.0", extra="hooks:\n  pre_deploy: [{run: [\"./missing-check.sh\"]}]\n")
    out = project.json("deploy", expect=7)
    assert out["error"]["code"] == "hook_failed"
    assert "command not found: ./missing-check.sh" in out["error"]["message"]
    assert "hooks.pre_deploy" in out["error"]["hint"]
    assert not project.home().exists() and not project.serves("1.0.0")
    text = project.run("deploy")
    assert text.returncode == 7 and "Traceback" not in text.stderr


def test_explain_of_an_unknown_deployment_is_not_found(project: Project) -> None:
    project.spec("1.0.0")
    out = project.json("explain", "dep_nope", expect=2)
    assert out["error"]["code"] == "not_found"
