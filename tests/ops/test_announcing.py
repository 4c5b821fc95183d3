"""announce() against a real HTTP receiver on 127.0.0.1 (apprise json://): sent, filtered, masked, never raising."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipmate.ops.common.announcing import announce, message
from shipmate.secrets import redact
from shipmate.spec.hooks_spec import Notify
from shipmate.store import Store
from tests.notify_receiver import receiver
from tests.waiting import free_port

FIELDS = {"service": "web", "environment": "production", "version": "1.2.0", "deployment_id": "dep_x",
          "actor": "user:ann"}


@pytest.fixture(autouse=True)
def _no_known_secrets() -> None:
    redact.forget_all()


def test_an_event_reaches_the_receiver_with_its_fields(tmp_path: Path) -> None:
    with receiver() as rx:
        warnings = announce(tmp_path, Notify(urls=(rx.url,)), "deploy.succeeded", {**FIELDS, "verified": True})
        assert warnings == []
        [body] = rx.bodies
    assert body["title"] == "shipmate deploy.succeeded: web/production 1.2.0"
    assert "deployment_id: dep_x" in body["message"] and "verified: True" in body["message"]
    assert rx.paths == ["/hook"]


def test_only_the_chosen_events_are_sent(tmp_path: Path) -> None:
    with receiver() as rx:
        spec = Notify(urls=(rx.url,), events=("deploy.failed",))
        assert announce(tmp_path, spec, "deploy.started", FIELDS) == []
        assert announce(tmp_path, spec, "deploy.failed", FIELDS) == []
        assert rx.events() == ["deploy.failed"]


def test_a_secret_value_never_leaves_in_a_notification(tmp_path: Path) -> None:
    redact.remember("tok-9f8e7d6c5b4a")
    with receiver() as rx:
        announce(tmp_path, Notify(urls=(rx.url,)), "deploy.failed",
                 {**FIELDS, "error": "auth failed with tok-9f8e7d6c5b4a"})
        [body] = rx.bodies
    assert "tok-9f8e7d6c5b4a" not in str(body) and "auth failed with ***" in body["message"]


def test_an_unreachable_receiver_is_a_warning_and_an_audit_event(tmp_path: Path) -> None:
    url = f"json://127.0.0.1:{free_port()}/hook"
    warnings = announce(tmp_path, Notify(urls=(url,)), "deploy.succeeded", FIELDS)
    assert len(warnings) == 1 and "deploy.succeeded" in warnings[0] and "failed" in warnings[0]
    with Store.open(tmp_path) as store:
        [event] = [e for e in store.events(service="web") if e.event_type == "notify.failed"]
    assert event.status == "warning" and event.data == {"event": "deploy.succeeded"} and event.errors == warnings


def test_no_spec_or_no_urls_sends_nothing(tmp_path: Path) -> None:
    assert announce(tmp_path, None, "deploy.started", FIELDS) == []
    assert announce(tmp_path, Notify(), "deploy.started", FIELDS) == []
    assert not (tmp_path / "state.db").exists()


def test_an_unknown_scheme_is_a_warning_without_its_tokens(tmp_path: Path) -> None:
    warnings = announce(tmp_path, Notify(urls=("nosuchscheme://secret-token@host",)), "deploy.started", FIELDS)
    assert len(warnings) == 1 and "secret-token" not in warnings[0]


def test_the_message_lists_known_fields_first_then_the_rest_sorted() -> None:
    title, body = message("approval.requested", {"service": "web", "environment": "prod", "version": "2",
                                                 "zeta": 1, "approval_id": "apr_1", "alpha": "a", "none": None})
    assert title == "shipmate approval.requested: web/prod 2"
    assert body.splitlines() == ["service: web", "environment: prod", "version: 2", "approval_id: apr_1",
                                 "alpha: a", "zeta: 1"]


def test_a_failure_that_cannot_be_audited_is_one_more_warning_never_swallowed(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.write_text("a file where the state folder should be")   # Store.open cannot create the database
    url = f"json://127.0.0.1:{free_port()}/hook"
    warnings = announce(home, Notify(urls=(url,)), "deploy.failed", FIELDS)
    assert len(warnings) == 2 and "not sent" in warnings[0]
    assert warnings[1].startswith("notification failure of deploy.failed not audited:")
