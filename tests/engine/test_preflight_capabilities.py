"""A release asks its target's capabilities before anything is written (pure: no target is started)."""

from __future__ import annotations

import pytest

from shipmate.engine.preflight import check_capabilities
from shipmate.errors import PrerequisiteMissingError
from shipmate.targets.base import Capabilities
from tests.engine.fake_world import release

ONE_COPY = Capabilities(routable=True, replicas=False, max_replicas=1, logs=True, process_stats=False)
FEW = Capabilities(routable=True, replicas=True, max_replicas=4, logs=True, process_stats=False)
UNROUTED = Capabilities(routable=False, replicas=True, max_replicas=32, logs=False, process_stats=False)


@pytest.mark.parametrize(("can", "replicas", "strategy", "refused"), [
    (ONE_COPY, 1, "blue-green", None),
    (ONE_COPY, 2, "blue-green", "runs at most 1 instance(s) of a release, not 2"),
    (FEW, 4, "rolling", None),
    (FEW, 5, "rolling", "runs at most 4 instance(s) of a release, not 5"),
    (UNROUTED, 3, "recreate", None),
    (UNROUTED, 1, "canary", "strategy canary moves traffic through the router"),
])
def test_a_release_the_target_cannot_run_is_refused_with_a_hint(
        can: Capabilities, replicas: int, strategy: str, refused: str | None) -> None:
    config = release("1.0.0", port=8080, replicas=replicas, strategy=strategy)
    if refused is None:
        check_capabilities(config, can)
        return
    with pytest.raises(PrerequisiteMissingError) as err:
        check_capabilities(config, can)
    assert refused in err.value.message and err.value.hint
