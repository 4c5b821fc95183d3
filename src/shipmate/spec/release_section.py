"""Only the spec's `release:` section, validated with its key paths (`release.tag_format`, ...).

`shipmate version` and `shipmate release` need nothing else from shipmate.yaml, so they skip the service's
models: a third of a second per call that `version --next` in an agent's loop would pay. The rest of the
file is `shipmate validate`'s and `deploy`'s business.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import ConfigDict, Field, ValidationError

from shipmate.spec.error_messages import spec_error_from
from shipmate.spec.field_types import SpecModel
from shipmate.spec.release_spec import ReleaseSpec
from shipmate.spec.yaml_source import load_mapping

if TYPE_CHECKING:
    from pathlib import Path


class _ReleaseOnly(SpecModel):
    model_config = ConfigDict(extra="ignore", frozen=True, validate_default=True)

    release: ReleaseSpec | None = Field(None)


def release_section(path: Path) -> tuple[ReleaseSpec, str | None]:
    """The `release:` section (its defaults when absent) and the `service:` name when it is a string."""
    data, positions = load_mapping(path)
    try:
        read = _ReleaseOnly.model_validate({"release": data.get("release")})
    except ValidationError as exc:
        raise spec_error_from(exc, root=_ReleaseOnly, file=str(path), positions=positions) from None
    service = data.get("service")
    return read.release or ReleaseSpec.model_validate({}), service if isinstance(service, str) else None
