"""The interruption tests drive the installed `shipmate` in a throwaway project, like the end-to-end tests;
the orchestration tests run the engine on a fake world."""

from __future__ import annotations

from tests.e2e.conftest import project
from tests.engine.fake_world import world

__all__ = ["project", "world"]
