"""Checked by mypy (see test_client_conforms_to_traffic_router): RouterClient is a TrafficRouter."""

from pathlib import Path

from shipmate.router.client import RouterClient
from shipmate.traffic import TrafficRouter

_: TrafficRouter = RouterClient(Path(".shipmate"))
