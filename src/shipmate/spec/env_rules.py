"""Rules for environment variables in the spec: valid names, names shipmate owns, no secrets.

Secrets must never sit in shipmate.yaml: the file is committed, and every value in it ends up
in events, plans and reports. Error messages here never include the value.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Strict, WithJsonSchema
from pydantic_core import PydanticCustomError

ENV_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
_SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL", re.IGNORECASE)
_PEM_MARKER = "-----BEGIN"
RESERVED_NAMES = frozenset({"PORT"})
RESERVED_PREFIX = "SHIPMATE_"


def looks_like_secret_name(name: str) -> bool:
    """True for names like DB_PASSWORD or apiKey; *_FILE names point at a file and are fine."""
    return _SECRET_NAME.search(name) is not None and not name.upper().endswith("_FILE")


def _secret_hint(name: str) -> str:
    return f"put the value in a file and set {name}_FILE=/path/to/file instead (never commit secrets)"


def check_env_name(name: str) -> str:
    if re.match(ENV_NAME_PATTERN, name) is None:
        raise PydanticCustomError(
            "env_name",
            "not a valid environment variable name",
            {"hint": "use letters, digits and '_', not starting with a digit"},
        )
    if name in RESERVED_NAMES or name.upper().startswith(RESERVED_PREFIX):
        raise PydanticCustomError(
            "env_reserved",
            "{name} is set by shipmate itself",
            {"name": name, "hint": "remove it: shipmate sets PORT and SHIPMATE_* for every instance"},
        )
    if looks_like_secret_name(name):
        raise PydanticCustomError(
            "plaintext_secret", "plaintext secret in spec", {"hint": _secret_hint(name)}
        )
    return name


def check_env_value(value: str) -> str:
    if _PEM_MARKER in value:
        raise PydanticCustomError(
            "plaintext_secret", "plaintext secret in spec", {"hint": _secret_hint("NAME")}
        )
    return value


EnvName = Annotated[
    str,
    Strict(),
    AfterValidator(check_env_name),
    WithJsonSchema({"type": "string", "pattern": ENV_NAME_PATTERN}),
]
EnvValue = Annotated[str, Strict(), AfterValidator(check_env_value)]
EnvVars = dict[EnvName, EnvValue]
