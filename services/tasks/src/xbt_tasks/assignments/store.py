"""MongoDB access for tasks, in one tenant's database (`tasks_<tenant>`), and the mapping
of a task's document to `Task` and back (field names as they have always been stored)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING

from xbt_shared.mongo import Doc, TenantDb, TenantStore, ensure_event_indexes
from xbt_tasks.assignments.domain import Accepts, Item, ResourceRef, Task

TASKS = "tasks"


def item_from_doc(doc: Mapping[str, Any]) -> Item:
    return Item(
        id=doc["id"],
        type=doc["type"],
        points=float(doc["points"]),
        stem=doc.get("stem", ""),
        options=tuple(doc.get("options") or ()),
        answer=doc.get("answer"),
        explanation=doc.get("explanation"),
        difficulty=doc.get("difficulty"),
        knowledge_point_ids=tuple(doc.get("knowledge_point_ids") or ()),
        subject=doc.get("subject"),
        stage=doc.get("stage"),
        chapters=tuple(doc.get("chapters") or ()),
    )


def item_to_doc(item: Item) -> Doc:
    return {
        "id": item.id,
        "type": item.type,
        "stem": item.stem,
        "options": [dict(o) for o in item.options],
        "answer": item.answer,
        "explanation": item.explanation,
        "difficulty": item.difficulty,
        "knowledge_point_ids": list(item.knowledge_point_ids),
        "subject": item.subject,
        "stage": item.stage,
        "chapters": [dict(c) for c in item.chapters],
        "points": item.points,
    }


def task_from_doc(doc: Mapping[str, Any]) -> Task:
    accepts = doc["accepts"]
    return Task(
        id=doc["_id"],
        kind=doc.get("kind", "task"),
        school_id=doc.get("school_id"),
        class_ids=tuple(doc["class_ids"]),
        teacher_id=doc["teacher_id"],
        teacher_name=doc.get("teacher_name"),
        title=doc["title"],
        instructions=doc.get("instructions", ""),
        resources=tuple(
            ResourceRef(
                id=r["id"],
                title=r["title"],
                kind=r.get("kind"),
                owner=r.get("owner"),
                chapters=tuple(r.get("chapters") or ()),
            )
            for r in doc.get("resources") or ()
        ),
        items=tuple(item_from_doc(i) for i in doc.get("items") or ()),
        accepts=Accepts(text=accepts["text"], files=accepts["files"], answers=accepts["answers"]),
        opens_at=doc["opens_at"],
        due_at=doc.get("due_at"),
        allow_late=doc["allow_late"],
        max_attempts=doc["max_attempts"],
        max_score=float(doc["max_score"]),
        status=doc["status"],
        created_at=doc["created_at"],
        updated_at=doc["updated_at"],
        revision=doc["revision"],
        source_event=doc.get("source_event"),
    )


def task_to_doc(task: Task) -> Doc:
    doc: Doc = {
        "_id": task.id,
        "kind": task.kind,
        "school_id": task.school_id,
        "class_ids": list(task.class_ids),
        "teacher_id": task.teacher_id,
        "teacher_name": task.teacher_name,
        "title": task.title,
        "instructions": task.instructions,
        "resources": [
            {
                "id": r.id,
                "title": r.title,
                "kind": r.kind,
                "owner": r.owner,
                "chapters": [dict(c) for c in r.chapters],
            }
            for r in task.resources
        ],
        "items": [item_to_doc(i) for i in task.items],
        "accepts": {
            "text": task.accepts.text,
            "files": task.accepts.files,
            "answers": task.accepts.answers,
        },
        "opens_at": task.opens_at,
        "due_at": task.due_at,
        "allow_late": task.allow_late,
        "max_attempts": task.max_attempts,
        "max_score": task.max_score,
        "status": task.status,
        "created_at": task.created_at,
        "updated_at": task.updated_at,
        "revision": task.revision,
    }
    if task.source_event is not None:
        doc["source_event"] = task.source_event
    return doc


class TaskStore(TenantStore):
    """One tenant's; inside a unit of work when given one (its reads and writes are then
    part of the transaction)."""

    async def ensure_indexes(self) -> None:
        tasks = self.tdb[TASKS]
        await tasks.create_index([("class_ids", ASCENDING), ("opens_at", DESCENDING)])
        await tasks.create_index([("teacher_id", ASCENDING), ("created_at", DESCENDING)])
        await tasks.create_index("school_id")
        if isinstance(self.tdb, TenantDb):
            await ensure_event_indexes(self.tdb)

    async def insert(self, task: Task) -> None:
        await self.tdb[TASKS].insert_one(task_to_doc(task), session=self.session)

    async def get(self, task_id: str) -> Task | None:
        doc = await self.tdb[TASKS].find_one({"_id": task_id}, session=self.session)
        return task_from_doc(doc) if doc is not None else None

    async def update(self, task: Task, fields: Sequence[str]) -> bool:
        """Write `fields` of `task` if the stored task is still at the revision before it
        (and move it on)."""
        doc = task_to_doc(task)
        changes = {f: doc[f] for f in (*fields, "updated_at")}
        result = await self.tdb[TASKS].update_one(
            {"_id": task.id, "revision": task.revision - 1},
            {"$set": changes, "$inc": {"revision": 1}},
            session=self.session,
        )
        return result.modified_count == 1

    async def of_classes(
        self, class_ids: Sequence[str], *, opened_by: datetime | None = None, limit: int = 500
    ) -> list[Task]:
        """The classes' tasks, newest opening first."""
        query: Doc = {"class_ids": {"$in": list(class_ids)}}
        if opened_by is not None:
            query["opens_at"] = {"$lte": opened_by}
        cursor = (
            self.tdb[TASKS]
            .find(query, session=self.session)
            .sort("opens_at", DESCENDING)
            .limit(limit)
        )
        return [task_from_doc(doc) async for doc in cursor]

    async def open_with_items(
        self, class_ids: Sequence[str], *, item_id: str | None = None, limit: int = 500
    ) -> list[Task]:
        """The classes' open tasks that have question items (`accepts.answers` says so, on
        every task), or that have `item_id`, newest opening first: the tasks whose items'
        keys may be held back from their pupils."""
        query: Doc = {
            "class_ids": {"$in": list(class_ids)},
            "status": "open",
            "accepts.answers": True,
        }
        if item_id is not None:
            query["items.id"] = item_id
        cursor = (
            self.tdb[TASKS]
            .find(query, session=self.session)
            .sort("opens_at", DESCENDING)
            .limit(limit)
        )
        return [task_from_doc(doc) async for doc in cursor]
