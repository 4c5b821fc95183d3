"""Reusable constrained field types for the spec, each with its own one-line error and hint.

Bounds and patterns are checked here rather than with pydantic's ge/le/pattern so that the
message can name both bounds ("must be between 1 and 65535, got 70000") and carry a hint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from shipmate.spec.quoting import clip, number_text

DNS_LABEL_PATTERN = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"
VERSION_PATTERN = r"^[A-Za-z0-9._+-]{1,128}$"


class SpecModel(BaseModel):
    """Base of every spec model: unknown keys are errors, values never change after loading."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


@dataclass(frozen=True)
class IntRange:
    """A strict integer (no "80", no 8.0, no true) within [low, high]; ``hint`` goes with the error."""

    low: int
    high: int
    hint: str | None = None

    def check(self, value: int) -> int:
        if not self.low <= value <= self.high:
            raise PydanticCustomError(
                "out_of_range",
                "must be between {low} and {high}, got {got}",
                {"low": self.low, "high": self.high, "got": number_text(value), "hint": self.hint},
            )
        return value

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, core_schema.int_schema(strict=True))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "integer", "minimum": self.low, "maximum": self.high}


@dataclass(frozen=True)
class FloatRange:
    """A number (integers allowed, booleans not) within [low, high]."""

    low: float
    high: float

    def check(self, value: float) -> float:
        if not self.low <= value <= self.high:
            raise PydanticCustomError(
                "out_of_range",
                "must be between {low} and {high}, got {got}",
                {"low": _num(self.low), "high": _num(self.high), "got": _num(value)},
            )
        return float(value)

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, core_schema.float_schema(strict=True))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "number", "minimum": self.low, "maximum": self.high}


def _num(value: float) -> str:
    if isinstance(value, int):
        return number_text(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e16 else number_text(value)


@dataclass(frozen=True)
class TextRule:
    """A strict string matching ``pattern``; ``what`` names the rule in the error message."""

    pattern: str
    what: str
    hint: str | None = None

    def check(self, value: str) -> str:
        if re.match(self.pattern, value) is None:
            shown = clip(value, 60)
            raise PydanticCustomError(
                "text_rule",
                "must be {what}, got '{got}'",
                {"what": self.what, "got": shown, "hint": self.hint},
            )
        return value

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, core_schema.str_schema(strict=True))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "string", "pattern": self.pattern}


DNS_LABEL_RULE = TextRule(
    DNS_LABEL_PATTERN,
    "a DNS label (lowercase letters, digits and '-', 1-63 chars)",
    "e.g. web or billing-api",
)
VERSION_RULE = TextRule(
    VERSION_PATTERN,
    "1-128 characters of letters, digits, '.', '_', '+' or '-'",
    "e.g. 1.4.2 or 2026.11.22-rc1",
)
DnsLabel = Annotated[str, DNS_LABEL_RULE]
VersionText = Annotated[str, VERSION_RULE]
NonEmptyText = Annotated[str, TextRule(r"^(?s:.)+$", "a non-empty string")]
UrlPath = Annotated[str, TextRule(r"^/[^\s]{0,2047}$", "a path starting with '/' without spaces", "e.g. /health")]
Port = Annotated[int, IntRange(1, 65535)]
