"""Task use cases: assign, edit, close and reopen; pupils' lists; submit (idempotently);
review. Rules are in `rules`, MongoDB access in `store`, the catalog in `catalog_client`."""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.errors import DuplicateKeyError, OperationFailure

from xbt_shared.auth import Principal, forbid_guest_writes
from xbt_shared.errors import Conflict, Forbidden, NotFound, Problem
from xbt_shared.mongo import Doc, Mongo, TenantDb, is_transient
from xbt_shared.richtext import sanitise_html
from xbt_shared.tenancy import Tenant
from xbt_tasks import rules
from xbt_tasks.catalog_client import CatalogClient
from xbt_tasks.events import SubmissionCreated, SubmissionReviewed, TaskAssigned
from xbt_tasks.files import check_submitted_files
from xbt_tasks.rules import Content, invalid
from xbt_tasks.store import TaskStore

# A submit that collides with a concurrent one (same pupil, same task) is tried again this
# often before giving up with 409: enough for a pupil double-clicking on a slow line.
SUBMIT_TRIES = 8


def now_ms() -> datetime:
    # MongoDB keeps milliseconds: stamps compared with stored ones must match them.
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def submission_id(task_id: str, pupil_id: str) -> str:
    return f"{task_id}.{pupil_id}"


def request_digest(content: Content) -> str:
    raw = json.dumps(
        {"text": content.text, "files": list(content.file_ids), "answers": content.answers},
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(raw.encode()).hexdigest()


class IdempotencyKeyReused(Problem):
    status, slug, title = 422, "idempotency-key-reused", "Idempotency-Key used for another request"


@dataclass(frozen=True, slots=True)
class TaskDraft:
    """What a teacher asks for; checked by the API layer's schema, completed here."""

    title: str
    instructions: str
    class_ids: tuple[str, ...]
    resource_ids: tuple[str, ...]
    items: tuple[tuple[str, float], ...]  # (item id, points)
    accepts_text: bool
    accepts_files: bool
    opens_at: datetime | None
    due_at: datetime | None
    allow_late: bool
    max_attempts: int
    max_score: float | None


@dataclass(frozen=True, slots=True)
class Review:
    attempt: int  # the attempt the teacher looked at
    outcome: str  # "returned" | "marked"
    item_points: dict[str, float]
    score: float | None  # for tasks without items
    comment: str | None


@dataclass
class Tasks:
    mongo: Mongo
    catalog: CatalogClient
    idempotency_hours: int = 48
    max_page_size: int = 50
    max_files_per_attempt: int = 10

    def tdb(self, tenant: Tenant) -> TenantDb:
        return self.mongo.for_tenant(tenant)

    def store(self, tenant: Tenant) -> TaskStore:
        return TaskStore(self.tdb(tenant))

    async def _visible(self, actor: Principal, tenant: Tenant, task_id: str) -> Doc:
        return rules.require_visible(actor, await self.store(tenant).task(task_id), now_ms())

    # assigning --------------------------------------------------------------------------------

    async def create_task(
        self, actor: Principal, tenant: Tenant, draft: TaskDraft, *, bearer: str
    ) -> Doc:
        forbid_guest_writes(actor)
        rules.require_teacher_of(actor, draft.class_ids)
        if actor.tenant != tenant.id or actor.school is None:
            raise Forbidden("tasks are assigned by teachers of a school in their own district")
        now = now_ms()
        opens_at = draft.opens_at or now
        if draft.due_at is not None:
            if draft.due_at <= opens_at:
                raise invalid("body.due_at", "the due time must come after the opening time")
            if draft.due_at <= now:
                raise invalid("body.due_at", "the due time has already passed")
        resources = await self._resources(draft.resource_ids, bearer)
        items = await self._items(draft.items, bearer)
        if items and draft.max_score is not None:
            raise invalid("body.max_score", "a task with items is scored by its items' points")
        task_id = "tk-" + uuid.uuid4().hex[:16]
        accepts = {"text": draft.accepts_text, "files": draft.accepts_files, "answers": bool(items)}
        if not any(accepts.values()):
            raise invalid("body.accepts_text", "a task must take text, files or answers to items")
        task: Doc = {
            "_id": task_id,
            "kind": "task",
            "school_id": actor.school,
            "class_ids": list(dict.fromkeys(draft.class_ids)),
            "teacher_id": actor.user_id,
            "teacher_name": actor.name,
            "title": draft.title,
            "instructions": sanitise_html(draft.instructions),
            "resources": resources,
            "items": items,
            "accepts": accepts,
            "opens_at": opens_at,
            "due_at": draft.due_at,
            "allow_late": draft.allow_late,
            "max_attempts": draft.max_attempts,
            "max_score": float(sum(i["points"] for i in items))
            if items
            else draft.max_score or 100.0,
            "status": "open",
            "created_at": now,
            "updated_at": now,
            "revision": 1,
        }
        async with self.tdb(tenant).unit_of_work() as uow:
            await TaskStore.within(uow).insert_task(task)
            uow.record(
                TaskAssigned(
                    task_id=task_id,
                    kind="task",
                    title=draft.title,
                    class_ids=list(dict.fromkeys(draft.class_ids)),
                    teacher_id=actor.user_id,
                    opens_at=opens_at,
                    due_at=draft.due_at,
                ),
                subject=task_id,
            )
        return rules.public_task(task, now, with_keys=True)

    async def _resources(self, ids: Sequence[str], bearer: str) -> list[Doc]:
        if not ids:
            return []
        found = await self.catalog.resources(list(dict.fromkeys(ids)), bearer=bearer)
        missing = [i for i, doc in found.items() if doc is None]
        if missing:
            raise invalid(
                "body.resource_ids",
                f"no such resource visible to your classes: {', '.join(missing)}",
            )
        return [
            {"id": rid, "title": doc["title"], "kind": doc.get("kind"), "owner": doc.get("owner")}
            for rid, doc in found.items()
            if doc is not None
        ]

    async def _items(self, wanted: Sequence[tuple[str, float]], bearer: str) -> list[Doc]:
        if not wanted:
            return []
        ids = [item_id for item_id, _ in wanted]
        if len(set(ids)) != len(ids):
            raise invalid("body.items", "an item appears twice")
        found = await self.catalog.items(ids, bearer=bearer)
        missing = [i for i, doc in found.items() if doc is None]
        if missing:
            raise invalid("body.items", f"no such question item: {', '.join(missing)}")
        snapshot = []
        for item_id, points in wanted:
            doc = found[item_id]
            assert doc is not None
            if "answer" not in doc:
                raise Forbidden("the catalog gave no answer keys for this caller")
            snapshot.append(
                {
                    "id": item_id,
                    "type": doc["type"],
                    "stem": doc["stem"],
                    "options": doc.get("options") or [],
                    "answer": doc["answer"],
                    "explanation": doc.get("explanation"),
                    "difficulty": doc.get("difficulty"),
                    "knowledge_point_ids": doc.get("knowledge_point_ids") or [],
                    "points": points,
                }
            )
        return snapshot

    # changing ---------------------------------------------------------------------------------

    async def edit_task(
        self, actor: Principal, tenant: Tenant, task_id: str, revision: int, changes: Doc
    ) -> Doc:
        forbid_guest_writes(actor)
        task = await self._visible(actor, tenant, task_id)
        rules.require_teacher_of_task(actor, task)
        if "instructions" in changes:
            changes["instructions"] = sanitise_html(changes["instructions"])
        opens_at = changes.get("opens_at", task["opens_at"])
        due_at = changes.get("due_at", task["due_at"])
        if due_at is not None and due_at <= opens_at:
            raise invalid("body.due_at", "the due time must come after the opening time")
        return await self._update(tenant, task, revision, changes)

    async def set_status(self, actor: Principal, tenant: Tenant, task_id: str, status: str) -> Doc:
        forbid_guest_writes(actor)
        task = await self._visible(actor, tenant, task_id)
        rules.require_teacher_of_task(actor, task)
        if task["status"] == status:
            return rules.public_task(task, now_ms(), with_keys=True)
        return await self._update(tenant, task, task["revision"], {"status": status})

    async def _update(self, tenant: Tenant, task: Doc, revision: int, changes: Doc) -> Doc:
        if revision != task["revision"]:
            raise Conflict(f"the task is at revision {task['revision']}; reload and try again")
        now = now_ms()
        changes = {**changes, "updated_at": now}
        if not await self.store(tenant).update_task(task["_id"], revision, changes):
            raise Conflict("the task changed meanwhile; reload and try again")
        updated = {**task, **changes, "revision": revision + 1}
        return rules.public_task(updated, now, with_keys=True)

    # reading ----------------------------------------------------------------------------------

    async def task(self, actor: Principal, tenant: Tenant, task_id: str) -> Doc:
        task = await self._visible(actor, tenant, task_id)
        now = now_ms()
        if rules.may_manage(actor, task):
            return rules.public_task(task, now, with_keys=True)
        out = rules.public_task(task, now, with_keys=False)
        mine = await self.store(tenant).submission(submission_id(task_id, actor.user_id))
        out["my_state"] = rules.pupil_state(task, mine, now)
        out["my_submission"] = (
            rules.public_submission(mine, task, with_keys=False) if mine is not None else None
        )
        return out

    async def teacher_tasks(
        self, actor: Principal, tenant: Tenant, class_id: str | None, page: int, size: int
    ) -> Doc:
        if not actor.has_role("teacher"):
            raise Forbidden("the task list is for teachers; pupils read /my/tasks")
        classes = [class_id] if class_id is not None else list(actor.classes)
        if class_id is not None and class_id not in actor.classes:
            raise Forbidden(f"you do not teach {class_id}")
        tasks = await self.store(tenant).tasks_of_classes(classes)
        now = now_ms()
        start = (page - 1) * size
        return {
            "items": [
                _summary(rules.public_task(t, now, with_keys=True))
                for t in tasks[start : start + size]
            ],
            "total": len(tasks),
            "page": page,
            "size": size,
        }

    async def my_tasks(self, actor: Principal, tenant: Tenant) -> Doc:
        """A pupil's opened tasks, grouped by where they stand."""
        if not actor.has_role("student"):
            raise Forbidden("my tasks are a pupil's list")
        now = now_ms()
        store = self.store(tenant)
        tasks = await store.tasks_of_classes(list(actor.classes), opened_by=now)
        mine = {
            s["task_id"]: s
            for s in await store.submissions_of_pupil(actor.user_id, [t["_id"] for t in tasks])
        }
        groups: dict[str, list[Doc]] = {state: [] for state in rules.PUPIL_STATES}
        for task in tasks:
            submission = mine.get(task["_id"])
            state = rules.pupil_state(task, submission, now)
            entry = _summary(rules.public_task(task, now, with_keys=False))
            entry["state"] = state
            if submission is not None:
                entry["late"] = submission.get("late", False)
                entry["score"] = submission.get("score")
            groups[state].append(entry)
        return {"groups": groups, "counts": {k: len(v) for k, v in groups.items()}}

    # submitting ---------------------------------------------------------------------------------

    async def submit(
        self,
        actor: Principal,
        tenant: Tenant,
        task_id: str,
        content: Content,
        idempotency_key: str | None,
    ) -> tuple[Doc, bool]:
        """(the pupil's submission, whether this answer replays an earlier request)."""
        forbid_guest_writes(actor)
        task = await self._visible(actor, tenant, task_id)
        class_id = rules.pupil_class(actor, task)
        if class_id is None:
            raise Forbidden("only pupils of the task's classes hand in work")
        digest = request_digest(content)
        key_id = f"{actor.user_id}:{idempotency_key}" if idempotency_key else None
        store = self.store(tenant)
        for attempt in range(SUBMIT_TRIES):
            # The first try does not look the key up: a new key is the common case, and a
            # used one collides with its record in the transaction anyway.
            if key_id is not None and attempt > 0:
                replay = await store.key_record(key_id)
                if replay is not None:
                    return self._replay(replay, digest), True
            try:
                return await self._submit_once(
                    actor, tenant, task, class_id, content, digest, key_id
                ), False
            except Problem:
                # A retry of work accepted before may now be refused (no attempts left, a
                # file already handed in): it gets the first answer, not the refusal.
                if key_id is not None and attempt == 0:
                    replay = await store.key_record(key_id)
                    if replay is not None:
                        return self._replay(replay, digest), True
                raise
            except DuplicateKeyError:
                pass  # a concurrent request with the same key, or the same first attempt
            except OperationFailure as exc:
                if not is_transient(exc):
                    raise
            except _Raced:
                pass
            await asyncio.sleep(0.02 * (attempt + 1))
        raise Conflict("too many submissions at once for this task; try again")

    def _replay(self, record: Doc, digest: str) -> Doc:
        if record["digest"] != digest:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was used for a different submission; use a new key"
            )
        response: Doc = record["response"]
        return response

    async def _submit_once(
        self,
        actor: Principal,
        tenant: Tenant,
        task: Doc,
        class_id: str,
        content: Content,
        digest: str,
        key_id: str | None,
    ) -> Doc:
        now = now_ms()
        sid = submission_id(task["_id"], actor.user_id)
        store = self.store(tenant)
        current = await store.submission(sid)
        rules.check_submittable(task, current, now)
        rules.check_content(task, content)
        await check_submitted_files(
            self.tdb(tenant), actor, task, content.file_ids, self.max_files_per_attempt
        )
        marking = rules.auto_mark(task["items"], content.answers) if task["items"] else None
        late = rules.is_late(task, now)
        number = (current["attempt_count"] if current else 0) + 1
        attempt = {
            "n": number,
            "text": sanitise_html(content.text) if content.text else None,
            "file_ids": list(content.file_ids),
            "answers": dict(content.answers),
            "submitted_at": now,
            "late": late,
            "marking": marking,
        }
        latest = {
            "state": "submitted",
            "submitted_at": now,
            "late": late,
            "auto_score": marking["score"] if marking else None,
            "needs_teacher": task["kind"] != "watch"
            and bool(marking is None or marking["pending"]),
            "score": None if marking is None or marking["pending"] else marking["score"],
            "updated_at": now,
        }
        async with self.tdb(tenant).unit_of_work() as uow:
            tx = TaskStore.within(uow)
            if current is None:
                submission = {
                    "_id": sid,
                    "task_id": task["_id"],
                    "class_id": class_id,
                    "pupil_id": actor.user_id,
                    "pupil_name": actor.name,
                    "created_at": now,
                    "attempt_count": 1,
                    "attempts": [attempt],
                    "max_score": task["max_score"],
                    "comment": None,
                    "reviewed_by": None,
                    "reviewed_at": None,
                    **latest,
                }
                await tx.insert_submission(submission)
            else:
                if not await tx.add_attempt(sid, current["attempt_count"], latest, attempt):
                    raise _Raced()
                submission = {
                    **current,
                    **latest,
                    "attempt_count": number,
                    "attempts": [*current["attempts"], attempt],
                }
            view = rules.public_submission(submission, task, with_keys=False)
            if key_id is not None:
                # In the same transaction: a concurrent request with this key collides here
                # (duplicate key or write conflict), is rolled back and replays this answer.
                await tx.claim_key(
                    {
                        "_id": key_id,
                        "digest": digest,
                        "response": view,
                        "expires_at": now + timedelta(hours=self.idempotency_hours),
                    }
                )
            uow.record(
                SubmissionCreated(
                    task_id=task["_id"],
                    submission_id=sid,
                    pupil_id=actor.user_id,
                    class_id=class_id,
                    attempt=number,
                    late=late,
                    submitted_at=now,
                ),
                subject=sid,
            )
        return view

    # reviewing ----------------------------------------------------------------------------------

    async def submissions(
        self, actor: Principal, tenant: Tenant, task_id: str, class_id: str | None
    ) -> list[Doc]:
        task = await self._visible(actor, tenant, task_id)
        if not rules.may_manage(actor, task):
            raise Forbidden("submissions are read by the task's teachers and administrators")
        found = await self.store(tenant).submissions_of_task(task_id, class_id, with_attempts=False)
        return [rules.public_submission(s, task, with_keys=False) for s in found]

    async def submission(
        self, actor: Principal, tenant: Tenant, task_id: str, pupil_id: str
    ) -> Doc:
        task = await self._visible(actor, tenant, task_id)
        manager = rules.may_manage(actor, task)
        if not manager and pupil_id != actor.user_id:
            raise NotFound("no such submission")
        found = await self.store(tenant).submission(submission_id(task_id, pupil_id))
        if found is None:
            raise NotFound("no such submission")
        return rules.public_submission(found, task, with_keys=manager)

    async def review(
        self, actor: Principal, tenant: Tenant, task_id: str, pupil_id: str, review: Review
    ) -> Doc:
        forbid_guest_writes(actor)
        task = await self._visible(actor, tenant, task_id)
        rules.require_teacher_of_task(actor, task)
        sid = submission_id(task_id, pupil_id)
        store = self.store(tenant)
        current = await store.submission(sid)
        if current is None:
            raise NotFound("no such submission")
        if current["state"] == "returned":
            raise Conflict("the work is back with the pupil; review it when it is handed in again")
        if review.attempt != current["attempt_count"]:
            raise Conflict(
                f"attempt {current['attempt_count']} is the latest; review that one",
            )
        score = rules.review_score(
            task, current, review.item_points, review.score, final=review.outcome == "marked"
        )
        now = now_ms()
        changes = {
            "state": review.outcome,
            "score": score if review.outcome == "marked" else None,
            "item_points": review.item_points,
            "comment": review.comment,
            "reviewed_by": actor.user_id,
            "reviewed_at": now,
            "needs_teacher": False,
            "updated_at": now,
        }
        async with self.tdb(tenant).unit_of_work() as uow:
            if not await TaskStore.within(uow).review(sid, current["attempt_count"], changes):
                raise Conflict("the pupil handed in again meanwhile; review the new attempt")
            uow.record(
                SubmissionReviewed(
                    task_id=task_id,
                    submission_id=sid,
                    pupil_id=pupil_id,
                    outcome="marked" if review.outcome == "marked" else "returned",
                    score=changes["score"],
                    max_score=task["max_score"],
                    reviewer_id=actor.user_id,
                ),
                subject=sid,
            )
        return rules.public_submission({**current, **changes}, task, with_keys=True)


class _Raced(Exception):
    """Another attempt was appended between reading the submission and writing ours."""


def _summary(task: Doc) -> Doc:
    """A task in a list: no instructions, no items."""
    keep = (
        "id", "kind", "title", "class_ids", "teacher_id", "teacher_name", "opens_at", "due_at",
        "allow_late", "max_attempts", "max_score", "status", "phase", "revision",
    )  # fmt: skip
    out: dict[str, Any] = {k: task.get(k) for k in keep}
    out["item_count"] = len(task.get("items") or [])
    out["resource_count"] = len(task.get("resources") or [])
    return out
