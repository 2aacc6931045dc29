"""Practice (题库练习): a pupil draws a set of question items from the catalog by knowledge
point or by textbook progress, answers them one by one, is marked at once and sees the key
and the explanation; what they answer feeds a mastery estimate per knowledge point.

Who may do what (all of it in the pupil's district database, `tasks_<tenant>`):

- start a practice set, answer its items, read it, read mastery: pupils (role `student`),
  for themselves only; guests never (they write nothing), teachers and others get 403;
- another pupil's set, or a set id from another district: 404, as if it did not exist.

Items come from the catalog through this service's own token (client credentials at
identity, scope `bank.keys`), acting in the pupil's district: a pupil's token would get no
keys. That token reads as the district without a school, so school-level (校本) items are
never offered in practice. The set keeps a snapshot of its items *with* keys and
explanations, server-side; the pupil sees an item's key and explanation only once they have
answered it. Answering needs no catalog call, so it works while the catalog is down.

This module holds the rules (no I/O: drawing, marking, the mastery estimate, shapes), the
use cases (`Practice`) and the store (`PracticeStore`); the routes are in `practice_api`.
"""

from __future__ import annotations

import asyncio
import math
import random
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError, OperationFailure

from xbt_shared.auth import Principal, forbid_guest_writes
from xbt_shared.errors import Conflict, Forbidden, NotFound, Problem, Unprocessable
from xbt_shared.marking import OBJECTIVE_TYPES, BadAnswer, mark
from xbt_shared.mongo import Doc, Mongo, TenantDb, UnitOfWork, is_transient
from xbt_shared.tenancy import Tenant
from xbt_tasks.catalog_client import CatalogClient, CatalogUnavailable
from xbt_tasks.rules import invalid, item_for_pupil, option_keys

PRACTICE_SETS = "practice_sets"
# A pupil's record per item (answered, right, last verdict): what the next draw avoids.
PRACTICE_ITEMS = "practice_items"
# A pupil's record per knowledge point: the mastery estimate's sums.
PRACTICE_MASTERY = "practice_mastery"

MAX_COUNT = 20
DEFAULT_COUNT = 10
# Candidates are read from the catalog in pages of its largest size: the first page (which
# also gives the pool's size) and EXTRA_PAGES more picked at random, so a large knowledge
# point is covered over many sets instead of always offering its first 50 items.
CANDIDATE_PAGE_SIZE = 50
EXTRA_PAGES = 2
CATALOG_MAX_PAGE = 200  # the catalog's deepest page
MAX_MASTERY_ROWS = 2_000  # knowledge points one pupil can have practised, with room to spare
ANSWER_TRIES = 8  # concurrent answers to one set collide; retried like a submit

# The mastery estimate (see `mastery_of`).
MASTERY_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
HALF_LIFE_DAYS = 30.0
PRIOR_RATE = 0.5
PRIOR_WEIGHT = 2.0
MASTERED = 0.8
LEARNING = 0.6


def now_ms() -> datetime:
    # MongoDB keeps milliseconds: stamps compared with stored ones must match them.
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


class AlreadyAnswered(Problem):
    status, slug, title = 409, "already-answered", "This item is answered"


# --- rules: who ------------------------------------------------------------------------------


def require_pupil(actor: Principal, tenant: Tenant) -> None:
    """Practice is a pupil's own, in their own district."""
    forbid_guest_writes(actor)
    if not actor.has_role("student"):
        raise Forbidden("practice is for pupils")
    if actor.tenant != tenant.id:
        raise Forbidden("pupils practise in their own district")


# --- rules: what is asked for ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Selection:
    """What a pupil asked to practise: a knowledge point (with its sub-points unless told
    not to), textbook progress (every lesson of `textbook` up to `up_to`), or both."""

    knowledge_point: str | None = None
    include_descendants: bool = True
    textbook: str | None = None
    up_to: str | None = None
    types: tuple[str, ...] = ()
    difficulty: tuple[int, ...] = ()
    count: int = DEFAULT_COUNT

    def check(self) -> None:
        if self.up_to is not None and self.textbook is None:
            raise invalid("body.textbook", "up_to needs the textbook it belongs to")
        if self.knowledge_point is None and self.textbook is None:
            raise invalid("body.knowledge_point", "name a knowledge_point or a textbook")
        if not 1 <= self.count <= MAX_COUNT:
            raise invalid("body.count", f"between 1 and {MAX_COUNT}")
        short = [t for t in self.types if t not in OBJECTIVE_TYPES]
        if short:
            raise invalid("body.types", "practice takes auto-marked items only, not short answers")

    def catalog_params(self) -> dict[str, Any]:
        """The catalog's `GET /v1/items` query. Without `types`, every auto-marked type:
        short answers need a teacher, so they never come into practice."""
        params: dict[str, Any] = {"type": list(self.types or sorted(OBJECTIVE_TYPES))}
        if self.knowledge_point is not None:
            params["knowledge_point"] = self.knowledge_point
            params["include_descendants"] = self.include_descendants
        if self.textbook is not None:
            params["textbook"] = self.textbook
        if self.up_to is not None:
            params["up_to"] = self.up_to
        if self.difficulty:
            params["difficulty"] = list(self.difficulty)
        return params

    def public(self) -> Doc:
        return {
            "knowledge_point": self.knowledge_point,
            "include_descendants": self.include_descendants,
            "textbook": self.textbook,
            "up_to": self.up_to,
            "types": list(self.types),
            "difficulty": list(self.difficulty),
        }


# The catalog names its query parameters; the pupil named fields of our body.
_CATALOG_FIELDS = {
    "query.knowledge_point": "body.knowledge_point",
    "query.include_descendants": "body.include_descendants",
    "query.textbook": "body.textbook",
    "query.up_to": "body.up_to",
    "query.type": "body.types",
    "query.difficulty": "body.difficulty",
}


def as_body_errors(errors: Sequence[Mapping[str, Any]]) -> list[Doc]:
    return [
        {**e, "field": _CATALOG_FIELDS.get(str(e.get("field")), str(e.get("field")))}
        for e in errors
    ]


# --- rules: drawing --------------------------------------------------------------------------


def extra_pages(total: int, seed: str) -> list[int]:
    """The candidate pages read after the first: up to EXTRA_PAGES of the rest, at random
    (seeded, so a set can be drawn again the same way)."""
    pages = min(math.ceil(total / CANDIDATE_PAGE_SIZE), CATALOG_MAX_PAGE)
    rest = list(range(2, pages + 1))
    return sorted(random.Random(f"{seed}:pages").sample(rest, min(EXTRA_PAGES, len(rest))))


def snapshot(item: Mapping[str, Any]) -> Doc:
    """What a set keeps of a catalog item: enough to show, mark and explain it later."""
    return {
        "id": item["id"],
        "type": item["type"],
        "stem": item["stem"],
        "options": item.get("options") or [],
        "answer": item["answer"],
        "explanation": item.get("explanation"),
        "difficulty": item.get("difficulty"),
        "knowledge_point_ids": item.get("knowledge_point_ids") or [],
        "subject": item.get("subject"),
        "stage": item.get("stage"),
        "owner": item.get("owner"),
    }


def draw(
    candidates: Sequence[Mapping[str, Any]],
    history: Mapping[str, Mapping[str, Any]],
    count: int,
    seed: str,
) -> list[Doc]:
    """Up to `count` of the candidates, mastery-aware: items the pupil has never answered or
    got wrong last time first, at random among them; then, if those run out, items they got
    right, those answered longest ago first (spaced repetition). Easier items come first in
    the set. `history` is the pupil's record per item id; `seed` makes the draw
    reproducible (the set's id)."""
    unique = {c["id"]: c for c in candidates}
    ids = sorted(unique)
    wanted = [i for i in ids if not history.get(i, {}).get("last_correct", False)]
    known = [i for i in ids if history.get(i, {}).get("last_correct", False)]
    rng = random.Random(seed)
    chosen = rng.sample(wanted, min(count, len(wanted)))
    if len(chosen) < count:
        known.sort(key=lambda i: (history[i]["last_answered_at"], i))
        chosen += known[: count - len(chosen)]
    # sorted() is stable: items of one difficulty keep their random order.
    return sorted((dict(unique[i]) for i in chosen), key=lambda c: c.get("difficulty") or 0)


# --- rules: marking and mastery --------------------------------------------------------------


def mark_answer(item: Mapping[str, Any], given: Any) -> Doc:
    """The verdict on one answer, with the shared rules (as in tasks and the catalog)."""
    if item["type"] not in OBJECTIVE_TYPES:
        raise invalid("body.answer", "this item is not auto-marked")
    try:
        verdict = mark(item["type"], item["answer"], given, option_keys=option_keys(item))
    except BadAnswer as exc:
        raise invalid("body.answer", str(exc)) from None
    return {
        "correct": bool(verdict.correct),
        "blanks": list(verdict.blanks) if verdict.blanks is not None else None,
    }


def recency_weight(at: datetime) -> float:
    """2^(days since MASTERY_EPOCH / HALF_LIFE_DAYS): "forward decay". An answer's weight
    grows with its time instead of older answers shrinking, so sums of weights only ever
    grow by `$inc` — one update per answer, no rewrite of past weights — and dividing by the
    weight of *now* turns them into sums decayed to the present. Float range lasts until
    about 2100; moving the epoch then is one multiplication per document."""
    days = (at - MASTERY_EPOCH).total_seconds() / 86_400
    return float(2.0 ** (days / HALF_LIFE_DAYS))


def mastery_of(doc: Mapping[str, Any], now: datetime) -> Doc:
    """A pupil's mastery of one knowledge point, estimated from the answers stored in `doc`.

    The estimate is the share of right answers, each answer weighted by recency (half the
    weight after HALF_LIFE_DAYS: what a pupil could do a term ago says less than last week)
    and smoothed towards 1/2 by PRIOR_WEIGHT imaginary answers (Laplace's rule of
    succession): one right answer is 0.67, not 100 %; it takes three right in a row recently
    to reach MASTERED (0.8); and a point not practised for months drifts back towards "not
    known" as its evidence fades. `evidence` is the decayed number of answers behind it."""
    decay = 1.0 / recency_weight(now)
    answered = int(doc.get("answered", 0))
    # min(): clocks that step back must not make evidence out of nothing.
    evidence = min(float(doc.get("weighted_answers", 0.0)) * decay, float(answered))
    right = min(float(doc.get("weighted_correct", 0.0)) * decay, evidence)
    # Rounded before the level is read off, so the two shown never disagree.
    estimate = round((right + PRIOR_WEIGHT * PRIOR_RATE) / (evidence + PRIOR_WEIGHT), 3)
    level = "mastered" if estimate >= MASTERED else "learning" if estimate >= LEARNING else "weak"
    return {
        "knowledge_point_id": doc["knowledge_point_id"],
        "subject": doc.get("subject"),
        "stage": doc.get("stage"),
        "answered": answered,
        "correct": int(doc.get("correct", 0)),
        "mastery": estimate,
        "evidence": round(evidence, 2),
        "level": level,
        "first_practised_at": doc.get("first_practised_at"),
        "last_practised_at": doc.get("last_practised_at"),
    }


# --- rules: shapes ---------------------------------------------------------------------------


def public_set(practice: Mapping[str, Any]) -> Doc:
    """A set as its pupil sees it: answered items with the answer given, the verdict, the
    key and the explanation; unanswered ones with neither key nor explanation."""
    answers = {a["item_id"]: a for a in practice.get("answers") or []}
    items = []
    for item in practice["items"]:
        answer = answers.get(item["id"])
        if answer is None:
            items.append({**item_for_pupil(item), "answered": False})
        else:
            items.append({**item, "answered": True, **_verdict(answer)})
    return {
        "id": practice["_id"],
        "selection": practice["selection"],
        "requested": practice["requested"],
        "pool": practice["pool"],
        "subject": practice.get("subject"),
        "stage": practice.get("stage"),
        "created_at": practice["created_at"],
        "items": items,
        "progress": _progress(practice),
    }


def summary(practice: Mapping[str, Any]) -> Doc:
    """A set in a list: no items."""
    return {
        "id": practice["_id"],
        "selection": practice["selection"],
        "subject": practice.get("subject"),
        "stage": practice.get("stage"),
        "created_at": practice["created_at"],
        "progress": _progress(practice),
    }


def _progress(practice: Mapping[str, Any]) -> Doc:
    total = int(practice["item_count"])
    answered = int(practice.get("answered", 0))
    return {
        "total": total,
        "answered": answered,
        "correct": int(practice.get("correct", 0)),
        "finished": answered >= total,
    }


def _verdict(answer: Mapping[str, Any]) -> Doc:
    return {
        "given": answer["given"],
        "correct": answer["correct"],
        "blanks": answer["blanks"],
        "answered_at": answer["answered_at"],
    }


# --- store -----------------------------------------------------------------------------------


class PracticeStore:
    """Practice sets, a pupil's record per item and per knowledge point, in one tenant's
    database."""

    def __init__(self, tdb: TenantDb | UnitOfWork, session: AsyncClientSession | None = None):
        self.tdb = tdb
        self.session = session

    @classmethod
    def within(cls, uow: UnitOfWork) -> PracticeStore:
        return cls(uow, uow.session)

    async def ensure_indexes(self) -> None:
        await self.tdb[PRACTICE_SETS].create_index(
            [("pupil_id", ASCENDING), ("created_at", DESCENDING)]
        )
        # One record per pupil and item / knowledge point: concurrent first answers upsert
        # one document, the loser retries as an update.
        await self.tdb[PRACTICE_ITEMS].create_index(
            [("pupil_id", ASCENDING), ("item_id", ASCENDING)], unique=True
        )
        await self.tdb[PRACTICE_MASTERY].create_index(
            [("pupil_id", ASCENDING), ("knowledge_point_id", ASCENDING)], unique=True
        )
        await self.tdb[PRACTICE_MASTERY].create_index(
            [("pupil_id", ASCENDING), ("subject", ASCENDING), ("stage", ASCENDING)]
        )

    # sets ---------------------------------------------------------------------------------------

    async def insert_set(self, doc: Doc) -> None:
        await self.tdb[PRACTICE_SETS].insert_one(doc, session=self.session)

    async def set_of(self, pupil_id: str, practice_id: str) -> Doc | None:
        """The set, if it is this pupil's."""
        return await self.tdb[PRACTICE_SETS].find_one(
            {"_id": practice_id, "pupil_id": pupil_id}, session=self.session
        )

    async def sets_of(self, pupil_id: str, *, skip: int, limit: int) -> tuple[list[Doc], int]:
        query = {"pupil_id": pupil_id}
        cursor = (
            self.tdb[PRACTICE_SETS]
            .find(query, {"items": 0, "answers": 0}, session=self.session)
            .sort("created_at", DESCENDING)
            .skip(skip)
            .limit(limit)
        )
        found = [doc async for doc in cursor]
        total = await self.tdb[PRACTICE_SETS].count_documents(query, session=self.session)
        return found, total

    async def add_answer(self, pupil_id: str, practice_id: str, answer: Doc) -> bool:
        """Record the answer unless the item already has one (True if it was recorded)."""
        result = await self.tdb[PRACTICE_SETS].update_one(
            {
                "_id": practice_id,
                "pupil_id": pupil_id,
                "answers.item_id": {"$ne": answer["item_id"]},
            },
            {
                "$push": {"answers": answer},
                "$inc": {"answered": 1, "correct": 1 if answer["correct"] else 0},
            },
            session=self.session,
        )
        return result.modified_count == 1

    # a pupil's records ----------------------------------------------------------------------

    async def item_history(self, pupil_id: str, item_ids: Sequence[str]) -> dict[str, Doc]:
        cursor = self.tdb[PRACTICE_ITEMS].find(
            {"pupil_id": pupil_id, "item_id": {"$in": list(item_ids)}}, session=self.session
        )
        return {doc["item_id"]: doc async for doc in cursor}

    async def record_item(self, pupil_id: str, item_id: str, correct: bool, at: datetime) -> None:
        await self.tdb[PRACTICE_ITEMS].update_one(
            {"pupil_id": pupil_id, "item_id": item_id},
            {
                "$inc": {"answered": 1, "correct": 1 if correct else 0},
                "$set": {"last_correct": correct, "last_answered_at": at},
            },
            upsert=True,
            session=self.session,
        )

    async def record_mastery(
        self, pupil_id: str, item: Mapping[str, Any], correct: bool, at: datetime
    ) -> None:
        """Add one answer to the pupil's sums of each of the item's knowledge points."""
        weight = recency_weight(at)
        for kp in dict.fromkeys(item["knowledge_point_ids"]):
            await self.tdb[PRACTICE_MASTERY].update_one(
                {"pupil_id": pupil_id, "knowledge_point_id": kp},
                {
                    "$setOnInsert": {
                        "subject": item.get("subject"),
                        "stage": item.get("stage"),
                        "first_practised_at": at,
                    },
                    "$inc": {
                        "answered": 1,
                        "correct": 1 if correct else 0,
                        "weighted_answers": weight,
                        "weighted_correct": weight if correct else 0.0,
                    },
                    "$max": {"last_practised_at": at},
                },
                upsert=True,
                session=self.session,
            )

    async def mastery_rows(
        self, pupil_id: str, *, subject: str | None, stage: str | None
    ) -> list[Doc]:
        query: Doc = {"pupil_id": pupil_id}
        if subject is not None:
            query["subject"] = subject
        if stage is not None:
            query["stage"] = stage
        cursor = (
            self.tdb[PRACTICE_MASTERY].find(query, session=self.session).limit(MAX_MASTERY_ROWS)
        )
        return [doc async for doc in cursor]


# --- use cases -------------------------------------------------------------------------------


class _Answered(Exception):
    """The item got an answer between our read and our write."""


@dataclass
class Practice:
    mongo: Mongo
    catalog: CatalogClient

    def tdb(self, tenant: Tenant) -> TenantDb:
        return self.mongo.for_tenant(tenant)

    def store(self, tenant: Tenant) -> PracticeStore:
        return PracticeStore(self.tdb(tenant))

    async def start(self, actor: Principal, tenant: Tenant, selection: Selection) -> Doc:
        """Draw a new set: candidates from the catalog, the pupil's history of them, a
        mastery-aware sample. Nothing is written unless the catalog answered."""
        require_pupil(actor, tenant)
        selection.check()
        practice_id = "pr-" + uuid.uuid4().hex[:16]
        candidates, pool = await self._candidates(selection, tenant, seed=practice_id)
        if not candidates:
            field = "body.knowledge_point" if selection.knowledge_point else "body.textbook"
            raise invalid(field, "there are no items to practise for this choice")
        store = self.store(tenant)
        history = await store.item_history(actor.user_id, [c["id"] for c in candidates])
        items = [snapshot(c) for c in draw(candidates, history, selection.count, practice_id)]
        practice: Doc = {
            "_id": practice_id,
            "pupil_id": actor.user_id,
            "selection": selection.public(),
            "requested": selection.count,
            "pool": pool,
            "subject": items[0]["subject"],
            "stage": items[0]["stage"],
            "items": items,
            "item_count": len(items),  # lists read sets without their items
            "answers": [],
            "answered": 0,
            "correct": 0,
            "created_at": now_ms(),
        }
        await store.insert_set(practice)
        return public_set(practice)

    async def _candidates(
        self, selection: Selection, tenant: Tenant, *, seed: str
    ) -> tuple[list[Doc], int]:
        """Items with keys (the first page and a few at random), and the pool's size."""
        params = selection.catalog_params()
        first = await self._select(params, 1, tenant)
        total = int(first.get("total", 0))
        more = await asyncio.gather(
            *(self._select(params, page, tenant) for page in extra_pages(total, seed))
        )
        items = [i for page in (first, *more) for i in page.get("items", [])]
        keyed = [i for i in items if "answer" in i]
        if items and not keyed:
            # The service's token lacks `bank.keys`: a deployment fault, not the pupil's.
            raise CatalogUnavailable("the catalog gave this service no answer keys")
        return keyed, total

    async def _select(self, params: Doc, page: int, tenant: Tenant) -> Doc:
        try:
            return await self.catalog.select_items(
                {**params, "page": page, "size": CANDIDATE_PAGE_SIZE}, tenant=tenant.id
            )
        except CatalogUnavailable:
            raise
        except Problem as exc:
            if exc.status == 422:
                errors = as_body_errors(exc.extra.get("errors") or [])
                raise Unprocessable(exc.detail, errors=errors) from None
            # 401/403: the service's own credentials were refused; the pupil can't fix that.
            raise CatalogUnavailable(f"the catalog refused this service ({exc.status})") from None

    async def answer(
        self, actor: Principal, tenant: Tenant, practice_id: str, item_id: str, given: Any
    ) -> Doc:
        """Mark an answer and record it with the pupil's item and mastery records, in one
        transaction. One answer per item and set: the first counts, another is 409."""
        require_pupil(actor, tenant)
        store = self.store(tenant)
        for attempt in range(ANSWER_TRIES):
            practice = await store.set_of(actor.user_id, practice_id)
            if practice is None:
                raise NotFound("no such practice set")
            item = next((i for i in practice["items"] if i["id"] == item_id), None)
            if item is None:
                raise NotFound("no such item in this practice set")
            if any(a["item_id"] == item_id for a in practice["answers"]):
                raise AlreadyAnswered(
                    "this item is answered; the first answer counts (read the set to see it)"
                )
            verdict = mark_answer(item, given)
            answer = {"item_id": item_id, "given": given, **verdict, "answered_at": now_ms()}
            try:
                await self._record(actor, tenant, practice_id, item, answer)
            except (_Answered, DuplicateKeyError):
                pass  # re-read: answered meanwhile (409), or a first record raced (retry)
            except OperationFailure as exc:
                if not is_transient(exc):
                    raise
            else:
                after = {
                    **practice,
                    "answers": [*practice["answers"], answer],
                    "answered": practice["answered"] + 1,
                    "correct": practice["correct"] + (1 if answer["correct"] else 0),
                }
                return {
                    "item_id": item_id,
                    **_verdict(answer),
                    "answer": item["answer"],
                    "explanation": item.get("explanation"),
                    "knowledge_point_ids": item["knowledge_point_ids"],
                    "progress": _progress(after),
                }
            await asyncio.sleep(0.02 * (attempt + 1))
        raise Conflict("too many answers at once for this set; try again")

    async def _record(
        self, actor: Principal, tenant: Tenant, practice_id: str, item: Doc, answer: Doc
    ) -> None:
        async with self.tdb(tenant).unit_of_work() as uow:
            tx = PracticeStore.within(uow)
            if not await tx.add_answer(actor.user_id, practice_id, answer):
                raise _Answered()
            at = answer["answered_at"]
            await tx.record_item(actor.user_id, item["id"], answer["correct"], at)
            await tx.record_mastery(actor.user_id, item, answer["correct"], at)

    async def practice_set(self, actor: Principal, tenant: Tenant, practice_id: str) -> Doc:
        require_pupil(actor, tenant)
        practice = await self.store(tenant).set_of(actor.user_id, practice_id)
        if practice is None:
            raise NotFound("no such practice set")
        return public_set(practice)

    async def my_sets(self, actor: Principal, tenant: Tenant, *, page: int, size: int) -> Doc:
        require_pupil(actor, tenant)
        found, total = await self.store(tenant).sets_of(
            actor.user_id, skip=(page - 1) * size, limit=size
        )
        return {"items": [summary(s) for s in found], "total": total, "page": page, "size": size}

    async def mastery(
        self, actor: Principal, tenant: Tenant, *, subject: str | None, stage: str | None
    ) -> Doc:
        """The pupil's knowledge points, weakest first."""
        require_pupil(actor, tenant)
        rows = await self.store(tenant).mastery_rows(actor.user_id, subject=subject, stage=stage)
        now = now_ms()
        points = sorted(
            (mastery_of(row, now) for row in rows),
            key=lambda p: (p["mastery"], p["knowledge_point_id"]),
        )
        return {
            "subject": subject,
            "stage": stage,
            "knowledge_points": points,
            "estimate": {
                "half_life_days": HALF_LIFE_DAYS,
                "prior": PRIOR_RATE,
                "prior_weight": PRIOR_WEIGHT,
                "mastered_at": MASTERED,
                "learning_at": LEARNING,
            },
        }
