"""The kit's small pieces: the clock, the 422 naming a field, grade names, who may act where."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from xbt_shared.auth import Principal, may_act_in
from xbt_shared.clock import now_ms
from xbt_shared.curriculum import GRADE_NAMES, GRADES, grade_label
from xbt_shared.errors import PROBLEM_JSON, Unprocessable, install_problem_handlers, invalid
from xbt_shared.routing import NO_STORE, NO_STORE_HEADERS


def test_now_ms_is_utc_to_the_millisecond() -> None:
    for _ in range(20):
        now = now_ms()
        assert now.microsecond % 1000 == 0
        assert now.tzinfo is not None and now.utcoffset() == timedelta(0)


async def test_invalid_names_the_field_in_the_problem() -> None:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/things")
    async def make() -> None:
        raise invalid("title", "must not be empty")

    error = invalid("title", "must not be empty")
    assert isinstance(error, Unprocessable) and error.status == 422
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        resp = await client.post("/things")
    assert resp.status_code == 422
    assert resp.headers["content-type"].startswith(PROBLEM_JSON)
    body = resp.json()
    assert body["type"] == "/problems/validation-error"
    assert body["detail"] == "must not be empty"
    assert body["errors"] == [{"field": "title", "message": "must not be empty", "code": "invalid"}]


def test_grade_names_and_spoken_labels() -> None:
    assert set(GRADE_NAMES) == set(GRADES)
    assert GRADE_NAMES[1] == "一年级" and GRADE_NAMES[9] == "九年级"
    assert GRADE_NAMES[10] == "高一" and GRADE_NAMES[12] == "高三"
    assert grade_label(7) == "初一" and grade_label(9) == "初三"
    assert grade_label(12) == "高三" and grade_label(3) == "三年级"
    with pytest.raises(KeyError):
        grade_label(13)


def test_no_store_headers() -> None:
    assert NO_STORE_HEADERS == {"Cache-Control": NO_STORE, "Pragma": "no-cache"}


def person(tenant: str, *roles: str) -> Principal:
    return Principal(user_id="u-1", tenant=tenant, roles=frozenset(roles))


def service(tenant: str) -> Principal:
    return Principal(user_id="svc:tasks", tenant=tenant, roles=frozenset({"service"}))


@pytest.mark.parametrize(
    ("who", "tenant", "may"),
    [
        (person("heping", "teacher"), "heping", True),  # one's own tenant
        (person("heping", "teacher"), "hexi", False),
        (person("heping", "teacher"), "city", False),
        (person("heping", "district_admin"), "heping", True),
        (person("heping", "district_admin"), "hexi", False),  # a district's admin: that one
        (person("city", "city_admin"), "hexi", True),  # the city's admin: any
        (person("city", "city_admin"), "city", True),
        (person("heping", "city_admin"), "hexi", False),  # the role outside the city: no
        (person("city", "researcher"), "hexi", False),
        (service("city"), "hexi", True),  # a city service token: any
        (service("heping"), "heping", True),
        (service("heping"), "hexi", False),  # a district's service token: that one
    ],
)
def test_who_may_act_in_a_tenant(who: Principal, tenant: str, may: bool) -> None:
    assert may_act_in(who, tenant) is may
