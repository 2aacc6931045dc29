"""拓展: a pupil studies an open-school course (the lesson plays, progress is kept and
shown, a finished lesson counts) and browses enrichment resources by category."""

from __future__ import annotations

from playwright.async_api import Page, expect

from xbt_identity.seed import DEMO_PASSWORD

from .conftest import check_page
from .test_login import sign_in


async def test_a_pupil_studies_a_course_and_its_progress_is_kept(phone: Page) -> None:
    await sign_in(phone, "和平区", "student2", DEMO_PASSWORD)
    await expect(phone.get_by_role("heading", name="王芳，你好")).to_be_visible()
    await phone.get_by_role("tab", name="拓展").click()
    courses = phone.get_by_role("region", name="开放学堂").locator(".van-cell")
    await expect(courses.first).to_be_visible()
    await check_page(phone, "explore-phone")
    await courses.first.click()
    lessons = phone.locator("button.lesson")
    await expect(lessons.first).to_be_visible()
    await lessons.first.click()
    video = phone.locator("video")
    await phone.wait_for_function(
        "() => document.querySelector('video')?.readyState >= 1", timeout=15_000
    )
    # Near the end, played to the end: the lesson is finished (90% of it counts).
    await video.evaluate(
        "v => { v.muted = true; v.currentTime = v.duration - 0.8; return v.play() }"
    )
    await expect(lessons.first.get_by_text("已学完")).to_be_visible(timeout=15_000)
    await check_page(phone, "course-phone")

    await phone.reload()  # kept by the service, not the page
    await expect(phone.locator("button.lesson").first.get_by_text("已学完")).to_be_visible()
    await expect(phone.get_by_role("status").filter(has_text="已学完 1 /")).to_be_visible()
    await phone.go_back()
    going_on = phone.get_by_role("region", name="继续学习").locator(".van-cell")
    await expect(going_on.first).to_be_visible()
    # 今日 offers it too.
    await phone.get_by_role("tab", name="今日").click()
    today = phone.get_by_role("region", name="继续学习")
    await expect(today.locator(".van-cell").first).to_contain_text("已学完 1 /")


async def test_enrichment_by_category(phone: Page) -> None:
    await sign_in(phone, "和平区", "student1", DEMO_PASSWORD)
    await expect(phone.get_by_role("heading", name="李明，你好")).to_be_visible()
    await phone.get_by_role("tab", name="拓展").click()
    region = phone.get_by_role("region", name="拓展资源")
    await region.get_by_role("button", name="科普").click()
    chosen = region.get_by_role("button", name="科普")
    await expect(chosen).to_have_attribute("aria-pressed", "true")
    found = region.locator(".van-cell")
    await expect(found.first).to_be_visible()
    title = (await found.first.locator(".van-cell__title span").first.inner_text()).strip()
    await found.first.click()
    await expect(phone.get_by_role("heading", name=title)).to_be_visible()
