"""A teacher sets a task in the portal: the class, what to do by when, a chapter's resource
and bank items found by knowledge point; the pupil finds it on 今日. Large-text mode."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from pathlib import Path

import httpx
from playwright.async_api import Browser, Page, expect

from xbt_identity.seed import DEMO_PASSWORD

from .conftest import PHONE, Suite, bearer, check_page, login, new_context
from .test_login import sign_in
from .test_tasks import set_task

BEIJING = dt.timezone(dt.timedelta(hours=8))


async def test_a_teacher_sets_a_task_by_chapter_and_knowledge_point(
    desktop: Page, browser: Browser, gw: httpx.AsyncClient, suite: Suite
) -> None:
    title = f"三角形与二元一次方程组 {uuid.uuid4().hex[:4]}"
    await sign_in(desktop, "和平区", "teacher1", DEMO_PASSWORD)
    await desktop.get_by_role("button", name="布置任务").click()
    await expect(desktop.get_by_role("group", name="布置给")).to_contain_text("八年级1班")
    await desktop.get_by_label("任务名称").fill(title)
    await desktop.get_by_label("要求（每行一段）").fill(
        "先看课件，再完成下面的题目。\n写出解题过程。"
    )
    due = (dt.datetime.now(BEIJING) + dt.timedelta(days=1)).replace(hour=20, minute=0)
    await desktop.get_by_label("截止时间（北京时间）").fill(due.strftime("%Y-%m-%dT%H:%M"))

    await expect(desktop.get_by_label("教材", exact=True)).to_contain_text("八年级")
    lesson = desktop.get_by_label("章节")
    await expect(lesson.locator("option").nth(1)).to_be_attached()
    chapter = desktop.get_by_role("group", name="学习资源（按教材章节选）")
    resources = chapter.get_by_role("checkbox")
    for index in range(1, 8):  # the first chapter of the book that has resources
        await lesson.select_option(index=index)
        try:
            await expect(resources.first).to_be_visible(timeout=2_000)
            break
        except AssertionError:
            continue
    await resources.first.check()

    await desktop.get_by_label("知识点名称").fill("二元一次方程组")
    await desktop.get_by_role("button", name="查找").click()
    items = desktop.get_by_role("group", name="题目（按知识点选）").get_by_role("checkbox")
    await expect(items.nth(1)).to_be_visible()
    await items.nth(0).check()
    await items.nth(1).check()
    await check_page(desktop, "teacher-new-task-desktop")
    await desktop.get_by_role("button", name="布置（资源 1 个，题目 2 道）").click()
    await expect(desktop).to_have_url(re.compile(r"/teach/tasks/[\w-]+$"))
    missing = desktop.get_by_role("heading", name=re.compile(r"^未提交（\d+）$"))
    await expect(missing).to_be_visible()

    teacher = await login(gw, "heping", "teacher1")
    listed = (await gw.get("/api/tasks/v1/tasks?size=50", headers=bearer(teacher))).json()
    (made,) = [t for t in listed["items"] if t["title"] == title]
    assert made["item_count"] == 2 and made["resource_count"] == 1
    assert dt.datetime.fromisoformat(made["due_at"]) == due.replace(second=0, microsecond=0)

    context = await new_context(browser, suite.gateway, PHONE)
    phone = await context.new_page()
    try:
        await sign_in(phone, "和平区", "student2", DEMO_PASSWORD)
        await phone.get_by_text(title).click()
        await expect(phone.get_by_text("写出解题过程。")).to_be_visible()
        await expect(phone.get_by_role("region", name="学习资源")).to_be_visible()
    finally:
        await context.close()


async def test_large_text_mode_enlarges_every_page(phone: Page) -> None:
    await sign_in(phone, "和平区", "student1", DEMO_PASSWORD)
    await expect(phone.get_by_role("heading", name="李明，你好")).to_be_visible()
    before = await phone.evaluate("getComputedStyle(document.querySelector('h1')).fontSize")
    await phone.get_by_role("tab", name="我的").click()
    await expect(phone.get_by_text("学生", exact=True)).to_be_visible()  # the role, in Chinese
    await phone.get_by_role("switch", name="大字模式").click()
    await expect(phone.locator("html")).to_have_class("large-text")
    await check_page(phone, "desk-large-text-phone")
    await phone.reload()  # kept on the device
    await expect(phone.locator("html")).to_have_class("large-text")
    await phone.get_by_role("tab", name="今日").click()
    await expect(phone.locator(".van-skeleton")).to_have_count(0)  # today's tasks are in
    after = await phone.evaluate("getComputedStyle(document.querySelector('h1')).fontSize")
    assert float(after.removesuffix("px")) > float(before.removesuffix("px"))
    await check_page(phone, "home-large-text-phone")


async def test_the_teacher_reads_the_class_gradebook_and_downloads_it(
    desktop: Page, gw: httpx.AsyncClient, tmp_path: Path
) -> None:
    title = f"一元一次不等式小测 {uuid.uuid4().hex[:4]}"
    setup = await set_task(gw, title)
    task_id = setup["task"]["id"]
    pupil = await login(gw, "heping", "student1")
    handed = await gw.post(
        f"/api/tasks/v1/tasks/{task_id}/submissions",
        headers={**bearer(pupil), "Idempotency-Key": uuid.uuid4().hex},
        json={"text": "<p>x > 3</p>"},
    )
    assert handed.status_code == 201, handed.text
    marked = await gw.post(
        f"/api/tasks/v1/tasks/{task_id}/submissions/u-hp-student1/review",
        headers=bearer(setup["teacher"]),
        json={"outcome": "marked", "score": 87, "comment": "解集写对了。"},
    )
    assert marked.status_code == 200, marked.text
    book = await gw.get(
        "/api/tasks/v1/classes/c-hp-8-1/gradebook?limit=12", headers=bearer(setup["teacher"])
    )
    assert book.status_code == 200, book.text

    await sign_in(desktop, "和平区", "teacher1", DEMO_PASSWORD)
    await desktop.get_by_role("button", name="成绩册").click()
    table = desktop.get_by_role("table")
    await expect(table.get_by_role("columnheader", name=title)).to_be_visible()
    column = await table.get_by_role("columnheader").all_inner_texts()
    at = next(i for i, text in enumerate(column) if text.startswith(title))
    row = table.get_by_role("row").filter(has=desktop.get_by_role("rowheader", name="李明"))
    await expect(row.locator("td, th").nth(at)).to_have_text("87")
    other = table.get_by_role("row").filter(has=desktop.get_by_role("rowheader", name="王芳"))
    await expect(other.locator("td, th").nth(at)).to_have_text("待交")
    await check_page(desktop, "teacher-gradebook-desktop")

    async with desktop.expect_download() as downloading:
        await desktop.get_by_role("button", name="下载 Excel").click()
    saved = tmp_path / "gradebook.xlsx"
    await (await downloading.value).save_as(saved)
    assert saved.read_bytes()[:2] == b"PK"  # an XLSX is a zip
    assert (await downloading.value).suggested_filename.endswith(".xlsx")


async def test_a_teacher_changes_and_closes_a_task(desktop: Page, gw: httpx.AsyncClient) -> None:
    setup = await set_task(gw, f"课后小结 {uuid.uuid4().hex[:4]}")
    task_id = setup["task"]["id"]
    renamed = f"课后小结（改） {uuid.uuid4().hex[:4]}"
    await sign_in(desktop, "和平区", "teacher1", DEMO_PASSWORD)
    await expect(desktop.get_by_role("heading", name="我布置的任务")).to_be_visible()
    await desktop.goto(f"/teach/tasks/{task_id}")
    await desktop.get_by_role("button", name="修改任务").click()
    await desktop.get_by_label("任务名称").fill(renamed)
    due = (dt.datetime.now(BEIJING) + dt.timedelta(days=3)).replace(hour=18, minute=30)
    await desktop.get_by_label("截止时间（北京时间）").fill(due.strftime("%Y-%m-%dT%H:%M"))
    await desktop.get_by_label("允许迟交").check()
    await desktop.get_by_role("button", name="保存修改").click()
    await expect(desktop.get_by_text("已保存，学生看到的是新的设置")).to_be_visible()
    await expect(desktop.get_by_role("heading", name=renamed)).to_be_visible()
    await check_page(desktop, "teacher-task-settings-desktop")

    pupil = await login(gw, "heping", "student1")
    seen = (await gw.get(f"/api/tasks/v1/tasks/{task_id}", headers=bearer(pupil))).json()
    assert seen["title"] == renamed and seen["allow_late"] is True
    assert dt.datetime.fromisoformat(seen["due_at"]) == due.replace(second=0, microsecond=0)

    await desktop.get_by_role("button", name="截止收交").click()
    await expect(desktop.get_by_role("button", name="重新开放")).to_be_visible()
    seen = (await gw.get(f"/api/tasks/v1/tasks/{task_id}", headers=bearer(pupil))).json()
    assert seen["status"] == "closed"
    await expect(desktop.get_by_text("· 已关闭")).to_be_visible()
    # and the teacher's list says so, where it said 进行中
    await desktop.goto("/teach")
    listed = desktop.get_by_role("button", name=renamed)
    await expect(listed).to_contain_text("已关闭")
