"""The administrators' journeys: a school admin resets a pupil's password, disables and
enables the account; a district admin opens the guest account and a guest enters (and cannot
write), publishes a resource from the review queue; a city admin links a platform."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
from playwright.async_api import Browser, Page, expect

from xbt_identity.seed import DEMO_PASSWORD

from .conftest import PHONE, Suite, bearer, check_page, login, new_context
from .test_login import sign_in

BEIJING = dt.timezone(dt.timedelta(hours=8))


async def new_pupil(gw: httpx.AsyncClient, name: str) -> dict[str, str]:
    admin = await login(gw, "heping", "schooladmin1")
    username = f"p{uuid.uuid4().hex[:8]}"
    created = await gw.post(
        "/api/identity/v1/users",
        headers=bearer(admin),
        json={
            "username": username,
            "name": name,
            "roles": ["student"],
            "school_id": "hp-sy-zx",
            "class_ids": ["c-hp-8-1"],
            "student_no": f"2020{uuid.uuid4().int % 10000:04d}",
        },
    )
    assert created.status_code == 201, created.text
    return {"username": username, "password": created.json()["one_time_password"]}


async def password_login(
    gw: httpx.AsyncClient, tenant: str, username: str, password: str
) -> httpx.Response:
    return await gw.post(
        "/api/identity/v1/auth/login",
        json={"tenant": tenant, "username": username, "password": password},
    )


async def test_a_school_admin_resets_a_password_and_disables_an_account(
    desktop: Page, gw: httpx.AsyncClient
) -> None:
    name = f"赵{uuid.uuid4().hex[:3]}"
    pupil = await new_pupil(gw, name)
    await sign_in(desktop, "和平区", "schooladmin1", DEMO_PASSWORD)
    await desktop.get_by_role("tab", name="账号管理").click()
    await desktop.get_by_label("姓名、用户名或学号").fill(name)
    await desktop.get_by_role("button", name="查找").click()
    row = desktop.locator("li.account", has_text=name)
    await expect(row).to_have_count(1)
    await check_page(desktop, "admin-accounts-desktop")

    await row.get_by_role("button", name="重置密码").click()
    await row.get_by_role("button", name="确定").click()
    issued = desktop.get_by_role("alert").filter(has_text="一次性密码")
    await expect(issued).to_be_visible()
    one_time = (await issued.locator(".secret").inner_text()).strip()
    assert one_time and one_time != pupil["password"]
    assert (
        await password_login(gw, "heping", pupil["username"], pupil["password"])
    ).status_code == 401
    signed_in = await password_login(gw, "heping", pupil["username"], one_time)
    assert signed_in.status_code == 200, signed_in.text
    session = await gw.get("/api/identity/v1/auth/session", headers=bearer(signed_in.json()))
    assert session.json()["must_change_password"] is True

    await row.get_by_role("button", name="停用").click()
    await expect(row.get_by_text("已停用")).to_be_visible()
    refused = await password_login(gw, "heping", pupil["username"], one_time)
    assert refused.status_code == 403 and refused.json()["type"].endswith("account-disabled")
    await row.get_by_role("button", name="启用").click()
    await expect(row.get_by_text("已停用")).to_have_count(0)
    assert (await password_login(gw, "heping", pupil["username"], one_time)).status_code == 200


async def test_a_district_admin_opens_the_guest_account_and_a_guest_only_reads(
    phone: Page, browser: Browser, gw: httpx.AsyncClient, suite: Suite
) -> None:
    # 河西区 (hexi): the other tests' districts keep their guest account closed.
    guest_password = f"guest-{uuid.uuid4().hex[:6]}"
    await sign_in(phone, "河西区", "districtadmin1", DEMO_PASSWORD)
    await phone.get_by_role("tab", name="游客账号").click()
    until = (dt.datetime.now(BEIJING) + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    await phone.get_by_label("开放至（北京时间）").fill(until)
    await phone.get_by_label("新游客密码").fill(guest_password)
    await phone.get_by_role("button", name="开放游客入口").click()
    await expect(phone.get_by_text("游客入口已开放")).to_be_visible()
    await expect(phone.get_by_text(guest_password)).to_be_visible()
    await check_page(phone, "admin-guest-phone")

    context = await new_context(browser, suite.gateway, PHONE)
    visitor = await context.new_page()
    try:
        await visitor.goto("/login")
        await visitor.get_by_label("所在区").select_option(label="和平区")
        await expect(visitor.get_by_role("button", name="游客入口")).to_have_count(0)
        await visitor.get_by_label("所在区").select_option(label="河西区")
        await visitor.get_by_role("button", name="游客入口").click()
        await expect(visitor.get_by_text("游客入口开放至")).to_be_visible()
        await visitor.get_by_label("游客密码").fill(guest_password)
        await check_page(visitor, "login-guest-phone")
        await visitor.get_by_role("button", name="以游客身份进入").click()
        await expect(visitor).to_have_url(f"{suite.gateway}/")
        # A guest has nothing to hand in or practise: no practice tab, and writes are refused.
        await expect(visitor.get_by_role("link", name="练习")).to_have_count(0)
        tokens = await visitor.evaluate("JSON.parse(localStorage.getItem('xbt.session')).tokens")
        write = await gw.post(
            "/api/tasks/v1/practice", headers=bearer(tokens), json={"knowledge_point": "x"}
        )
        assert write.status_code == 403 and write.json()["type"].endswith("guest-read-only")
    finally:
        await context.close()

    await phone.get_by_role("button", name="立即关闭").click()
    await expect(phone.get_by_text("游客入口已关闭")).to_be_visible()
    closed = await password_login(gw, "hexi", "guest", guest_password)
    assert closed.status_code == 403


async def test_a_district_admin_publishes_a_resource_from_the_review_queue(
    desktop: Page, gw: httpx.AsyncClient
) -> None:
    teacher = await login(gw, "heping", "teacher1")
    title = f"《一元一次不等式》导学案 {uuid.uuid4().hex[:4]}"
    created = await gw.post(
        "/api/catalog/v1/resources",
        headers=bearer(teacher),
        json={
            "title": title,
            "description": "课前自学：不等式的性质与解法，含 6 道基础练习。",
            "kind": "exercise",
            "subject": "数学",
            "grades": [7],
            "media": {"url": "https://example.com/daoxuean.pdf", "format": "pdf"},
            "level": "district",
        },
    )
    assert created.status_code == 201, created.text
    rid = created.json()["id"]
    submitted = await gw.post(f"/api/catalog/v1/resources/{rid}/submit", headers=bearer(teacher))
    assert submitted.status_code == 200, submitted.text
    pupil = await login(gw, "heping", "student1")
    assert (
        await gw.get(f"/api/catalog/v1/resources/{rid}", headers=bearer(pupil))
    ).status_code == 404

    await sign_in(desktop, "和平区", "districtadmin1", DEMO_PASSWORD)
    await desktop.get_by_role("tab", name="资源审核").click()
    item = desktop.locator("li.item", has_text=title)
    await expect(item).to_be_visible()
    await check_page(desktop, "admin-review-desktop")
    await item.get_by_role("button", name="通过并发布").click()
    await expect(desktop.get_by_text(f"《{title}》已发布")).to_be_visible()
    read = await gw.get(f"/api/catalog/v1/resources/{rid}", headers=bearer(pupil))
    assert read.status_code == 200, read.text


async def test_a_city_admin_links_a_platform(desktop: Page, gw: httpx.AsyncClient) -> None:
    name = f"智慧教育平台 {uuid.uuid4().hex[:4]}"
    await sign_in(desktop, "天津市", "cityadmin1", DEMO_PASSWORD)
    await desktop.get_by_role("tab", name="对接平台").click()
    await desktop.get_by_label("平台名称").fill(name)
    await desktop.get_by_label("平台网址").fill("https://edu.example.cn")
    await desktop.get_by_label("回调地址（每行一个）").fill("https://edu.example.cn/oidc/callback")
    await desktop.get_by_role("button", name="对接", exact=True).click()
    await expect(desktop.get_by_text(f"已对接 {name}")).to_be_visible()
    secret = (await desktop.locator(".secret").inner_text()).strip()
    assert len(secret) >= 20
    await expect(desktop.locator("li.item", has_text=name)).to_be_visible()
    await check_page(desktop, "admin-platforms-desktop")
    admin = await login(gw, "city", "cityadmin1")
    listed = await gw.get("/api/identity/v1/oidc/clients", headers=bearer(admin))
    assert name in [c["name"] for c in listed.json()]
