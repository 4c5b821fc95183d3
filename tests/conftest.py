"""Fixtures shared by the whole suite: real engines (tests/engines.py) and offline Docker images."""

import pytest

pytest_plugins = ["tests.engines", "tests.docker_images", "tests.swarm_engine", "tests.swarm_cluster",
                  "tests.postgres_server"]


@pytest.fixture(autouse=True)
def _private_host_registry(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Deploys register their home under $XDG_STATE_HOME/shipmate/: a test's go to its own folder, never the host's."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("xdg-state")))
    # Where state is kept is a host setting (store/location.py): a test's stays in SQLite unless it says otherwise.
    monkeypatch.delenv("SHIPMATE_STORE", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg-config")))
