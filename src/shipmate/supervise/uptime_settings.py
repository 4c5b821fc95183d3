"""Each service's `uptime:`, `slo:` and `notify:` from today's spec, read again when the file changes."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from shipmate.errors import ShipmateError

if TYPE_CHECKING:
    from shipmate.spec.hooks_spec import Notify
    from shipmate.spec.uptime_spec import SloSpec, UptimeSpec

log = logging.getLogger("shipmate.serve")


@dataclass(frozen=True)
class UptimeSettings:
    uptime: UptimeSpec
    slo: SloSpec | None
    notify: Notify | None


def default_settings() -> UptimeSettings:
    from shipmate.spec.uptime_spec import UptimeSpec

    return UptimeSettings(UptimeSpec.model_validate({}), None, None)


class SettingsCache:
    def __init__(self, specs: dict[str, Path]) -> None:
        self._specs = specs
        self._cache: dict[tuple[str, str], tuple[float, UptimeSettings]] = {}

    def __call__(self, service: str, environment: str) -> UptimeSettings:
        from shipmate.spec.loader import load_spec

        spec = self._specs.get(service)
        try:
            mtime = spec.stat().st_mtime if spec is not None else 0.0
        except OSError:
            mtime = 0.0
        cached = self._cache.get((service, environment))
        if cached is not None and cached[0] == mtime:
            return cached[1]
        settings = default_settings()
        if spec is not None and mtime:
            try:
                loaded = load_spec(spec, environment=environment).spec
                settings = UptimeSettings(loaded.uptime, loaded.slo, loaded.notify)
            except ShipmateError as exc:
                log.warning("%s: uptime settings unreadable (%s): using the defaults", spec, exc.message)
        self._cache[(service, environment)] = (mtime, settings)
        return settings
