"""Schools and classes: who may create and read them, bad input, other districts."""

from __future__ import annotations

import httpx

from ...conftest import Identity, bearer, login


async def test_district_admin_creates_a_school_and_a_school_admin_its_classes(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    district = await login(client, "heping", "districtadmin1")
    school = await client.post(
        "/v1/schools",
        headers=bearer(district),
        json={"name": "和平区第二实验小学", "grades": [1, 6], "code": "hp-sy-2"},
    )
    assert school.status_code == 201, school.text
    again = await client.post(
        "/v1/schools",
        headers=bearer(district),
        json={"name": "和平区第二实验小学", "grades": [1, 6]},
    )
    assert again.status_code == 409
    bad = await client.post(
        "/v1/schools", headers=bearer(district), json={"name": "", "grades": [9, 3], "code": "A B"}
    )
    assert bad.status_code == 422
    assert {"body.name", "body.code"} <= {e["field"] for e in bad.json()["errors"]}
    backwards = await client.post(
        "/v1/schools", headers=bearer(district), json={"name": "倒序学校", "grades": [9, 3]}
    )
    assert backwards.status_code == 422
    school_admin = await login(client, "heping", "schooladmin1")
    refused = await client.post(
        "/v1/schools", headers=bearer(school_admin), json={"name": "某校", "grades": [1, 6]}
    )
    assert refused.status_code == 403

    made = await client.post(
        "/v1/classes",
        headers=bearer(school_admin),
        json={"school_id": "hp-sy-zx", "grade": 9, "number": 4},
    )
    assert made.status_code == 201 and made.json()["name"] == "九年级4班"
    duplicate = await client.post(
        "/v1/classes",
        headers=bearer(school_admin),
        json={"school_id": "hp-sy-zx", "grade": 9, "number": 4},
    )
    assert duplicate.status_code == 409
    not_taught = await client.post(
        "/v1/classes",
        headers=bearer(school_admin),
        json={"school_id": "hp-sy-zx", "grade": 3, "number": 1},
    )
    assert not_taught.status_code == 422
    other_school = await client.post(
        "/v1/classes",
        headers=bearer(school_admin),
        json={"school_id": "hp-xx-1", "grade": 3, "number": 1},
    )
    assert other_school.status_code == 403


async def test_school_classes_and_teacher_assignment_stay_in_scope(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    school_admin = await login(client, "heping", "schooladmin1")
    own = await client.get("/v1/schools/hp-sy-zx/classes", headers=bearer(school_admin))
    assert own.status_code == 200
    assert {c["name"] for c in own.json()} == {"八年级1班", "八年级2班"}
    other = await client.get("/v1/schools/hp-xx-1/classes", headers=bearer(school_admin))
    assert other.status_code == 403
    hexi_admin = await login(client, "hexi", "districtadmin1")
    across = await client.get("/v1/schools/hp-sy-zx/classes", headers=bearer(hexi_admin))
    assert across.status_code == 200 and across.json() == []  # heping's school is not in hexi

    assigned = await client.put(
        "/v1/classes/c-hp-8-2/teachers",
        headers=bearer(school_admin),
        json={"user_id": "u-hp-teacher1", "subjects": ["数学", "物理"]},
    )
    assert assigned.status_code == 200, assigned.text
    teachers = {t["user_id"]: t["subjects"] for t in assigned.json()["teachers"]}
    assert teachers["u-hp-teacher1"] == ["数学", "物理"]
    unknown_subject = await client.put(
        "/v1/classes/c-hp-8-2/teachers",
        headers=bearer(school_admin),
        json={"user_id": "u-hp-teacher1", "subjects": ["炼金术"]},
    )
    assert unknown_subject.status_code == 422
    not_a_teacher = await client.put(
        "/v1/classes/c-hp-8-2/teachers",
        headers=bearer(school_admin),
        json={"user_id": "u-hp-student1", "subjects": ["数学"]},
    )
    assert not_a_teacher.status_code == 422
    foreign_class = await client.put(
        "/v1/classes/c-hx-8-3/teachers",
        headers=bearer(school_admin),
        json={"user_id": "u-hp-teacher1", "subjects": ["数学"]},
    )
    assert foreign_class.status_code == 404
    pupil = await login(client, "heping", "student1")
    assert (
        await client.get("/v1/schools/hp-sy-zx/classes", headers=bearer(pupil))
    ).status_code == 403
