"""网络教研: a teacher starts a research group and a lesson plan, revises it (each save a
revision), discusses it and publishes it as a teaching package, which reaches the
district's review queue. A researcher adds a colleague found by name to a group and removes
them again; members, authors and commenters are shown by name, a plan's body as rendered
Markdown (headings, lists, tables), never as markup it did not make."""

from __future__ import annotations

import re
import uuid

import httpx
from playwright.async_api import Page, expect

from xbt_identity.seed import DEMO_PASSWORD

from .conftest import PHONE, bearer, check_page, login
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


async def test_a_researcher_adds_a_colleague_by_name_and_reads_a_rendered_plan(
    desktop: Page, gw: httpx.AsyncClient
) -> None:
    group = f"初中数学中心组 {uuid.uuid4().hex[:4]}"
    title = f"一次函数的图像 {uuid.uuid4().hex[:4]}"
    # The directory through the gateway: a district's own staff only.
    researcher = await login(gw, "heping", "researcher1")
    hexi = await login(gw, "hexi", "teacher1")
    ids = {"ids": "u-hp-teacher1"}
    mine = await gw.get("/api/identity/v1/colleagues", params=ids, headers=bearer(researcher))
    assert [c["name"] for c in mine.json()["items"]] == ["张老师"], mine.text
    theirs = await gw.get("/api/identity/v1/colleagues", params=ids, headers=bearer(hexi))
    assert theirs.status_code == 200 and theirs.json()["items"] == [], theirs.text

    await sign_in(desktop, "和平区", "researcher1", DEMO_PASSWORD)
    await desktop.get_by_role("button", name="网络教研").click()
    await desktop.get_by_placeholder("新教研组名称").fill(group)
    await desktop.get_by_role("button", name="新建教研组").click()
    await expect(desktop.locator("#group-pick")).to_have_value(re.compile(r"."))
    members = desktop.get_by_role("list", name="组员")
    await expect(members.get_by_role("listitem")).to_have_count(1)
    await expect(members).to_contain_text("组长")
    # The owner cannot be removed: no button for them.
    await expect(members.get_by_role("button", name=re.compile("移出"))).to_have_count(0)

    await desktop.get_by_label("按姓名查找同事").fill("张")
    await desktop.get_by_role("button", name="查找", exact=True).click()
    found = desktop.get_by_role("list", name="查找结果")
    await expect(found).to_contain_text("张老师")
    await expect(found).to_contain_text("和平区实验中学")
    await expect(found).not_to_contain_text("李明")  # pupils are nobody's colleagues
    await found.get_by_role("button", name="把张老师加入教研组").click()
    await expect(desktop.get_by_role("status").filter(has_text="已把")).to_have_text(
        "已把张老师加入教研组"
    )
    await expect(members.get_by_role("listitem")).to_have_count(2)
    await expect(members.get_by_role("listitem").nth(1)).to_contain_text("张老师")
    await expect(members).to_contain_text("和平区实验中学")
    await expect(found).to_contain_text("已在组内")
    await expect(desktop.locator("#group-pick option:checked")).to_contain_text("2 人")
    await check_page(desktop, "research-members-desktop")
    listed = await gw.get("/api/catalog/v1/research-groups?size=50", headers=bearer(researcher))
    made = next(g for g in listed.json()["items"] if g["name"] == group)
    assert made["members"] == ["u-hp-researcher1", "u-hp-teacher1"]

    # A plan from the template: its headings are headings of the body.
    await desktop.get_by_placeholder("新教案标题").fill(title)
    await desktop.get_by_role("button", name="新建教案").click()
    await expect(desktop.get_by_role("heading", name=title)).to_be_visible()
    body = desktop.get_by_test_id("plan-body")
    first = body.get_by_role("heading", name="一、教学目标")
    await expect(first).to_be_visible()
    assert await first.evaluate("h => h.tagName") in ("H2", "H3")
    assert "##" not in await body.inner_text()

    # The body gets a list, a table and a script that must stay text, 张老师 (a member now)
    # becomes a co-author and comments: the page renders it and names 张老师.
    plan_id = desktop.url.rsplit("/", 1)[1]
    edited = await gw.put(
        f"/api/catalog/v1/lesson-plans/{plan_id}",
        headers={**bearer(researcher), "If-Match": '"1"'},
        json={
            "co_authors": ["u-hp-teacher1"],
            "summary": "写了目标和过程",
            "body": "## 一、教学目标\n\n- 会画一次函数的图像\n- 说出 k、b 的作用\n\n"
            "## 二、教学过程\n\n| 环节 | 时间 |\n| --- | --- |\n| 引入 | 5 分钟 |\n"
            "| 探究 | 20 分钟 |\n\n<script>window.pwned = 1</script>\n",
        },
    )
    assert edited.status_code == 200, edited.text
    teacher = await login(gw, "heping", "teacher1")
    said = await gw.post(
        f"/api/catalog/v1/lesson-plans/{plan_id}/comments",
        headers=bearer(teacher),
        json={"text": "表格里再加一个练习环节。"},
    )
    assert said.status_code == 201, said.text
    await desktop.reload()
    await expect(body.get_by_role("heading", name="二、教学过程")).to_be_visible()
    await expect(body.get_by_role("listitem")).to_have_count(2)
    await expect(body.get_by_role("table")).to_contain_text("探究")
    await expect(body.locator("script")).to_have_count(0)
    await expect(body).to_contain_text("<script>")  # Markdown's raw HTML is shown as text
    assert await desktop.evaluate("() => window.pwned") is None
    await expect(desktop.get_by_text("合作者：张老师")).to_be_visible()
    await expect(desktop.get_by_role("region", name="修改记录")).to_contain_text("写了目标和过程")
    await expect(desktop.get_by_role("region", name="研讨（1）")).to_contain_text("张老师")
    await check_page(desktop, "lesson-plan-rendered-desktop")
    await desktop.set_viewport_size(PHONE)
    await check_page(desktop, "lesson-plan-rendered-phone")

    # Removed again by name; the owner stays.
    await desktop.go_back()
    await desktop.locator("#group-pick").select_option(label=f"{group}（初中数学 · 2 人）")
    await members.get_by_role("button", name="把张老师移出教研组").click()
    await expect(desktop.get_by_role("status").filter(has_text="已把")).to_have_text(
        "已把张老师移出教研组"
    )
    await expect(members.get_by_role("listitem")).to_have_count(1)
    await expect(members).not_to_contain_text("张老师")
