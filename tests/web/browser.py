"""Debian's chromium driven by Playwright (the pip package only: no browser download). Loopback only: every
name but 127.0.0.1/localhost resolves to nothing, and the background services that phone home are off."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.engines import engine_unavailable

CHROMIUM = os.environ.get("SHIPMATE_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost", "--no-sandbox",
        "--disable-gpu", "--disable-dev-shm-usage", "--disable-component-update", "--no-first-run",
        "--disable-sync", "--disable-background-networking", "--disable-quic"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"   # tests/artifacts/: ignored by git


def launch() -> Iterator[Any]:
    """A launched chromium (Playwright Browser), or skip/fail (SHIPMATE_REQUIRE=chromium) with the reason."""
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        engine_unavailable("chromium", f"no chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        engine_unavailable("chromium", "the playwright package is not installed (make install)")
    with sync_playwright() as driver:
        try:
            browser = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS, timeout=60_000)
        except Error as exc:
            engine_unavailable("chromium", f"{CHROMIUM} did not start: {str(exc)[:300]}")
        try:
            yield browser
        finally:
            browser.close()


def screenshot(page: Any, name: str) -> Path:
    """A full-page PNG under tests/artifacts/dashboard/ (CI keeps it as an artefact; git ignores it)."""
    folder = ARTIFACTS / "dashboard"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch()
