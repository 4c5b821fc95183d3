"""What the operations return: frozen dataclasses, one module per area, named for an API (the coming HTTP face
publishes them). Each serialises with to_json() to exactly the `--json` object the CLI prints (key order
included; tests/cli/data/json_shapes pins them), and reads like that object (result["key"]) for callers that
index it. Plain dataclasses, not pydantic: `status --json` must start without loading pydantic.

Nested structures produced by the pure packages (a plan, a monitor verdict, a health level's evidence) stay
JSON objects (dict) inside these types; their shape is the pure package's.
"""
