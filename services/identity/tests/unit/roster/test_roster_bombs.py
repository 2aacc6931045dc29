"""Roster zips that would inflate past what a roster needs (zip bombs): OneRoster bundles and
XLSX workbooks are refused while inflating, in bounded memory, whatever sizes they declare."""

from __future__ import annotations

import contextlib
import io
import struct
import tracemalloc
import zipfile
from collections.abc import Callable

import pytest
from openpyxl import Workbook

from xbt_identity.roster.domain import (
    RosterFileError,
    RosterUnpacksTooLarge,
    TooManyRows,
    read_roster,
)

MiB = 1024 * 1024
CAP = 4 * MiB
HEADER = ["学校", "年级", "班级", "姓名", "学号"]
ONEROSTER_HEADERS = {
    "orgs.csv": "sourcedId,name\n",
    "classes.csv": "sourcedId,title,schoolSourcedId\n",
    "enrollments.csv": "classSourcedId,userSourcedId,role\n",
}


def read(data: bytes, *, max_rows: int = 1000) -> object:
    return read_roster(data, max_rows=max_rows, max_unpacked_bytes=CAP)


def zeros(archive: zipfile.ZipFile, name: str, size: int) -> None:
    """A member of `size` zero bytes, written in chunks (it compresses about 1000:1)."""
    with archive.open(name, "w") as member:
        chunk = bytes(MiB)
        for _ in range(size // MiB):
            member.write(chunk)


def oneroster_bomb(users_size: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, text in ONEROSTER_HEADERS.items():
            archive.writestr(name, text)
        zeros(archive, "users.csv", users_size)
    return out.getvalue()


def declaring(data: bytes, name: bytes, size: int) -> bytes:
    """The archive with `name`'s uncompressed size in the central directory replaced."""
    at = data.rindex(b"PK\x01\x02", 0, data.index(name, data.index(b"PK\x01\x02")))
    return data[: at + 24] + struct.pack("<I", size) + data[at + 28 :]


def peak_bytes(work: Callable[[], object]) -> int:
    tracemalloc.start()
    with contextlib.suppress(RosterFileError):
        work()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def test_a_oneroster_bomb_is_refused_while_inflating_in_bounded_memory() -> None:
    bomb = oneroster_bomb(64 * MiB)  # under the 20x upload limit the sum of sizes was held to
    with pytest.raises(RosterUnpacksTooLarge, match="解压"):
        read(bomb)
    assert peak_bytes(lambda: read(bomb)) < CAP + 2 * MiB


def test_a_member_lying_about_its_size_is_counted_not_trusted() -> None:
    # users.csv says it holds 4 KB; it inflates to 64 MiB.
    bomb = declaring(oneroster_bomb(64 * MiB), b"users.csv", 4096)
    with pytest.raises(RosterFileError):
        read(bomb)
    assert peak_bytes(lambda: read(bomb)) < CAP + 2 * MiB


def test_plain_text_past_the_running_cap_is_refused() -> None:
    # Text that compresses like a real roster (not a run of zeros), over the cap in total
    # across members that each stay under it.
    line = ("".join(f"{i:x}" for i in range(4000)) + "\n").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in ONEROSTER_HEADERS.items():
            archive.writestr(name, text.encode() + line * (CAP // len(line) // 2))
        archive.writestr("users.csv", b"sourcedId,givenName,familyName\n")
    with pytest.raises(RosterUnpacksTooLarge, match="MiB"):
        read(out.getvalue())


def test_too_many_entries_are_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in ONEROSTER_HEADERS.items():
            archive.writestr(name, text)
        for i in range(2000):
            archive.writestr(f"extra/{i}.txt", "")
    with pytest.raises(RosterUnpacksTooLarge, match="条目"):
        read(out.getvalue())


def workbook(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_member(data: bytes, name: str, size: int) -> bytes:
    """The workbook with one more part: `size` zero bytes."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
    ):
        for info in source.infolist():
            if info.filename != name:
                archive.writestr(info, source.read(info))
        zeros(archive, name, size)
    return out.getvalue()


def test_an_xlsx_part_that_inflates_too_far_is_refused_before_parsing() -> None:
    good = workbook([HEADER, ["和平区实验中学", 8, 3, "张三", "1"]])
    assert read(good).format == "xlsx"  # type: ignore[attr-defined]
    bomb = with_member(good, "xl/sharedStrings.xml", 64 * MiB)
    with pytest.raises(RosterUnpacksTooLarge, match="解压"):
        read(bomb)
    assert peak_bytes(lambda: read(bomb)) < CAP + 2 * MiB


def test_xlsx_rows_and_columns_are_capped() -> None:
    # A cell far to the right would have every row padded to it; blank rows between pupils
    # count against the row limit too.
    wide = workbook([HEADER, ["和平区实验中学", 8, 3, "张三", "1", *[None] * 200, "x"]])
    (row,) = read(wide).rows  # type: ignore[attr-defined]
    assert row.name == "张三"
    rows: list[list[object]] = [
        ["和平区实验中学", 8, 3, f"学生{i}", i] if i % 100 == 0 else [] for i in range(1500)
    ]
    sparse = workbook([HEADER, *rows])
    assert len(read(sparse, max_rows=1000).rows) == 15  # type: ignore[attr-defined]
    with pytest.raises(TooManyRows):
        read(sparse, max_rows=20)  # 15 pupils, but 1,500 rows read
