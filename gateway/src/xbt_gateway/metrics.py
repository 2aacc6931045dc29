"""Gateway metrics. Labels are service names, status classes and outcomes: never user ids."""

from __future__ import annotations

from wsgiref.simple_server import WSGIServer

from prometheus_client import Counter, Gauge, Histogram, start_http_server

UPSTREAM_LATENCY = Histogram(
    "xbt_gateway_upstream_duration_seconds",
    "Time from forwarding a request until the upstream's response headers arrive",
    ["service", "status_class"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
UPSTREAM_INFLIGHT = Gauge(
    "xbt_gateway_upstream_inflight", "Requests in flight to an upstream", ["service"]
)
SHED = Counter(
    "xbt_gateway_shed_total",
    "Requests refused with 503 because an upstream had too many in flight",
    ["service"],
)
RATE_LIMITED = Counter("xbt_gateway_rate_limited_total", "Requests refused with 429", ["kind"])
LIMITER_UNAVAILABLE = Counter(
    "xbt_gateway_ratelimit_unavailable_total",
    "Requests decided without Redis (limiter down), by outcome",
    ["kind", "outcome"],
)
EDGE_CACHE = Counter(
    "xbt_gateway_edge_cache_total",
    "Shared reads at the edge, by outcome: hit (from this process' memory), hit_fetched "
    "(the response read from Redis), miss, stored, too_large, error",
    ["service", "outcome"],
)
AUTH_REJECTED = Counter(
    "xbt_gateway_auth_rejected_total", "Requests refused at the edge", ["reason"]
)


def status_class(status: int) -> str:
    return f"{status // 100}xx"


class MetricsServer:
    """`/metrics` on a port of its own (settings `metrics_port`), for Prometheus only: the
    gateway's main port is public. prometheus-client's server runs in a thread, so a
    scrape is answered even while the event loop is busy."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._server: WSGIServer | None = None

    def start(self) -> None:
        # Binds here: a port already taken fails the gateway's start, not a scrape later.
        self._server, _ = start_http_server(self.port, addr=self.host)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
