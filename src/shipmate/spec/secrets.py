"""Declared secrets: names and validation rules only; values live in the state folder, never in the spec."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from shipmate.spec.field_types import IntRange, SpecModel, TextRule
from shipmate.spec.secret_names import SECRET_NAME_PATTERN

SecretName = Annotated[str, TextRule(SECRET_NAME_PATTERN, "an environment-variable-style name in capitals",
                                     "e.g. API_KEY or DB_PASSWORD")]


class SecretSpec(SpecModel):
    """One secret the service needs; its value is set with `shipmate secrets set NAME` and checked on deploy."""

    name: SecretName = Field(description="Name; the instance gets NAME_FILE, the path of a file holding it.")
    pattern: str | None = Field(None, description='Regular expression the value must match, e.g. "^sk-".')
    min_length: Annotated[int, IntRange(1, 65536)] | None = Field(None, description="Fewest characters allowed.")

    @model_validator(mode="before")
    @classmethod
    def _bare_name(cls, data: Any) -> Any:
        return {"name": data} if isinstance(data, str) else data

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise PydanticCustomError("secret_pattern", "not a valid regular expression: {why}",
                                          {"why": str(exc), "hint": 'e.g. pattern: "^[A-Za-z0-9]{16,}$"'}) from exc
        return pattern

    def problem_with(self, value: str) -> str | None:
        """Why ``value`` is refused (the message never contains it), or None."""
        if self.min_length is not None and len(value) < self.min_length:
            return f"is shorter than its min_length ({self.min_length})"
        if self.pattern is not None and re.search(self.pattern, value) is None:
            return f"does not match its pattern {self.pattern!r}"
        return None


Secrets = Annotated[tuple[SecretSpec, ...], Field(max_length=100)]


def check_unique(secrets: tuple[SecretSpec, ...]) -> tuple[SecretSpec, ...]:
    seen: set[str] = set()
    for secret in secrets:
        if secret.name in seen:
            raise PydanticCustomError("secret_duplicate", "{name} is declared twice",
                                      {"name": secret.name, "hint": "declare each secret once"})
        seen.add(secret.name)
    return secrets
