"""The service name and environment names of a spec, read without pydantic: the fast path for read-only commands.

`shipmate status` runs in loops driven by agents; importing pydantic and validating the whole
spec would cost more than the command itself. Imports here: stdlib, PyYAML, shipmate.errors.
"""

from __future__ import annotations

import re
from pathlib import Path

from shipmate.errors import SpecError
from shipmate.spec.stack_file import refuse_stack_here
from shipmate.spec.yaml_source import load_mapping

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


def read_service_names(path: Path) -> tuple[str, list[str]]:
    """(service, declared environment names in file order); SpecError if the file or service is bad."""
    data, _ = load_mapping(path)
    refuse_stack_here(data, path)
    service = data.get("service")
    if not isinstance(service, str) or _DNS_LABEL.match(service) is None:
        raise SpecError(
            "missing or invalid service name",
            path="service",
            file=str(path),
            hint="set service: to a DNS label, e.g. service: web; `shipmate validate` says more",
        )
    environments = data.get("environments")
    names = [str(name) for name in environments] if isinstance(environments, dict) else []
    return service, names
