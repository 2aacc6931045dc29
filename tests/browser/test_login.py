"""Signing in, as a pupil, a teacher and a new pupil whose first login asks for a new
password; the language toggle; the help for a forgotten password."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from zoneinfo import ZoneInfo

import httpx
from playwright.async_api import Page, expect

from xbt_identity.seed import DEMO_PASSWORD

from .conftest import Suite, bearer, check_page, login

BEIJING = ZoneInfo("Asia/Shanghai")


async def sign_in(page: Page, district: str, username: str, password: str) -> None:
    await page.goto("/")
    await expect(page).to_have_url(re.compile(r"/login$"))
    await page.get_by_label("所在区").select_option(label=district)
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码", exact=True).fill(password)
    await page.get_by_role("button", name="登录", exact=True).click()


async def test_the_login_page_lists_the_districts_by_name(phone: Page) -> None:
    await phone.goto("/")
    await expect(phone.get_by_role("heading", name="登录学不停")).to_be_visible()
    options = await phone.get_by_label("所在区").locator("option").all_inner_texts()
    assert "和平区" in options and "河西区" in options
    assert len(options) >= 17  # the prompt and the city's districts
    await check_page(phone, "login-phone")


async def test_a_pupil_signs_in_and_sees_today(phone: Page, gw: httpx.AsyncClient) -> None:
    teacher = await login(gw, "heping", "teacher1")
    me = (await gw.get("/api/identity/v1/me", headers=bearer(teacher))).json()
    now = dt.datetime.now(BEIJING)
    due = now.replace(hour=23, minute=50, second=0, microsecond=0)
    if due < now + dt.timedelta(minutes=5):  # too close to midnight: due tomorrow then
        due += dt.timedelta(days=1)
    title = f"今日口算练习 {uuid.uuid4().hex[:4]}"
    created = await gw.post(
        "/api/tasks/v1/tasks",
        headers=bearer(teacher),
        json={
            "title": title,
            "class_ids": [me["teaching"][0]["class_id"]],
            "due_at": due.isoformat(),
        },
    )
    assert created.status_code == 201, created.text
    refused: list[str] = []
    phone.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )

    await sign_in(phone, "和平区", "student1", DEMO_PASSWORD)
    await expect(phone.get_by_role("heading", name="李明，你好")).to_be_visible()
    group = "今天截止" if due.date() == now.date() else "待完成"
    await expect(phone.get_by_role("region", name=group).get_by_text(title)).to_be_visible()
    await check_page(phone, "home-phone")
    # The icons (the cells' arrows, the tab bar) are drawn with the portal's own font file,
    # and nothing the page asked for was refused by the Content-Security-Policy.
    fonts = await phone.evaluate(
        "document.fonts.ready.then(() => [...document.fonts]"
        ".filter((f) => f.family === 'vant-icon').map((f) => f.status))"
    )
    assert fonts == ["loaded"]
    assert refused == []


async def test_a_wrong_password_is_said_and_nothing_opens(phone: Page) -> None:
    await sign_in(phone, "和平区", "student2", "not-the-password")
    await expect(phone.get_by_role("alert")).to_be_visible()
    await expect(phone).to_have_url(re.compile(r"/login$"))


async def test_forgotten_password_names_who_to_ask(phone: Page) -> None:
    await phone.goto("/login")
    await phone.get_by_role("button", name="忘记密码？").click()
    await expect(phone.get_by_text("请联系本校管理员")).to_be_visible()


async def test_the_english_toggle(desktop: Page) -> None:
    await desktop.goto("/login")
    await desktop.get_by_role("button", name="English").click()
    await expect(desktop.get_by_role("heading", name="Sign in to Xuebuting")).to_be_visible()
    assert await desktop.evaluate("document.documentElement.lang") == "en"
    await check_page(desktop, "login-desktop-english")
    await desktop.reload()  # remembered on this device
    await expect(desktop.get_by_role("heading", name="Sign in to Xuebuting")).to_be_visible()


async def test_a_new_pupil_sets_a_password_at_first_login(
    phone: Page, gw: httpx.AsyncClient, suite: Suite
) -> None:
    admin = await login(gw, "heping", "schooladmin1")
    me = (await gw.get("/api/identity/v1/me", headers=bearer(admin))).json()
    username = f"new{uuid.uuid4().hex[:6]}"
    made = await gw.post(
        "/api/identity/v1/users",
        headers=bearer(admin),
        json={
            "username": username,
            "name": "赵新同",
            "roles": ["student"],
            "school_id": me["school_id"],
        },
    )
    assert made.status_code == 201, made.text
    one_time = made.json()["one_time_password"]

    await sign_in(phone, "和平区", username, one_time)
    await expect(phone.get_by_text("首次登录，请设置自己的新密码")).to_be_visible()
    await check_page(phone, "first-login-password")
    await phone.get_by_label("当前密码").fill(one_time)
    await phone.get_by_label("新密码", exact=True).fill("Zhao-2026-mima")
    await phone.get_by_label("再次输入新密码").fill("Zhao-2026-mima")
    await phone.get_by_role("button", name="保存新密码").click()
    await expect(phone.get_by_role("heading", name="赵新同，你好")).to_be_visible()
    # the new password is the one that works now
    relogin = await gw.post(
        "/api/identity/v1/auth/login",
        json={"tenant": "heping", "username": username, "password": "Zhao-2026-mima"},
    )
    assert relogin.status_code == 200, relogin.text
