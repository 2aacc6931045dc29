"""Pupils by name and 学号 where teachers look (submissions, a submission, questions), and
the pupils who handed in nothing, from identity's class rosters (read with the teacher's
token, kept a minute)."""

from __future__ import annotations

import uuid

import httpx

from xbt_shared.testing import TokenFactory

from ...conftest import CLASS, pupil, teacher
from ..gradebook.test_gradebook import PUPILS, create, hand_in

# The fixtures of the gradebook's tests: identity in-process with a class of six pupils.
from ..gradebook.test_gradebook import identity_app as identity_app
from ..gradebook.test_gradebook import tasks_app as tasks_app

NUMBERS = {pid: number for pid, _, number in PUPILS}
NAMES = {pid: name for pid, name, _ in PUPILS}


async def test_the_submissions_list_names_pupils_and_shows_who_is_missing(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    task_id = await create(client, teacher(tokens))
    await hand_in(client, task_id, "p-c", {"text": "<p>完成</p>"}, tokens)
    await hand_in(client, task_id, "p-a", {"text": "<p>完成</p>"}, tokens)
    await hand_in(client, task_id, "p-g", {"text": "<p>完成</p>"}, tokens)  # not on the roster
    path = f"/v1/tasks/{task_id}/submissions"

    rows = (await client.get(path, headers=teacher(tokens))).json()
    assert [(r["pupil_id"], r["pupil_name"], r["student_no"], r["on_roster"]) for r in rows] == [
        ("p-c", NAMES["p-c"], NUMBERS["p-c"], True),
        ("p-a", NAMES["p-a"], NUMBERS["p-a"], True),
        ("p-g", "王小明", None, False),
    ]

    resp = await client.get(f"{path}?include_missing=true", headers=teacher(tokens))
    assert resp.status_code == 200, resp.text
    everyone = resp.json()
    # The roster's order (by 学号), then who handed in off the roster.
    assert [r["pupil_id"] for r in everyone] == [pid for pid, _, _ in PUPILS] + ["p-g"]
    states = {r["pupil_id"]: r["state"] for r in everyone}
    assert states == {
        "p-a": "submitted",
        "p-b": "missing",
        "p-c": "submitted",
        "p-d": "missing",
        "p-e": "missing",
        "p-f": "missing",
        "p-g": "submitted",
    }
    missing = next(r for r in everyone if r["pupil_id"] == "p-b")
    assert missing["id"] is None and missing["submitted_at"] is None
    assert (missing["pupil_name"], missing["student_no"], missing["class_id"]) == (
        NAMES["p-b"],
        NUMBERS["p-b"],
        CLASS,
    )
    # each row names its class as identity does, handed in or not
    assert {r["class_name"] for r in everyone} == {"七年级1班"}
    assert missing["attempt_count"] == 0 and missing["score"] is None

    one = (await client.get(f"{path}/p-a", headers=teacher(tokens))).json()
    assert (one["pupil_name"], one["student_no"], one["on_roster"]) == (
        NAMES["p-a"],
        NUMBERS["p-a"],
        True,
    )
    # Pupils get no 学号 of anybody, nor a list.
    own = (await client.get(f"{path}/p-a", headers=pupil(tokens, sub="p-a"))).json()
    assert "student_no" not in own
    assert (await client.get(path, headers=pupil(tokens, sub="p-a"))).status_code == 403


async def test_another_districts_teacher_with_the_same_ids_lists_nobody(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    task_id = await create(client, teacher(tokens))
    await hand_in(client, task_id, "p-a", {"text": "<p>完成</p>"}, tokens)
    hexi = teacher(tokens, tenant="hexi", school="hx-1")  # same user id and class id
    for query in ("", "?include_missing=true"):
        resp = await client.get(f"/v1/tasks/{task_id}/submissions{query}", headers=hexi)
        assert resp.status_code == 404, query
    # A teacher of the district who does not teach the class reads neither list nor roster.
    other = teacher(tokens, sub="t-2", classes=("hp-sy-zx-7-2",))
    resp = await client.get(f"/v1/tasks/{task_id}/submissions?include_missing=true", headers=other)
    assert resp.status_code == 404


async def test_a_teacher_reads_the_askers_number_and_pupils_do_not(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
) -> None:
    task_id = await create(client, teacher(tokens))
    asked = await client.post(
        f"/v1/tasks/{task_id}/questions",
        headers={**pupil(tokens, sub="p-d"), "Idempotency-Key": uuid.uuid4().hex},
        json={"text": "第二题怎么消元？", "visibility": "class"},
    )
    assert asked.status_code == 201, asked.text
    question_id = asked.json()["id"]
    path = f"/v1/tasks/{task_id}/questions"
    listed = (await client.get(path, headers=teacher(tokens))).json()["items"]
    assert [(q["asker_name"], q["asker_student_no"]) for q in listed] == [
        (NAMES["p-d"], NUMBERS["p-d"])
    ]
    thread = (await client.get(f"{path}/{question_id}", headers=teacher(tokens))).json()
    assert thread["asker_student_no"] == NUMBERS["p-d"]
    classmate = (await client.get(path, headers=pupil(tokens, sub="p-a"))).json()["items"]
    assert [q["asker_student_no"] for q in classmate] == [None]
    hexi = teacher(tokens, tenant="hexi", school="hx-1")  # same user id and class id
    assert (await client.get(path, headers=hexi)).status_code == 404
    assert (await client.get(f"{path}/{question_id}", headers=hexi)).status_code == 404
