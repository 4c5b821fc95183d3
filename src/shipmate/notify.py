"""The one place shipmate talks to apprise: send a title and body to one URL, show a URL without its tokens.

Whatever apprise raises is mapped here, once, to NotifyError; callers decide what a failed send means
(for a deployment: a warning, never a failure).
"""

from __future__ import annotations

import logging

from shipmate.errors import NotifyError

CONNECT_TIMEOUT_S = 3.0
READ_TIMEOUT_S = 5.0


def shown_url(url: str) -> str:
    """The URL with apprise's privacy mask (tokens in slack://, mailto:// ... never shown), query dropped."""
    import apprise

    plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        return url.split("://", 1)[0] + "://..."
    shown: str = plugin.url(privacy=True)  # type: ignore[no-untyped-call]
    return shown.split("?", 1)[0]


def send(url: str, title: str, body: str) -> None:
    """Deliver one message; NotifyError (its message safe to show: the URL masked) when it was not."""
    import apprise

    logging.getLogger("apprise").setLevel(logging.CRITICAL)   # its own log lines would print URLs
    try:
        plugin = apprise.Apprise.instantiate(url)
        if plugin is None:
            raise NotifyError(f"{shown_url(url)} is not a URL apprise knows")
        plugin.socket_connect_timeout = CONNECT_TIMEOUT_S
        plugin.socket_read_timeout = READ_TIMEOUT_S
        delivered = plugin.notify(body=body, title=title)
    except NotifyError:
        raise
    except Exception as exc:   # apprise plugins raise what their transports raise: mapped once, here
        raise NotifyError(f"{shown_url(url)}: {type(exc).__name__}") from exc
    if not delivered:
        raise NotifyError(f"{shown_url(url)} failed (unreachable or refused)")
