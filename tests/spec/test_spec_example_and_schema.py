"""The example `shipmate init` writes validates, and the JSON Schema describes every key."""

from __future__ import annotations

import json
from pathlib import Path

from spec_cases import write_spec

from shipmate.spec import example_yaml, json_schema, load_spec
from shipmate.spec.models import Spec


def test_example_validates_and_says_what_the_brief_asks(tmp_path: Path) -> None:
    loaded = load_spec(write_spec(tmp_path, example_yaml()))
    spec = loaded.spec
    assert list(spec.target.command) == ["python3", "app.py"]
    assert spec.health.checks[0].http is not None and spec.health.checks[0].http.path == "/health"
    assert spec.strategy == "blue-green" and spec.replicas == 1
    assert spec.monitor.duration == 10.0
    assert loaded.environment == "default"


def test_example_explains_each_key_with_comments() -> None:
    text = example_yaml()
    for key in ("service:", "version:", "port:", "target:", "health:", "replicas:", "strategy:", "drain:",
                "monitor:"):
        line = next(line for line in text.splitlines() if line.startswith(key))
        index = text.splitlines().index(line)
        assert text.splitlines()[index - 1].startswith("#"), key
    assert "environments:" in text


def test_json_schema_is_json_and_names_every_top_level_key() -> None:
    schema = json.loads(json.dumps(json_schema()))
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert schema["title"] == "shipmate.yaml" and schema["description"]
    assert set(schema["properties"]) == set(Spec.model_fields)
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"service", "target"}
    # port is required unless target.kind is files (a folder of files serves nothing)
    assert schema["allOf"][0]["else"] == {"required": ["port"]}
    assert schema["allOf"][0]["if"]["properties"]["target"]["properties"]["kind"] == {"const": "files"}


def test_json_schema_writes_durations_as_strings_with_units() -> None:
    health = json_schema()["$defs"]["Health"]["properties"]
    assert health["interval"]["type"] == "string"
    assert health["interval"]["default"] == "1s"
    assert "ms|s|m|h|d" in health["interval"]["pattern"]


def test_json_schema_carries_bounds_and_descriptions() -> None:
    schema = json_schema()
    port = schema["properties"]["port"]
    number = next(branch for branch in port["anyOf"] if branch.get("type") == "integer")
    assert (number["minimum"], number["maximum"]) == (1, 65535)
    assert port["description"]
    assert schema["$defs"]["Check"]["maxProperties"] == 1


def test_example_sections_for_canary_and_rolling_validate_once_uncommented(tmp_path: Path) -> None:
    text = example_yaml()
    lines = text.splitlines()
    for strategy in ("canary", "rolling"):
        start = next(i for i, line in enumerate(lines)
                     if line.startswith(f"# {strategy}:") and f"with strategy: {strategy}" in line)
        section = [line[2:] for line in lines[start:start + 3]]
        assert all(line.startswith("#   ") for line in lines[start + 1:start + 3])
        changed = text.replace("strategy: blue-green", f"strategy: {strategy}", 1).replace("replicas: 1", "replicas: 3")
        spec = load_spec(write_spec(tmp_path, changed + "\n".join(section) + "\n")).spec
        defaults = load_spec(write_spec(tmp_path, changed)).spec
        assert spec.strategy == strategy and spec.replicas == 3
        assert (spec.canary, spec.rolling) == (defaults.canary, defaults.rolling), "the example shows the defaults"


def test_json_schema_bounds_replicas_and_names_every_strategy() -> None:
    schema = json_schema()
    replicas = schema["properties"]["replicas"]
    assert (replicas["minimum"], replicas["maximum"], replicas["default"]) == (1, 32, 1)
    assert schema["properties"]["strategy"]["enum"] == ["blue-green", "recreate", "canary", "rolling"]
    steps = schema["$defs"]["Canary"]["properties"]["steps"]
    assert steps["minItems"] == 1
    assert steps["default"] == [{"weight": 10, "pause": "30s"}, {"weight": 50, "pause": "30s"}]
    weight = schema["$defs"]["CanaryStep"]["properties"]["weight"]
    assert (weight["minimum"], weight["maximum"]) == (1, 99)
    assert set(schema["$defs"]["Rolling"]["properties"]) == {"max_unavailable", "max_surge"}
