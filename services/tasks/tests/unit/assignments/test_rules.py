"""Task rules without I/O: a new task from a draft, who sees and manages it, its phase, an
edit."""

from __future__ import annotations

from datetime import timedelta

import pytest

from xbt_shared.auth import Principal
from xbt_shared.errors import Forbidden, NotFound, Unprocessable
from xbt_tasks.assignments.domain import (
    Item,
    TaskDraft,
    assign,
    require_teacher_of,
    require_visible,
    watch_task_id,
)

from ..builders import AT, a_task


def person(roles: str, classes: tuple[str, ...] = (), school: str = "s-1") -> Principal:
    return Principal(
        user_id="u", tenant="heping", roles=frozenset(roles.split()), school=school, classes=classes
    )


TEACHER = person("teacher", ("c-1",))


def draft(**over: object) -> TaskDraft:
    fields: dict[str, object] = {
        "title": "第八章 作业",
        "instructions": "",
        "class_ids": ("c-1", "c-1"),
        "resource_ids": (),
        "items": (),
        "accepts_text": True,
        "accepts_files": False,
        "opens_at": None,
        "due_at": AT + timedelta(days=1),
        "allow_late": False,
        "max_attempts": 1,
        "max_score": None,
    }
    return TaskDraft(**(fields | over))  # type: ignore[arg-type]


def refused_field(**over: object) -> str:
    with pytest.raises(Unprocessable) as caught:
        assign(draft(**over), teacher=TEACHER, instructions="", resources=(), items=(), now=AT)
    field: str = caught.value.extra["errors"][0]["field"]
    return field


def test_a_new_task_from_a_draft() -> None:
    task = assign(draft(), teacher=TEACHER, instructions="<p>x</p>", resources=(), items=(), now=AT)
    assert (task.class_ids, task.opens_at, task.max_score, task.revision) == (
        ("c-1",),
        AT,
        100.0,
        1,
    )
    items = (Item(id="i-1", type="single", points=2.0), Item(id="i-2", type="short", points=3.0))
    scored = assign(draft(), teacher=TEACHER, instructions="", resources=(), items=items, now=AT)
    assert scored.max_score == 5.0 and scored.accepts.answers
    assert refused_field(due_at=AT - timedelta(hours=1)) == "body.due_at"
    assert refused_field(opens_at=AT + timedelta(days=2)) == "body.due_at"
    assert refused_field(accepts_text=False) == "body.accepts_text"
    with pytest.raises(Unprocessable):
        assign(
            draft(max_score=10.0),
            teacher=TEACHER,
            instructions="",
            resources=(),
            items=items,
            now=AT,
        )


def test_who_sees_and_manages_a_task() -> None:
    task = a_task(class_ids=("c-1", "c-2"))
    assert task.taught_by(TEACHER) and task.managed_by(TEACHER)
    assert task.managed_by(person("school_admin")) and not task.managed_by(
        person("school_admin", school="s-2")
    )
    assert task.managed_by(person("district_admin", school="x"))
    pupil = person("student", ("c-2",))
    assert task.class_of_pupil(pupil) == "c-2" and not task.managed_by(pupil)
    assert require_visible(pupil, task, AT) is task
    with pytest.raises(NotFound):
        require_visible(pupil, a_task(opens_at=AT + timedelta(hours=1)), AT)  # not open yet
    with pytest.raises(NotFound):
        require_visible(person("student", ("c-9",)), task, AT)
    with pytest.raises(Forbidden):
        require_teacher_of(TEACHER, ("c-1", "c-9"))


def test_phase_and_edits() -> None:
    task = a_task()
    assert [task.phase(AT - timedelta(days=2)), task.phase(AT)] == ["scheduled", "open"]
    assert a_task(status="closed").phase(AT) == "closed"
    edited = task.edited({"title": "新标题", "due_at": None}, AT)
    assert (edited.title, edited.due_at, edited.revision) == ("新标题", None, 2)
    with pytest.raises(Unprocessable):
        task.edited({"due_at": task.opens_at}, AT)
    with pytest.raises(ValueError):
        task.edited({"class_ids": ("c-9",)}, AT)


def test_a_recommendation_makes_one_task_per_event() -> None:
    assert watch_task_id("0f8e-11aa") == watch_task_id("0f8e-11aa") == "tk-w-0f8e11aa"
