"""Practice on a knowledge point found by its name, marked at once, then the mastery view
by name."""

from __future__ import annotations

from playwright.async_api import Page, expect

from xbt_identity.seed import DEMO_PASSWORD

from .conftest import check_page
from .test_login import sign_in

POINT = "二元一次方程组"


async def answer_somehow(page: Page) -> None:
    """Give the first item any answer of its type (right or wrong: the marking says)."""
    item = page.locator("fieldset").first
    if await item.get_by_role("radio").count():
        await item.get_by_role("radio").first.check()
    elif await item.get_by_role("checkbox").count():
        await item.get_by_role("checkbox").first.check()
    else:
        for box in await item.get_by_role("textbox").all():
            await box.fill("2")


async def test_practice_on_a_point_found_by_name(phone: Page) -> None:
    await sign_in(phone, "和平区", "student2", DEMO_PASSWORD)
    await expect(phone.get_by_role("heading", name="王芳，你好")).to_be_visible()
    await phone.get_by_role("tab", name="练习").click()
    await phone.get_by_role("searchbox", name="按名称查找知识点").fill(POINT)
    await check_page(phone, "practice-points-phone")
    await phone.get_by_role("button", name=POINT).first.click()
    await expect(phone.get_by_role("heading", name="已答 0 / ")).to_be_visible()

    await answer_somehow(phone)
    await phone.get_by_role("button", name="提交并判分").first.click()
    verdict = phone.get_by_role("status").first
    await expect(verdict).to_contain_text("答案：")
    assert (await verdict.inner_text()).startswith(("回答正确", "回答错误"))
    await expect(phone.get_by_role("heading", name="已答 1 / ")).to_be_visible()
    await check_page(phone, "practice-set-phone")

    await phone.go_back()
    mastery = phone.get_by_role("region", name="我的掌握情况")
    await expect(mastery.get_by_text(POINT).first).to_be_visible()
