"""Health checks: each list item names exactly one kind (http, tcp, process, command)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from shipmate.spec.durations import DurationRange, default_duration
from shipmate.spec.field_types import IntRange, NonEmptyText, SpecModel, UrlPath

CHECK_KINDS = ("http", "tcp", "process", "command")


def _json_scalar(value: Any) -> Any:
    if value is not None and not isinstance(value, (str, int, float, bool)):
        raise PydanticCustomError(
            "json_scalar",
            "expected a string, number, true/false or null",
            {"hint": "compare one scalar per dotted key, e.g. {status: ok}"},
        )
    return value


JsonScalar = Annotated[
    Any, AfterValidator(_json_scalar), WithJsonSchema({"type": ["string", "number", "boolean", "null"]})
]


class HttpCheck(SpecModel):
    """GET a path on the instance's own port; healthy on the expected status (and body)."""

    path: UrlPath = Field(description="Request path, e.g. /health.")
    status: Annotated[int, IntRange(100, 599)] = Field(200, description="Expected HTTP status code.")
    body_contains: str | None = Field(None, description="If set, the response body must contain this text.")
    json_: dict[str, JsonScalar] | None = Field(
        default=None,
        alias="json",
        description="If set, the body must be JSON and each dotted key (a.b.c) must equal its value.",
    )


class TcpCheck(SpecModel):
    """Healthy when a TCP connection to the instance's port succeeds."""


class ProcessCheck(SpecModel):
    """Healthy while the instance's process is alive."""


class CommandCheck(SpecModel):
    """Run a command (argv, no shell) in the target's cwd; healthy on exit status 0."""

    argv: Annotated[tuple[NonEmptyText, ...], Field(min_length=1, max_length=64)] = Field(
        description='The command as a list, e.g. ["./healthcheck.sh"].'
    )
    timeout: Annotated[float, DurationRange("50ms", "10m")] = default_duration(
        "5s", "Kill the command and count a failure after this long."
    )


class Check(SpecModel):
    """One health check: exactly one of http, tcp, process, command."""

    model_config = SpecModel.model_config | {"json_schema_extra": {"minProperties": 1, "maxProperties": 1}}

    http: HttpCheck | None = None
    tcp: TcpCheck | None = None
    process: ProcessCheck | None = None
    command: CommandCheck | None = None

    @model_validator(mode="before")
    @classmethod
    def _exactly_one_kind(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        if all(key in CHECK_KINDS for key in data) and len(data) != 1:
            raise PydanticCustomError(
                "check_kind",
                "give exactly one of http, tcp, process, command",
                {"hint": "e.g. - http: {path: /health} or - tcp: {}"},
            )
        # "- tcp:" in YAML is a null; it means the same as "- tcp: {}".
        return {key: {} if key in ("tcp", "process") and value is None else value for key, value in data.items()}

    @property
    def kind(self) -> str:
        return next(kind for kind in CHECK_KINDS if getattr(self, kind) is not None)

    @property
    def settings(self) -> HttpCheck | TcpCheck | ProcessCheck | CommandCheck:
        """The one configured check's settings."""
        found: HttpCheck | TcpCheck | ProcessCheck | CommandCheck = getattr(self, self.kind)
        return found
