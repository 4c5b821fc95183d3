"""What a hook is given, built as data: its environment (never a secret) and its output tail."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipmate.hooks.invocation import HookContext, hook_env, invocations, tail_of
from shipmate.secrets import redact


@pytest.fixture(autouse=True)
def _no_known_secrets() -> None:
    redact.forget_all()


def test_hook_env_is_the_callers_environment_plus_the_shipmate_variables() -> None:
    context = HookContext("web", "1.2.0", "staging", "user:ann", "dep_abc", 12.5)
    env = hook_env({"PATH": "/bin", "HOME": "/home/ann"}, context)
    assert env == {"PATH": "/bin", "HOME": "/home/ann", "SHIPMATE_SERVICE": "web", "SHIPMATE_VERSION": "1.2.0",
                   "SHIPMATE_ENVIRONMENT": "staging", "SHIPMATE_DEPLOYMENT_ID": "dep_abc",
                   "SHIPMATE_PERFORMER": "user:ann", "SHIPMATE_RUNTIME_S": "12.500"}


def test_pre_hooks_get_an_empty_deployment_id_and_zero_runtime() -> None:
    env = hook_env({}, HookContext("web", "1", "default", "agent:ci"))
    assert (env["SHIPMATE_DEPLOYMENT_ID"], env["SHIPMATE_RUNTIME_S"]) == ("", "0.000")


def test_hook_env_never_carries_a_secret_by_name_file_or_value() -> None:
    redact.remember("s3cr3t-value-123")
    base = {"PATH": "/bin", "API_KEY": "x", "API_KEY_FILE": "/s/a", "OTHER": "has s3cr3t-value-123 inside",
            "FINE": "ok"}
    env = hook_env(base, HookContext("web", "1", "default", "u"), ("API_KEY",))
    assert {"API_KEY", "API_KEY_FILE", "OTHER"}.isdisjoint(env) and env["FINE"] == "ok"


def test_shipmate_variables_win_over_inherited_ones() -> None:
    env = hook_env({"SHIPMATE_VERSION": "stale"}, HookContext("web", "2.0", "default", "u"))
    assert env["SHIPMATE_VERSION"] == "2.0"


def test_invocations_keep_the_spec_order_folder_and_timeouts(tmp_path: Path) -> None:
    invs = invocations("post_deploy", ((("a", "1"), 5.0), (("b",), 0.5)), tmp_path, {"X": "1"})
    assert [(i.hook, i.argv, i.cwd, i.timeout_s) for i in invs] == [
        ("post_deploy", ("a", "1"), tmp_path, 5.0), ("post_deploy", ("b",), tmp_path, 0.5)]


def test_the_output_tail_is_the_last_lines_with_secrets_masked() -> None:
    redact.remember("hunter2-hunter2")
    output = "\n".join(f"line {i}" for i in range(30)) + "\npassword=hunter2-hunter2\n"
    tail = tail_of(output.encode(), lines=3)
    assert tail == ("line 28", "line 29", "password=***")
