"""Typed results of operations: frozen dataclasses with to_json(), what --json prints and MCP returns."""
