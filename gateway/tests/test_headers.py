"""The one scan of a request's headers, without I/O: what is kept, what is forwarded."""

from __future__ import annotations

import pytest

from xbt_gateway.headers import RequestHead, public_location
from xbt_gateway.runtime import Upstream
from xbt_shared.errors import BadRequest


def scan(*headers: tuple[str, str]) -> RequestHead:
    return RequestHead([(k.encode(), v.encode()) for k, v in headers])


def test_what_the_steps_need_is_kept_and_the_rest_forwarded() -> None:
    head = scan(
        ("host", "gw"),
        ("authorization", "Bearer t"),
        ("x-xbt-tenant", " hexi "),
        ("content-length", "12"),
        ("content-type", "application/json"),
        ("if-none-match", '"e1"'),
        ("x-forwarded-for", "1.1.1.1"),
        ("x-forwarded-for", "2.2.2.2"),
        ("x-xbt-user", "forged"),
        ("accept", "*/*"),
    )
    assert head.host == "gw"
    assert head.authorization == b"Bearer t"
    assert head.named_tenants == ["hexi"]
    assert head.content_length == 12
    assert head.forwarded_for == "1.1.1.1, 2.2.2.2"
    assert head.if_none_match == '"e1"'
    assert head.headers == [
        ("authorization", "Bearer t"),
        ("x-xbt-tenant", " hexi "),
        ("content-type", "application/json"),
        ("if-none-match", '"e1"'),
        ("accept", "*/*"),
    ]
    head.hold_back_if_none_match()
    assert ("if-none-match", '"e1"') not in head.headers
    assert len(head.headers) == 4


def test_the_headers_a_connection_header_lists_are_not_forwarded() -> None:
    head = scan(("connection", "keep-alive, X-Secret"), ("x-secret", "s"), ("accept", "*/*"))
    assert head.headers == [("accept", "*/*")]


@pytest.mark.parametrize(
    "headers",
    [
        (("content-length", "twelve"),),
        (("authorization", "Bearer a"), ("authorization", "Bearer b")),
    ],
)
def test_ambiguous_requests_are_refused(headers: tuple[tuple[str, str], ...]) -> None:
    with pytest.raises(BadRequest):
        scan(*headers)


def test_a_redirect_into_the_service_gets_its_public_path() -> None:
    upstream = Upstream("catalog", "http://catalog:8080/catalog")
    assert public_location(b"http://catalog:8080/catalog/v1/x", upstream) == b"/api/catalog/v1/x"
    assert public_location(b"/catalog/v1/x", upstream) == b"/api/catalog/v1/x"
    assert public_location(b"/v1/x", upstream) == b"/api/catalog/v1/x"
    assert public_location(b"https://elsewhere/v1/x", upstream) == b"https://elsewhere/v1/x"
