"""Questions (答疑) on tasks, without I/O: the `Question` aggregate (a thread), who is who on
a task, what each sees, how a thread's state moves.

A pupil asks about a task, to the class or privately to the teacher; the task's teachers
answer; the pupil may follow up in the same thread. Who may do what (a question lives in
its task's district database; nothing crosses):

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

import dataclasses
import html
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from xbt_shared.auth import Principal
from xbt_shared.errors import Conflict, Problem, invalid
from xbt_shared.mongo import Doc
from xbt_shared.richtext import sanitise_html
from xbt_tasks.assignments.domain import Task

MAX_QUESTION_TEXT = 5_000
MAX_REPLY_TEXT = 5_000
# A thread is a conversation, not a chat room; a pupil asking more than this about one task
# should talk to the teacher.
MAX_REPLIES = 100
MAX_QUESTIONS_PER_PUPIL = 20

Visibility = Literal["class", "private"]
QuestionState = Literal["unanswered", "answered", "resolved"]
Action = Literal["resolve", "reopen", "hide", "unhide"]
TextFormat = Literal["text", "html"]
Role = Literal["pupil", "teacher", "admin"]


class ThreadFull(Problem):
    status, slug, title = 409, "thread-full", "The thread takes no more replies"


class TooManyQuestions(Problem):
    status, slug, title = 409, "too-many-questions", "Too many questions on this task"


# --- who -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Audience:
    """What one caller may do with the questions of one task."""

    role: Role
    user_id: str
    reads: tuple[str, ...]  # classes whose questions they may read (pupils: with limits)
    answers: tuple[str, ...]  # classes whose questions they answer and moderate


def audience(actor: Principal, task: Task) -> Audience | None:
    """Who `actor` is for this task's questions; None: nobody (404)."""
    taught = tuple(c for c in task.class_ids if c in actor.classes) if task.taught_by(actor) else ()
    if task.administered_by(actor):
        return Audience("admin", actor.user_id, tuple(task.class_ids), taught)
    if taught:
        return Audience("teacher", actor.user_id, taught, taught)
    own = task.class_of_pupil(actor)
    if own is not None:
        return Audience("pupil", actor.user_id, (own,), ())
    return None


# --- the aggregate -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reply:
    id: str
    author_id: str
    author_name: str | None
    role: Literal["teacher", "asker"]
    text: str  # HTML, cleaned
    at: datetime


@dataclass(frozen=True, slots=True)
class Question:
    """A question with its thread of replies. Every change moves `revision` on, so a change
    computed from what was read applies only if nobody changed the thread meanwhile."""

    id: str
    task_id: str
    school_id: str | None
    class_id: str
    asked_by: str
    asker_name: str | None
    visibility: Visibility
    text: str  # HTML, cleaned
    state: QuestionState
    created_at: datetime
    activity_at: datetime
    revision: int
    hidden: bool = False
    hidden_at: datetime | None = None
    hidden_by: str | None = None
    answered_at: datetime | None = None
    answered_by: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    replies: tuple[Reply, ...] = ()
    reply_count: int = 0
    deleted_at: datetime | None = None
    deleted_by: str | None = None

    def reply(self, reply: Reply) -> tuple[Question, Doc]:
        """The thread with `reply` appended, and the fields it changed (besides the replies);
        409 when the thread is full."""
        if self.reply_count >= MAX_REPLIES:
            raise ThreadFull(f"a thread takes {MAX_REPLIES} replies; ask a new question")
        by_teacher = reply.role == "teacher"
        changes: Doc = {
            "state": state_after_reply(self, by_teacher=by_teacher),
            "activity_at": reply.at,
        }
        if self.first_answer_is(reply):
            changes |= {"answered_at": reply.at, "answered_by": reply.author_id}
        updated = dataclasses.replace(
            self,
            **changes,
            replies=(*self.replies, reply),
            reply_count=self.reply_count + 1,
            revision=self.revision + 1,
        )
        return updated, changes

    def first_answer_is(self, reply: Reply) -> bool:
        return reply.role == "teacher" and self.answered_at is None

    def changed(self, changes: Doc) -> Question:
        return dataclasses.replace(self, **changes, revision=self.revision + 1)

    def public(self, who: Audience) -> Doc:
        out = {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if f.name not in ("deleted_at", "deleted_by", "replies")
        }
        out["replies"] = [dataclasses.asdict(r) for r in self.replies]
        out["mine"] = self.asked_by == who.user_id
        return out


def sees(who: Audience, question: Question) -> bool:
    """Whether `who` sees the thread at all (else it does not exist for them: 404)."""
    if question.deleted_at is not None or question.class_id not in who.reads:
        return False
    if who.role != "pupil" or question.asked_by == who.user_id:
        return True
    return question.visibility == "class" and not question.hidden


def state_after_reply(question: Question, *, by_teacher: bool) -> QuestionState:
    if not by_teacher:
        return "unanswered"  # the asker is still stuck, whatever the thread said before
    return "resolved" if question.state == "resolved" else "answered"


def moderation(question: Question, action: Action, by: str, at: datetime) -> Doc:
    """The changes an action makes; {} when there is nothing to do (asked twice)."""
    if action == "resolve":
        if question.state == "resolved":
            return {}
        return {"state": "resolved", "resolved_at": at, "resolved_by": by}
    if action == "reopen":
        if question.state != "resolved":
            return {}
        was = "answered" if question.answered_at is not None else "unanswered"
        return {"state": was, "resolved_at": None, "resolved_by": None}
    if question.visibility != "class":
        raise Conflict("a private question is seen only by its asker and the teachers already")
    hide = action == "hide"
    if question.hidden == hide:
        return {}
    return {"hidden": hide, "hidden_at": at if hide else None, "hidden_by": by if hide else None}


def check_may_ask(asked_so_far: int) -> None:
    if asked_so_far >= MAX_QUESTIONS_PER_PUPIL:
        raise TooManyQuestions(
            f"you have {MAX_QUESTIONS_PER_PUPIL} questions on this task; follow up in one of them"
        )


def new_question(
    task: Task, who: Audience, asker: Principal, *, text: str, visibility: Visibility, now: datetime
) -> Question:
    return Question(
        id=f"q-{uuid.uuid4().hex[:20]}",
        task_id=task.id,
        school_id=task.school_id,
        class_id=who.reads[0],
        asked_by=asker.user_id,
        asker_name=asker.name,
        visibility=visibility,
        text=text,
        state="unanswered",
        created_at=now,
        activity_at=now,
        revision=1,
    )


def new_reply(author: Principal, *, by_teacher: bool, text: str, now: datetime) -> Reply:
    return Reply(
        id=f"r-{uuid.uuid4().hex[:20]}",
        author_id=author.user_id,
        author_name=author.name,
        role="teacher" if by_teacher else "asker",
        text=text,
        at=now,
    )


# --- text ----------------------------------------------------------------------------------

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
