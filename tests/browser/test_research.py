"""网络教研: a teacher starts a research group and a lesson plan, revises it (each save a
revision), discusses it and publishes it as a teaching package, which reaches the
district's review queue."""

from __future__ import annotations

import uuid

import httpx
from playwright.async_api import Page, expect

from xbt_identity.seed import DEMO_PASSWORD

from .conftest import bearer, check_page, login
from .test_login import sign_in


async def test_a_teacher_writes_revises_and_publishes_a_lesson_plan(
    desktop: Page, gw: httpx.AsyncClient
) -> None:
    group = f"八年级数学备课组 {uuid.uuid4().hex[:4]}"
    title = f"二元一次方程组 第1课时 {uuid.uuid4().hex[:4]}"
    # The district's researcher starts the group with 张老师 in it.
    researcher = await login(gw, "heping", "researcher1")
    made = await gw.post(
        "/api/catalog/v1/research-groups",
        headers=bearer(researcher),
        json={"name": group, "subject": "数学", "stage": "初中", "members": ["u-hp-teacher1"]},
    )
    assert made.status_code == 201, made.text
    await sign_in(desktop, "和平区", "teacher1", DEMO_PASSWORD)
    await desktop.get_by_role("button", name="网络教研").click()
    await expect(desktop.get_by_role("button", name="新建教研组")).to_have_count(0)
    await desktop.locator("#group-pick").select_option(label=f"{group}（初中数学 · 2 人）")
    await desktop.get_by_placeholder("新教案标题").fill(title)
    await desktop.get_by_role("button", name="新建教案").click()

    await expect(desktop.get_by_role("heading", name=title)).to_be_visible()
    await expect(desktop.get_by_text("一、教学目标")).to_be_visible()
    await desktop.get_by_role("button", name="编辑").click()
    body = desktop.get_by_label("教案正文")
    await body.fill(
        "一、教学目标\n会用代入消元法解二元一次方程组。\n\n二、教学过程\n从鸡兔同笼引入。"
    )
    await desktop.get_by_placeholder("这次改了什么（选填）").fill("写了目标和引入")
    await desktop.get_by_role("button", name="保存为新版本").click()
    await expect(desktop.get_by_text("已保存为第 2 版")).to_be_visible()
    history = desktop.get_by_role("region", name="修改记录")
    await expect(history.get_by_role("listitem")).to_have_count(2)
    await expect(history).to_contain_text("写了目标和引入")

    await desktop.get_by_placeholder("写下你的意见").fill("引入可以再加一个生活例子。")
    await desktop.get_by_role("button", name="发表").click()
    await expect(desktop.get_by_role("region", name="研讨（1）")).to_contain_text("生活例子")
    await check_page(desktop, "lesson-plan-desktop")

    await desktop.get_by_role("button", name="发布为教学资源包").click()
    await expect(desktop.get_by_text("已提交区里审核")).to_be_visible()
    admin = await login(gw, "heping", "districtadmin1")
    queue = await gw.get(
        "/api/catalog/v1/workflow/resources?status=in_review&size=50", headers=bearer(admin)
    )
    assert title in [r["title"] for r in queue.json()["items"]], queue.text
