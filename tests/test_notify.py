"""shipmate.notify against a real HTTP receiver (apprise json://): delivered, or one NotifyError with the URL
masked, whatever apprise met on the way."""

from __future__ import annotations

import pytest

from shipmate.errors import NotifyError
from shipmate.notify import send, shown_url
from tests.notify_receiver import receiver
from tests.waiting import free_port


def test_a_message_reaches_the_receiver() -> None:
    with receiver() as rx:
        send(rx.url, "the title", "the body")
        [body] = rx.bodies
    assert body["title"] == "the title" and body["message"] == "the body"


def test_a_receiver_that_is_down_is_a_notify_error_naming_the_url() -> None:
    url = f"json://127.0.0.1:{free_port()}/hook"
    with pytest.raises(NotifyError) as caught:
        send(url, "t", "b")
    assert "127.0.0.1" in caught.value.message and "unreachable or refused" in caught.value.message
    assert caught.value.exit_code == 7 and caught.value.code == "notify_failed"


def test_an_unknown_scheme_is_a_notify_error_without_the_token() -> None:
    with pytest.raises(NotifyError) as caught:
        send("nosuchscheme://secret-token@host", "t", "b")
    assert "secret-token" not in caught.value.message and "not a URL apprise knows" in caught.value.message


def test_a_shown_url_hides_its_token() -> None:
    assert "tok-12345678" not in shown_url("json://user:tok-12345678@127.0.0.1:9/hook")
