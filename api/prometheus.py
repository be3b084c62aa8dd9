"""Prometheus metrics of the gateway, in a registry owned by one app instance (scraped at /metrics).

Besides the gateway's own metrics, the registry has prometheus_client's standard collectors: the
process (`process_*`: CPU, memory, open file descriptors, start time) and the Python runtime
(`python_gc_*`, `python_info`). README "Realtime API" lists every metric.
"""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

# Realtime target is tens of milliseconds: resolve that range finely, keep a tail for faults.
LATENCY_BUCKETS_S = (
    0.002, 0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)  # fmt: skip

METRICS_CONTENT_TYPE = CONTENT_TYPE_LATEST
# Label values must come from a bounded set: any other method (a client can send anything) is OTHER.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "OTHER"


def method_label(method: str) -> str:
    return method if method in KNOWN_METHODS else OTHER_METHOD


class ApiMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        ProcessCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        self.http_requests = Counter(
            "medflow_http_requests_total",
            "HTTP requests by route template and status code",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.http_duration = Histogram(
            "medflow_http_request_duration_seconds",
            "HTTP request latency by route template and status code",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS_S,
            registry=self.registry,
        )
        self.http_in_flight = Gauge(
            "medflow_http_requests_in_flight",
            "HTTP requests being processed (drains to 0 during graceful shutdown)",
            registry=self.registry,
        )
        self.overload_rejected = Counter(
            "medflow_http_overload_rejected_total",
            "/v1 requests answered 503 because their notes found no room under the concurrency limit in time",
            registry=self.registry,
        )
        self.triton_duration = Histogram(
            "medflow_triton_request_duration_seconds",
            "Latency of inference calls to Triton by outcome (ok, error, timeout)",
            ["outcome"],
            buckets=LATENCY_BUCKETS_S,
            registry=self.registry,
        )
        self.deid_entities = Counter(
            "medflow_deid_entities_total",
            "PHI entities removed from request text, by label",
            ["label"],
            registry=self.registry,
        )

    def observe_http(self, method: str, route: str, status: int, seconds: float) -> None:
        labels = (method_label(method), route, str(status))
        self.http_requests.labels(*labels).inc()
        self.http_duration.labels(*labels).observe(seconds)

    def observe_triton(self, outcome: str, seconds: float) -> None:
        self.triton_duration.labels(outcome).observe(seconds)

    def count_entities(self, entity_counts: Mapping[str, int]) -> None:
        for label, n in entity_counts.items():
            if n:
                self.deid_entities.labels(label).inc(n)

    def render(self) -> bytes:
        return generate_latest(self.registry)
