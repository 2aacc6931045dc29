"""Bulk registration through the API: upload, row errors, first login with the one-time
password, re-import, moves, scoping by school and district, credentials sheets, a large file."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from typing import Any

import httpx
import pytest
from openpyxl import Workbook, load_workbook

from xbt_shared.tenancy import Tenant
from xbt_shared.testing import eventually

from ...conftest import Identity, bearer, login

SY = "和平区实验中学"  # hp-sy-zx, grades 7-12, schooladmin1
XX = "和平区第一中心小学"  # hp-xx-1, grades 1-6
HEADER = ["学校", "年级", "班级", "姓名", "学号"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "明芳伟娜强敏静磊洋艳勇军杰娟涛超秀霞平刚"


def pupils(
    count: int,
    *,
    school: str = SY,
    grades: Sequence[int] = range(7, 13),
    per_class: int = 45,
    year: str = "2020",
) -> list[list[str]]:
    """`count` distinct pupils filling classes of `per_class`, grade by grade."""
    rows = []
    for i in range(count):
        klass, seat = divmod(i, per_class)
        grade = grades[klass % len(grades)]
        number = klass // len(grades) + 1
        name = SURNAMES[i % 20] + GIVEN[(i // 20) % 20] + GIVEN[(i // 400) % 20]
        rows.append(
            [school, str(grade), f"{number}班", name, f"{year}{grade:02d}{number:02d}{seat:02d}"]
        )
    return rows


def csv_file(rows: Sequence[Sequence[str]], *, header: Sequence[str] = HEADER) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([header, *rows])
    return out.getvalue().encode("gbk")  # as Chinese Excel saves "CSV (逗号分隔)"


async def admin(client: httpx.AsyncClient, username: str, tenant: str = "heping") -> dict[str, str]:
    return bearer(await login(client, tenant, username))


async def upload(
    client: httpx.AsyncClient, headers: dict[str, str], data: bytes, filename: str = "名单.csv"
) -> httpx.Response:
    return await client.post("/v1/rosters", headers=headers, files={"file": (filename, data)})


async def imported(
    client: httpx.AsyncClient, headers: dict[str, str], data: bytes, filename: str = "名单.csv"
) -> dict[str, Any]:
    resp = await upload(client, headers, data, filename)
    assert resp.status_code == 201, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def test_500_rows_with_3_bad_then_first_login_and_reimport(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    rows = pupils(500)
    rows[9][0] = "和平区不存在中学"  # spreadsheet row 11
    rows[199][1] = "4"  # row 201: a primary grade at a middle school
    rows[498][3] = ""  # row 500
    school_admin = await admin(client, "schooladmin1")

    body = await imported(client, school_admin, csv_file(rows))

    assert body["format"] == "csv"
    assert body["counts"] == {
        "rows": 500, "created": 497, "existing": 0, "moved": 0, "rejected": 3,
        "classes_created": 12 - 2,  # 12 classes named; 八年级1班 and 2班 exist (seed)
    }  # fmt: skip
    assert [(e["row"], e["reasons"]) for e in body["errors"]] == [
        (11, ["unknown school: 和平区不存在中学"]),
        (201, ["grade 4 is not taught at 和平区实验中学 (grades 7-12)"]),
        (500, ["missing name"]),
    ]
    assert body["errors"][1]["values"]["student_no"] == rows[199][4]
    accounts = body["accounts"]
    assert len(accounts) == 497 and {a["status"] for a in accounts} == {"created"}
    first = accounts[0]
    assert first["row"] == 2
    assert first["username"] == f"hpsyzx{rows[0][4]}"
    assert (first["school_id"], first["grade"], first["class"]) == ("hp-sy-zx", 7, 1)
    assert first["class_name"] == "七年级1班"
    assert len({a["username"] for a in accounts}) == 497
    assert all(len(a["one_time_password"]) == 10 for a in accounts)

    # The pupil logs in with the one-time password and must choose a password first.
    tokens = await login(client, "heping", first["username"], first["one_time_password"])
    blocked = await client.get("/v1/me", headers=bearer(tokens))
    assert blocked.status_code == 403
    assert blocked.json()["type"] == "/problems/password-change-required"
    changed = await client.post(
        "/v1/auth/password",
        headers=bearer(tokens),
        json={"current_password": first["one_time_password"], "new_password": "my-own-Pass-42"},
    )
    assert changed.status_code == 200, changed.text
    me = await client.get("/v1/me", headers=bearer(changed.json()))
    assert me.status_code == 200, me.text
    assert me.json()["name"] == rows[0][3]
    assert me.json()["class_ids"] == [first["class_id"]]
    assert me.json()["must_change_password"] is False

    # Accounts and their events were written together, through the outbox.
    tdb = seeded.mongo.for_tenant(Tenant("heping"))
    registered = await tdb["outbox"].count_documents(
        {"event.type": "identity.user.registered", "event.data.via": "roster"}
    )
    assert registered == 497
    (summary,) = await tdb["outbox"].find({"event.type": "identity.roster.imported"}).to_list()
    assert summary["event"]["data"] == {
        "import_id": body["import_id"], "school_ids": ["hp-sy-zx"], "created": 497,
        "existing": 0, "rejected": 3, "classes_created": 10, "by": "u-hp-schooladmin1",
    }  # fmt: skip

    # The same file again: nobody new, nobody's password changed.
    again = await imported(client, school_admin, csv_file(rows))
    assert again["counts"]["created"] == 0
    assert again["counts"]["existing"] == 497
    assert again["counts"]["classes_created"] == 0
    assert again["counts"]["rejected"] == 3
    assert {a["one_time_password"] for a in again["accounts"]} == {None}
    assert [a["username"] for a in again["accounts"]] == [a["username"] for a in accounts]
    assert await tdb["users"].count_documents({"roster_import_id": {"$exists": True}}) == 497


async def test_a_changed_class_moves_the_pupil(client: httpx.AsyncClient, seeded: Identity) -> None:
    school_admin = await admin(client, "schooladmin1")
    # student1 (李明, 2019080101) is in 八年级1班; this year's roster puts them in 八年级2班.
    rows = [[SY, "8", "2", "李明", "2019080101"], [SY, "初二", "初二(2)班", "新同学", ""]]
    body = await imported(client, school_admin, csv_file(rows))
    assert body["counts"] | {"classes_created": None} == {
        "rows": 2, "created": 1, "existing": 1, "moved": 1, "rejected": 0, "classes_created": None
    }  # fmt: skip
    moved, new = body["accounts"]
    assert moved["status"] == "existing" and moved["username"] == "student1"
    assert moved["moved"] is True and moved["moved_from"] == "八年级1班"
    assert moved["class_id"] == "c-hp-8-2" and moved["one_time_password"] is None
    assert new["username"] == "hpsyzx-8-2-1"  # no 学号: numbered within the class
    roster = await client.get("/v1/classes/c-hp-8-2/roster", headers=school_admin)
    assert {s["name"] for s in roster.json()["students"]} == {"李明", "新同学"}

    # Rows without 学号 are the same pupil by class and name: re-importing adds nobody.
    again = await imported(client, school_admin, csv_file(rows))
    assert (again["counts"]["created"], again["counts"]["moved"]) == (0, 0)
    assert [a["username"] for a in again["accounts"]] == ["student1", "hpsyzx-8-2-1"]


async def test_taken_usernames_get_the_next_free_one(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    district = await admin(client, "districtadmin1")
    for username in ("hpsyzx2019080599", "hpsyzx-8-5-1", "hpsyzx-8-5-2"):
        resp = await client.post(
            "/v1/users",
            headers=district,
            json={
                "username": username,
                "name": "某老师",
                "roles": ["teacher"],
                "school_id": "hp-sy-zx",
            },
        )
        assert resp.status_code == 201, resp.text
    rows = [[SY, "8", "5", "甲", "2019080599"], [SY, "8", "5", "乙", ""], [SY, "8", "5", "丙", ""]]
    body = await imported(client, district, csv_file(rows))
    assert [a["username"] for a in body["accounts"]] == [
        "hpsyzx2019080599-2",
        "hpsyzx-8-5-3",
        "hpsyzx-8-5-4",
    ]


async def test_school_admin_rows_for_another_school_are_rejected(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    rows = pupils(3) + pupils(2, school=XX, grades=[3], year="2021")
    body = await imported(client, await admin(client, "schooladmin1"), csv_file(rows))
    assert body["counts"]["created"] == 3
    assert [e["row"] for e in body["errors"]] == [5, 6]
    assert all(e["reasons"][0].startswith("wrong school") for e in body["errors"])

    # A district admin may import for any school of the district.
    district = await imported(client, await admin(client, "districtadmin1"), csv_file(rows))
    assert (district["counts"]["created"], district["counts"]["existing"]) == (2, 3)
    assert {a["school_id"] for a in district["accounts"]} == {"hp-sy-zx", "hp-xx-1"}


async def test_districts_do_not_see_each_other(client: httpx.AsyncClient, seeded: Identity) -> None:
    heping = await imported(client, await admin(client, "schooladmin1"), csv_file(pupils(2)))
    hexi_admin = await admin(client, "districtadmin1", tenant="hexi")

    # heping's schools are unknown to a hexi import...
    hexi = await imported(client, hexi_admin, csv_file(pupils(2)))
    assert hexi["counts"]["created"] == 0
    assert [e["reasons"] for e in hexi["errors"]] == [[f"unknown school: {SY}"]] * 2
    # ...and heping's credentials sheet is not found from hexi.
    for ext in ("csv", "xlsx"):
        url = f"/v1/rosters/{heping['import_id']}/credentials.{ext}"
        resp = await client.get(url, headers=hexi_admin)
        assert resp.status_code == 404
        assert resp.headers["content-type"].startswith("application/problem+json")
        # heping's district admin may read it.
        ok = await client.get(url, headers=await admin(client, "districtadmin1"))
        assert ok.status_code == 200


async def test_credentials_sheets_read_back_and_expire(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    school_admin = await admin(client, "schooladmin1")
    rows = [*pupils(4), [SY, "8", "1", "李明", "2019080101"]]  # the last one exists (seed)
    body = await imported(client, school_admin, csv_file(rows))
    wanted = [
        [a["username"], a["one_time_password"] or "已有账号，密码未变"]
        for a in sorted(body["accounts"], key=lambda a: (a["grade"], a["class"], a["row"]))
    ]
    base = f"/v1/rosters/{body['import_id']}/credentials"

    resp = await client.get(f"{base}.csv", headers=school_admin)
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/csv")
    assert resp.headers["cache-control"] == "no-store"
    assert "attachment" in resp.headers["content-disposition"]
    assert resp.content.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))
    assert lines[0] == ["学校", "年级", "班级", "姓名", "学号", "用户名", "初始密码"]
    assert [line[5:] for line in lines[1:]] == wanted
    assert lines[1][:5] == [SY, "七年级", "1班", rows[0][3], rows[0][4]]

    resp = await client.get(f"{base}.xlsx", headers=school_admin)
    assert resp.status_code == 200
    sheet = load_workbook(io.BytesIO(resp.content)).active
    assert sheet is not None
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0] == lines[0]
    assert [v[5:] for v in values[1:]] == wanted

    # Not for another school's administrator, nor for anybody after 24 h.
    other = await _second_school_admin(client)
    assert (await client.get(f"{base}.csv", headers=other)).status_code == 404
    unknown = await client.get("/v1/rosters/not-an-import/credentials.csv", headers=school_admin)
    assert unknown.status_code == 404
    key = f"{seeded.redis_prefix}t:heping:roster:{body['import_id']}"
    assert 23 * 3600 < await seeded.redis.ttl(key) <= 24 * 3600
    await seeded.redis.pexpire(key, 1)

    async def expired() -> bool:
        return (await client.get(f"{base}.csv", headers=school_admin)).status_code == 404

    await eventually(expired)


async def _second_school_admin(client: httpx.AsyncClient) -> dict[str, str]:
    district = await admin(client, "districtadmin1")
    created = await client.post(
        "/v1/users",
        headers=district,
        json={"username": "schooladmin-xx", "name": "小学主任", "roles": ["school_admin"],
              "school_id": "hp-xx-1"},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    otp = created.json()["one_time_password"]
    tokens = await login(client, "heping", "schooladmin-xx", otp)
    changed = await client.post(
        "/v1/auth/password",
        headers=bearer(tokens),
        json={"current_password": otp, "new_password": "xx-Admin-2020!"},
    )
    return bearer(changed.json())


async def test_xlsx_and_oneroster_uploads(client: httpx.AsyncClient, seeded: Identity) -> None:
    district = await admin(client, "districtadmin1")
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for line in [HEADER, [SY, 9, 3, "孙悟空", 2019090301], [XX, 4, 1, "猪八戒", None]]:
        sheet.append(line)
    out = io.BytesIO()
    workbook.save(out)
    body = await imported(client, district, out.getvalue(), "名单.xlsx")
    assert body["format"] == "xlsx"
    assert [a["username"] for a in body["accounts"]] == ["hpsyzx2019090301", "hpxx1-4-1-1"]

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("orgs.csv", f"sourcedId,name,type\no1,{SY},school\n")
        z.writestr("classes.csv", "sourcedId,title,grades,schoolSourcedId\nk1,初二(5)班,08,o1\n")
        z.writestr(
            "users.csv",
            "sourcedId,givenName,familyName,role,identifier\n"
            "s1,悟净,沙,student,2019080501\ns2,玄奘,陈,teacher,\n",
        )
        z.writestr(
            "enrollments.csv",
            "sourcedId,classSourcedId,userSourcedId,role\ne1,k1,s1,student\ne2,k1,s2,teacher\n",
        )
    body = await imported(client, district, archive.getvalue(), "oneroster.zip")
    assert body["format"] == "oneroster"
    (pupil,) = body["accounts"]
    assert (pupil["name"], pupil["grade"], pupil["class"]) == ("沙悟净", 8, 5)

    broken = await upload(client, district, b"PK\x03\x04 broken", "oneroster.zip")
    assert broken.status_code == 422
    assert broken.json()["type"] == "/problems/roster-unreadable"


async def test_file_level_problems(
    client: httpx.AsyncClient, seeded: Identity, monkeypatch: pytest.MonkeyPatch
) -> None:
    school_admin = await admin(client, "schooladmin1")
    missing = await upload(client, school_admin, csv_file([["8", "1"]], header=["年级", "班级"]))
    assert missing.status_code == 422
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert missing.json()["type"] == "/problems/roster-missing-columns"
    assert missing.json()["missing_columns"] == ["学校", "姓名"]

    not_multipart = await client.post("/v1/rosters", headers=school_admin, content=b"a,b")
    assert not_multipart.status_code == 422

    monkeypatch.setattr(seeded.settings, "roster_max_rows", 10)
    too_many = await upload(client, school_admin, csv_file(pupils(11)))
    assert too_many.status_code == 422
    assert too_many.json()["type"] == "/problems/roster-too-many-rows"

    monkeypatch.setattr(seeded.settings, "roster_max_bytes", 1000)
    too_big = await upload(client, school_admin, csv_file(pupils(10)) + b" " * 1000)
    assert too_big.status_code == 413
    assert too_big.json()["type"] == "/problems/payload-too-large"

    teacher = await admin(client, "teacher1")
    assert (await upload(client, teacher, csv_file(pupils(1)))).status_code == 403


async def test_a_running_import_for_the_school_is_a_409(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    await seeded.redis.set(f"{seeded.redis_prefix}t:heping:roster-lock:hp-sy-zx", "other", ex=60)
    resp = await upload(client, await admin(client, "schooladmin1"), csv_file(pupils(1)))
    assert resp.status_code == 409
    assert resp.json()["type"] == "/problems/roster-import-running"
    assert (
        await seeded.tdb(Tenant("heping"))["users"].count_documents(
            {"roster_import_id": {"$exists": True}}
        )
        == 0
    )


async def test_a_large_roster_imports_every_row(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    """Several chunks of accounts (and their events), one transaction each; how fast it
    goes is measured by `python -m tests.bench.identity_roster`."""
    rows = pupils(2500, per_class=50)
    body = await imported(client, await admin(client, "districtadmin1"), csv_file(rows))
    classes = {(row[1], row[2]) for row in rows}
    seeded_classes = {("8", "1班"), ("8", "2班")}  # the demo's 八年级1班 and 2班
    assert body["counts"] == {
        "rows": 2500,
        "created": 2500,
        "existing": 0,
        "moved": 0,
        "rejected": 0,
        "classes_created": len(classes - seeded_classes),
    }
    accounts = body["accounts"]
    assert len({a["username"] for a in accounts}) == 2500
    assert all(a["status"] == "created" and a["one_time_password"] for a in accounts)
    users = seeded.tdb(Tenant("heping"))["users"]
    assert await users.count_documents({"roster_import_id": body["import_id"]}) == 2500
