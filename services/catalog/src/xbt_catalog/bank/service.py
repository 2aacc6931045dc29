"""Question-bank use cases: the knowledge-point tree, item selection, practice marking."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from xbt_catalog.bank.domain import (
    AnswerKeyLocked,
    Audience,
    TaskLock,
    after_review,
    after_submission,
    is_pupil_with_classes,
    knowledge_tree,
    locked_for,
    matching_points,
    progress_nodes,
)
from xbt_catalog.bank.schemas import CheckResult, shape_item
from xbt_catalog.bank.store import AnswerLockStore, BankStore, visibility_query
from xbt_catalog.resources.domain import Reader, cache_key, readable, scopes_of
from xbt_catalog.resources.service import Resources, reader_of
from xbt_shared.cache import Cached, VersionedCache
from xbt_shared.clock import now_ms
from xbt_shared.errors import NotFound
from xbt_shared.errors import invalid as _invalid
from xbt_shared.marking import BadAnswer, mark
from xbt_shared.mongo import Doc, Mongo, UnitOfWork
from xbt_shared.tenancy import Tenant

if TYPE_CHECKING:
    # Only a type here: the request context is built by the HTTP layer.
    from xbt_shared.caller import Caller


# --- the answer-key lock's projection (written by `bank.consumers`) ----------------------------


def _to_ms(at: datetime) -> datetime:
    """An event's time at MongoDB's precision, so a stored time compares as it was read."""
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


async def record_task(uow: UnitOfWork, lock: TaskLock) -> None:
    """Keep the task's newest announced revision (events may come twice or out of order);
    a task without items locks nothing and is not kept."""
    if not lock.item_ids:
        return
    store = AnswerLockStore(uow)
    known = await store.task(lock.task_id)
    if known is None or known.revision < lock.revision:
        await store.put_task(lock)


async def record_submission(
    uow: UnitOfWork, *, task_id: str, pupil_id: str, attempt: int, at: datetime
) -> None:
    store = AnswerLockStore(uow)
    work = await store.work(task_id, pupil_id)
    await store.put_work(
        after_submission(work, task_id=task_id, pupil_id=pupil_id, attempt=attempt, at=_to_ms(at))
    )


async def record_review(
    uow: UnitOfWork,
    *,
    task_id: str,
    pupil_id: str,
    outcome: Literal["returned", "marked"],
    at: datetime,
) -> None:
    store = AnswerLockStore(uow)
    work = await store.work(task_id, pupil_id)
    await store.put_work(
        after_review(work, task_id=task_id, pupil_id=pupil_id, outcome=outcome, at=_to_ms(at))
    )


@dataclass(frozen=True, slots=True)
class ItemSelection:
    """What a pupil asked for; at least one of `knowledge_point` and `textbook`."""

    knowledge_point: str | None = None
    include_descendants: bool = True
    textbook: str | None = None
    up_to: str | None = None
    types: tuple[str, ...] = ()
    difficulties: tuple[int, ...] = ()


@dataclass(frozen=True)
class Bank:
    """Question-bank use cases over the catalog's databases and cache."""

    mongo: Mongo
    cache: VersionedCache
    resources: Resources  # textbooks, for selections by textbook progress
    max_page_size: int = 50

    def store(self, scope: str) -> BankStore:
        return BankStore(self.mongo.for_tenant(Tenant(scope)))

    # knowledge points --------------------------------------------------------------------------

    async def knowledge_points(
        self, reader: Reader, *, subject: str | None, stage: str | None
    ) -> Cached:
        """The knowledge-point tree of a subject and stage: the city's, with the reader's
        district's own points added."""
        if subject is None:
            raise _invalid("query.subject", "name a subject and a stage, or search with q")
        if stage is None:
            raise _invalid("query.stage", "name a subject and a stage, or search with q")
        scopes = scopes_of(reader)
        key = f"bank:kp-tree:{cache_key({'subject': subject, 'stage': stage})}"

        async def load() -> Doc:
            flat = [
                (scope, p)
                for scope in scopes
                for p in await self.store(scope).knowledge_points(subject=subject, stage=stage)
            ]
            return {"subject": subject, "stage": stage, "tree": knowledge_tree(flat)}

        return await self.cache.get_or_load(scopes, key, load)

    async def find_knowledge_points(
        self,
        reader: Reader,
        *,
        q: str,
        subject: str | None,
        stage: str | None,
        page: int,
        size: int,
    ) -> Cached:
        """Knowledge points by name: those whose name holds `q`, then those under a point
        whose name does, with their paths; the city's and the reader's district's."""
        if size > self.max_page_size:
            raise _invalid("query.size", f"at most {self.max_page_size}")
        scopes = scopes_of(reader)
        where = {k: v for k, v in {"subject": subject, "stage": stage}.items() if v is not None}
        key = "bank:kp-find:" + cache_key({"q": q, **where, "p": page, "n": size})

        async def load() -> Doc:
            flat = [
                (scope, p)
                for scope in scopes
                for p in await self.store(scope).knowledge_points_where(where)
            ]
            found = matching_points(flat, q)
            return {
                "q": q,
                "subject": subject,
                "stage": stage,
                "items": found[(page - 1) * size : page * size],
                "total": len(found),
                "page": page,
                "size": size,
            }

        return await self.cache.get_or_load(scopes, key, load)

    # items -------------------------------------------------------------------------------------

    async def item(self, reader: Reader, audience: Audience, item_id: str) -> Cached:
        key = f"bank:{audience}:item:" + cache_key(
            {"id": item_id, "school": reader.school, "guest": reader.guest, "aud": audience}
        )

        async def load() -> Doc:
            scope, doc = await self._find_visible(reader, item_id)
            return self._shaped(doc, scope, audience)

        return await self.cache.get_or_load(scopes_of(reader), key, load)

    async def items(
        self,
        reader: Reader,
        audience: Audience,
        selection: ItemSelection,
        *,
        page: int,
        size: int,
    ) -> Cached:
        if size > self.max_page_size:
            raise _invalid("query.size", f"at most {self.max_page_size}")
        if selection.up_to is not None and selection.textbook is None:
            raise _invalid("query.textbook", "up_to needs the textbook it belongs to")
        if selection.knowledge_point is None and selection.textbook is None:
            raise _invalid("query.knowledge_point", "name a knowledge_point or a textbook")
        scopes = scopes_of(reader)
        key = f"bank:{audience}:items:" + cache_key(
            {
                "sel": asdict(selection),
                "p": page,
                "n": size,
                "school": reader.school,
                "guest": reader.guest,
                "aud": audience,
            }
        )

        async def load() -> Doc:
            query = await self._selection_query(reader, selection)
            return await self._page(reader, audience, query, page=page, size=size)

        return await self.cache.get_or_load(scopes, key, load)

    async def check(self, caller: Caller, item_id: str, given: Any) -> CheckResult:
        """Mark a practice answer; the key and explanation are shown once it is answered.
        Not for a pupil on an item of a task they can still hand in (403, nothing marked)."""
        reader = reader_of(caller)
        _, doc = await self._find_visible(reader, item_id)
        await self._refuse_locked(caller, item_id)
        option_keys = [str(o.get("key")) for o in doc.get("options") or []]
        try:
            marking = mark(
                doc["type"],
                doc.get("answer"),
                given,
                option_keys=option_keys,
                stem=doc.get("stem"),
            )
        except BadAnswer as exc:
            raise _invalid("body.answer", str(exc)) from exc
        return CheckResult(
            correct=marking.correct,
            marking="needs_teacher" if marking.correct is None else "auto",
            blanks=list(marking.blanks) if marking.blanks is not None else None,
            answer=doc.get("answer"),
            explanation=doc.get("explanation"),
        )

    async def _refuse_locked(self, caller: Caller, item_id: str) -> None:
        """403 `answer-key-locked` if the item is in an open task of one of the pupil's classes
        (from the token) that they may still hand in. Key holders are never locked."""
        pupil = caller.principal
        if not is_pupil_with_classes(pupil):
            return
        store = AnswerLockStore(self.mongo.for_tenant(caller.tenant))
        tasks = await store.open_tasks_with(item_id, pupil.classes)
        if not tasks:
            return
        work = await store.work_of(pupil.user_id, [t.task_id for t in tasks])
        if locked_for(tasks, work, now_ms()):
            raise AnswerKeyLocked()

    # helpers -----------------------------------------------------------------------------------

    def _shaped(self, doc: Doc, scope: str, audience: Audience) -> Doc:
        """The item for its audience, with the textbook chapters of its nodes."""
        chapters = self.resources.chapters.of(scope, doc.get("textbook_node_ids"))
        return {**shape_item(doc, scope, audience), "chapters": chapters}

    async def _find_visible(self, reader: Reader, item_id: str) -> tuple[str, Doc]:
        for scope in reversed(scopes_of(reader)):
            doc = await self.store(scope).item(item_id)
            if doc is not None and readable(reader, doc, scope):
                return scope, doc
        raise NotFound(f"no item {item_id!r}")

    async def _selection_query(self, reader: Reader, selection: ItemSelection) -> Doc:
        query: Doc = {}
        if selection.knowledge_point is not None:
            kp_ids = await self._knowledge_point_ids(
                reader, selection.knowledge_point, descendants=selection.include_descendants
            )
            query["knowledge_point_ids"] = {"$in": kp_ids}
        if selection.textbook is not None:
            query["textbook_node_ids"] = {
                "$in": await self._progress_node_ids(reader, selection.textbook, selection.up_to)
            }
        if selection.types:
            query["type"] = {"$in": list(selection.types)}
        if selection.difficulties:
            query["difficulty"] = {"$in": list(selection.difficulties)}
        return query

    async def _knowledge_point_ids(
        self, reader: Reader, kp_id: str, *, descendants: bool
    ) -> list[str]:
        scopes = scopes_of(reader)
        known = [await self.store(scope).knowledge_point(kp_id) for scope in scopes]
        if not any(known):
            raise _invalid("query.knowledge_point", f"no knowledge point {kp_id!r}")
        ids = [kp_id]
        if descendants:
            for scope in scopes:
                ids.extend(await self.store(scope).descendant_ids(kp_id))
        return list(dict.fromkeys(ids))

    async def _progress_node_ids(
        self, reader: Reader, textbook_id: str, up_to: str | None
    ) -> list[str]:
        textbook = await self.resources.readable_textbook(reader, textbook_id)
        if textbook is None:
            raise _invalid("query.textbook", f"no textbook {textbook_id!r}")
        nodes = progress_nodes(textbook.get("tree") or [], up_to)
        if nodes is None:
            raise _invalid("query.up_to", f"textbook {textbook_id!r} has no node {up_to!r}")
        return nodes

    async def _page(
        self, reader: Reader, audience: Audience, selection: Doc, *, page: int, size: int
    ) -> Doc:
        scopes = scopes_of(reader)
        total = 0
        ranked: list[tuple[int, str, str]] = []
        for scope in scopes:
            query = {**selection, **visibility_query(reader, scope)}
            store = self.store(scope)
            total += await store.count_items(query)
            ranked.extend(
                (d, i, scope) for d, i in await store.item_order(query, limit=page * size)
            )
        ranked.sort()
        wanted = ranked[(page - 1) * size : page * size]
        found: dict[tuple[str, str], Doc] = {}
        for scope in scopes:
            ids = [i for _, i, s in wanted if s == scope]
            if ids:
                for doc in await self.store(scope).items_by_ids(ids):
                    found[(scope, doc["_id"])] = doc
        items = [
            self._shaped(found[(s, i)], s, audience)
            for _, i, s in wanted
            if (s, i) in found and readable(reader, found[(s, i)], s)
        ]
        return {"items": items, "total": total, "page": page, "size": size}
