"""Question (答疑) use cases: ask, read, reply, resolve / reopen / hide / unhide, delete.
Rules (who sees and does what, how a thread's state moves) are in `domain`, MongoDB in
`store`; the task comes from the assignments feature."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from xbt_shared.auth import forbid_guest_writes
from xbt_shared.clock import now_ms
from xbt_shared.errors import Conflict, Forbidden, NotFound, Problem
from xbt_shared.idempotency import Idempotent, request_digest
from xbt_shared.mongo import Doc, TenantDb, UnitOfWork
from xbt_tasks.assignments.domain import Task
from xbt_tasks.assignments.service import TaskReader
from xbt_tasks.events import QuestionAnswered, QuestionAsked
from xbt_tasks.questions.domain import (
    Action,
    Audience,
    Question,
    QuestionState,
    TextFormat,
    Visibility,
    audience,
    check_may_ask,
    clean_text,
    moderation,
    new_question,
    new_reply,
    sees,
)
from xbt_tasks.questions.store import QuestionStore
from xbt_tasks.submissions.service import RosterReader

if TYPE_CHECKING:
    # Only a type here: the request context is built by the HTTP layer.
    from xbt_shared.caller import Caller


class _Moved(Exception):
    """The thread changed between our read and our write: read it again."""


@dataclass
class Questions:
    tasks: TaskReader
    # Askers named with their 学号 for the task's teachers and administrators.
    rosters: RosterReader | None = None

    async def _named(self, caller: Caller, who: Audience, threads: list[Doc]) -> list[Doc]:
        """Threads as teachers and administrators read them: each asker named as their
        class's roster names them, with their 学号 (`asker_student_no`); pupils get none.
        Without a roster (identity not answering) the names the askers had when asking."""
        if who.role == "pupil" or self.rosters is None or not threads:
            return threads
        classes = list(dict.fromkeys(t["class_id"] for t in threads))
        try:
            rosters = await self.rosters.rosters(
                classes, bearer=caller.bearer, tenant=caller.tenant
            )
        except Problem:
            return threads
        people = {p.id: p for r in rosters for p in r.pupils}
        named = []
        for thread in threads:
            person = people.get(thread["asked_by"])
            if person is not None:
                thread = thread | {
                    "asker_name": person.name or thread["asker_name"],
                    "asker_student_no": person.student_no,
                }
            named.append(thread)
        return named

    async def _task(self, caller: Caller, task_id: str) -> tuple[Task, Audience]:
        task = await self.tasks.visible(caller, task_id)
        who = audience(caller.principal, task)
        if who is None:  # visible to someone outside every class (cannot happen today)
            raise NotFound("no such task")
        return task, who

    @staticmethod
    async def _thread(
        who: Audience, task_id: str, question_id: str, db: TenantDb | UnitOfWork
    ) -> Question:
        """The question if `who` sees it; else 404."""
        question = await QuestionStore(db).get(task_id, question_id)
        if question is None or not sees(who, question):
            raise NotFound("no such question")
        return question

    # asking -----------------------------------------------------------------------------------

    async def ask(
        self,
        caller: Caller,
        task_id: str,
        *,
        text: str,
        visibility: Visibility,
        fmt: TextFormat = "text",
        idempotency_key: str | None = None,
    ) -> tuple[Doc, bool]:
        """(the new thread, whether this answer replays an earlier request)."""
        forbid_guest_writes(caller.principal)
        task, who = await self._task(caller, task_id)
        if who.role != "pupil":
            raise Forbidden("questions are asked by the task's pupils")
        cleaned = clean_text("body.text", text, fmt)
        keyed = Idempotent(
            caller.db,
            scope="question",
            actor=caller.user_id,
            key=idempotency_key,
            digest=request_digest({"task": task_id, "text": cleaned, "visibility": visibility}),
            reused_detail="this Idempotency-Key was used for another question; use a new key",
        )

        async def ask_once(uow: UnitOfWork) -> Doc:
            store = QuestionStore(uow)
            check_may_ask(await store.count_asked_by(task_id, caller.user_id))
            question = new_question(
                task, who, caller.principal, text=cleaned, visibility=visibility, now=now_ms()
            )
            await store.insert(question)
            uow.record(
                QuestionAsked(
                    task_id=question.task_id,
                    question_id=question.id,
                    class_id=question.class_id,
                    asked_by=question.asked_by,
                    visibility=question.visibility,
                ),
                subject=question.id,
            )
            return question.public(who)

        return await keyed.run(ask_once, busy_detail="too many questions at once; try again")

    # reading ----------------------------------------------------------------------------------

    async def questions(
        self,
        caller: Caller,
        task_id: str,
        *,
        class_id: str | None,
        state: QuestionState | None,
        page: int,
        size: int,
    ) -> Doc:
        """One page of the threads the caller sees, newest activity first, with replies."""
        _, who = await self._task(caller, task_id)
        classes: Sequence[str] = who.reads
        if class_id is not None:
            if class_id not in who.reads:
                raise Forbidden(f"{class_id} is not a class of yours on this task")
            classes = [class_id]
        found, total = await QuestionStore(caller.db).page(
            task_id,
            classes,
            pupil=who.user_id if who.role == "pupil" else None,
            state=state,
            skip=(page - 1) * size,
            limit=size,
        )
        return {
            "items": await self._named(caller, who, [q.public(who) for q in found]),
            "total": total,
            "page": page,
            "size": size,
        }

    async def question(self, caller: Caller, task_id: str, question_id: str) -> Doc:
        _, who = await self._task(caller, task_id)
        thread = (await self._thread(who, task_id, question_id, caller.db)).public(who)
        (named,) = await self._named(caller, who, [thread])
        return named

    # replying ---------------------------------------------------------------------------------

    async def reply(
        self,
        caller: Caller,
        task_id: str,
        question_id: str,
        *,
        text: str,
        fmt: TextFormat = "text",
        idempotency_key: str | None = None,
    ) -> tuple[Doc, bool]:
        """(the thread with the reply, whether this answer replays an earlier request)."""
        forbid_guest_writes(caller.principal)
        cleaned = clean_text("body.text", text, fmt)
        _, who = await self._task(caller, task_id)
        keyed = Idempotent(
            caller.db,
            scope="reply",
            actor=caller.user_id,
            key=idempotency_key,
            digest=request_digest({"question": question_id, "text": cleaned}),
            reused_detail="this Idempotency-Key was used for another reply; use a new key",
        )

        async def reply_once(uow: UnitOfWork) -> Doc:
            question = await self._thread(who, task_id, question_id, uow)
            by_teacher = question.class_id in who.answers
            if not by_teacher and question.asked_by != caller.user_id:
                raise Forbidden("only the asker and the task's teachers reply in a thread")
            reply = new_reply(caller.principal, by_teacher=by_teacher, text=cleaned, now=now_ms())
            updated, changes = question.reply(reply)
            if not await QuestionStore(uow).change(question, changes, reply=reply):
                raise _Moved()
            # The revision check makes this the only first answer: published once.
            if question.first_answer_is(reply):
                uow.record(
                    QuestionAnswered(
                        task_id=question.task_id,
                        question_id=question.id,
                        asked_by=question.asked_by,
                        answered_by=caller.user_id,
                    ),
                    subject=question.id,
                )
            return updated.public(who)

        return await keyed.run(
            reply_once,
            retry_on=(_Moved,),
            busy_detail="too many replies at once in this thread; try again",
        )

    # moderating -------------------------------------------------------------------------------

    async def act(self, caller: Caller, task_id: str, question_id: str, action: Action) -> Doc:
        """Resolve, reopen, hide or unhide a thread (the task's teachers of its class)."""
        forbid_guest_writes(caller.principal)
        _, who = await self._task(caller, task_id)

        async def act_once(uow: UnitOfWork) -> Doc:
            question = await self._thread(who, task_id, question_id, uow)
            if question.class_id not in who.answers:
                raise Forbidden("only the task's teachers of this class resolve or hide questions")
            changes = moderation(question, action, caller.user_id, now_ms())
            if not changes:
                return question.public(who)
            if not await QuestionStore(uow).change(question, changes):
                raise _Moved()
            return question.changed(changes).public(who)

        try:
            return await caller.transaction(act_once, retry_on=(_Moved,))
        except _Moved:
            raise Conflict("the thread keeps changing; try again") from None

    async def delete(self, caller: Caller, task_id: str, question_id: str) -> None:
        """The asker takes back a question nobody has answered yet (kept, but seen by none)."""
        forbid_guest_writes(caller.principal)
        _, who = await self._task(caller, task_id)
        question = await self._thread(who, task_id, question_id, caller.db)
        if question.asked_by != caller.user_id:
            raise Forbidden("only the asker deletes a question; teachers hide it")
        if question.answered_at is not None:
            raise Conflict("a teacher has answered this question; it can no longer be deleted")
        changes = {"deleted_at": now_ms(), "deleted_by": caller.user_id}
        if not await QuestionStore(caller.db).change(question, changes):
            raise Conflict("the question changed meanwhile; reload and try again")
