"""A stack file given where a spec is expected: `deploy`, `rollback`, `down`, `status`, `history` and `recover`
of the façade pass it to their stack operation; a spec goes to the service's operation, untouched.

The service operations never import the stack ones (these call them: a member is deployed by the service's own
deploy), so the choice is made here, at the façade's door, and the stack module is loaded only when used.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from shipmate.errors import InvalidInputError

F = TypeVar("F", bound=Callable[..., Any])

# operation -> (module, its stack operation)
STACK_OPERATIONS = {
    "deploy": ("shipmate.ops.deploying_stack", "deploy_stack"),
    "rollback": ("shipmate.ops.rolling_back_stack", "rollback_stack"),
    "down": ("shipmate.ops.taking_stack_down", "down_stack"),
    "status": ("shipmate.ops.reading_stack", "stack_status"),
    "history": ("shipmate.ops.reading_stack", "stack_history"),
    "recover": ("shipmate.ops.recovering_stack", "recover_stack"),
}


def stack_path(spec_file: Any) -> Path | None:
    """The stack file's path when ``spec_file`` is one (a top-level `stack:` key), else None."""
    from shipmate.ops.common.workspace import DEFAULT_SPEC
    from shipmate.spec.stack_file import is_stack_file

    if spec_file is not None and not isinstance(spec_file, str | Path):
        return None
    path = Path(spec_file or DEFAULT_SPEC).expanduser().absolute()
    return path if is_stack_file(path) else None


def stack_aware(name: str, single: F) -> F:
    """``single`` (the service's operation), or its stack operation when the first argument is a stack file.
    An option that does not apply to a stack (given with a value other than its default) is bad input."""
    module, stack_name = STACK_OPERATIONS[name]

    @functools.wraps(single)
    def either(*args: Any, **kwargs: Any) -> Any:
        path = stack_path(args[0] if args else kwargs.get("spec_file"))
        if path is None:
            return single(*args, **kwargs)
        import inspect

        stack_op = getattr(importlib.import_module(module), stack_name)
        accepted = inspect.signature(stack_op).parameters
        defaults = inspect.signature(single).parameters
        options = {k: v for k, v in kwargs.items() if k != "spec_file"}
        for key, value in options.items():
            if key not in accepted and key in defaults and value != defaults[key].default:
                raise InvalidInputError(f"{key.replace('_', '-')} does not apply to a stack ({path.name})",
                                        hint=f"run `shipmate {name}` with -f on one member's spec for that")
        return stack_op(path, **{k: v for k, v in options.items() if k in accepted})

    return either  # type: ignore[return-value]
