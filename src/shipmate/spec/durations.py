"""Durations as people write them ("500ms", "5s", "2m", "1h"), parsed to float seconds.

A bare number is refused on purpose: "timeout: 5" is ambiguous (seconds? ms?) and a wrong
guess here turns into a deploy that waits 1000x too long or gives up at once. Values are kept
at millisecond resolution so that parse(format(x)) == x and the release digest is stable.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from shipmate.spec.quoting import clip, quoted

DURATION_PATTERN = r"^[0-9]+(\.[0-9]+)?(ms|s|m|h|d)$"
_DURATION_RE = re.compile(DURATION_PATTERN)
_UNIT_MS: dict[str, int] = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
UNIT_HINT = "write it with a unit, e.g. 5s"


def parse_duration(text: str) -> float:
    """Seconds in ``text`` (rounded to whole milliseconds); ValueError unless <number><ms|s|m|h|d>.

    A number too large for a float ("999...9s", 400 digits) is infinite: every range refuses it.
    """
    match = _DURATION_RE.match(text.strip())
    if match is None:
        raise ValueError(f"not a duration: {text[:80]!r}")
    number = text.strip()[: match.start(2)]
    ms = float(number) * _UNIT_MS[match.group(2)]
    return round(ms) / 1000 if math.isfinite(ms) else math.inf


def format_duration(seconds: float) -> str:
    """The shortest exact spelling at millisecond resolution (1.5 -> "1500ms", 120 -> "2m")."""
    ms = round(seconds * 1000)
    for unit in ("h", "m", "s"):
        if ms % _UNIT_MS[unit] == 0 and (ms != 0 or unit == "s"):
            return f"{ms // _UNIT_MS[unit]}{unit}"
    return f"{ms}ms"


@dataclass(frozen=True)
class DurationRange:
    """Annotated metadata: accept a duration string within [low, high], yield float seconds."""

    low: str
    high: str

    def to_seconds(self, value: Any) -> float:
        if _is_negative(value):
            raise PydanticCustomError(
                "duration_negative",
                "must not be negative, got {got}",
                {"got": quoted(value), "hint": f"a duration is {self.low} or more, with a unit, e.g. 30s"},
            )
        if (isinstance(value, (int, float)) and not isinstance(value, bool)) or (
            isinstance(value, str) and re.fullmatch(r"\s*[0-9.]+\s*", value)
        ):
            raise PydanticCustomError(
                "duration_unit",
                "a duration needs a unit, got {got}",
                {"got": quoted(value), "hint": UNIT_HINT},
            )
        try:
            seconds = parse_duration(value) if isinstance(value, str) else None
        except ValueError:
            seconds = None
        if seconds is None:
            raise PydanticCustomError(
                "duration_format",
                "expected a duration like 500ms, 5s, 2m or 1h, got {got}",
                {"got": quoted(value), "hint": UNIT_HINT},
            )
        if not parse_duration(self.low) <= seconds <= parse_duration(self.high):
            raise PydanticCustomError(
                "duration_range",
                "must be between {low} and {high}, got {got}",
                {"low": self.low, "high": self.high, "got": clip(value)},
            )
        return seconds

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(self.to_seconds)

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "type": "string",
            "pattern": DURATION_PATTERN,
            "description": f"a duration between {self.low} and {self.high}: 500ms, 5s, 2m, 1h",
        }


def _is_negative(value: Any) -> bool:
    """"-5s": a wait cannot go backwards, and the plain format error would not say why."""
    return isinstance(value, str) and re.fullmatch(r"\s*-\s*[0-9]+(\.[0-9]+)?\s*(ms|s|m|h|d)\s*", value) is not None


def default_duration(text: str, description: str | None = None) -> Any:
    """A field default written as a duration (validated like user input, shown as text in the schema)."""
    return Field(default=text, description=description)


# Any non-negative duration up to a year, for callers that bound it themselves.
Duration = Annotated[float, DurationRange("0s", "8760h")]
