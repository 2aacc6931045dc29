"""Gradebooks as files for teachers' spreadsheets: CSV and XLSX, with Chinese headings.

CSV is UTF-8 with a byte order mark (without it Excel reads the Chinese as GBK and shows
garbage), quoted as RFC 4180 says, lines ending CRLF. A CSV cell has no type, so a text cell
starting with = + - @ (or a tab / carriage return) would be run by Excel as a formula — a
pupil named `=cmd|' /C calc'!A0` is an attack on the teacher's computer: such cells get a
leading apostrophe. In XLSX every text cell is typed as text, which Excel never evaluates,
so names appear there exactly as they are.

The tables are built once (`task_sheets`, `class_sheet`) and written by either encoder, so
both formats hold the same rows.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# China keeps one time zone without daylight saving: teachers read Beijing time.
BEIJING = timezone(timedelta(hours=8))

STATE_LABELS = {
    "assigned": "未交",
    "submitted": "已提交",
    "returned": "已退回",
    "marked": "已批改",
    "missing": "缺交",
}
TIMING_LABELS = {"on_time": "按时", "late": "迟交"}
ITEM_TYPE_LABELS = {"single": "单选", "multiple": "多选", "true_false": "判断", "fill": "填空"}
OFF_ROSTER = "已不在本班名册"

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# What XML 1.0 (so XLSX) cannot hold; and what a file name should not carry.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_NOT_IN_FILE_NAMES = re.compile(r'[\x00-\x1f\x7f\\/:*?"<>|]+')
_NOT_ASCII_NAME = re.compile(r"[^A-Za-z0-9._-]")

Value = str | int | float | None


@dataclass(frozen=True, slots=True)
class Sheet:
    name: str  # XLSX sheet name: at most 31 characters, none of []:*?/\
    header: list[str]
    rows: list[list[Value]]
    widths: tuple[int, ...] = ()


# --- values ----------------------------------------------------------------------------------


def number(value: float | None) -> int | float | None:
    """12.0 -> 12 (a teacher reads "12", not "12.0"); others rounded to two places."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else round(float(value), 2)


def local_time(at: datetime | None) -> str:
    return _beijing(at).strftime("%Y-%m-%d %H:%M") if at is not None else ""


def local_day(at: datetime) -> str:
    return _beijing(at).strftime("%m-%d")


def _beijing(at: datetime) -> datetime:
    """Beijing time; a time stored at the calendar's end (a task due 9999-12-31T23:59:59Z,
    set before request dates were bounded) has none, so it is shown as it was stored."""
    try:
        return at.astimezone(BEIJING)
    except OverflowError:
        return at


def guard_formula(text: str) -> str:
    """A text cell Excel would run as a formula, made inert with a leading apostrophe."""
    return "'" + text if text.startswith(FORMULA_START) else text


# --- tables ----------------------------------------------------------------------------------

TASK_HEADER = [
    "班级", "学号", "姓名", "状态", "按时/迟交", "提交次数", "得分", "满分", "得分率(%)",
    "提交时间", "备注",
]  # fmt: skip
SUMMARY_HEADER = [
    "班级", "人数", "已交", "按时", "迟交", "缺交", "未交", "已提交", "已退回", "已批改",
    "最低分", "最高分", "平均分", "中位数",
]  # fmt: skip
ITEMS_HEADER = ["题目", "题型", "分值", "作答人数", "答对人数", "正确率(%)"]


def task_sheets(book: Mapping[str, Any]) -> list[Sheet]:
    """The pupils' rows (the CSV), then the summary and the per-item rates."""
    task = book["task"]
    rows: list[list[Value]] = []
    for klass in book["classes"]:
        for r in klass["rows"]:
            rows.append(
                [
                    klass["class_name"],
                    r["student_no"] or "",
                    r["name"] or "",
                    STATE_LABELS[r["state"]],
                    TIMING_LABELS.get(r["timing"] or "", ""),
                    r["attempts"],
                    number(r["score"]),
                    number(task["max_score"]),
                    number(r["percent"]),
                    local_time(r["submitted_at"]),
                    "" if r["on_roster"] else OFF_ROSTER,
                ]
            )
    bands = [b["label"] for b in book["summary"]["scores"]["buckets"]]
    summary_rows = [_summary_row(k["class_name"], k["summary"]) for k in book["classes"]] + [
        _summary_row("全部", book["summary"])
    ]
    sheets = [
        Sheet("成绩", TASK_HEADER, rows, (14, 14, 12, 8, 10, 9, 8, 8, 10, 18, 16)),
        Sheet("统计", [*SUMMARY_HEADER, *(f"{b}%" for b in bands)], summary_rows),
    ]
    items = book["summary"]["items"]
    if items:
        sheets.append(
            Sheet(
                "逐题正确率",
                ITEMS_HEADER,
                [
                    [
                        f"第{n}题",
                        ITEM_TYPE_LABELS.get(i["type"], i["type"]),
                        number(i["points"]),
                        i["answered"],
                        i["correct"],
                        number(i["rate"] * 100) if i["rate"] is not None else None,
                    ]
                    for n, i in enumerate(items, start=1)
                ],
            )
        )
    return sheets


def _summary_row(label: str, summary: Mapping[str, Any]) -> list[Value]:
    c, s = summary["counts"], summary["scores"]
    return [
        label, summary["pupils"], c["handed_in"], c["on_time"], c["late"], c["missing"],
        c["assigned"], c["submitted"], c["returned"], c["marked"],
        number(s["min"]), number(s["max"]), number(s["mean"]), number(s["median"]),
        *(b["count"] for b in s["buckets"]),
    ]  # fmt: skip


def task_column(task: Mapping[str, Any]) -> str:
    """A task as a column heading: its title and (due or opening) day."""
    day = task.get("due_at") or task["opens_at"]
    return f"{task['title']}（{local_day(day)}）"


def class_sheet(book: Mapping[str, Any]) -> Sheet:
    """One row per pupil; per task the score, or the state where there is no score yet."""
    header = ["学号", "姓名", *(task_column(t) for t in book["tasks"]), "平均得分率(%)", "缺交次数"]
    rows: list[list[Value]] = []
    for r in book["rows"]:
        cells: list[Value] = [
            number(c["score"]) if c["score"] is not None else STATE_LABELS[c["state"]]
            for c in r["cells"]
        ]
        rows.append(
            [
                r["student_no"] or "",
                r["name"] or (OFF_ROSTER if not r["on_roster"] else ""),
                *cells,
                number(r["average_percent"]),
                r["missing"],
            ]
        )
    widths = (14, 12, *(16 for _ in book["tasks"]), 12, 9)
    return Sheet("成绩册", header, rows, widths)


# --- encoders --------------------------------------------------------------------------------


def csv_bytes(sheet: Sheet) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # QUOTE_MINIMAL with "" inside: RFC 4180
    writer.writerow([guard_formula(h) for h in sheet.header])
    for row in sheet.rows:
        writer.writerow([_csv_value(v) for v in row])
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")


def _csv_value(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return guard_formula(value)
    return str(value)


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for spec in sheets:
        sheet = workbook.create_sheet(spec.name)
        for n, width in enumerate(spec.widths, start=1):
            sheet.column_dimensions[get_column_letter(n)].width = width
        sheet.append([_text_cell(sheet, h, font=bold) for h in spec.header])
        for row in spec.rows:
            sheet.append([_text_cell(sheet, v) if isinstance(v, str) else v for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _text_cell(sheet: Any, value: str, *, font: Any = None) -> Any:
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=_XML_ILLEGAL.sub("", value))
    cell.data_type = "s"  # text, never a formula; keeps 学号 leading zeros
    if font is not None:
        cell.font = font
    return cell


# --- file names ------------------------------------------------------------------------------


def content_disposition(label: str, fallback: str) -> str:
    """`label` in UTF-8 (RFC 6266 / 5987) for browsers, `fallback` in ASCII for the rest."""
    ascii_name = _NOT_ASCII_NAME.sub("_", fallback)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(label, safe='')}"


def file_label(name: str) -> str:
    """A title as part of a file name: no path separators or characters Windows refuses."""
    cleaned = _NOT_IN_FILE_NAMES.sub("_", name).strip(" ._")
    return cleaned[:60] or "未命名"
