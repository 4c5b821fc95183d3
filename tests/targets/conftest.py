"""A ProcessTarget whose every started instance is stopped (SIGKILL at worst) after the test."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from target_support import TrackedTarget

from shipmate.model import LaunchSpec


@pytest.fixture
def home_id() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def target(home_id: str) -> Iterator[TrackedTarget]:
    tracked = TrackedTarget()
    yield tracked
    for ref in tracked.started:
        tracked.stop(ref, grace=0.5)
    for ref in tracked.find_strays(home_id, set()):  # anything started by a failed test half-way
        tracked.stop(ref, grace=0.5)


@pytest.fixture
def make_launch(tmp_path: Path, home_id: str) -> Callable[..., LaunchSpec]:
    counter = iter(range(1, 1000))

    def make(argv: tuple[str, ...], *, port: int = 0, env: dict[str, str] | None = None,
             cwd: str | None = None, max_bytes: int = 1024 * 1024, backups: int = 3,
             instance_id: str | None = None) -> LaunchSpec:
        instance = instance_id or f"i{next(counter)}"
        return LaunchSpec(instance_id=instance, argv=argv, cwd=cwd or str(tmp_path),
                          env={**(env or {}), **({"PORT": str(port)} if port else {})}, port=port,
                          log_path=str(tmp_path / "logs" / f"{instance}.log"), home_id=home_id,
                          log_max_bytes=max_bytes, log_backups=backups)

    return make
