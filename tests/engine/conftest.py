"""The interruption tests drive the installed `shipmate` in a throwaway project, like the end-to-end tests."""

from __future__ import annotations

from tests.e2e.conftest import project

__all__ = ["project"]
