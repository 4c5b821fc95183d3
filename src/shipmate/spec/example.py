"""The commented example spec that `shipmate init` writes; kept as a packaged YAML file."""

from __future__ import annotations

from importlib import resources


def example_yaml() -> str:
    """A shipmate.yaml that validates: python3 app.py on $PORT, http check /health, blue-green."""
    return resources.files("shipmate.spec").joinpath("example.yaml").read_text(encoding="utf-8")
