"""The CloudEvents 1.0 envelope (structured JSON mode) every event travels in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from xbt_shared.context import request_id_var
from xbt_shared.observability import inject_trace_headers


def _now() -> datetime:
    return datetime.now(UTC)


class CloudEvent(BaseModel):
    """A CloudEvents 1.0 event. `tenant` is an extension attribute; so is `traceparent`."""

    model_config = ConfigDict(extra="allow")

    specversion: str = "1.0"
    id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    source: str
    type: str
    time: datetime = Field(default_factory=_now)
    subject: str | None = None
    datacontenttype: str = "application/json"
    tenant: str
    traceparent: str | None = None
    requestid: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)

    @property
    def routing_key(self) -> str:
        return f"{self.tenant}.{self.type}"

    @classmethod
    def new(
        cls,
        *,
        source: str,
        type: str,
        tenant: str,
        data: dict[str, Any],
        subject: str | None = None,
    ) -> CloudEvent:
        """A fresh event carrying the current trace context and request id."""
        carrier: dict[str, str] = {}
        inject_trace_headers(carrier)
        return cls(
            source=source,
            type=type,
            tenant=tenant,
            data=data,
            subject=subject,
            traceparent=carrier.get("traceparent"),
            requestid=request_id_var.get(),
        )
