"""Step 1, without I/O: where a public path goes."""

from __future__ import annotations

import pytest

from xbt_gateway.problems import UnknownService
from xbt_gateway.routing import OWN_ROUTE, route_of
from xbt_gateway.runtime import Upstream
from xbt_gateway.settings import GatewaySettings
from xbt_shared.errors import BadRequest, NotFound

UPSTREAMS = {"catalog": Upstream("catalog", "http://catalog:8080")}
SETTINGS = GatewaySettings(max_body_bytes=1000, max_body_bytes_by_service={"catalog": 5000})


def test_a_service_path_goes_to_its_upstream_with_its_body_limit() -> None:
    route = route_of("/api/catalog/v1/resources/42", UPSTREAMS, SETTINGS)
    assert route.service == "catalog"
    assert route.rest == "v1/resources/42"
    assert route.upstream is UPSTREAMS["catalog"]
    assert route.body_limit == 5000
    assert route.label.path == "/api/catalog/{path}"


def test_the_gateway_answers_its_own_routes() -> None:
    route = route_of("/api/gateway/v1/whoami", UPSTREAMS, SETTINGS)
    assert route.upstream is None
    assert route.rest == "v1/whoami"
    assert route.label is OWN_ROUTE
    assert route.body_limit == 1000


def test_an_unknown_service_is_a_404() -> None:
    with pytest.raises(UnknownService):
        route_of("/api/nowhere/v1/x", UPSTREAMS, SETTINGS)


@pytest.mark.parametrize(
    "path", ["/api/catalog/metrics", "/api/catalog/v/x", "/api/catalog/vx/x", "/api/catalog"]
)
def test_only_versioned_paths_are_routed(path: str) -> None:
    with pytest.raises(NotFound):
        route_of(path, UPSTREAMS, SETTINGS)


@pytest.mark.parametrize("path", ["/api/catalog/v1/../admin", "/api/catalog/v1/./x"])
def test_dot_segments_are_refused(path: str) -> None:
    with pytest.raises(BadRequest):
        route_of(path, UPSTREAMS, SETTINGS)


def test_dots_inside_a_segment_are_fine() -> None:
    assert route_of("/api/catalog/v1/files/a..b/.x", UPSTREAMS, SETTINGS).rest == (
        "v1/files/a..b/.x"
    )
