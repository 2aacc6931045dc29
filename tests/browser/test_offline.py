"""The portal as an installed app on a weak network: once opened, the app shell and today's
tasks open with no network at all, and say that they are offline."""

from __future__ import annotations

import uuid

import httpx
from playwright.async_api import Page, expect

from xbt_identity.seed import DEMO_PASSWORD

from .test_login import sign_in
from .test_tasks import set_task


async def test_today_opens_offline_once_installed(installed: Page, gw: httpx.AsyncClient) -> None:
    title = f"离线也能看到的任务 {uuid.uuid4().hex[:4]}"
    await set_task(gw, title)
    page = installed
    await sign_in(page, "和平区", "student1", DEMO_PASSWORD)
    await expect(page.get_by_text(title)).to_be_visible()
    # the service worker has installed and holds the app shell
    await page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    await page.reload()
    await expect(page.get_by_text(title)).to_be_visible()
    assert await page.evaluate("navigator.serviceWorker.controller !== null")

    await page.context.set_offline(True)
    await page.reload()
    await expect(page.get_by_role("heading", name="李明，你好")).to_be_visible()
    await expect(page.get_by_text(title)).to_be_visible()
    await expect(page.get_by_text("当前离线，显示的是上次同步的内容")).to_be_visible()
    await page.context.set_offline(False)
