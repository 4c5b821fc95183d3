"""Fixtures shared by the whole suite: real engines (tests/engines.py) and offline Docker images."""

pytest_plugins = ["tests.engines", "tests.docker_images", "tests.swarm_engine", "tests.swarm_cluster"]
