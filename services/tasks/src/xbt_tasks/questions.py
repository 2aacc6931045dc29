"""Questions (答疑) on tasks: a pupil asks about a task, to the class or privately to the
teacher; the task's teachers answer; the pupil may follow up in the same thread.

Who may do what (a question lives in its task's district database; nothing crosses):

- ask: a pupil of one of the task's classes, whenever they can see the task (once it has
  opened, and still after it is closed: questions while revising marked work are the useful
  ones). The question belongs to the pupil's class.
- read: the asker their own; their classmates the class's public, unhidden questions; the
  task's teachers every question of the classes they teach among the task's; the school's
  and the district's administrators every question of the task. Anybody else: 404.
- reply: the task's teachers of the question's class answer; the asker follows up in their
  own thread. Classmates do not reply: 答疑 is a conversation between a pupil and the
  teacher, and a class forum would need moderation this feature does not have.
- resolve / reopen / hide / unhide: the task's teachers of the question's class. Hiding takes
  an inappropriate public question away from the class; the asker and teachers still see it.
- delete: the asker, while no teacher has replied (a soft delete: the thread is kept, seen by
  nobody). After a teacher's answer the thread is the teacher's work too.

A thread's state: `unanswered` until a teacher replies, then `answered`; the asker's follow-up
makes it `unanswered` again; `resolved` when a teacher says so (a teacher's later reply keeps
it resolved, the asker's follow-up reopens it). `tasks.question.answered` is published once,
for the first teacher reply, not for every answer in the thread.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pymongo.errors import DuplicateKeyError, OperationFailure

from xbt_shared.auth import Principal, forbid_guest_writes
from xbt_shared.errors import Conflict, Forbidden, NotFound, Problem
from xbt_shared.mongo import Doc, Mongo, TenantDb, is_transient
from xbt_shared.richtext import sanitise_html
from xbt_shared.tenancy import Tenant
from xbt_tasks import rules
from xbt_tasks.events import QuestionAnswered, QuestionAsked
from xbt_tasks.questions_store import QuestionStore, in_classes
from xbt_tasks.rules import invalid
from xbt_tasks.service import IdempotencyKeyReused, now_ms
from xbt_tasks.store import TaskStore

MAX_QUESTION_TEXT = 5_000
MAX_REPLY_TEXT = 5_000
# A thread is a conversation, not a chat room; a pupil asking more than this about one task
# should talk to the teacher.
MAX_REPLIES = 100
MAX_QUESTIONS_PER_PUPIL = 20
# A change computed from a thread that moved meanwhile is computed again this often.
CHANGE_TRIES = 8

Visibility = Literal["class", "private"]
QuestionState = Literal["unanswered", "answered", "resolved"]
Action = Literal["resolve", "reopen", "hide", "unhide"]
TextFormat = Literal["text", "html"]
Role = Literal["pupil", "teacher", "admin"]


class ThreadFull(Problem):
    status, slug, title = 409, "thread-full", "The thread takes no more replies"


class TooManyQuestions(Problem):
    status, slug, title = 409, "too-many-questions", "Too many questions on this task"


# --- rules (no I/O) ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Audience:
    """What one caller may do with the questions of one task."""

    role: Role
    user_id: str
    reads: tuple[str, ...]  # classes whose questions they may read (pupils: with limits)
    answers: tuple[str, ...]  # classes whose questions they answer and moderate


def audience(actor: Principal, task: Mapping[str, Any]) -> Audience | None:
    """Who `actor` is for this task's questions; None: nobody (404)."""
    task_classes: Sequence[str] = task["class_ids"]
    taught = (
        tuple(c for c in task_classes if c in actor.classes) if rules.teaches(actor, task) else ()
    )
    if rules.administers(actor, task):
        return Audience("admin", actor.user_id, tuple(task_classes), taught)
    if taught:
        return Audience("teacher", actor.user_id, taught, taught)
    own = rules.pupil_class(actor, task)
    if own is not None:
        return Audience("pupil", actor.user_id, (own,), ())
    return None


def sees(who: Audience, question: Mapping[str, Any]) -> bool:
    if question.get("deleted_at") is not None or question["class_id"] not in who.reads:
        return False
    if who.role != "pupil" or question["asked_by"] == who.user_id:
        return True
    return question["visibility"] == "class" and not question["hidden"]


def state_after_reply(question: Mapping[str, Any], *, by_teacher: bool) -> QuestionState:
    if not by_teacher:
        return "unanswered"  # the asker is still stuck, whatever the thread said before
    return "resolved" if question["state"] == "resolved" else "answered"


def moderation(question: Mapping[str, Any], action: Action, by: str, at: datetime) -> Doc:
    """The changes an action makes; {} when there is nothing to do (asked twice)."""
    if action == "resolve":
        if question["state"] == "resolved":
            return {}
        return {"state": "resolved", "resolved_at": at, "resolved_by": by}
    if action == "reopen":
        if question["state"] != "resolved":
            return {}
        was = "answered" if question["answered_at"] is not None else "unanswered"
        return {"state": was, "resolved_at": None, "resolved_by": None}
    if question["visibility"] != "class":
        raise Conflict("a private question is seen only by its asker and the teachers already")
    hide = action == "hide"
    if question["hidden"] == hide:
        return {}
    return {"hidden": hide, "hidden_at": at if hide else None, "hidden_by": by if hide else None}


_TAG = re.compile(r"<[^>]*>")


def clean_text(field: str, raw: str, fmt: TextFormat) -> str:
    """The HTML stored for what a user wrote; refused if nothing is left to read.

    Plain text is escaped, not parsed: a pupil's "x<y" is mathematics, and an HTML parser
    would take "<y" for a tag and drop it. HTML is cleaned to the shared allow-list."""
    if fmt == "text":
        return _checked(field, html.escape(raw.strip(), quote=False).replace("\n", "<br>"))
    return _checked(field, sanitise_html(raw).strip())


def _checked(field: str, cleaned: str) -> str:
    # The cleaned HTML is balanced, so dropping tags leaves exactly the text a reader sees.
    if not html.unescape(_TAG.sub("", cleaned)).strip() and "<img" not in cleaned:
        raise invalid(field, "the text is empty once cleaned")
    return cleaned


def keyed_id(prefix: str, actor: Principal, idempotency_key: str | None) -> str:
    """A new id; with an Idempotency-Key the same one for every retry (and only this user's)."""
    if idempotency_key is None:
        return f"{prefix}-{uuid.uuid4().hex[:20]}"
    digest = hashlib.sha256(f"{actor.user_id}\n{idempotency_key}".encode()).hexdigest()
    return f"{prefix}-{digest[:20]}"


def public_question(question: Mapping[str, Any], who: Audience) -> Doc:
    hidden_fields = {"_id", "deleted_at", "deleted_by"}
    out = {k: v for k, v in question.items() if k not in hidden_fields}
    out["id"] = question["_id"]
    out["mine"] = question["asked_by"] == who.user_id
    return out


# --- use cases ---------------------------------------------------------------------------------


def read_query(who: Audience, task_id: str, class_ids: Sequence[str]) -> Doc:
    """The store query for what `who` sees (the same rule as `sees`)."""
    query = in_classes(task_id, class_ids)
    if who.role == "pupil":
        query["$or"] = [
            {"asked_by": who.user_id},
            {"visibility": "class", "hidden": False},
        ]
    return query


@dataclass(frozen=True, slots=True)
class Thread:
    """A question as the store holds it, with the caller's place in it."""

    who: Audience
    question: Doc


@dataclass
class Questions:
    mongo: Mongo

    def tdb(self, tenant: Tenant) -> TenantDb:
        return self.mongo.for_tenant(tenant)

    def store(self, tenant: Tenant) -> QuestionStore:
        return QuestionStore(self.tdb(tenant))

    async def _task(self, actor: Principal, tenant: Tenant, task_id: str) -> tuple[Doc, Audience]:
        task = rules.require_visible(
            actor, await TaskStore(self.tdb(tenant)).task(task_id), now_ms()
        )
        who = audience(actor, task)
        if who is None:  # visible to someone outside every class (cannot happen today)
            raise NotFound("no such task")
        return task, who

    async def _thread(
        self, actor: Principal, tenant: Tenant, task_id: str, question_id: str
    ) -> Thread:
        _, who = await self._task(actor, tenant, task_id)
        question = await self.store(tenant).get(task_id, question_id)
        if question is None or not sees(who, question):
            raise NotFound("no such question")
        return Thread(who, question)

    # asking -----------------------------------------------------------------------------------

    async def ask(
        self,
        actor: Principal,
        tenant: Tenant,
        task_id: str,
        *,
        text: str,
        visibility: Visibility,
        fmt: TextFormat = "text",
        idempotency_key: str | None = None,
    ) -> tuple[Doc, bool]:
        """(the new thread, whether this answer replays an earlier request)."""
        forbid_guest_writes(actor)
        task, who = await self._task(actor, tenant, task_id)
        if who.role != "pupil":
            raise Forbidden("questions are asked by the task's pupils")
        cleaned = clean_text("body.text", text, fmt)
        question_id = keyed_id("q", actor, idempotency_key)
        store = self.store(tenant)
        if idempotency_key is not None:
            earlier = await store.get(task_id, question_id)
            if earlier is not None:
                return _replayed_question(earlier, who, cleaned, visibility), True
        if await store.count_asked_by(task_id, actor.user_id) >= MAX_QUESTIONS_PER_PUPIL:
            raise TooManyQuestions(
                f"you have {MAX_QUESTIONS_PER_PUPIL} questions on this task; "
                "follow up in one of them"
            )
        now = now_ms()
        question: Doc = {
            "_id": question_id,
            "task_id": task_id,
            "school_id": task["school_id"],
            "class_id": who.reads[0],
            "asked_by": actor.user_id,
            "asker_name": actor.name,
            "visibility": visibility,
            "text": cleaned,
            "state": "unanswered",
            "hidden": False,
            "hidden_at": None,
            "hidden_by": None,
            "answered_at": None,
            "answered_by": None,
            "resolved_at": None,
            "resolved_by": None,
            "replies": [],
            "reply_count": 0,
            "created_at": now,
            "activity_at": now,
            "deleted_at": None,
            "deleted_by": None,
            "revision": 1,
        }
        for attempt in range(CHANGE_TRIES):
            try:
                await self._insert(tenant, question)
                return public_question(question, who), False
            except DuplicateKeyError:
                taken = True
            except OperationFailure as exc:
                if not is_transient(exc):
                    raise
                taken = False
            # A concurrent retry with the same key got there (or is getting there) first:
            # answer as it was answered.
            earlier = await store.get(task_id, question_id)
            if earlier is not None:
                return _replayed_question(earlier, who, cleaned, visibility), True
            if taken:  # by a question on another task
                raise IdempotencyKeyReused("this Idempotency-Key was used for another question")
            await asyncio.sleep(0.02 * (attempt + 1))
        raise Conflict("too many questions at once; try again")

    async def _insert(self, tenant: Tenant, question: Doc) -> None:
        async with self.tdb(tenant).unit_of_work() as uow:
            await QuestionStore.within(uow).insert(question)
            uow.record(
                QuestionAsked(
                    task_id=question["task_id"],
                    question_id=question["_id"],
                    class_id=question["class_id"],
                    asked_by=question["asked_by"],
                    visibility=question["visibility"],
                ),
                subject=question["_id"],
            )

    # reading ----------------------------------------------------------------------------------

    async def questions(
        self,
        actor: Principal,
        tenant: Tenant,
        task_id: str,
        *,
        class_id: str | None,
        state: QuestionState | None,
        page: int,
        size: int,
    ) -> Doc:
        """One page of the threads the caller sees, newest activity first, with replies."""
        _, who = await self._task(actor, tenant, task_id)
        classes: Sequence[str] = who.reads
        if class_id is not None:
            if class_id not in who.reads:
                raise Forbidden(f"{class_id} is not a class of yours on this task")
            classes = [class_id]
        query = read_query(who, task_id, classes)
        if state is not None:
            query["state"] = state
        found, total = await self.store(tenant).page(query, skip=(page - 1) * size, limit=size)
        return {
            "items": [public_question(q, who) for q in found],
            "total": total,
            "page": page,
            "size": size,
        }

    async def question(
        self, actor: Principal, tenant: Tenant, task_id: str, question_id: str
    ) -> Doc:
        thread = await self._thread(actor, tenant, task_id, question_id)
        return public_question(thread.question, thread.who)

    # replying ---------------------------------------------------------------------------------

    async def reply(
        self,
        actor: Principal,
        tenant: Tenant,
        task_id: str,
        question_id: str,
        *,
        text: str,
        fmt: TextFormat = "text",
        idempotency_key: str | None = None,
    ) -> tuple[Doc, bool]:
        """(the thread with the reply, whether this answer replays an earlier request)."""
        forbid_guest_writes(actor)
        cleaned = clean_text("body.text", text, fmt)
        reply_id = keyed_id("r", actor, idempotency_key)
        for attempt in range(CHANGE_TRIES):
            thread = await self._thread(actor, tenant, task_id, question_id)
            question, who = thread.question, thread.who
            by_teacher = question["class_id"] in who.answers
            if not by_teacher and question["asked_by"] != actor.user_id:
                raise Forbidden("only the asker and the task's teachers reply in a thread")
            earlier = next((r for r in question["replies"] if r["id"] == reply_id), None)
            if earlier is not None:
                if earlier["text"] != cleaned:
                    raise IdempotencyKeyReused(
                        "this Idempotency-Key was used for another reply; use a new key"
                    )
                return public_question(question, who), True
            if question["reply_count"] >= MAX_REPLIES:
                raise ThreadFull(f"a thread takes {MAX_REPLIES} replies; ask a new question")
            try:
                updated = await self._reply_once(
                    tenant, actor, question, reply_id, cleaned, by_teacher
                )
            except OperationFailure as exc:
                if not is_transient(exc):
                    raise
                updated = None  # a concurrent reply's transaction: read the thread again
            if updated is not None:
                return public_question(updated, who), False
            await asyncio.sleep(0.02 * (attempt + 1))
        raise Conflict("too many replies at once in this thread; try again")

    async def _reply_once(
        self,
        tenant: Tenant,
        actor: Principal,
        question: Doc,
        reply_id: str,
        text: str,
        by_teacher: bool,
    ) -> Doc | None:
        """The thread with the reply appended, or None if it moved since it was read."""
        now = now_ms()
        reply = {
            "id": reply_id,
            "author_id": actor.user_id,
            "author_name": actor.name,
            "role": "teacher" if by_teacher else "asker",
            "text": text,
            "at": now,
        }
        changes: Doc = {
            "state": state_after_reply(question, by_teacher=by_teacher),
            "activity_at": now,
        }
        first_answer = by_teacher and question["answered_at"] is None
        if first_answer:
            changes |= {"answered_at": now, "answered_by": actor.user_id}
        async with self.tdb(tenant).unit_of_work() as uow:
            moved = not await QuestionStore.within(uow).change(
                question["_id"], question["revision"], changes, reply=reply
            )
            if moved:
                return None
            # The revision check makes this the only first answer: published once.
            if first_answer:
                uow.record(
                    QuestionAnswered(
                        task_id=question["task_id"],
                        question_id=question["_id"],
                        asked_by=question["asked_by"],
                        answered_by=actor.user_id,
                    ),
                    subject=question["_id"],
                )
        return {
            **question,
            **changes,
            "replies": [*question["replies"], reply],
            "reply_count": question["reply_count"] + 1,
            "revision": question["revision"] + 1,
        }

    # moderating -------------------------------------------------------------------------------

    async def act(
        self, actor: Principal, tenant: Tenant, task_id: str, question_id: str, action: Action
    ) -> Doc:
        """Resolve, reopen, hide or unhide a thread (the task's teachers of its class)."""
        forbid_guest_writes(actor)
        for attempt in range(CHANGE_TRIES):
            thread = await self._thread(actor, tenant, task_id, question_id)
            question, who = thread.question, thread.who
            if question["class_id"] not in who.answers:
                raise Forbidden("only the task's teachers of this class resolve or hide questions")
            changes = moderation(question, action, actor.user_id, now_ms())
            if not changes:
                return public_question(question, who)
            if await self.store(tenant).change(question_id, question["revision"], changes):
                updated = {**question, **changes, "revision": question["revision"] + 1}
                return public_question(updated, who)
            await asyncio.sleep(0.02 * (attempt + 1))
        raise Conflict("the thread keeps changing; try again")

    async def delete(
        self, actor: Principal, tenant: Tenant, task_id: str, question_id: str
    ) -> None:
        """The asker takes back a question nobody has answered yet (kept, but seen by none)."""
        forbid_guest_writes(actor)
        thread = await self._thread(actor, tenant, task_id, question_id)
        question = thread.question
        if question["asked_by"] != actor.user_id:
            raise Forbidden("only the asker deletes a question; teachers hide it")
        if question["answered_at"] is not None:
            raise Conflict("a teacher has answered this question; it can no longer be deleted")
        changes = {"deleted_at": now_ms(), "deleted_by": actor.user_id}
        if not await self.store(tenant).change(question_id, question["revision"], changes):
            raise Conflict("the question changed meanwhile; reload and try again")


def _replayed_question(earlier: Doc, who: Audience, text: str, visibility: Visibility) -> Doc:
    same = (
        earlier["asked_by"] == who.user_id
        and earlier["text"] == text
        and earlier["visibility"] == visibility
    )
    if not same:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was used for another question; use a new key"
        )
    if earlier["deleted_at"] is not None:
        raise Conflict("the question asked with this Idempotency-Key was deleted; use a new key")
    return public_question(earlier, who)
