"""Gradebook computation and export, without I/O."""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook

from xbt_shared.auth import Principal
from xbt_shared.errors import Forbidden, Unprocessable
from xbt_tasks.assignments.domain import Item, Task
from xbt_tasks.clients.identity import Roster, RosterPupil
from xbt_tasks.gradebook import export
from xbt_tasks.gradebook.domain import (
    bucket_of,
    class_gradebook,
    grade_state,
    gradebook_classes,
    item_correct,
    percent,
    score_distribution,
    task_gradebook,
)
from xbt_tasks.submissions.domain import Attempt, ItemMark, Marking, Submission

from ..builders import a_submission, a_task, attempt

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
EVIL = "=cmd|' /C calc'!A0"


def task(**over: Any) -> Task:
    return replace(
        a_task(
            id="tk-1",
            title="第八章 作业",
            school_id="s-1",
            class_ids=("c-1", "c-2"),
            opens_at=NOW - timedelta(days=2),
            due_at=NOW - timedelta(hours=1),
            allow_late=True,
            max_score=10.0,
            items=(
                Item(id="i-single", type="single", points=4.0),
                Item(id="i-tf", type="true_false", points=2.0),
                Item(id="i-short", type="short", points=4.0),
            ),
        ),
        **over,
    )


def submission(pupil: str, state: str, score: float | None, **over: Any) -> Submission:
    fields: dict[str, Any] = dict(
        id=f"tk-1.{pupil}",
        task_id="tk-1",
        class_id="c-1",
        pupil_id=pupil,
        pupil_name=pupil.upper(),
        state=state,
        score=score,
        late=False,
        attempt_count=1,
        submitted_at=NOW - timedelta(hours=3),
        attempts=(attempt(marking=Marking(items={}, score=0.0, max=0.0, pending=())),),
    )
    return a_submission(**(fields | over))


def marking(single: bool, tf: bool) -> tuple[Attempt, ...]:
    items = {
        "i-single": ItemMark(correct=single, points=0.0, blanks=None),
        "i-tf": ItemMark(correct=tf, points=0.0, blanks=None),
    }
    return (attempt(marking=Marking(items=items, score=0.0, max=0.0, pending=())),)


ROSTER = Roster(
    class_id="c-1",
    class_name="七年级1班",
    school_id="s-1",
    pupils=(
        RosterPupil("p-1", "甲", "01"),
        RosterPupil("p-2", "乙", "02"),
        RosterPupil("p-3", EVIL, "03"),
    ),
)


def who(*roles: str, classes: tuple[str, ...] = (), school: str | None = "s-1") -> Principal:
    return Principal(
        user_id="u", tenant="heping", roles=frozenset(roles), school=school, classes=classes
    )


def test_missing_only_once_due_or_closed() -> None:
    assert grade_state(task(due_at=NOW + timedelta(hours=1)), None, NOW) == "assigned"
    assert grade_state(task(due_at=None), None, NOW) == "assigned"
    assert grade_state(task(), None, NOW) == "missing"
    assert grade_state(task(due_at=None, status="closed"), None, NOW) == "missing"
    assert grade_state(task(), submission("p", "returned", None), NOW) == "returned"


def test_bands_are_half_open_and_the_top_one_holds_full_marks() -> None:
    assert [bucket_of(p) for p in (0, 59.9, 60, 69.99, 70, 89.9, 90, 100)] == [
        "0-59", "0-59", "60-69", "60-69", "70-79", "80-89", "90-100", "90-100",
    ]  # fmt: skip
    assert percent(7, 8) == 87.5
    assert percent(None, 10) is None
    assert percent(0, 0) is None  # a "watch" task has nothing to score


def test_score_distribution() -> None:
    dist = score_distribution([5, 6.5, 9, 10], 10)
    assert (dist["min"], dist["max"], dist["mean"], dist["median"]) == (5, 10, 7.62, 7.75)
    assert [b["count"] for b in dist["buckets"]] == [1, 1, 0, 0, 2]
    empty = score_distribution([], 10)
    assert empty["mean"] is None and empty["median"] is None and empty["count"] == 0


def test_teachers_points_override_the_automatic_verdict_only_when_marked() -> None:
    item = Item(id="i-single", type="single", points=4.0)
    wrong = submission("p", "marked", 8, attempts=marking(False, True))
    assert item_correct(item, wrong) is False
    assert item_correct(item, replace(wrong, item_points={"i-single": 4.0})) is True
    assert item_correct(item, replace(wrong, item_points={"i-single": 2.0})) is False
    # handed in again after a review: the old points are about an older attempt
    stale = replace(wrong, state="submitted", item_points={"i-single": 4.0})
    assert item_correct(item, stale) is False
    assert item_correct(item, submission("p", "submitted", None, attempts=())) is None


def test_task_gradebook_counts_rows_and_items() -> None:
    subs = [
        submission("p-1", "marked", 10, attempts=marking(True, True)),
        submission("p-2", "submitted", None, late=True, attempts=marking(False, True)),
        # handed in while in the class, since moved: still counted, flagged
        submission("p-9", "returned", None, attempts=marking(True, False)),
        submission("p-x", "marked", 3, class_id="c-2"),  # another class: not in c-1's book
    ]
    book = task_gradebook(task(), [ROSTER], subs, NOW)
    (klass,) = book["classes"]
    rows = klass["rows"]
    assert [r["pupil_id"] for r in rows] == ["p-1", "p-2", "p-3", "p-9"]
    assert [r["state"] for r in rows] == ["marked", "submitted", "missing", "returned"]
    assert [r["timing"] for r in rows] == ["on_time", "late", None, "on_time"]
    assert [r["on_roster"] for r in rows] == [True, True, True, False]
    assert rows[3]["name"] == "P-9"
    assert rows[0]["percent"] == 100.0
    counts = klass["summary"]["counts"]
    assert counts == {
        "assigned": 0, "submitted": 1, "returned": 1, "marked": 1, "missing": 1,
        "handed_in": 3, "on_time": 2, "late": 1, "scored": 1,
    }  # fmt: skip
    items = {i["id"]: i for i in klass["summary"]["items"]}
    assert set(items) == {"i-single", "i-tf"}  # the short answer is not objective
    assert (items["i-single"]["correct"], items["i-single"]["answered"]) == (2, 3)
    assert items["i-single"]["rate"] == 0.667
    assert book["summary"]["pupils"] == 4


def test_task_readers() -> None:
    t = task()
    assert gradebook_classes(who("teacher", classes=("c-2",)), t, None) == ["c-2"]
    assert gradebook_classes(who("school_admin"), t, None) == ["c-1", "c-2"]
    assert gradebook_classes(who("district_admin", school=None), t, "c-1") == ["c-1"]
    with pytest.raises(Forbidden):
        gradebook_classes(who("teacher", classes=("c-2",)), t, "c-1")
    with pytest.raises(Unprocessable):
        gradebook_classes(who("school_admin"), t, "c-9")
    with pytest.raises(Forbidden):
        gradebook_classes(who("student", classes=("c-1",)), t, None)
    with pytest.raises(Forbidden):
        gradebook_classes(who("school_admin", school="s-2"), t, None)


def test_class_gradebook_averages_and_missing() -> None:
    newer = task(id="tk-2", title="第九章", opens_at=NOW - timedelta(hours=5), due_at=None)
    older = task()
    subs = [
        submission("p-1", "marked", 8),
        replace(submission("p-1", "marked", 5), task_id="tk-2"),
        submission("p-2", "submitted", None),
    ]
    book = class_gradebook(ROSTER, [newer, older], subs, NOW, truncated=False)
    rows = {r["pupil_id"]: r for r in book["rows"]}
    assert [c["state"] for c in rows["p-1"]["cells"]] == ["marked", "marked"]
    assert rows["p-1"]["average_percent"] == 65.0
    assert (rows["p-2"]["average_percent"], rows["p-2"]["missing"]) == (None, 0)
    # the newer task has no due time: not missing yet; the older one is past due
    assert [c["state"] for c in rows["p-3"]["cells"]] == ["assigned", "missing"]
    assert rows["p-3"]["missing"] == 1
    assert [t["id"] for t in book["tasks"]] == ["tk-2", "tk-1"]
    assert [(t["handed_in"], t["missing"]) for t in book["tasks"]] == [(1, 0), (2, 1)]
    assert book["tasks"][1]["mean_percent"] == 80.0


def test_csv_is_excel_friendly_and_formula_safe() -> None:
    sheet = export.Sheet("s", ["姓名", "得分"], [[EVIL, 9], ["-1+1", None], ['说"好"', 7.5]])
    raw = export.csv_bytes(sheet)
    assert raw.startswith(codecs.BOM_UTF8)
    text = raw[len(codecs.BOM_UTF8) :].decode("utf-8")
    assert text.endswith("\r\n")
    assert list(csv.reader(io.StringIO(text))) == [
        ["姓名", "得分"],
        ["'" + EVIL, "9"],
        ["'-1+1", ""],
        ['说"好"', "7.5"],
    ]
    assert '"说""好"""' in text  # RFC 4180: quotes doubled inside a quoted field


def test_xlsx_keeps_text_as_text() -> None:
    sheet = export.Sheet("成绩", ["姓名", "学号", "得分"], [[EVIL + "\x07", "0012", 9]])
    workbook = load_workbook(io.BytesIO(export.xlsx_bytes([sheet])))
    ws = workbook["成绩"]
    assert [[c.value for c in row] for row in ws.iter_rows()] == [
        ["姓名", "学号", "得分"],
        [EVIL, "0012", 9],  # no formula, the control character dropped, leading zeros kept
    ]
    assert ws["A2"].data_type == "s"


def test_file_names() -> None:
    assert export.file_label('第1/2章: "复习"') == "第1_2章_ _复习"
    header = export.content_disposition("成绩册-七年级.csv", "gradebook-班1.csv")
    assert header == (
        'attachment; filename="gradebook-_1.csv"; '
        "filename*=UTF-8''%E6%88%90%E7%BB%A9%E5%86%8C-%E4%B8%83%E5%B9%B4%E7%BA%A7.csv"
    )
    header.encode("latin-1")  # HTTP headers must be
