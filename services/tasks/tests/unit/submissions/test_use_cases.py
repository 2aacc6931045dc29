"""The submit and review use cases on in-memory fakes of their ports: what they write, what
they announce, what a retried request gets."""

from __future__ import annotations

from typing import Any

import pytest

from xbt_shared.auth import Principal
from xbt_shared.errors import Conflict, Forbidden, NotFound
from xbt_shared.idempotency import IdempotencyKeyReused
from xbt_tasks.assignments.domain import Accepts, Item
from xbt_tasks.submissions.domain import Content, Review, TooManyAttempts
from xbt_tasks.submissions.service import Submissions

from ..builders import a_task
from ..fakes import FakeDb, FakeFiles, FakeSubmissionStore, FakeTasks, caller_of

PUPIL = Principal(
    user_id="p-1",
    tenant="heping",
    roles=frozenset({"student"}),
    school="s-1",
    classes=("c-1",),
    name="王小明",
)
TEACHER = Principal(
    user_id="t-1", tenant="heping", roles=frozenset({"teacher"}), school="s-1", classes=("c-1",)
)
TASK = a_task(
    items=(
        Item(id="i-1", type="true_false", points=2.0, answer=True),
        Item(id="i-2", type="short", points=3.0, answer="言之成理即可"),
    ),
    accepts=Accepts(text=True, files=True, answers=True),
    max_score=5.0,
    max_attempts=2,
    # Open now and for a good while: the use cases read the real clock.
    opens_at=a_task().opens_at.replace(year=2020),
    due_at=None,
)
WORK = Content(
    text="<p>我的想法<script>x()</script></p>", file_ids=("fl-1",), answers={"i-1": True}
)


@pytest.fixture
def db() -> FakeDb:
    return FakeDb()


@pytest.fixture
def store(db: FakeDb) -> FakeSubmissionStore:
    return FakeSubmissionStore(db)


@pytest.fixture
def submissions(store: FakeSubmissionStore) -> Submissions:
    return Submissions(tasks=FakeTasks(TASK), files=FakeFiles(), store=lambda _db: store)


async def test_submit_writes_the_attempt_and_announces_it(
    submissions: Submissions, store: FakeSubmissionStore, db: FakeDb
) -> None:
    view, replayed = await submissions.submit(caller_of(PUPIL, db), TASK.id, WORK, None)
    assert not replayed
    assert (view["state"], view["attempt_count"], view["auto_score"]) == ("submitted", 1, 2.0)
    assert "items" not in view  # no keys before marking
    stored = store.rows["tk-1.p-1"]
    assert stored.latest is not None and stored.latest.text == "<p>我的想法</p>"  # cleaned
    assert db.event_types() == ["SubmissionCreated"]
    assert isinstance(submissions.files, FakeFiles) and submissions.files.checked == [("fl-1",)]


async def test_a_retry_with_the_key_gets_the_first_answer(
    submissions: Submissions, store: FakeSubmissionStore, db: FakeDb
) -> None:
    pupil = caller_of(PUPIL, db)
    first, _ = await submissions.submit(pupil, TASK.id, WORK, "key-0001-abcd")
    again, replayed = await submissions.submit(pupil, TASK.id, WORK, "key-0001-abcd")
    assert replayed and again == first
    assert store.rows["tk-1.p-1"].attempt_count == 1
    assert db.event_types() == ["SubmissionCreated"]
    # Its record keeps the id submissions always had: `<pupil>:<key>`.
    assert list(db["idempotency"].docs) == ["p-1:key-0001-abcd"]
    with pytest.raises(IdempotencyKeyReused):
        other = Content(text="别的", file_ids=(), answers={})
        await submissions.submit(pupil, TASK.id, other, "key-0001-abcd")


async def test_a_retry_of_accepted_work_gets_its_answer_not_the_refusal(
    submissions: Submissions, db: FakeDb
) -> None:
    pupil = caller_of(PUPIL, db)
    await submissions.submit(pupil, TASK.id, WORK, "key-a-000001")
    await submissions.submit(pupil, TASK.id, WORK, "key-b-000001")
    with pytest.raises(TooManyAttempts):
        await submissions.submit(pupil, TASK.id, WORK, "key-c-000001")
    _, replayed = await submissions.submit(pupil, TASK.id, WORK, "key-a-000001")
    assert replayed


async def test_an_attempt_raced_by_another_is_tried_again(
    submissions: Submissions, store: FakeSubmissionStore, db: FakeDb
) -> None:
    pupil = caller_of(PUPIL, db)
    await submissions.submit(pupil, TASK.id, WORK, None)
    store.races = 100  # never gets through: 409, nothing written
    with pytest.raises(Conflict):
        await submissions.submit(pupil, TASK.id, WORK, None)
    assert store.rows["tk-1.p-1"].attempt_count == 1
    store.races = 2
    view, _ = await submissions.submit(pupil, TASK.id, WORK, None)
    assert view["attempt_count"] == 2 and store.races == 0


async def test_only_the_tasks_pupils_submit(submissions: Submissions, db: FakeDb) -> None:
    with pytest.raises(Forbidden):
        await submissions.submit(caller_of(TEACHER, db), TASK.id, WORK, None)
    with pytest.raises(NotFound):
        await submissions.submit(caller_of(PUPIL, db), "tk-none", WORK, None)


def marked(attempt: int = 1, **over: Any) -> Review:
    fields: dict[str, Any] = {
        "attempt": attempt,
        "outcome": "marked",
        "item_points": {"i-2": 3.0},
        "score": None,
        "comment": "很好",
    }
    return Review(**(fields | over))


async def test_review_marks_the_latest_attempt_and_announces_it(
    submissions: Submissions, store: FakeSubmissionStore, db: FakeDb
) -> None:
    await submissions.submit(caller_of(PUPIL, db), TASK.id, WORK, None)
    view = await submissions.review(caller_of(TEACHER, db), TASK.id, "p-1", marked())
    assert (view["state"], view["score"], view["reviewed_by"]) == ("marked", 5.0, "t-1")
    assert [i["id"] for i in view["items"]] == ["i-1", "i-2"]  # with keys, for the teacher
    assert store.rows["tk-1.p-1"].item_points == {"i-2": 3.0}
    assert db.event_types() == ["SubmissionCreated", "SubmissionReviewed"]
    reviewed = db.committed[-1][0]
    assert (reviewed.outcome, reviewed.score, reviewed.max_score) == ("marked", 5.0, 5.0)  # type: ignore[attr-defined]


async def test_review_refuses_stale_and_foreign_reviews(
    submissions: Submissions, store: FakeSubmissionStore, db: FakeDb
) -> None:
    teacher = caller_of(TEACHER, db)
    with pytest.raises(NotFound):
        await submissions.review(teacher, TASK.id, "p-1", marked())
    await submissions.submit(caller_of(PUPIL, db), TASK.id, WORK, None)
    with pytest.raises(Conflict):
        await submissions.review(teacher, TASK.id, "p-1", marked(attempt=2))
    with pytest.raises(Forbidden):
        await submissions.review(caller_of(PUPIL, db), TASK.id, "p-1", marked())
    store.refuse_reviews = True  # the pupil handed in again between read and write
    with pytest.raises(Conflict):
        await submissions.review(teacher, TASK.id, "p-1", marked())
    assert db.event_types() == ["SubmissionCreated"]
