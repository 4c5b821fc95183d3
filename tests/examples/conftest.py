"""Fixture starting the sample app as real child processes, each stopped afterwards."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hello_support import RunningApp, stop_process
from tests.waiting import APP, free_port


@pytest.fixture
def launch_app(tmp_path: Path) -> Iterator[Callable[..., RunningApp]]:
    """Start the app with extra env; ``wait=False`` returns before it listens."""
    started: list[subprocess.Popen[bytes]] = []

    def launch(wait: bool = True, **env: str) -> RunningApp:
        port = free_port()
        output = tmp_path / f"app-{port}.out"
        with output.open("wb") as sink:
            proc = subprocess.Popen([sys.executable, str(APP)], stdout=sink, stderr=subprocess.STDOUT,
                                    env={**os.environ, "PORT": str(port), **env})
        started.append(proc)
        app = RunningApp(proc, port, output)
        if wait:
            app.wait_listening()
        return app

    yield launch
    for proc in started:
        stop_process(proc)
