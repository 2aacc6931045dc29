"""Question rules without I/O: who is who on a task, what each sees, how a thread's state moves."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from xbt_shared.auth import Principal
from xbt_shared.errors import Conflict, Unprocessable
from xbt_tasks.questions.domain import (
    Question,
    audience,
    clean_text,
    moderation,
    sees,
    state_after_reply,
)

from ..builders import a_task

TASK = a_task(class_ids=("c1", "c2"), school_id="s1")
AT = datetime(2026, 3, 1, tzinfo=UTC)


def who(roles: str, classes: tuple[str, ...] = (), school: str = "s1", sub: str = "u") -> Any:
    actor = Principal(
        user_id=sub, tenant="heping", roles=frozenset(roles.split()), school=school, classes=classes
    )
    return audience(actor, TASK)


def question(**over: Any) -> Question:
    base: dict[str, Any] = {
        "id": "q-1",
        "task_id": "tk-1",
        "school_id": "s1",
        "class_id": "c1",
        "asked_by": "p1",
        "asker_name": "王小明",
        "visibility": "class",
        "text": "第5题怎么做？",
        "created_at": AT,
        "activity_at": AT,
        "revision": 1,
        "hidden": False,
        "state": "unanswered",
        "answered_at": None,
        "deleted_at": None,
    }
    return Question(**{**base, **over})


def test_audiences() -> None:
    teacher = who("teacher", ("c2", "c9"))
    assert (teacher.role, teacher.reads, teacher.answers) == ("teacher", ("c2",), ("c2",))
    admin_teacher = who("teacher school_admin", ("c1",))
    assert (admin_teacher.reads, admin_teacher.answers) == (("c1", "c2"), ("c1",))
    assert who("school_admin", school="s2") is None
    assert who("teacher", ("c9",)) is None
    assert who("student", ("c9",)) is None
    assert who("student", ("c1",)).reads == ("c1",)


def test_what_a_pupil_sees() -> None:
    asker, classmate = who("student", ("c1",), sub="p1"), who("student", ("c1",), sub="p2")
    other_class = who("student", ("c2",), sub="p3")
    private, hidden = question(visibility="private"), question(hidden=True)
    assert sees(asker, private) and sees(asker, hidden)
    assert sees(classmate, question())
    assert not sees(classmate, private) and not sees(classmate, hidden)
    assert not sees(other_class, question())
    assert not sees(asker, question(deleted_at=AT))
    assert sees(who("teacher", ("c1",)), private)


def test_replies_move_the_state() -> None:
    assert state_after_reply(question(), by_teacher=True) == "answered"
    assert state_after_reply(question(state="answered"), by_teacher=False) == "unanswered"
    assert state_after_reply(question(state="resolved"), by_teacher=True) == "resolved"
    assert state_after_reply(question(state="resolved"), by_teacher=False) == "unanswered"


def test_moderation() -> None:
    resolved = moderation(question(state="answered"), "resolve", "t1", AT)
    assert resolved == {"state": "resolved", "resolved_at": AT, "resolved_by": "t1"}
    assert moderation(question(state="resolved"), "resolve", "t1", AT) == {}
    reopened = moderation(question(state="resolved", answered_at=AT), "reopen", "t1", AT)
    assert reopened["state"] == "answered"
    assert moderation(question(state="resolved"), "reopen", "t1", AT)["state"] == "unanswered"
    assert moderation(question(), "hide", "t1", AT)["hidden"] is True
    assert moderation(question(hidden=True), "hide", "t1", AT) == {}
    with pytest.raises(Conflict):
        moderation(question(visibility="private"), "hide", "t1", AT)


def test_plain_text_is_kept_as_typed() -> None:
    assert clean_text("body.text", " x<y 吗？\n<b>是</b> ", "text") == (
        "x&lt;y 吗？<br>&lt;b&gt;是&lt;/b&gt;"
    )
    with pytest.raises(Unprocessable):
        clean_text("body.text", "  \n ", "text")


def test_html_is_cleaned_and_must_say_something() -> None:
    assert clean_text("body.text", '<p onclick="x()">好</p>', "html") == "<p>好</p>"
    image = '<img src="https://a.example/1.png">'
    assert clean_text("body.text", image, "html") == image
    for empty in ("<script>x()</script>", "<p> </p>", "&nbsp;"):
        with pytest.raises(Unprocessable) as caught:
            clean_text("body.text", empty, "html")
        assert caught.value.extra["errors"][0]["field"] == "body.text"
