"""Submissions without I/O: the `Submission` aggregate with its attempts, whether work is
accepted, auto-marking of objective items, a review's score, and where a pupil stands.

- Submitting is refused when the task is closed or not open yet, past due without late work
  (unless the work was returned for revision), marked already, or out of attempts; and when
  the content is not what the task takes.
- Attempts are kept in order; the latest counts. Work past the due time is `late`.
- Objective items are marked at once with `xbt_shared.marking`; short answers wait for the
  teacher, whose review names the attempt it looked at.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from xbt_shared.auth import Principal
from xbt_shared.errors import Conflict, Problem, Unprocessable, invalid
from xbt_shared.marking import BadAnswer, mark
from xbt_shared.mongo import Doc
from xbt_tasks.assignments.domain import BEIJING, Item, Task
from xbt_tasks.clients.identity import Roster, RosterPupil

MAX_TEXT = 20_000
MAX_COMMENT = 2_000

PupilState = Literal["to_do", "submitted", "returned", "marked", "overdue"]
# Where a task stands in a pupil's list (`GET /my/tasks?status=`): handed in (`done`), or
# not (or returned for revision) and due later today, past due (or closed), or later.
ListStatus = Literal["due_today", "todo", "overdue", "done"]
LIST_STATUSES: tuple[ListStatus, ...] = ("due_today", "todo", "overdue", "done")
SubmissionState = Literal["submitted", "returned", "marked"]
Outcome = Literal["marked", "returned"]


class TaskClosed(Problem):
    status, slug, title = 409, "task-closed", "The task does not take submissions"


class TooManyAttempts(Problem):
    status, slug, title = 409, "too-many-attempts", "No attempts left"


def submission_id(task_id: str, pupil_id: str) -> str:
    """One submission per pupil and task, holding all their attempts."""
    return f"{task_id}.{pupil_id}"


# --- the aggregate -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ItemMark:
    correct: bool
    points: float
    blanks: list[bool] | None


@dataclass(frozen=True, slots=True)
class Marking:
    """Objective items marked against their keys; `pending` the items a teacher marks."""

    items: Mapping[str, ItemMark]
    score: float  # of the objective items
    max: float  # of every item
    pending: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Attempt:
    n: int
    submitted_at: datetime
    late: bool
    marking: Marking | None
    # Left out when a list reads attempts without their content.
    text: str | None = None
    file_ids: tuple[str, ...] = ()
    answers: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Submission:
    id: str
    task_id: str
    class_id: str
    pupil_id: str
    pupil_name: str | None
    created_at: datetime
    max_score: float
    state: SubmissionState
    attempt_count: int
    # None when read without them (lists); otherwise every attempt, oldest first.
    attempts: tuple[Attempt, ...] | None
    submitted_at: datetime
    late: bool
    auto_score: float | None
    needs_teacher: bool
    score: float | None
    updated_at: datetime
    comment: str | None = None
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    item_points: Mapping[str, float] | None = None  # the teacher's, once reviewed

    @property
    def latest(self) -> Attempt | None:
        return self.attempts[-1] if self.attempts else None

    def reviewed(
        self, review: Review, *, score: float | None, reviewer: str, now: datetime
    ) -> Submission:
        return dataclasses.replace(
            self,
            state=review.outcome,
            score=score if review.outcome == "marked" else None,
            item_points=dict(review.item_points),
            comment=review.comment,
            reviewed_by=reviewer,
            reviewed_at=now,
            needs_teacher=False,
            updated_at=now,
        )

    def attempt(self, n: int) -> Attempt | None:
        return next((a for a in self.attempts or () if a.n == n), None)

    def public(
        self,
        task: Task,
        *,
        with_keys: bool,
        held_back: Collection[str] = frozenset(),
        attempt: int | None = None,
    ) -> Doc:
        """As the pupil or a teacher sees it; pupils see keys and explanations only once it
        is marked, and then not those of the items `held_back` (in another task of theirs
        they may still hand in). Read with its attempts, `attempt` is the one opened: number
        `attempt`, else the latest."""
        out: Doc = {
            "id": self.id,
            "task_id": self.task_id,
            "class_id": self.class_id,
            "pupil_id": self.pupil_id,
            "pupil_name": self.pupil_name,
            "created_at": self.created_at,
            "max_score": self.max_score,
            "state": self.state,
            "attempt_count": self.attempt_count,
            "submitted_at": self.submitted_at,
            "late": self.late,
            "auto_score": self.auto_score,
            "needs_teacher": self.needs_teacher,
            "score": self.score,
            "updated_at": self.updated_at,
            "comment": self.comment,
            "reviewed_by": self.reviewed_by,
            "reviewed_at": self.reviewed_at,
        }
        if self.attempts is not None:
            out["attempts"] = [public_attempt(a) for a in self.attempts]
            shown = self.attempt(attempt) if attempt is not None else self.latest
            if shown is not None:
                out["attempt"] = public_attempt(shown)
        if self.item_points is not None:
            out["item_points"] = dict(self.item_points)
        if with_keys:
            out["items"] = [i.public(with_key=True) for i in task.items]
        elif self.state == "marked":
            out["items"] = [i.public(with_key=i.id not in held_back) for i in task.items]
        return out


def public_attempt(attempt: Attempt) -> Doc:
    marking = attempt.marking
    return {
        "n": attempt.n,
        "text": attempt.text,
        "file_ids": list(attempt.file_ids),
        "answers": dict(attempt.answers),
        "submitted_at": attempt.submitted_at,
        "late": attempt.late,
        "marking": None
        if marking is None
        else {
            "items": {k: dataclasses.asdict(v) for k, v in marking.items.items()},
            "score": marking.score,
            "max": marking.max,
            "pending": list(marking.pending),
        },
    }


# --- a task's submissions as its teachers list them ----------------------------------------


def submission_rows(
    task: Task,
    submissions: Sequence[Submission],
    rosters: Sequence[Roster],
    *,
    include_missing: bool,
) -> list[Doc]:
    """The submissions (without attempts) named as the rosters name their pupils, with
    their 学号 (`on_roster: false` for a pupil who handed in as a member of a class but is no
    longer on it, `null` where no roster was read). With `include_missing`: the rosters'
    order (class by class, by student number), a `missing` row for each pupil on a roster
    who has handed in nothing, then the submissions of pupils on none of them."""
    listed = {r.class_id: r for r in rosters}
    by_pupil = {s.pupil_id: s for s in submissions}

    def row(s: Submission) -> Doc:
        roster = listed.get(s.class_id)
        person = roster.pupil(s.pupil_id) if roster is not None else None
        return s.public(task, with_keys=False) | {
            "pupil_name": (person.name if person is not None else None) or s.pupil_name,
            "student_no": person.student_no if person is not None else None,
            "class_name": roster.class_name if roster is not None else None,
            "on_roster": None if roster is None else person is not None,
        }

    if not include_missing:
        return [row(s) for s in submissions]
    rows: list[Doc] = []
    shown: set[str] = set()
    for roster in rosters:
        for person in roster.pupils:
            if person.id in shown:
                continue
            shown.add(person.id)
            work = by_pupil.get(person.id)
            rows.append(row(work) if work is not None else _missing(task, roster, person))
    return rows + [row(s) for s in submissions if s.pupil_id not in shown]


def _missing(task: Task, roster: Roster, person: RosterPupil) -> Doc:
    return {
        "id": None,
        "task_id": task.id,
        "class_id": roster.class_id,
        "pupil_id": person.id,
        "pupil_name": person.name,
        "student_no": person.student_no,
        "class_name": roster.class_name,
        "on_roster": True,
        "created_at": None,
        "max_score": task.max_score,
        "state": "missing",
        "attempt_count": 0,
        "submitted_at": None,
        "late": False,
        "auto_score": None,
        "needs_teacher": False,
        "score": None,
        "updated_at": None,
        "comment": None,
        "reviewed_by": None,
        "reviewed_at": None,
    }


# --- where a pupil stands ------------------------------------------------------------------


def pupil_state(task: Task, submission: Submission | None, now: datetime) -> PupilState:
    if submission is not None:
        return submission.state
    if task.is_late(now) and (not task.allow_late or task.phase(now) == "closed"):
        return "overdue"
    return "to_do"


def list_status(task: Task, submission: Submission | None, now: datetime) -> ListStatus:
    """`done` once handed in (waiting or marked); else `overdue` past the due time or once
    closed, `due_today` when due later on today's date in Beijing, `todo` otherwise. Work
    returned for revision is to do again."""
    if submission is not None and submission.state != "returned":
        return "done"
    if task.phase(now) == "closed" or task.is_late(now):
        return "overdue"
    if task.due_at is not None and same_beijing_day(task.due_at, now):
        return "due_today"
    return "todo"


def same_beijing_day(a: datetime, b: datetime) -> bool:
    return a.astimezone(BEIJING).date() == b.astimezone(BEIJING).date()


def pupil_list(
    tasks: Iterable[Task],
    mine: Mapping[str, Submission],
    now: datetime,
    status: ListStatus | None = None,
) -> list[tuple[Task, Submission | None, ListStatus]]:
    """A pupil's tasks (of `status`, or all), in the list's order: by status (due today, to
    do, overdue, done), those not handed in by due time, soonest first (no due time last),
    handed-in ones most recently handed in first."""
    entries = [(t, mine.get(t.id), list_status(t, mine.get(t.id), now)) for t in tasks]
    if status is not None:
        entries = [e for e in entries if e[2] == status]
    far = datetime.max.replace(tzinfo=UTC)

    def order(entry: tuple[Task, Submission | None, ListStatus]) -> tuple[Any, ...]:
        task, work, state = entry
        rank = LIST_STATUSES.index(state)
        if state == "done" and work is not None:
            return (rank, -work.submitted_at.timestamp(), task.id)
        return (rank, (task.due_at or far).timestamp(), -task.opens_at.timestamp(), task.id)

    return sorted(entries, key=order)


def status_counts(
    tasks: Iterable[Task], mine: Mapping[str, Submission], now: datetime
) -> dict[ListStatus, int]:
    counts: dict[ListStatus, int] = dict.fromkeys(LIST_STATUSES, 0)
    for task in tasks:
        counts[list_status(task, mine.get(task.id), now)] += 1
    return counts


# --- whether work is accepted --------------------------------------------------------------


def check_submittable(task: Task, submission: Submission | None, now: datetime) -> None:
    """Raise the reason a submission cannot be accepted now, if there is one."""
    current = task.phase(now)
    if current == "closed":
        raise TaskClosed("the task is closed")
    if current == "scheduled":
        raise TaskClosed("the task has not opened yet")
    returned = submission is not None and submission.state == "returned"
    if task.is_late(now) and not task.allow_late and not returned:
        raise TaskClosed("the due time has passed and the task takes no late work")
    if submission is None:
        return
    if submission.state == "marked":
        raise Conflict("this work is marked; it can be changed only if the teacher returns it")
    # A submission returned for revision may always be handed in once more.
    if submission.attempt_count >= task.max_attempts and not returned:
        raise TooManyAttempts(f"the task allows {task.max_attempts} attempt(s)")


# --- answer keys held back while a task is open ----------------------------------------------


def holds_keys_back(task: Task, submission: Submission | None, now: datetime) -> bool:
    """Whether the task's items' keys are kept from the pupil (practice leaves them out, their
    marked work elsewhere shows them without keys): while they may still hand it in (or in
    again: attempts left, or returned for revision), and before it opens."""
    if task.phase(now) == "scheduled":
        return True
    try:
        check_submittable(task, submission, now)
    except Problem:
        return False
    return True


def locked_item_ids(
    tasks: Sequence[tuple[Task, Submission | None]], now: datetime
) -> frozenset[str]:
    """The items of those (task, the pupil's submission) whose keys are held back."""
    return frozenset(
        item.id for task, work in tasks if holds_keys_back(task, work, now) for item in task.items
    )


@dataclass(frozen=True, slots=True)
class Content:
    text: str | None
    file_ids: tuple[str, ...]
    answers: Mapping[str, Any]

    @property
    def empty(self) -> bool:
        return not (self.text and self.text.strip()) and not self.file_ids and not self.answers

    def digest_payload(self) -> Doc:
        """What identifies the request for its Idempotency-Key."""
        return {"text": self.text, "files": list(self.file_ids), "answers": self.answers}


def check_content(task: Task, content: Content) -> None:
    """What a submission may contain is what the task accepts; answers only to its items."""
    if content.empty:
        if task.kind == "watch":
            return  # "watched": nothing to hand in but the tick
        raise invalid("body", "a submission needs some text, a file or an answer")
    if content.text and not task.accepts.text:
        raise invalid("body.text", "this task takes no text")
    if content.file_ids and not task.accepts.files:
        raise invalid("body.file_ids", "this task takes no files")
    if content.answers and not task.accepts.answers:
        raise invalid("body.answers", "this task has no questions to answer")
    items = {item.id: item for item in task.items}
    for item_id, given in content.answers.items():
        item = items.get(item_id)
        if item is None:
            raise invalid(f"body.answers.{item_id}", "not an item of this task")
        try:
            mark(item.type, item.answer, given, option_keys=item.option_keys(), stem=item.stem)
        except BadAnswer as exc:
            raise invalid(f"body.answers.{item_id}", str(exc)) from None


# --- marking -------------------------------------------------------------------------------


def auto_mark(items: Sequence[Item], answers: Mapping[str, Any]) -> Marking:
    """Objective items marked against their keys (unanswered: wrong); short answers wait for
    the teacher."""
    marked: dict[str, ItemMark] = {}
    score = 0.0
    pending: list[str] = []
    for item in items:
        given = answers.get(item.id)
        if not item.objective:
            pending.append(item.id)
            continue
        if given is None:
            marked[item.id] = ItemMark(correct=False, points=0.0, blanks=None)
            continue
        verdict = mark(
            item.type, item.answer, given, option_keys=item.option_keys(), stem=item.stem
        )
        points = float(item.points) if verdict.correct else 0.0
        score += points
        marked[item.id] = ItemMark(
            correct=bool(verdict.correct),
            points=points,
            blanks=list(verdict.blanks) if verdict.blanks is not None else None,
        )
    return Marking(
        items=marked,
        score=score,
        max=float(sum(item.points for item in items)),
        pending=tuple(pending),
    )


def hand_in(
    task: Task,
    current: Submission | None,
    *,
    pupil: Principal,
    class_id: str,
    content: Content,
    text: str | None,
    now: datetime,
) -> Submission:
    """The pupil's submission with `content` as its newest attempt, its text stored as
    `text` (cleaned HTML): checked, auto-marked, flagged late past the due time."""
    check_submittable(task, current, now)
    check_content(task, content)
    marking = auto_mark(task.items, content.answers) if task.items else None
    late = task.is_late(now)
    number = (current.attempt_count if current else 0) + 1
    attempt = Attempt(
        n=number,
        text=text,
        file_ids=tuple(content.file_ids),
        answers=dict(content.answers),
        submitted_at=now,
        late=late,
        marking=marking,
    )
    latest: dict[str, Any] = {
        "state": "submitted",
        "submitted_at": now,
        "late": late,
        "auto_score": marking.score if marking else None,
        "needs_teacher": task.kind != "watch" and bool(marking is None or marking.pending),
        "score": None if marking is None or marking.pending else marking.score,
        "updated_at": now,
    }
    if current is not None:
        return dataclasses.replace(
            current,
            **latest,
            attempt_count=number,
            attempts=(*(current.attempts or ()), attempt),
        )
    return Submission(
        id=submission_id(task.id, pupil.user_id),
        task_id=task.id,
        class_id=class_id,
        pupil_id=pupil.user_id,
        pupil_name=pupil.name,
        created_at=now,
        max_score=task.max_score,
        attempt_count=1,
        attempts=(attempt,),
        **latest,
    )


def marked_items(task: Task, submission: Submission) -> list[tuple[Item, bool]]:
    """Each item of marked work with whether it was right: the teacher's full points where
    they gave points, else the automatic marking of the latest attempt (as the gradebook's
    item rates read it)."""
    latest = submission.latest
    auto = latest.marking if latest is not None else None
    given = submission.item_points or {}
    out: list[tuple[Item, bool]] = []
    for item in task.items:
        if item.id in given:
            out.append((item, given[item.id] >= item.points))
        elif auto is not None and item.id in auto.items:
            out.append((item, auto.items[item.id].correct))
    return out


# --- reviewing -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Review:
    attempt: int | None  # the attempt the teacher looked at; None: the latest
    outcome: Outcome
    item_points: dict[str, float]
    score: float | None  # for tasks without items
    comment: str | None


def check_reviewable(submission: Submission, review: Review) -> None:
    if submission.state == "returned":
        raise Conflict("the work is back with the pupil; review it when it is handed in again")
    if review.attempt is not None and review.attempt != submission.attempt_count:
        raise Conflict(f"attempt {submission.attempt_count} is the latest; review that one")


def review_score(
    task: Task,
    submission: Submission,
    item_points: Mapping[str, float],
    score: float | None,
    *,
    final: bool,
) -> float | None:
    """The total a review gives: without items, the teacher's `score`; with items, each
    item's points as the teacher gives them, else as auto-marking gave them. A final mark (not a
    return) needs points for every short answer."""
    if not task.items:
        if item_points:
            raise invalid("body.item_points", "this task has no items")
        if score is not None and not 0 <= score <= task.max_score:
            raise invalid("body.score", f"a score is between 0 and {task.max_score:g}")
        if final and score is None:
            raise invalid("body.score", "marking a task without items needs a score")
        return score
    if score is not None:
        raise invalid("body.score", "a task with items is scored per item (item_points)")
    items = {i.id: i for i in task.items}
    for item_id, points in item_points.items():
        if item_id not in items:
            raise invalid(f"body.item_points.{item_id}", "not an item of this task")
        if not 0 <= points <= items[item_id].points:
            raise invalid(
                f"body.item_points.{item_id}",
                f"between 0 and {items[item_id].points:g} points",
            )
    latest = submission.latest
    auto = latest.marking if latest is not None else None
    pending = auto.pending if auto is not None else ()
    unmarked = [i for i in pending if i not in item_points]
    if final and unmarked:
        raise Unprocessable(
            "every short-answer item needs points before the work is marked",
            errors=[{"field": f"body.item_points.{i}", "message": "missing"} for i in unmarked],
        )
    total = 0.0
    for item_id in items:
        if item_id in item_points:
            total += item_points[item_id]
        elif auto is not None and item_id in auto.items:
            total += auto.items[item_id].points
    return total
