"""`${PORT}` and `${SHIPMATE_*}` in target.command, filled in at instance start: there is no shell.

`["python3", "-m", "http.server", "${PORT}"]` gets the instance's port as its own argument.
Only the names shipmate sets for every instance may appear; any other `${...}` is refused when the
spec loads. `$$` stands for one `$` (so `$${PORT}` passes the text `${PORT}` through). A bare `$PORT`
is left as it is (no shell expands it) and earns a hint when the instance fails. Stdlib only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

ARGV_NAMES = ("PORT", "SHIPMATE_SERVICE", "SHIPMATE_VERSION", "SHIPMATE_ENVIRONMENT", "SHIPMATE_DEPLOYMENT_ID")
ARGV_HINT = "shipmate fills in only ${PORT}, ${SHIPMATE_SERVICE}, ${SHIPMATE_VERSION}, ${SHIPMATE_ENVIRONMENT} " \
            "and ${SHIPMATE_DEPLOYMENT_ID}; write $$ for a literal $"
_TOKEN = re.compile(r"\$\$|\$\{([^}]*)\}|\$\{")
_BARE = re.compile(r"\$(PORT|SHIPMATE_[A-Z_]+)\b")


def argv_problem(arg: str) -> str | None:
    """Why ``arg`` cannot be filled in (an unknown or unclosed `${`), or None when it can."""
    for match in _TOKEN.finditer(arg):
        token = match.group(0)
        if token == "$$":
            continue
        if token == "${":
            return "has a '${' without its closing '}'"
        if match.group(1) not in ARGV_NAMES:
            name = match.group(1)
            shown = name if len(name) <= 40 else name[:37] + "..."
            return f"unknown variable ${{{shown}}}"
    return None


def fill_argv(argv: Sequence[str], values: Mapping[str, str]) -> tuple[str, ...]:
    """Each argument with `${NAME}` replaced by ``values[NAME]`` and `$$` by `$`; other text untouched."""
    def one(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "$$":
            return "$"
        name = match.group(1)
        return values[name] if name is not None and name in values else token

    return tuple(_TOKEN.sub(one, arg) for arg in argv)


def bare_references(argv: Sequence[str]) -> list[str]:
    """`$PORT`-style references without braces, which reach the program as literal text."""
    found: list[str] = []
    for arg in argv:
        unescaped = arg.replace("$$", "")
        found.extend(f"${m.group(1)}" for m in _BARE.finditer(unescaped))
    return found
