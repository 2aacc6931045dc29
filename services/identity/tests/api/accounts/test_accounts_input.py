"""Input the accounts routes refuse as a problem: names a spreadsheet would run as a formula,
and page numbers beyond any page."""

from __future__ import annotations

import httpx
import pytest

from ...conftest import Identity, bearer, login


@pytest.mark.parametrize("name", ['=HYPERLINK("x")', "+1", "-2+3", "@SUM(A1)", "李\t明"])
async def test_a_formula_like_name_is_refused_as_in_the_roster(
    client: httpx.AsyncClient, seeded: Identity, name: str
) -> None:
    admin = await login(client, "heping", "schooladmin1")
    resp = await client.post(
        "/v1/users",
        headers=bearer(admin),
        json={"username": "formula1", "name": name, "roles": ["student"]},
    )
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in resp.json()["errors"]] == ["body.name"]


async def test_an_ordinary_name_with_a_hyphen_inside_is_accepted(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    admin = await login(client, "heping", "schooladmin1")
    resp = await client.post(
        "/v1/users",
        headers=bearer(admin),
        json={"username": "hyphen1", "name": "阿依古丽-买买提", "roles": ["student"]},
    )
    assert resp.status_code == 201, resp.text


async def test_a_huge_page_number_is_a_problem_not_a_500(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    admin = await login(client, "heping", "districtadmin1")
    for page in ("99999999999999999999", "1001", "0"):
        resp = await client.get("/v1/users", params={"page": page}, headers=bearer(admin))
        assert resp.status_code == 422, (page, resp.status_code)
        assert resp.headers["content-type"].startswith("application/problem+json")
    assert (await client.get("/v1/users?page=1000", headers=bearer(admin))).status_code == 200
