"""A pupil's task in the browser: open it from 今日, answer, hand in; written offline, it is
handed in when the network returns, exactly once."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import httpx
from playwright.async_api import Page, expect

from xbt_identity.seed import DEMO_PASSWORD

from .conftest import bearer, check_page, login
from .test_login import sign_in


async def set_task(gw: httpx.AsyncClient, title: str) -> dict[str, Any]:
    teacher = await login(gw, "heping", "teacher1")
    me = (await gw.get("/api/identity/v1/me", headers=bearer(teacher))).json()
    due = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    created = await gw.post(
        "/api/tasks/v1/tasks",
        headers=bearer(teacher),
        json={
            "title": title,
            "instructions": "<p>用自己的话写出<strong>代入消元法</strong>的步骤。</p>",
            "class_ids": [me["teaching"][0]["class_id"]],
            "due_at": due.isoformat(),
        },
    )
    assert created.status_code == 201, created.text
    return {"task": created.json(), "teacher": teacher}


async def submissions_of(gw: httpx.AsyncClient, setup: dict[str, Any]) -> list[dict[str, Any]]:
    listed = await gw.get(
        f"/api/tasks/v1/tasks/{setup['task']['id']}/submissions",
        headers=bearer(setup["teacher"]),
    )
    assert listed.status_code == 200, listed.text
    body = listed.json()
    items: list[dict[str, Any]] = body["items"] if isinstance(body, dict) else body
    return items


async def test_a_pupil_opens_answers_and_hands_in(phone: Page, gw: httpx.AsyncClient) -> None:
    title = f"代入消元法小结 {uuid.uuid4().hex[:4]}"
    setup = await set_task(gw, title)
    await sign_in(phone, "和平区", "student1", DEMO_PASSWORD)
    await phone.get_by_text(title).click()
    await expect(phone.get_by_role("heading", name=title)).to_be_visible()
    await expect(phone.get_by_text("代入消元法的步骤")).to_be_visible()
    await phone.get_by_role("textbox", name="我的作答").fill(
        "先用一个未知数表示另一个，再代入另一个方程求解。"
    )
    await check_page(phone, "task-phone")
    await phone.get_by_role("button", name="提交").click()
    await expect(phone.get_by_role("heading", name="批改结果")).to_be_visible()
    handed = await submissions_of(gw, setup)
    assert [s["attempt_count"] for s in handed if s.get("pupil_name") == "李明"] == [1]


async def test_work_written_offline_arrives_once_when_back_online(
    phone: Page, gw: httpx.AsyncClient
) -> None:
    title = f"离线作答 {uuid.uuid4().hex[:4]}"
    setup = await set_task(gw, title)
    await sign_in(phone, "和平区", "student2", DEMO_PASSWORD)
    await phone.get_by_text(title).click()
    await expect(phone.get_by_role("heading", name=title)).to_be_visible()

    await phone.context.set_offline(True)
    await phone.get_by_role("textbox", name="我的作答").fill("在地铁上写的作答。")
    await phone.get_by_role("button", name="提交").click()
    await expect(phone.get_by_text("作答已保存在本机")).to_be_visible()
    assert await submissions_of(gw, setup) == []

    await phone.context.set_offline(False)
    for _ in range(50):
        handed = await submissions_of(gw, setup)
        if handed:
            break
        await asyncio.sleep(0.2)
    assert [(s["pupil_name"], s["attempt_count"]) for s in handed] == [("王芳", 1)]
    # the outbox is empty: reopening sends nothing more
    await phone.reload()
    await asyncio.sleep(1)
    assert len(await submissions_of(gw, setup)) == 1
    assert await phone.evaluate("localStorage.getItem('xbt.outbox')") == "[]"
