"""Submission rules without I/O: lateness, attempts, closed tasks, what a submission may
contain, auto-marking, a review's score, and where a pupil stands."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from xbt_shared.auth import Principal
from xbt_shared.errors import Conflict, Unprocessable
from xbt_tasks.assignments.domain import Accepts, Item
from xbt_tasks.submissions.domain import (
    Content,
    ItemMark,
    Marking,
    Review,
    TaskClosed,
    TooManyAttempts,
    auto_mark,
    check_content,
    check_submittable,
    hand_in,
    pupil_state,
    review_score,
)

from ..builders import AT, a_submission, a_task, attempt

PUPIL = Principal(
    user_id="p-1", tenant="heping", roles=frozenset({"student"}), classes=("c-1",), name="王小明"
)
ITEMS = (
    Item(
        id="i-single", type="single", points=2.0, answer="B", options=({"key": "A"}, {"key": "B"})
    ),
    Item(id="i-fill", type="fill", points=3.0, answer=[["x=2"], ["y=1"]]),
    Item(id="i-short", type="short", points=5.0, answer="言之成理即可"),
)
WITH_ITEMS = a_task(items=ITEMS, accepts=Accepts(text=True, files=False, answers=True))


def text(words: str = "我的作业") -> Content:
    return Content(text=words, file_ids=(), answers={})


def reasons(task: object, submission: object, at: object) -> str | None:
    try:
        check_submittable(task, submission, at)  # type: ignore[arg-type]
    except (TaskClosed, TooManyAttempts, Conflict) as exc:
        return exc.slug
    return None


# --- whether work is accepted --------------------------------------------------------------


def test_closed_and_scheduled_tasks_take_nothing() -> None:
    assert reasons(a_task(), None, AT) is None
    assert reasons(a_task(status="closed"), None, AT) == "task-closed"
    assert reasons(a_task(opens_at=AT + timedelta(hours=1)), None, AT) == "task-closed"


def test_late_work_only_where_the_task_takes_it_or_after_a_return() -> None:
    past_due = AT + timedelta(days=2)
    assert reasons(a_task(), None, past_due) == "task-closed"
    assert reasons(a_task(allow_late=True), None, past_due) is None
    returned = a_submission(state="returned")
    assert reasons(a_task(), returned, past_due) is None
    assert a_task().is_late(past_due) and not a_task().is_late(AT)
    assert not a_task(due_at=None).is_late(past_due)


def test_attempts_run_out_except_after_a_return() -> None:
    task = a_task(max_attempts=2)
    assert reasons(task, a_submission(attempt_count=1), AT) is None
    assert reasons(task, a_submission(attempt_count=2), AT) == "too-many-attempts"
    assert reasons(task, a_submission(attempt_count=2, state="returned"), AT) is None
    assert reasons(task, a_submission(state="marked"), AT) == "conflict"


def fields_refused(task: object, content: Content) -> str | None:
    try:
        check_content(task, content)  # type: ignore[arg-type]
    except Unprocessable as exc:
        field: str = exc.extra["errors"][0]["field"]
        return field
    return None


def test_content_is_what_the_task_takes() -> None:
    assert fields_refused(a_task(), text()) is None
    assert fields_refused(a_task(), text("   ")) == "body"
    assert fields_refused(a_task(kind="watch"), Content(None, (), {})) is None  # the tick
    no_text = a_task(accepts=Accepts(text=False, files=True, answers=False))
    assert fields_refused(no_text, text()) == "body.text"
    assert fields_refused(a_task(), Content(None, ("fl-1",), {})) == "body.file_ids"
    assert fields_refused(a_task(), Content(None, (), {"i-single": "B"})) == "body.answers"


def test_answers_only_to_the_tasks_items_and_of_their_shape() -> None:
    assert fields_refused(WITH_ITEMS, Content(None, (), {"i-single": "B"})) is None
    assert fields_refused(WITH_ITEMS, Content(None, (), {"i-9": "B"})) == "body.answers.i-9"
    shape = fields_refused(WITH_ITEMS, Content(None, (), {"i-single": ["A", "B"]}))
    assert shape == "body.answers.i-single"


# --- marking -------------------------------------------------------------------------------


def test_auto_marking_scores_objective_items_and_leaves_short_answers() -> None:
    marking = auto_mark(ITEMS, {"i-single": "B", "i-fill": ["x=2", "y=3"], "i-short": "因为"})
    assert (marking.score, marking.max, marking.pending) == (2.0, 10.0, ("i-short",))
    assert marking.items["i-single"] == ItemMark(correct=True, points=2.0, blanks=None)
    assert marking.items["i-fill"] == ItemMark(correct=False, points=0.0, blanks=[True, False])
    unanswered = auto_mark(ITEMS, {})
    assert unanswered.score == 0 and unanswered.items["i-single"].correct is False


EQUATION = Item(
    id="i-eq", type="fill", points=3.0, stem="解方程：2x + 1 = 5，x = ____", answer=[["2"]]
)


def test_fill_ins_are_marked_knowing_the_stem_and_kept_as_typed() -> None:
    task = replace(WITH_ITEMS, items=(EQUATION,))
    for typed in ("x=2", "x = 2.0", "ｘ＝２"):
        marking = auto_mark(task.items, {"i-eq": [typed]})
        assert marking.items["i-eq"] == ItemMark(correct=True, points=3.0, blanks=[True])
    assert auto_mark(task.items, {"i-eq": ["y=2"]}).items["i-eq"].correct is False
    content = Content(None, (), {"i-eq": ["x = 2.0"]})
    first = hand_in(task, None, pupil=PUPIL, class_id="c-1", content=content, text=None, now=AT)
    assert first.latest is not None and first.latest.answers == {"i-eq": ["x = 2.0"]}


def test_handing_in_makes_the_first_attempt_then_the_next() -> None:
    content = Content(None, (), {"i-single": "B", "i-fill": ["x=2", "y=1"]})
    first = hand_in(
        WITH_ITEMS, None, pupil=PUPIL, class_id="c-1", content=content, text=None, now=AT
    )
    assert (first.id, first.attempt_count, first.state) == ("tk-1.p-1", 1, "submitted")
    # A short answer is pending: the teacher gives the score.
    assert (first.auto_score, first.score, first.needs_teacher) == (5.0, None, True)
    late = AT + timedelta(days=2)
    returned = replace(first, state="returned")
    again = hand_in(
        WITH_ITEMS, returned, pupil=PUPIL, class_id="c-1", content=content, text=None, now=late
    )
    assert again.attempt_count == 2 and [a.n for a in again.attempts or ()] == [1, 2]
    assert again.late and again.latest is not None and again.latest.late


def test_fully_auto_marked_work_has_its_score_at_once() -> None:
    objective = a_task(
        items=ITEMS[:1], accepts=Accepts(text=False, files=False, answers=True), max_score=2.0
    )
    content = Content(None, (), {"i-single": "B"})
    done = hand_in(objective, None, pupil=PUPIL, class_id="c-1", content=content, text=None, now=AT)
    assert (done.score, done.needs_teacher) == (2.0, False)
    watched = hand_in(
        a_task(kind="watch"), None, pupil=PUPIL, class_id="c-1",
        content=Content(None, (), {}), text=None, now=AT,
    )  # fmt: skip
    assert watched.needs_teacher is False


def test_a_review_scores_by_item_and_needs_every_short_answer_to_mark() -> None:
    marking = Marking(
        items={
            "i-single": ItemMark(True, 2.0, None),
            "i-fill": ItemMark(False, 0.0, [True, False]),
        },
        score=2.0,
        max=10.0,
        pending=("i-short",),
    )
    work = a_submission(attempts=(attempt(marking=marking),))
    assert review_score(WITH_ITEMS, work, {"i-short": 4.0}, None, final=True) == 6.0
    assert review_score(WITH_ITEMS, work, {"i-short": 4, "i-fill": 3}, None, final=True) == 9.0
    assert review_score(WITH_ITEMS, work, {}, None, final=False) == 2.0  # returned
    with pytest.raises(Unprocessable) as missing:
        review_score(WITH_ITEMS, work, {}, None, final=True)
    assert missing.value.extra["errors"] == [
        {"field": "body.item_points.i-short", "message": "missing"}
    ]
    with pytest.raises(Unprocessable):
        review_score(WITH_ITEMS, work, {"i-short": 6.0}, None, final=True)  # over its points
    with pytest.raises(Unprocessable):
        review_score(WITH_ITEMS, work, {}, 8.0, final=True)  # items: no overall score
    assert review_score(a_task(), a_submission(), {}, 95.0, final=True) == 95.0
    with pytest.raises(Unprocessable):
        review_score(a_task(), a_submission(), {}, None, final=True)


def test_a_review_changes_the_submission() -> None:
    review = Review(attempt=1, outcome="returned", item_points={}, score=None, comment="再想想")
    back = a_submission(score=90.0).reviewed(review, score=90.0, reviewer="t-1", now=AT)
    assert (back.state, back.score, back.comment, back.needs_teacher) == (
        "returned",
        None,
        "再想想",
        False,
    )


# --- where a pupil stands ------------------------------------------------------------------


def test_pupil_states() -> None:
    open_task, overdue = a_task(id="tk-1"), a_task(id="tk-2", due_at=AT - timedelta(hours=1))
    late_ok = a_task(id="tk-3", due_at=AT - timedelta(hours=1), allow_late=True)
    marked = a_task(id="tk-4")
    assert pupil_state(open_task, None, AT) == "to_do"
    assert pupil_state(overdue, None, AT) == "overdue"
    assert pupil_state(late_ok, None, AT) == "to_do"
    assert pupil_state(replace(late_ok, status="closed"), None, AT) == "overdue"
    assert pupil_state(marked, a_submission(task_id="tk-4", state="marked"), AT) == "marked"
