"""Edge rules without I/O: who may do what in which tenant, and who the client is.

The services enforce their own rules too; the gateway refuses early what is never allowed,
so a district's traffic never reaches another district's handlers.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl

from xbt_shared.auth import GuestReadOnly, Principal, may_act_in
from xbt_shared.errors import Forbidden

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The writes a guest may make: keep its session alive, end it.
GUEST_POSTS = frozenset({"/api/identity/v1/auth/refresh", "/api/identity/v1/auth/logout"})


def check_access(
    principal: Principal, *, method: str, path: str, named_tenants: Iterable[str]
) -> None:
    """Raise `Forbidden` if the verified caller may not make this request at all: naming a
    tenant it may not act in (the services' rule, `may_act_in`), or a guest writing."""
    for named in named_tenants:
        if not may_act_in(principal, named):
            raise Forbidden(
                "only a city administrator may act in another tenant",
                slug="tenant-forbidden",
                title="Another tenant",
            )
    guest_may = method in SAFE_METHODS or (method == "POST" and path in GUEST_POSTS)
    if principal.is_guest and not guest_may:
        raise GuestReadOnly()


def named_tenants(header_values: list[str], query_string: bytes) -> list[str]:
    """Every tenant a request names: its non-empty `X-Xbt-Tenant` headers, then its `tenant`
    query parameters (a service reads one or the other; each must be allowed)."""
    named = [t for t in header_values if t]
    if b"tenant=" in query_string:
        named.extend(v for k, v in parse_qsl(query_string.decode("latin-1")) if k == "tenant")
    return named


def client_address(peer: str | None, forwarded_for: str | None, trusted_hops: int) -> str:
    """The client's address: the socket peer, or the entry our trusted proxies vouch for.

    Each trusted proxy appends the address it received from; with `trusted_hops` proxies,
    the client is the `trusted_hops`-th entry from the right. Anything left of it was
    written by the client and is not believed.
    """
    if trusted_hops and forwarded_for:
        chain = [part.strip() for part in forwarded_for.split(",") if part.strip()]
        if chain:
            return chain[-trusted_hops] if len(chain) >= trusted_hops else chain[0]
    return peer or "unknown"
