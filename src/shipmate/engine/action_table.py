"""Every plan step name and the action that runs it: the forward steps (actions.py), the abort steps
(abort_actions.py), prune (retention.py) and a native rollout's steps (native_actions.py).

Apart from actions.py so that the action modules import actions.py (Action, Outcome), never the other way.
"""

from __future__ import annotations

from shipmate.engine import abort_actions, files_actions, native_actions, retention
from shipmate.engine.actions import (
    Action,
    add_backends,
    analyze,
    drain_old,
    hold_route,
    preflight,
    promote,
    remove_backends,
    set_weight,
    start_instances,
    stop_old,
    switch_route,
    wait_healthy,
    watch,
)

ACTIONS: dict[str, Action] = {
    "preflight": preflight, "start_instances": start_instances, "wait_healthy": wait_healthy,
    "switch_route": switch_route, "hold_route": hold_route, "set_weight": set_weight,
    "analyze": analyze, "monitor": watch, "add_backends": add_backends,
    "remove_backends": remove_backends, "promote": promote, "drain_old": drain_old, "stop_old": stop_old,
    **abort_actions.ACTIONS, **retention.ACTIONS, **native_actions.ACTIONS, **files_actions.ACTIONS,
}
