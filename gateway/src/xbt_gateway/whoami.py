"""The gateway's own route under `/api/gateway/`: `GET /api/gateway/v1/whoami`."""

from __future__ import annotations

import json

from starlette.types import Send

from xbt_shared.auth import Principal
from xbt_shared.errors import MethodNotAllowed, NotFound
from xbt_shared.routing import NO_STORE

_NO_STORE = NO_STORE.encode()


async def answer_whoami(rest: str, method: str, principal: Principal | None, send: Send) -> None:
    """The caller as the token says, answered after the same edge checks (token, tenant
    rules, rate limits) as every proxied request, with no hop. A client checks its session
    with it; the bench uses it as the cheapest authenticated answer the gateway gives."""
    if rest != "v1/whoami":
        raise NotFound("the gateway's own route is /api/gateway/v1/whoami")
    if method not in ("GET", "HEAD"):
        raise MethodNotAllowed("whoami is read with GET", headers={"Allow": "GET, HEAD"})
    assert principal is not None  # the access check requires a token for the own route
    body = json.dumps(
        {
            "user_id": principal.user_id,
            "tenant": principal.tenant,
            "roles": sorted(principal.roles),
            "school": principal.school,
            "classes": list(principal.classes),
            "name": principal.name,
            "guest": principal.is_guest,
            "must_change_password": principal.must_change_password,
            "expires_at": principal.expires_at,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", _NO_STORE),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})
