"""JSON logs, OpenTelemetry tracing and Prometheus metrics, set up by one call.

Every log line carries the request id, the trace id and the tenant. Trace context crosses
HTTP hops (W3C `traceparent`) and AMQP hops (the same header on the message).
"""

from __future__ import annotations

import json
import logging
import sys
import time
import uuid
from collections.abc import Mapping, MutableMapping
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xbt_shared.context import request_id_var, tenant_var, user_var

REQUEST_ID_HEADER = "x-request-id"

HTTP_REQUESTS = Counter(
    "xbt_http_requests_total", "HTTP requests", ["service", "method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "xbt_http_request_duration_seconds",
    "HTTP request latency",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid = request_id_var.get()
        if rid:
            line["request_id"] = rid
        tenant = tenant_var.get()
        if tenant:
            line["tenant"] = tenant
        user = user_var.get()
        if user:
            line["user"] = user
        span_ctx = trace.get_current_span().get_span_context()
        if span_ctx.is_valid:
            line["trace_id"] = format(span_ctx.trace_id, "032x")
            line["span_id"] = format(span_ctx.span_id, "016x")
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        for key in ("event_id", "event_type", "route", "status", "duration_ms"):
            if hasattr(record, key):
                line[key] = getattr(record, key)
        return json.dumps(line, ensure_ascii=False)


_configured: set[str] = set()


def setup_observability(
    service: str,
    *,
    level: str = "INFO",
    json_logs: bool = True,
    span_exporter: SpanExporter | None = None,
    trace_sample_ratio: float = 1.0,
) -> None:
    """Configure logging and tracing for this process (idempotent per service name)."""
    if service in _configured:
        return
    _configured.add(service)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter(service)
        if json_logs
        else logging.Formatter("%(levelname)s %(name)s %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aio_pika").setLevel(logging.WARNING)
    logging.getLogger("aiormq").setLevel(logging.WARNING)
    logging.getLogger("pymongo").setLevel(logging.WARNING)
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        # Root spans are sampled at `trace_sample_ratio`; a caller's decision is followed.
        # Unsampled spans still carry trace ids (logs keep them) but record nothing.
        provider = TracerProvider(
            resource=Resource.create({"service.name": service}),
            sampler=ParentBased(TraceIdRatioBased(trace_sample_ratio)),
        )
        if span_exporter is not None:
            provider.add_span_processor(BatchSpanProcessor(span_exporter))
        elif _otlp_wanted():
            provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
        trace.set_tracer_provider(provider)


def _otlp_wanted() -> bool:
    import os

    return os.environ.get("XBT_TRACE_CONSOLE", "") == "1"


def inject_trace_headers(carrier: MutableMapping[str, Any]) -> None:
    propagate.inject(carrier)


def extract_trace_context(carrier: Mapping[str, Any]) -> Any:
    return propagate.extract({k: str(v) for k, v in carrier.items()})


class RequestContextMiddleware:
    """Assigns a request id, opens a server span, records metrics. Pure ASGI for speed."""

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service
        self.tracer = trace.get_tracer(f"xbt.{service}")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Only the two headers this layer reads are decoded (it runs on every request).
        rid: str | None = None
        carrier: dict[str, str] = {}
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                rid = value.decode("latin-1")
            elif name in (b"traceparent", b"tracestate"):
                carrier[name.decode()] = value.decode("latin-1")
        rid = rid or uuid.uuid4().hex
        rid_token = request_id_var.set(rid)
        tenant_token = tenant_var.set(None)
        user_token = user_var.set(None)
        status_holder = [500]
        started = time.perf_counter()
        method = scope["method"]

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder[0] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (REQUEST_ID_HEADER.encode(), rid.encode("latin-1")),
                ]
            await send(message)

        ctx = extract_trace_context(carrier) if carrier else None
        with self.tracer.start_as_current_span(
            f"{method} {scope['path']}", context=ctx, kind=trace.SpanKind.SERVER
        ) as span:
            try:
                await self.app(scope, receive, send_wrapper)
            finally:
                route_obj = scope.get("route")
                route = getattr(route_obj, "path", None) or "unmatched"
                status = status_holder[0]
                span.set_attribute("http.status_code", status)
                span.set_attribute("http.route", route)
                tenant = tenant_var.get()
                if tenant:
                    span.set_attribute("xbt.tenant", tenant)
                elapsed = time.perf_counter() - started
                HTTP_REQUESTS.labels(self.service, method, route, str(status)).inc()
                HTTP_LATENCY.labels(self.service, method, route).observe(elapsed)
                request_id_var.reset(rid_token)
                tenant_var.reset(tenant_token)
                user_var.reset(user_token)
