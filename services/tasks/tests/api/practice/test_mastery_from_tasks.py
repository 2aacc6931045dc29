"""Mastery by knowledge point names (the catalog's tree, kept a while), and a task's marked
work counting towards it as practice answers do: once per submission."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from xbt_shared.testing import TokenFactory

from ...conftest import CLASS, pupil, teacher

# The practice tests' fixtures: identity for the service token, the catalog's bank.
from .test_practice import Switch, answer, right, start
from .test_practice import bank as bank
from .test_practice import catalog_link as catalog_link
from .test_practice import identity_app as identity_app
from .test_practice import identity_link as identity_link
from .test_practice import tasks_app as tasks_app

ITEMS = [
    {"id": "ps-lin-single", "points": 2},  # kp-lin
    {"id": "ps-lin-fill", "points": 3},  # kp-lin and kp-sys
    {"id": "ps-sys-short", "points": 5},  # kp-sys, marked by the teacher
]


async def mastery(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    resp = await client.get("/v1/practice/mastery", headers=headers, params={"subject": "数学"})
    assert resp.status_code == 200, resp.text
    return {p["knowledge_point_id"]: p for p in resp.json()["knowledge_points"]}


async def hand_in(
    client: httpx.AsyncClient, task_id: str, answers: dict[str, Any], who: Any
) -> None:
    resp = await client.post(
        f"/v1/tasks/{task_id}/submissions",
        headers={**who, "Idempotency-Key": uuid.uuid4().hex},
        json={"answers": answers},
    )
    assert resp.status_code == 201, resp.text


async def review(client: httpx.AsyncClient, task_id: str, body: dict[str, Any], who: Any) -> int:
    resp = await client.post(
        f"/v1/tasks/{task_id}/submissions/p-wang/review", headers=who, json=body
    )
    return resp.status_code


async def test_mastery_names_points_and_counts_marked_work_once(
    client: httpx.AsyncClient, tokens: TokenFactory, bank: None, catalog_link: Switch
) -> None:
    me = pupil(tokens)
    created = await client.post(
        "/v1/tasks",
        headers=teacher(tokens),
        json={
            "title": "方程组小测",
            "class_ids": [CLASS],
            "items": ITEMS,
            "max_attempts": 2,
            "due_at": (datetime.now(UTC) + timedelta(days=2)).isoformat(),
        },
    )
    assert created.status_code == 201, created.text
    task_id = created.json()["id"]
    first = {"ps-lin-single": "B", "ps-lin-fill": ["3", "y=-1"], "ps-sys-short": "代入消元"}
    await hand_in(client, task_id, first, me)
    # Handed in, not yet marked: nothing counts.
    assert await mastery(client, me) == {}

    marked = {"outcome": "marked", "item_points": {"ps-sys-short": 5.0}}
    hexi = teacher(tokens, tenant="hexi", school="hx-1")  # same ids, another district
    assert await review(client, task_id, marked, hexi) == 404
    assert await review(client, task_id, marked, teacher(tokens)) == 200
    points = await mastery(client, me)
    assert set(points) == {"kp-lin", "kp-sys"}
    lin, sys_ = points["kp-lin"], points["kp-sys"]
    assert (lin["answered"], lin["correct"]) == (2, 1)  # single right, fill-in wrong
    assert (sys_["answered"], sys_["correct"]) == (2, 1)  # fill-in wrong, short answer right
    assert lin["mastery"] == pytest.approx(2 / 4, abs=0.002)
    assert (lin["knowledge_point_name"], lin["knowledge_point_path"]) == (
        "kp-lin",
        ["kp-alg", "kp-eq", "kp-lin"],
    )
    assert sys_["knowledge_point_path"] == ["kp-alg", "kp-eq", "kp-sys"]

    # Returned, handed in again and marked again: the work was counted once already.
    returned = {"outcome": "returned", "comment": "第二题再算一遍"}
    assert await review(client, task_id, returned, teacher(tokens)) == 200
    await hand_in(client, task_id, {**first, "ps-lin-fill": ["2", "y=-1"]}, me)
    assert await review(client, task_id, marked, teacher(tokens)) == 200
    again = await mastery(client, me)
    assert {k: (p["answered"], p["correct"]) for k, p in again.items()} == {
        "kp-lin": (2, 1),
        "kp-sys": (2, 1),
    }

    # A practice answer adds to the same record; the names were kept from the catalog, which
    # need not answer again for them.
    practice = await start(client, me, knowledge_point="kp-lin", count=1)
    item_id = practice["items"][0]["id"]
    assert (await answer(client, me, practice["id"], item_id, right(item_id))).status_code == 201
    catalog_link.down = True
    after = await mastery(client, me)
    assert (after["kp-lin"]["answered"], after["kp-lin"]["correct"]) == (3, 2)
    assert after["kp-lin"]["knowledge_point_name"] == "kp-lin"

    # Another district's pupil with the same ids has no mastery of these.
    hexi_pupil = pupil(tokens, tenant="hexi", school="hx-sy-zx", cls="hx-sy-zx-7-1")
    assert await mastery(client, hexi_pupil) == {}


async def test_mastery_without_the_catalog_leaves_points_unnamed(
    client: httpx.AsyncClient, tokens: TokenFactory, bank: None, catalog_link: Switch
) -> None:
    me = pupil(tokens)
    practice = await start(client, me, knowledge_point="kp-lin", count=1)
    item_id = practice["items"][0]["id"]
    assert (await answer(client, me, practice["id"], item_id, right(item_id))).status_code == 201
    catalog_link.down = True
    points = await mastery(client, me)
    assert points["kp-lin"]["answered"] == 1
    assert (points["kp-lin"]["knowledge_point_name"], points["kp-lin"]["knowledge_point_path"]) == (
        None,
        [],
    )
