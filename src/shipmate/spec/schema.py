"""JSON Schema of shipmate.yaml, for editors (YAML language servers) and agents."""

from __future__ import annotations

from typing import Any

from shipmate.spec.models import Spec

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def json_schema() -> dict[str, Any]:
    schema = Spec.model_json_schema()
    return {
        "$schema": SCHEMA_DIALECT,
        **schema,
        "title": "shipmate.yaml",
        "description": "shipmate deployment spec: what to run, how to prove it healthy, how to switch "
        "traffic and watch the new release. Durations take a unit: 500ms, 5s, 2m, 1h.",
    }
