"""A teacher's and a school administrator's journeys: who is missing, marking, the pupil
seeing the mark; a roster with bad rows, the credentials sheet, a new pupil's first login."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from pathlib import Path

import httpx
from playwright.async_api import Browser, Page, expect

from xbt_identity.seed import DEMO_PASSWORD

from .conftest import PHONE, Suite, bearer, check_page, login, new_context
from .test_login import sign_in
from .test_tasks import set_task


async def test_the_teacher_sees_who_is_missing_and_marks(
    desktop: Page, browser: Browser, gw: httpx.AsyncClient, suite: Suite
) -> None:
    title = f"二元一次方程组应用题 {uuid.uuid4().hex[:4]}"
    setup = await set_task(gw, title)
    pupil = await login(gw, "heping", "student1")
    handed = await gw.post(
        f"/api/tasks/v1/tasks/{setup['task']['id']}/submissions",
        headers={**bearer(pupil), "Idempotency-Key": uuid.uuid4().hex},
        json={"text": "<p>设鸡 x 只，兔 y 只：x + y = 35，2x + 4y = 94，x = 23，y = 12。</p>"},
    )
    assert handed.status_code == 201, handed.text

    await sign_in(desktop, "和平区", "teacher1", DEMO_PASSWORD)
    await expect(desktop.get_by_role("heading", name="我布置的任务")).to_be_visible()
    await desktop.get_by_text(title).click()
    await expect(desktop.get_by_role("heading", name="已提交（1）")).to_be_visible()
    missing = desktop.get_by_role("region", name="未提交")
    await expect(missing.get_by_text("王芳")).to_be_visible()
    await expect(missing.get_by_text("李明")).to_have_count(0)
    await check_page(desktop, "teacher-task-desktop")

    await desktop.get_by_role("region", name="已提交").get_by_text("李明").click()
    await expect(desktop.get_by_text("x = 23，y = 12")).to_be_visible()
    await desktop.get_by_label("得分").fill("92")
    await desktop.get_by_label("老师评语").fill("列方程清楚，注意写出检验。")
    await check_page(desktop, "teacher-marking-desktop")
    await desktop.get_by_role("button", name="批改完成").click()
    await expect(desktop.get_by_text("已批改，学生可以看到分数和评语")).to_be_visible()

    context = await new_context(browser, suite.gateway, PHONE)
    phone = await context.new_page()
    try:
        await sign_in(phone, "和平区", "student1", DEMO_PASSWORD)
        await expect(phone.get_by_role("heading", name="李明，你好")).to_be_visible()
        # 今日 lists it among the recently done, with its mark, and leads to it
        done = phone.get_by_role("region", name="最近完成")
        await expect(done.get_by_role("button", name=title)).to_contain_text("92/100 分")
        await done.get_by_role("button", name=title).click()
        await expect(phone.get_by_text("92 / 100")).to_be_visible()
        await expect(phone.get_by_text("列方程清楚，注意写出检验。")).to_be_visible()
        await check_page(phone, "pupil-marked-phone")
    finally:
        await context.close()


def roster_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(
        [["学校", "年级", "班级", "姓名", "学号"], *rows]
    )
    return out.getvalue().encode("gbk")  # as Chinese Excel saves "CSV (逗号分隔)"


async def test_a_school_admin_imports_a_roster_and_a_new_pupil_signs_in(
    desktop: Page, browser: Browser, suite: Suite, tmp_path: Path
) -> None:
    seat = uuid.uuid4().int % 90 + 10
    number = f"2026{seat:02d}{uuid.uuid4().int % 9000 + 1000}"
    name = "孙" + "悦晨"
    path = tmp_path / "九年级花名册.csv"
    path.write_bytes(
        roster_csv(
            [
                ["和平区实验中学", "9", "3班", name, number],
                ["和平区实验中学", "4", "1班", "周小雨", "2026040101"],  # grade 4: not taught
            ]
        )
    )
    await sign_in(desktop, "和平区", "schooladmin1", DEMO_PASSWORD)
    await expect(desktop.get_by_role("heading", name="批量注册学生（花名册导入）")).to_be_visible()
    await desktop.get_by_label("花名册文件").set_input_files(str(path))
    await desktop.get_by_role("button", name="导入").click()
    errors = desktop.get_by_role("region", name="未导入的行（1）")
    await expect(errors.get_by_text("周小雨")).to_be_visible()
    await check_page(desktop, "admin-roster-desktop")

    async with desktop.expect_download() as download_info:
        await desktop.get_by_role("button", name="下载 CSV").click()
    sheet = await (await download_info.value).path()
    text = await asyncio.to_thread(Path(sheet).read_text, encoding="utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0][-2:] == ["用户名", "初始密码"]
    row = next(line for line in lines[1:] if line[3] == name)
    username, password = row[-2], row[-1]

    context = await new_context(browser, suite.gateway, PHONE)
    phone = await context.new_page()
    try:
        await sign_in(phone, "和平区", username, password)
        await expect(phone.get_by_text("首次登录，请设置自己的新密码")).to_be_visible()
        await phone.get_by_label("当前密码").fill(password)
        await phone.get_by_label("新密码", exact=True).fill("Sun-yuechen-2026")
        await phone.get_by_label("再次输入新密码").fill("Sun-yuechen-2026")
        await phone.get_by_role("button", name="保存新密码").click()
        await expect(phone.get_by_role("heading", name=f"{name}，你好")).to_be_visible()
    finally:
        await context.close()
