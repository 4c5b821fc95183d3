"""The spec's `reports:` section: when `shipmate serve` sends the daily/weekly report through `notify:`.

Like `supervise:` it says how the service is looked after, not what runs: left out of the release digest.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from shipmate.analysis.report_schedule import parse_time, parse_weekly
from shipmate.spec.field_types import DnsLabel, NonEmptyText, SpecModel
from shipmate.spec.policy_spec import _check_zone
from shipmate.spec.quoting import quoted


def _schedule(parse: Callable[[str], object], hint: str) -> Callable[[str], str]:
    """A validator: the text as written when ``parse`` reads it, else the parser's reason with ``hint``."""
    def check(text: str) -> str:
        try:
            parse(text)
        except ValueError as exc:
            raise PydanticCustomError("report_time", "{why}: {got}", {"why": str(exc), "got": quoted(text),
                                                                       "hint": hint}) from None
        return text
    return check


_daily = _schedule(parse_time, 'e.g. daily: "08:00"')
_weekly = _schedule(parse_weekly, 'e.g. weekly: "Mon 08:00"')


class ReportsSpec(SpecModel):
    """Scheduled reports, sent by `shipmate serve` to every `notify.urls` once per period."""

    daily: Annotated[NonEmptyText, AfterValidator(_daily)] | None = Field(
        None, description='Send the report on the last 24 hours every day at this local time, e.g. "08:00".')
    weekly: Annotated[NonEmptyText, AfterValidator(_weekly)] | None = Field(
        None, description='Send the report on the last 7 days every week at this local time, e.g. "Mon 08:00".')
    timezone: Annotated[NonEmptyText, AfterValidator(_check_zone)] = Field(
        "UTC", description="IANA timezone of the times above and of the report's days, e.g. Europe/Berlin.")
    environment: DnsLabel | None = Field(
        None, description="The environment the scheduled report is about (default: production when declared, "
        "else the first).")
