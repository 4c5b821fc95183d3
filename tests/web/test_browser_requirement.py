"""No chromium: the browser tests skip with the reason, unless CI requires chromium (then they fail)."""

from __future__ import annotations

import pytest

from tests.web import browser as browser_support


def test_a_missing_chromium_skips_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser_support, "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setenv("SHIPMATE_REQUIRE", "docker")
    with pytest.raises(pytest.skip.Exception, match="no chromium at /nonexistent/chromium"):
        next(browser_support.launch())


def test_a_missing_chromium_fails_when_ci_requires_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser_support, "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setenv("SHIPMATE_REQUIRE", "docker,chromium")
    with pytest.raises(pytest.fail.Exception, match="chromium is required"):
        next(browser_support.launch())
