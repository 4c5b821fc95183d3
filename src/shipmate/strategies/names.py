"""The strategy names, listed once: the spec's choices, the plan builders and the preflight all read them here.

Plain data (no imports beyond typing), so the spec can check a name without building a plan.
"""

from __future__ import annotations

from typing import Literal, get_args

StrategyName = Literal["blue-green", "recreate", "canary", "rolling"]
STRATEGIES: tuple[str, ...] = get_args(StrategyName)   # in the order the docs and `--help` show them
DEFAULT_STRATEGY: StrategyName = "blue-green"
BLUE_GREEN, RECREATE, CANARY, ROLLING = STRATEGIES

# Two copies behind the built-in router: the target must be routable (Swarm routes itself).
ROUTED_STRATEGIES = frozenset({BLUE_GREEN, CANARY, ROLLING})
# What a native-rollout target (Swarm) can do with its own update settings; the spec refuses the others.
NATIVE_STRATEGIES = (ROLLING, RECREATE)
