"""Load and validate shipmate.yaml.

Names are re-exported lazily: `shipmate.spec.service_names` (the fast path for read-only commands)
must import without pulling in pydantic, and importing it runs this file first.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shipmate.spec.example import example_yaml
    from shipmate.spec.loader import LoadedSpec, load_spec
    from shipmate.spec.models import Spec
    from shipmate.spec.schema import json_schema
    from shipmate.spec.service_names import read_service_names

_HOMES = {
    "LoadedSpec": "loader",
    "load_spec": "loader",
    "Spec": "models",
    "read_service_names": "service_names",
    "example_yaml": "example",
    "json_schema": "schema",
}
__all__ = ["LoadedSpec", "Spec", "example_yaml", "json_schema", "load_spec", "read_service_names"]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
