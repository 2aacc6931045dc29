"""A class's pupils for xbt's services: the tasks service, with its own token, lists who has
not handed in. Read-only, minimal fields, inside the district the request names."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest

from xbt_identity.settings import IdentitySettings

from ...conftest import Identity, bearer, login

TASKS_SECRET = secrets.token_urlsafe(32)


@pytest.fixture
def identity_settings(isolated_env: dict[str, Any]) -> IdentitySettings:
    return IdentitySettings(
        **isolated_env,
        issuer="http://testserver/v1",
        argon2_memory_kib=1024,
        argon2_time_cost=1,
        tasks_client_secret=TASKS_SECRET,
    )


async def service_token(client: httpx.AsyncClient) -> dict[str, Any]:
    resp = await client.post(
        "/v1/oidc/token", data={"grant_type": "client_credentials"}, auth=("tasks", TASKS_SECRET)
    )
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def acting_in(token: dict[str, Any], tenant: str) -> dict[str, str]:
    return {**bearer(token), "X-Xbt-Tenant": tenant}


async def test_the_tasks_service_reads_a_class_s_pupils(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    tasks = await service_token(client)
    resp = await client.get("/v1/classes/c-hp-8-1/pupils", headers=acting_in(tasks, "heping"))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["class"] == {"id": "c-hp-8-1", "name": "八年级1班", "school_id": "hp-sy-zx"}
    assert body["students"] == [
        {"id": "u-hp-student1", "name": "李明", "student_no": "2019080101", "class_id": "c-hp-8-1"},
        {"id": "u-hp-student2", "name": "王芳", "student_no": "2019080102", "class_id": "c-hp-8-1"},
    ]
    # Read-only: the service passes no administrator's guard.
    write = await client.put(
        "/v1/classes/c-hp-8-1/teachers",
        headers=acting_in(tasks, "heping"),
        json={"user_id": "u-hp-teacher1", "subjects": ["语文"]},
    )
    assert write.status_code == 403
    assert (
        await client.get("/v1/classes/c-hp-8-1/roster", headers=acting_in(tasks, "heping"))
    ).status_code == 404  # the full class list (usernames, teachers) stays with people


async def test_a_service_acting_in_one_district_sees_no_other_s_classes(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    tasks = await service_token(client)
    across = await client.get("/v1/classes/c-hp-8-1/pupils", headers=acting_in(tasks, "hexi"))
    assert across.status_code == 404
    assert across.headers["content-type"].startswith("application/problem+json")
    back = await client.get("/v1/classes/c-hx-8-3/pupils", headers=acting_in(tasks, "heping"))
    assert back.status_code == 404
    own = await client.get("/v1/classes/c-hx-8-3/pupils", headers=acting_in(tasks, "hexi"))
    assert own.status_code == 200
    assert own.json()["students"] and all(
        s["id"].startswith("u-hx-") for s in own.json()["students"]
    )
    # Without a district named, the service acts in the city, which has no such class.
    city = await client.get("/v1/classes/c-hp-8-1/pupils", headers=bearer(tasks))
    assert city.status_code == 404


async def test_people_read_the_pupils_of_the_classes_they_may_read_only(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    teacher = await login(client, "heping", "teacher1")
    own = await client.get("/v1/classes/c-hp-8-1/pupils", headers=bearer(teacher))
    assert own.status_code == 200 and len(own.json()["students"]) == 2
    assert (
        await client.get("/v1/classes/c-hp-4-1/pupils", headers=bearer(teacher))
    ).status_code == 404  # not a class they teach
    pupil = await login(client, "heping", "student1")
    for class_id in ("c-hp-8-2", "c-hp-4-1", "c-hx-8-3"):
        resp = await client.get(f"/v1/classes/{class_id}/pupils", headers=bearer(pupil))
        assert resp.status_code == 404, class_id
    hexi_teacher = await login(client, "hexi", "teacher1")
    assert (
        await client.get("/v1/classes/c-hp-8-1/pupils", headers=bearer(hexi_teacher))
    ).status_code == 404
    # A person may not name another district.
    named = await client.get(
        "/v1/classes/c-hx-8-3/pupils", headers={**bearer(teacher), "X-Xbt-Tenant": "hexi"}
    )
    assert named.status_code == 403
    assert (await client.get("/v1/classes/c-hp-8-1/pupils")).status_code == 401
