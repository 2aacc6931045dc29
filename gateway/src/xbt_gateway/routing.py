"""Where a public path goes: `/api/<service>/v<n>/<path>` to that service's upstream, or
`/api/gateway/...` to the gateway itself. No routing table: one split of the path."""

from __future__ import annotations

from dataclasses import dataclass

from xbt_gateway.problems import UnknownService
from xbt_gateway.runtime import ProxyRoute, Upstream
from xbt_gateway.settings import GatewaySettings
from xbt_shared.errors import BadRequest, NotFound

# `/api/gateway/...` is answered by the gateway itself.
OWN_SERVICE = "gateway"
OWN_ROUTE = ProxyRoute("/api/gateway/{path}")


# Not frozen: built once per request, and a frozen dataclass's __init__ costs three times
# as much. Nothing changes it after `route_of`.
@dataclass(slots=True)
class Route:
    service: str
    rest: str  # the path after the service: "v1/resources/42"
    upstream: Upstream | None  # None: the gateway's own route
    body_limit: int  # bytes
    label: ProxyRoute  # for request metrics: "/api/<service>/{path}"


def route_of(path: str, upstreams: dict[str, Upstream], settings: GatewaySettings) -> Route:
    """The route of a path under `/api/`: unknown service -> 404, unversioned -> 404, dot
    segments (which a service's router would resolve past its prefix) -> 400."""
    service, _, rest = path[5:].partition("/")
    upstream = upstreams.get(service)
    if upstream is None and service != OWN_SERVICE:
        raise UnknownService(f"no service named {service!r}")
    version = rest.partition("/")[0]
    if len(version) < 2 or version[0] != "v" or not version[1:].isdigit():
        raise NotFound("public routes are /api/<service>/v<n>/...")
    if "/." in path and any(seg in (".", "..") for seg in rest.split("/")):
        raise BadRequest("dot segments are not allowed in paths")
    label = OWN_ROUTE if upstream is None else upstream.route
    return Route(service, rest, upstream, settings.max_body_bytes_of(service), label)
