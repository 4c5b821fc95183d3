"""RouterClient is a shipmate.traffic.TrafficRouter: checked statically (mypy on a typed module)
and at run time (every Protocol method is there, with the Protocol's parameters)."""

from __future__ import annotations

import inspect
from pathlib import Path

from mypy import api as mypy_api

from shipmate.router.client import RouterClient
from shipmate.traffic import TrafficRouter

HERE = Path(__file__).resolve().parent


def test_router_client_type_checks_as_a_traffic_router() -> None:
    out, err, status = mypy_api.run(["--strict", "--no-incremental", "--follow-imports=silent",
                                     str(HERE / "conformance_check.py")])
    assert status == 0, out + err


def test_router_client_has_every_traffic_router_method_with_its_parameters() -> None:
    names = [n for n, v in vars(TrafficRouter).items() if callable(v) and not n.startswith("_")]
    assert set(names) >= {"set_backends", "remove", "drain", "stats", "routes", "ensure_running"}
    for name in names:
        wanted = inspect.signature(getattr(TrafficRouter, name)).parameters
        have = inspect.signature(getattr(RouterClient, name)).parameters
        for param, spec in wanted.items():
            assert param in have, f"{name} lacks {param}"
            assert have[param].kind == spec.kind, f"{name}.{param} is {have[param].kind}, wanted {spec.kind}"
