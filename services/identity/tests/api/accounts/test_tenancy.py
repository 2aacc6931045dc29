"""A district never sees another district's data."""

from __future__ import annotations

import httpx

from ...conftest import Identity, bearer, login


async def test_hexi_teacher_cannot_read_a_heping_class(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    hexi = await login(client, "hexi", "teacher1")
    resp = await client.get("/v1/classes/c-hp-8-1/roster", headers=bearer(hexi))
    assert resp.status_code == 404
    assert resp.headers["content-type"].startswith("application/problem+json")


async def test_teacher_reads_own_class_roster_not_others(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    teacher = await login(client, "heping", "teacher1")
    own = await client.get("/v1/classes/c-hp-8-1/roster", headers=bearer(teacher))
    assert own.status_code == 200
    names = {s["name"] for s in own.json()["students"]}
    assert {"李明", "王芳"} <= names
    assert own.json()["teachers"][0]["subjects"] == ["数学"]
    pupil = await login(client, "heping", "student1")
    assert (
        await client.get("/v1/classes/c-hp-8-1/roster", headers=bearer(pupil))
    ).status_code == 404
    # A class of the same school they do not teach.
    assert (
        await client.get("/v1/classes/c-hp-4-1/roster", headers=bearer(teacher))
    ).status_code == 404


async def test_tenant_override_is_for_city_admins_only(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    heping_admin = await login(client, "heping", "districtadmin1")
    refused = await client.get(
        "/v1/schools", headers={**bearer(heping_admin), "X-Xbt-Tenant": "hexi"}
    )
    assert refused.status_code == 403
    city = await login(client, "city", "cityadmin1")
    allowed = await client.get("/v1/schools", headers={**bearer(city), "X-Xbt-Tenant": "hexi"})
    assert allowed.status_code == 200
    assert {s["name"] for s in allowed.json()} >= {"河西区第一中学"}
    assert all(not s["name"].startswith("和平") for s in allowed.json())


async def test_admin_actions_do_not_cross_districts(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    hexi_admin = await login(client, "hexi", "districtadmin1")
    reset = await client.post("/v1/users/u-hp-student1/password-reset", headers=bearer(hexi_admin))
    assert reset.status_code == 404
    users = await client.get("/v1/users", headers=bearer(hexi_admin))
    assert users.status_code == 200
    assert all(u["id"].startswith("u-hx") for u in users.json()["items"])


async def test_me_classes(client: httpx.AsyncClient, seeded: Identity) -> None:
    teacher = await login(client, "heping", "teacher1")
    classes = (await client.get("/v1/me/classes", headers=bearer(teacher))).json()
    assert {c["name"] for c in classes} == {"八年级1班", "八年级2班"}
    assert all(c["my_role"] == "teacher" for c in classes)
    pupil = await login(client, "hexi", "student1")
    mine = (await client.get("/v1/me/classes", headers=bearer(pupil))).json()
    assert [c["name"] for c in mine] == ["八年级3班"]


async def test_user_list_shows_last_login(client: httpx.AsyncClient, seeded: Identity) -> None:
    await login(client, "heping", "student1")
    admin = await login(client, "heping", "schooladmin1")
    page = (await client.get("/v1/users?role=student", headers=bearer(admin))).json()
    by_name = {u["username"]: u for u in page["items"]}
    assert by_name["student1"]["last_login_at"] is not None
    assert by_name["student2"]["last_login_at"] is None
