"""`/metrics` in the Prometheus text format: a custom collector that reads the stores on each scrape
(shipmate.ops.metrics), so every value is the store's, never a cache of this face.

Naming follows Prometheus' rules: the `shipmate_` prefix, base units (seconds, ratios), `_total` counters,
`_info` for metadata, and only service/environment-sized labels. The Grafana dashboard in examples/grafana
uses exactly the names in METRICS (a test parses both).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeHistogramMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    InfoMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shipmate import ops

Homes = Callable[[], Iterable[str]]
SE = ("service", "environment")

# name (without the _total/_info suffix the family adds) -> (kind, help, labels)
METRICS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "shipmate_deployments": ("counter", "Finished deployments by outcome.", (*SE, "outcome")),
    "shipmate_deployment_duration_seconds": ("histogram", "How long finished deployments took.", SE),
    "shipmate_rollbacks": ("counter", "Rollbacks by reason (failed_deploy, manual, crash_loop).", (*SE, "reason")),
    "shipmate_restarts": ("counter", "Instances `serve` restarted.", SE),
    "shipmate_release": ("info", "The current release of each service/environment.", (*SE, "version", "artifact")),
    "shipmate_probe_latency_seconds": ("gaugehistogram", "Latency of the outside checks over the last hour.", SE),
    "shipmate_uptime_30d_ratio": ("gauge", "Share of good outside checks over the last 30 days.", SE),
    "shipmate_slo_target_ratio": ("gauge", "The SLO target as a ratio (99.9 % -> 0.999).", SE),
    "shipmate_error_budget_remaining_seconds": ("gauge", "Bad time the SLO still allows in its window "
                                                "(negative: broken).", SE),
    "shipmate_service_up": ("gauge", "1 while the service answers from outside, 0 during an incident.", SE),
    "shipmate_approvals_pending": ("gauge", "Approval requests waiting for a person.", SE),
    "shipmate_lock_held": ("gauge", "Deployment and serve locks in force, by holder.", ("lock", "holder")),
    "shipmate_homes_unreadable": ("gauge", "State homes whose store could not be read for this scrape.", ()),
}


def exposed_names() -> set[str]:
    """Every sample name a scrape can carry (counters' _total/_created, histograms' _bucket/_sum/_count...)."""
    suffixes = {"counter": ("_total", "_created"), "info": ("_info",), "gauge": ("",),
                "histogram": ("_bucket", "_sum", "_count", "_created"),
                "gaugehistogram": ("_bucket", "_gsum", "_gcount")}
    return {name + suffix for name, (kind, _, _) in METRICS.items() for suffix in suffixes[kind]}


class StoreCollector(Collector):
    def __init__(self, homes: Homes) -> None:
        self._homes = homes

    def collect(self) -> Iterator[Metric]:
        snap = ops.metrics(sorted(self._homes()))

        def family(name: str) -> tuple[str, tuple[str, ...]]:
            return METRICS[name][1], METRICS[name][2]

        doc, labels = family("shipmate_deployments")
        yield _filled(CounterMetricFamily("shipmate_deployments", doc, labels=labels), snap.deployments)
        doc, labels = family("shipmate_rollbacks")
        yield _filled(CounterMetricFamily("shipmate_rollbacks", doc, labels=labels), snap.rollbacks)
        doc, labels = family("shipmate_restarts")
        yield _filled(CounterMetricFamily("shipmate_restarts", doc, labels=labels), snap.restarts)
        doc, labels = family("shipmate_deployment_duration_seconds")
        hist = HistogramMetricFamily("shipmate_deployment_duration_seconds", doc, labels=labels)
        for h in snap.deployment_seconds:
            hist.add_metric([h.labels[k] for k in labels], [(_le(b), float(c)) for b, c in h.buckets], h.sum)
        yield hist
        doc, labels = family("shipmate_probe_latency_seconds")
        ghist = GaugeHistogramMetricFamily("shipmate_probe_latency_seconds", doc, labels=labels)
        for h in snap.probe_latency:
            ghist.add_metric([h.labels[k] for k in labels], [(_le(b), float(c)) for b, c in h.buckets], h.sum)
        yield ghist
        doc, labels = family("shipmate_release")
        info = InfoMetricFamily("shipmate_release", doc, labels=SE)
        for r in snap.releases:
            info.add_metric([r.labels[k] for k in SE], {k: r.labels[k] for k in labels if k not in SE})
        yield info
        for name, values in (("shipmate_uptime_30d_ratio", snap.uptime_30d),
                             ("shipmate_slo_target_ratio", snap.slo_target),
                             ("shipmate_error_budget_remaining_seconds", snap.error_budget_left_seconds),
                             ("shipmate_service_up", snap.service_up),
                             ("shipmate_approvals_pending", snap.approvals_pending),
                             ("shipmate_lock_held", snap.locks_held)):
            doc, labels = family(name)
            yield _filled(GaugeMetricFamily(name, doc, labels=labels), values)
        doc, _ = family("shipmate_homes_unreadable")
        yield GaugeMetricFamily("shipmate_homes_unreadable", doc, value=snap.unreadable_homes)


def _filled(metric: CounterMetricFamily | GaugeMetricFamily, values: list[ops.LabeledValue]) -> Metric:
    keys = METRICS[metric.name][2]
    for v in values:
        metric.add_metric([v.labels[k] for k in keys], v.value)
    return metric


def _le(bound: float) -> str:
    return "+Inf" if bound == float("inf") else repr(float(bound))


def metrics_route(homes: Homes) -> Route:
    """GET /metrics: one registry per app, holding only the store collector (no process/platform noise)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(homes))

    async def endpoint(request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        body = await run_in_threadpool(generate_latest, registry)   # store reads off the event loop
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return Route("/metrics", endpoint, methods=["GET"])
