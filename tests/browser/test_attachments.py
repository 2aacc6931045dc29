"""A pupil attaches a photo of their work and hands in; the teacher gets the file."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
from playwright.async_api import Page, expect

from xbt_identity.seed import DEMO_PASSWORD

from .conftest import bearer, check_page, login
from .test_login import sign_in

# A 1x1 PNG: what a phone's photo of a page stands in for.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


async def test_a_pupil_attaches_a_photo_and_the_teacher_gets_it(
    phone: Page, desktop: Page, gw: httpx.AsyncClient
) -> None:
    teacher = await login(gw, "heping", "teacher1")
    me = (await gw.get("/api/identity/v1/me", headers=bearer(teacher))).json()
    title = f"拍照上传：错题订正 {uuid.uuid4().hex[:4]}"
    created = await gw.post(
        "/api/tasks/v1/tasks",
        headers=bearer(teacher),
        json={
            "title": title,
            "instructions": "<p>把订正后的错题拍照上传。</p>",
            "class_ids": [me["teaching"][0]["class_id"]],
            "accepts_files": True,
            "due_at": (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat(),
        },
    )
    assert created.status_code == 201, created.text
    task_id = created.json()["id"]

    await sign_in(phone, "和平区", "student2", DEMO_PASSWORD)
    await phone.get_by_text(title).click()
    await phone.get_by_label("添加照片或文档").set_input_files(
        {"name": "错题订正.png", "mimeType": "image/png", "buffer": PNG}
    )
    await expect(phone.get_by_text("错题订正.png（1 KB）")).to_be_visible()
    await check_page(phone, "task-attachment-phone")
    await phone.get_by_role("button", name="提交").click()
    await expect(phone.get_by_text("已提交", exact=True).first).to_be_visible()

    work = await gw.get(
        f"/api/tasks/v1/tasks/{task_id}/submissions/u-hp-student2", headers=bearer(teacher)
    )
    assert work.status_code == 200, work.text
    body = work.json()
    file_ids = body.get("file_ids") or body["attempts"][-1]["file_ids"]
    assert len(file_ids) == 1
    got = await gw.get(f"/api/tasks/v1/files/{file_ids[0]}", headers=bearer(teacher))
    assert got.status_code == 200 and got.content == PNG

    await sign_in(desktop, "和平区", "teacher1", DEMO_PASSWORD)
    await expect(desktop.get_by_role("heading", name="我布置的任务")).to_be_visible()
    await desktop.goto(f"/teach/tasks/{task_id}")
    await desktop.get_by_role("region", name="已提交").get_by_text("王芳").click()
    async with desktop.expect_download() as downloading:
        await desktop.get_by_role("button", name="附件 1").click()
    saved = await (await downloading.value).path()
    assert saved.read_bytes() == PNG
