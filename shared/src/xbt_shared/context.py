"""Context variables that logs, spans and events read: request id, tenant, user."""

from __future__ import annotations

from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("xbt_request_id", default=None)
tenant_var: ContextVar[str | None] = ContextVar("xbt_tenant", default=None)
user_var: ContextVar[str | None] = ContextVar("xbt_user", default=None)
