"""What may be uploaded and how it is named, without I/O."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

import pytest
from openpyxl import Workbook

from xbt_shared.errors import Unprocessable
from xbt_tasks.files.domain import (
    UnsupportedType,
    clean_filename,
    content_disposition,
    content_type_of,
)
from xbt_tasks.files.store import new_file_id

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def zipped(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name in names:
            z.writestr(name, "<xml/>")
    return buffer.getvalue()


def xlsx() -> bytes:
    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


GOOD = {
    "作业.pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "application/pdf"),
    "a.png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
    "a.JPG": (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
    "a.jpeg": (b"\xff\xd8\xff\xe1\x00\x10Exif", "image/jpeg"),
    "a.gif": (b"GIF89a\x01\x00\x01\x00", "image/gif"),
    "a.webp": (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
    "a.docx": (
        zipped("[Content_Types].xml", "word/document.xml"),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "a.xlsx": (xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "a.pptx": (
        zipped("_rels/.rels", "ppt/presentation.xml"),
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    "a.doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 32, "application/msword"),
    "a.xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 32, "application/vnd.ms-excel"),
    "a.ppt": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 32, "application/vnd.ms-powerpoint"),
    "a.txt": ("第一题：x=2\r\n\t答案".encode(), "text/plain; charset=utf-8"),
    "b.txt": ("第一题：x=2\r\n".encode("gb18030"), "text/plain; charset=gb18030"),
    "c.txt": (b"\xff\xfe" + "答案".encode("utf-16-le"), "text/plain; charset=utf-16"),
    "a.mp3": (b"ID3\x04\x00\x00\x00\x00\x00\x00", "audio/mpeg"),
    "b.mp3": (b"\xff\xfb\x90\x64\x00", "audio/mpeg"),
    "a.m4a": (b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00", "audio/mp4"),
    "a.mp4": (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00", "video/mp4"),
}


@pytest.mark.parametrize("name", sorted(GOOD))
def test_each_allowed_type_is_recognised_by_name_and_content(name: str) -> None:
    head, expected = GOOD[name]
    assert content_type_of(name, head, complete=True) == expected


@pytest.mark.parametrize("name", sorted(GOOD))
def test_an_executable_renamed_is_refused_whatever_its_name(name: str) -> None:
    with pytest.raises(UnsupportedType):
        content_type_of(name, EXE, complete=True)


@pytest.mark.parametrize(
    ("name", "head"),
    [
        ("a.jpg", GOOD["a.png"][0]),  # a PNG named .jpg
        ("a.docx", zipped("payload.exe", "word/document.xml")),  # a zip, but not Office's
        ("a.pdf", b"  %PDF-1.7"),
        ("a.txt", b"text\x00with NUL"),
        ("a.txt", b"\x80\xff\xfe\x80 not text in any charset"),
        ("a.mp3", b"\xff\xfd\x90\x64"),  # MPEG layer II, not MP3
        ("a.mp4", b"\x00\x00\x00\x18moov"),
        ("a.exe", EXE),
        ("a.html", b"<html><script>alert(1)</script>"),
        ("a.svg", b"<svg onload=alert(1)>"),
    ],
)
def test_mismatches_and_other_kinds_are_refused(name: str, head: bytes) -> None:
    with pytest.raises(UnsupportedType):
        content_type_of(name, head, complete=True)


def test_text_cut_in_the_middle_of_a_character_is_still_text() -> None:
    head = "作业".encode()[:-1]  # the head ends inside the last character
    assert content_type_of("a.txt", head, complete=False) == "text/plain; charset=utf-8"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("第八章 作业.pdf", "第八章 作业.pdf"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\王小明\\Desktop\\作业.docx", "作业.docx"),
        ("a<b>:c|d?*.pdf", "abcd.pdf"),
        ("  .hidden.pdf. ", "hidden.pdf"),
        ("tab\there\nnew.txt", "tab here new.txt"),
        ("作业\u202egpj.exe", "作业gpj.exe"),  # no right-to-left override to disguise it
        ("x" * 300 + ".pdf", "x" * 116 + ".pdf"),  # 120 characters
    ],
)
def test_file_names_are_cleaned(raw: str, clean: str) -> None:
    assert clean_filename(raw) == clean


@pytest.mark.parametrize("raw", ["作业", ".pdf", "...", "   ", "dir/"])
def test_a_name_without_stem_or_extension_is_refused(raw: str) -> None:
    with pytest.raises(Unprocessable) as caught:
        clean_filename(raw)
    assert caught.value.extra["errors"][0]["field"] == "query.filename"


def test_chinese_names_are_offered_with_rfc5987() -> None:
    header = content_disposition('第八章 "作业".pdf')
    disposition, fallback, encoded = header.split("; ")
    assert disposition == "attachment"
    assert fallback.isascii() and fallback.count('"') == 2
    assert encoded == (
        "filename*=UTF-8''%E7%AC%AC%E5%85%AB%E7%AB%A0%20%22%E4%BD%9C%E4%B8%9A%22.pdf"
    )
    assert content_disposition("notes.pdf") == (
        "attachment; filename=\"notes.pdf\"; filename*=UTF-8''notes.pdf"
    )


def test_file_ids_are_ordered_by_time() -> None:
    early = new_file_id(datetime(2026, 1, 1, tzinfo=UTC))
    late = new_file_id(datetime(2026, 1, 2, tzinfo=UTC))
    now = new_file_id()
    assert early < late < now
    assert now.startswith("fl-") and len(now) == 27
