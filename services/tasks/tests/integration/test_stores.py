"""Every store is bound to one district's database: what district A writes, district B's
store does not find (the same ids, asked for in the other district, are not there)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from xbt_shared.mongo import Mongo, TenantDb
from xbt_shared.tenancy import Tenant
from xbt_tasks.assignments.store import TaskStore
from xbt_tasks.files.store import FileStore
from xbt_tasks.practice.domain import PracticeAnswer, PracticeItem, PracticeSet
from xbt_tasks.practice.store import PracticeStore
from xbt_tasks.questions.domain import Question
from xbt_tasks.questions.store import QuestionStore
from xbt_tasks.submissions.store import SubmissionStore

from ..unit.builders import a_submission, a_task

AT = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
async def mongo(isolated_env: dict[str, Any]) -> AsyncIterator[Mongo]:
    found = Mongo(isolated_env["mongodb_uri"], service="tasks", db_prefix=isolated_env["db_prefix"])
    yield found
    await found.close()


@pytest.fixture
def district_a(mongo: Mongo) -> TenantDb:
    return mongo.for_tenant(Tenant("heping"))


@pytest.fixture
def district_b(mongo: Mongo) -> TenantDb:
    return mongo.for_tenant(Tenant("hexi"))


async def test_tasks(district_a: TenantDb, district_b: TenantDb) -> None:
    task = a_task(opens_at=AT - timedelta(days=1), due_at=AT + timedelta(days=1))
    await TaskStore(district_a).insert(task)
    assert await TaskStore(district_a).get(task.id) == task  # mapped there and back
    assert await TaskStore(district_b).get(task.id) is None
    assert await TaskStore(district_b).of_classes(list(task.class_ids)) == []


async def test_submissions(district_a: TenantDb, district_b: TenantDb) -> None:
    submission = a_submission(submitted_at=AT, created_at=AT, updated_at=AT, attempts=None)
    await SubmissionStore(district_a).insert(submission)
    found = await SubmissionStore(district_a).get(submission.id)
    assert found is not None and found.pupil_id == submission.pupil_id
    assert await SubmissionStore(district_b).get(submission.id) is None
    assert await SubmissionStore(district_b).of_task(submission.task_id) == []
    assert await SubmissionStore(district_b).of_pupil("p-1", [submission.task_id]) == []


async def test_questions(district_a: TenantDb, district_b: TenantDb) -> None:
    question = Question(
        id="q-1",
        task_id="tk-1",
        school_id="s-1",
        class_id="c-1",
        asked_by="p-1",
        asker_name="王小明",
        visibility="class",
        text="第5题怎么做？",
        state="unanswered",
        created_at=AT,
        activity_at=AT,
        revision=1,
    )
    await QuestionStore(district_a).insert(question)
    assert await QuestionStore(district_a).get("tk-1", "q-1") == question
    assert await QuestionStore(district_b).get("tk-1", "q-1") is None
    page, total = await QuestionStore(district_b).page(
        "tk-1", ["c-1"], pupil=None, state=None, skip=0, limit=10
    )
    assert (page, total) == ([], 0)


async def test_practice(district_a: TenantDb, district_b: TenantDb) -> None:
    item = PracticeItem(id="i-1", type="true_false", stem="1 + 1 = 2", answer=True)
    practice = PracticeSet(
        id="pr-1",
        pupil_id="p-1",
        selection={"knowledge_point": "kp-1"},
        requested=1,
        pool=1,
        subject="数学",
        stage="初中",
        created_at=AT,
        item_count=1,
        items=(item,),
    )
    await PracticeStore(district_a).insert_set(practice)
    answer = PracticeAnswer("i-1", True, True, None, AT)
    assert await PracticeStore(district_a).add_answer(practice, answer)
    await PracticeStore(district_a).record_item("p-1", "i-1", True, AT)
    assert (await PracticeStore(district_a).set_of("p-1", "pr-1")) == practice.with_answer(answer)
    assert await PracticeStore(district_b).set_of("p-1", "pr-1") is None
    assert await PracticeStore(district_b).sets_of("p-1", skip=0, limit=10) == ([], 0)
    assert await PracticeStore(district_b).item_history("p-1", ["i-1"]) == {}
    assert not await PracticeStore(district_b).add_answer(practice, answer)


async def test_files(district_a: TenantDb, district_b: TenantDb) -> None:
    writer = FileStore(district_a).writer("fl-1", "作业.txt")
    await writer.write("我的作业".encode())
    await writer.close({"kind": "attachment", "task_id": "tk-1", "uploader_id": "t-1"})
    assert (await FileStore(district_a).file("fl-1")) is not None
    assert await FileStore(district_b).file("fl-1") is None
    assert await FileStore(district_b).of_task("tk-1", "attachment") == []
