"""A pupil's reading journeys: from today's task to its recording, which plays and seeks, to
the recording's textbook chapter; browsing the textbooks down to a lesson; the TV schedule
with its calendar feed; the last chapter opened reads offline."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import httpx
from playwright.async_api import Page, expect

from xbt_identity.seed import DEMO_PASSWORD

from .conftest import bearer, check_page, login
from .test_login import sign_in

RECORDING = "res-00857"  # 《消元——解二元一次方程组》课堂实录 (the catalog's demo data)


async def test_a_pupil_follows_a_task_to_its_recording_and_chapter(
    phone: Page, gw: httpx.AsyncClient
) -> None:
    teacher = await login(gw, "heping", "teacher1")
    me = (await gw.get("/api/identity/v1/me", headers=bearer(teacher))).json()
    title = f"观看课堂实录 {uuid.uuid4().hex[:4]}"
    created = await gw.post(
        "/api/tasks/v1/tasks",
        headers=bearer(teacher),
        json={
            "title": title,
            "instructions": "<p>看完实录，写下加减消元的关键一步。</p>",
            "class_ids": [me["teaching"][0]["class_id"]],
            "resource_ids": [RECORDING],
            "due_at": (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat(),
        },
    )
    assert created.status_code == 201, created.text

    await sign_in(phone, "和平区", "student1", DEMO_PASSWORD)
    await phone.get_by_text(title).click()
    # The task names the chapter its recording belongs to, with the book and unit.
    in_book = phone.get_by_role("region", name="对应教材章节")
    await expect(in_book.get_by_role("button", name="8.2 消元——解二元一次方程组")).to_contain_text(
        "人教版 七年级下册 数学 › 第八章 二元一次方程组"
    )
    recording = "《消元——解二元一次方程组》课堂实录"
    await phone.get_by_text(recording).click()
    await expect(phone.get_by_role("heading", name=recording)).to_be_visible()
    video = phone.locator("video")
    await expect(video).to_have_attribute("src", re.compile(r"^/api/catalog/v1/media/\w+\?"))
    await video.evaluate("v => { v.muted = true; return v.play() }")
    await phone.wait_for_function(
        "() => document.querySelector('video').currentTime > 0.5", timeout=15_000
    )
    # Seeking asks the server for a range of the file: it plays on from there.
    await video.evaluate("v => { v.currentTime = 8 }")
    await phone.wait_for_function(
        "() => document.querySelector('video').currentTime > 8.2", timeout=15_000
    )
    await video.evaluate("v => v.pause()")
    await check_page(phone, "resource-video-phone")

    chapter = phone.get_by_role("region", name="对应教材章节").get_by_role("link").first
    await chapter.click()
    await expect(phone.get_by_role("navigation", name="所在位置")).to_contain_text("数学")
    resources = phone.get_by_role("region", name="课程资源")
    await expect(resources.get_by_text("课堂实录").first).to_be_visible()
    await check_page(phone, "chapter-phone")


async def test_a_pupil_browses_the_textbooks_to_a_lesson(phone: Page) -> None:
    await sign_in(phone, "和平区", "student1", DEMO_PASSWORD)
    await expect(phone.get_by_role("heading", name="李明，你好")).to_be_visible()
    await phone.get_by_role("tab", name="教材").click()
    await phone.get_by_label("学段").select_option("初中")
    await phone.get_by_label("年级").select_option(label="八年级")
    await phone.get_by_label("学科").select_option("数学")
    books = phone.locator("ul.books a")
    await expect(books.first).to_be_visible()
    await check_page(phone, "textbooks-phone")
    await books.first.click()
    lessons = phone.locator(".van-cell")
    await expect(lessons.first).to_be_visible()
    await check_page(phone, "textbook-tree-phone")
    lesson_title = (await lessons.first.inner_text()).strip()
    await lessons.first.click()
    await expect(phone.get_by_role("heading", level=1)).to_have_text(lesson_title)
    where = phone.get_by_role("navigation", name="所在位置")
    await expect(where).to_contain_text("八年级")
    await expect(where).to_contain_text("数学")

    # The last chapter opened reads offline.
    await phone.context.set_offline(True)
    try:
        # Away (the book's page) and back: the chapter is read again with no network, from
        # the browser's copy of the answer or the portal's own.
        book = phone.get_by_role("navigation", name="所在位置").get_by_role("link").first
        await book.click()
        await expect(phone.get_by_role("heading", level=1)).not_to_have_text(lesson_title)
        await phone.go_back()
        await expect(phone.get_by_role("heading", level=1)).to_have_text(lesson_title)
        await expect(phone.get_by_role("region", name="课程资源")).to_be_visible()
    finally:
        await phone.context.set_offline(False)


async def test_the_tv_schedule_has_today_and_a_calendar_feed(
    phone: Page, gw: httpx.AsyncClient
) -> None:
    await sign_in(phone, "和平区", "student1", DEMO_PASSWORD)
    await phone.get_by_role("link", name="全部节目单").click()
    await expect(phone.get_by_role("heading", name="今天", exact=False).first).to_be_visible()
    await check_page(phone, "tv-phone")
    await phone.get_by_role("button", name="高三").click()
    feed = await phone.get_by_role("link", name="添加到日历").get_attribute("href")
    assert feed is not None and feed.endswith("/api/catalog/v1/tv-schedule/12.ics")
    ics = await gw.get(feed)  # public: no token
    assert ics.status_code == 200 and "BEGIN:VCALENDAR" in ics.text


async def test_in_english_the_pages_and_the_errors_are_english(phone: Page) -> None:
    await sign_in(phone, "和平区", "student1", DEMO_PASSWORD)
    await expect(phone.get_by_role("heading", name="李明，你好")).to_be_visible()
    await phone.get_by_role("tab", name="我的").click()
    await phone.get_by_text("English", exact=True).click()
    await expect(phone.get_by_role("tab", name="Textbooks")).to_be_visible()
    await phone.get_by_role("tab", name="Textbooks").click()
    await expect(phone.get_by_role("heading", name="Textbooks")).to_be_attached()
    await expect(phone.get_by_label("Subject")).to_be_visible()
    await check_page(phone, "textbooks-english-phone")
    # The API answers in the portal's language too (it sends Accept-Language).
    await phone.goto("/resources/res-does-not-exist")
    alert = phone.get_by_role("alert")
    await expect(alert).to_be_visible()
    text = await alert.inner_text()
    assert text and not re.search(r"[\u4e00-\u9fff]", text), text
