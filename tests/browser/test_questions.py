"""答疑: a pupil asks a question on a task, the teacher sees it with the pupil's 学号,
answers and marks it resolved; the pupil reads the answer."""

from __future__ import annotations

import uuid

import httpx
from playwright.async_api import Browser, Page, expect

from xbt_identity.seed import DEMO_PASSWORD

from .conftest import DESKTOP, Suite, check_page, new_context
from .test_login import sign_in
from .test_tasks import set_task


async def test_a_pupil_asks_and_the_teacher_answers(
    phone: Page, browser: Browser, gw: httpx.AsyncClient, suite: Suite
) -> None:
    title = f"代入消元法答疑 {uuid.uuid4().hex[:4]}"
    setup = await set_task(gw, title)
    question = "第二步为什么要把 y 用 x 表示？"
    await sign_in(phone, "和平区", "student2", DEMO_PASSWORD)
    await phone.get_by_text(title).click()
    await phone.get_by_placeholder("对这个任务有不懂的地方？写下你的问题").fill(question)
    await phone.get_by_role("button", name="提问").click()
    mine = phone.locator("li.thread", has_text=question)
    await expect(mine.get_by_text("待回答", exact=True)).to_be_visible()
    await check_page(phone, "questions-pupil-phone")

    context = await new_context(browser, suite.gateway, DESKTOP)
    desk = await context.new_page()
    try:
        await sign_in(desk, "和平区", "teacher1", DEMO_PASSWORD)
        await expect(desk.get_by_role("heading", name="我布置的任务")).to_be_visible()
        await desk.goto(f"/teach/tasks/{setup['task']['id']}")
        thread = desk.locator("li.thread", has_text=question)
        await expect(thread.get_by_text("王芳")).to_be_visible()
        await expect(thread.get_by_text("学号 2019080102")).to_be_visible()
        await thread.get_by_placeholder("回答这个问题").fill(
            "这样就能代入另一个方程，消去一个未知数。"
        )
        await thread.get_by_role("button", name="回复").click()
        await expect(thread.get_by_text("已回答", exact=True)).to_be_visible()
        await thread.get_by_role("button", name="标记已解决").click()
        await expect(thread.get_by_text("已解决", exact=True)).to_be_visible()
        await expect(thread.get_by_text("学号 2019080102")).to_be_visible()
        await check_page(desk, "questions-teacher-desktop")
    finally:
        await context.close()

    await phone.reload()
    await expect(mine.get_by_text("这样就能代入另一个方程，消去一个未知数。")).to_be_visible()
    await expect(mine.get_by_text("已解决", exact=True)).to_be_visible()
