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

This module holds the rules without I/O: the `PracticeSet` aggregate, what may be asked
for, drawing, marking, the mastery estimate. The use cases are in `service`, MongoDB in
`store`.
"""

from __future__ import annotations

import dataclasses
import math
import random
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from xbt_shared.auth import Principal, forbid_guest_writes
from xbt_shared.errors import Forbidden, Problem, invalid
from xbt_shared.marking import OBJECTIVE_TYPES, BadAnswer, mark
from xbt_shared.mongo import Doc
from xbt_shared.tenancy import Tenant
from xbt_tasks.assignments.domain import Item

MAX_COUNT = 20
DEFAULT_COUNT = 10
# Candidates are read from the catalog in pages of its largest size: the first page (which
# also gives the pool's size) and EXTRA_PAGES more picked at random, so a large knowledge
# point is covered over many sets instead of always offering its first 50 items.
CANDIDATE_PAGE_SIZE = 50
EXTRA_PAGES = 2
CATALOG_MAX_PAGE = 200  # the catalog's deepest page

# The mastery estimate (see `mastery_of`).
MASTERY_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
HALF_LIFE_DAYS = 30.0
PRIOR_RATE = 0.5
PRIOR_WEIGHT = 2.0
MASTERED = 0.8
LEARNING = 0.6


class AlreadyAnswered(Problem):
    status, slug, title = 409, "already-answered", "This item is answered"


class AnswerKeyLocked(Forbidden):
    """The catalog's problem of the same name: practice must not mark (and so give away) an
    item of a task the pupil can still hand in."""

    status, slug, title = 403, "answer-key-locked", "Answer key locked"

    def __init__(self, detail: str | None = None, **kw: Any) -> None:
        super().__init__(detail or "这道题在你尚未提交的作业中，提交后再来练习。", **kw)


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


# --- the aggregate ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PracticeItem:
    """What a set keeps of a catalog item: enough to show, mark and explain it later."""

    id: str
    type: str
    stem: str
    answer: Any
    options: tuple[Mapping[str, Any], ...] = ()
    explanation: str | None = None
    difficulty: int | None = None
    knowledge_point_ids: tuple[str, ...] = ()
    subject: str | None = None
    stage: str | None = None
    owner: str | None = None

    def public(self, *, with_key: bool) -> Doc:
        out = {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if with_key or f.name not in ("answer", "explanation")
        }
        return out | {
            "options": [dict(o) for o in self.options],
            "knowledge_point_ids": list(self.knowledge_point_ids),
        }


def snapshot(item: Mapping[str, Any]) -> PracticeItem:
    """A catalog item (with its key) as a set keeps it."""
    return PracticeItem(
        id=item["id"],
        type=item["type"],
        stem=item["stem"],
        options=tuple(item.get("options") or ()),
        answer=item["answer"],
        explanation=item.get("explanation"),
        difficulty=item.get("difficulty"),
        knowledge_point_ids=tuple(item.get("knowledge_point_ids") or ()),
        subject=item.get("subject"),
        stage=item.get("stage"),
        owner=item.get("owner"),
    )


def as_practice_item(item: Item) -> PracticeItem:
    """A task's item as practice records it (its knowledge points, subject and stage)."""
    return PracticeItem(
        id=item.id,
        type=item.type,
        stem=item.stem,
        answer=item.answer,
        options=tuple(item.options),
        explanation=item.explanation,
        difficulty=item.difficulty,
        knowledge_point_ids=tuple(item.knowledge_point_ids),
        subject=item.subject,
        stage=item.stage,
    )


@dataclass(frozen=True, slots=True)
class PracticeAnswer:
    item_id: str
    given: Any
    correct: bool
    blanks: list[bool] | None
    answered_at: datetime

    def verdict(self) -> Doc:
        return {
            "given": self.given,
            "correct": self.correct,
            "blanks": self.blanks,
            "answered_at": self.answered_at,
        }


@dataclass(frozen=True, slots=True)
class PracticeSet:
    """A pupil's set of items, with the answers given so far (one per item)."""

    id: str
    pupil_id: str
    selection: Mapping[str, Any]  # `Selection.public()`: what was asked for
    requested: int
    pool: int  # how many items the catalog had for the selection
    subject: str | None
    stage: str | None
    created_at: datetime
    item_count: int  # lists read sets without their items
    items: tuple[PracticeItem, ...] = ()
    answers: tuple[PracticeAnswer, ...] = ()
    answered: int = 0
    correct: int = 0

    def item(self, item_id: str) -> PracticeItem | None:
        return next((i for i in self.items if i.id == item_id), None)

    def answer_to(self, item_id: str) -> PracticeAnswer | None:
        return next((a for a in self.answers if a.item_id == item_id), None)

    def answer(self, item: PracticeItem, given: Any, at: datetime) -> PracticeAnswer:
        """Mark an answer to one of the set's items: the first answer counts, another 409."""
        if self.answer_to(item.id) is not None:
            raise AlreadyAnswered(
                "this item is answered; the first answer counts (read the set to see it)"
            )
        verdict = mark_answer(item, given)
        return PracticeAnswer(
            item_id=item.id,
            given=given,
            correct=verdict["correct"],
            blanks=verdict["blanks"],
            answered_at=at,
        )

    def with_answer(self, answer: PracticeAnswer) -> PracticeSet:
        return dataclasses.replace(
            self,
            answers=(*self.answers, answer),
            answered=self.answered + 1,
            correct=self.correct + (1 if answer.correct else 0),
        )

    def progress(self) -> Doc:
        return {
            "total": self.item_count,
            "answered": self.answered,
            "correct": self.correct,
            "finished": self.answered >= self.item_count,
        }

    def public(self, held_back: Collection[str] = frozenset()) -> Doc:
        """The set as its pupil sees it: answered items with the answer given, the verdict,
        the key and the explanation; unanswered ones with neither key nor explanation.
        Items `held_back` (in a task the pupil may still hand in) show the answer given,
        but neither the verdict, nor the key, nor the explanation."""
        items = []
        for item in self.items:
            answer = self.answer_to(item.id)
            if answer is None:
                items.append({**item.public(with_key=False), "answered": False})
            elif item.id in held_back:
                given = {"given": answer.given, "answered_at": answer.answered_at}
                items.append({**item.public(with_key=False), "answered": True, **given})
            else:
                items.append({**item.public(with_key=True), "answered": True, **answer.verdict()})
        return {**self.summary(), "requested": self.requested, "pool": self.pool, "items": items}

    def summary(self) -> Doc:
        """The set in a list: no items."""
        return {
            "id": self.id,
            "selection": dict(self.selection),
            "subject": self.subject,
            "stage": self.stage,
            "created_at": self.created_at,
            "progress": self.progress(),
        }


# --- rules: marking and mastery --------------------------------------------------------------


def mark_answer(item: PracticeItem, given: Any) -> Doc:
    """The verdict on one answer, with the shared rules (as in tasks and the catalog)."""
    if item.type not in OBJECTIVE_TYPES:
        raise invalid("body.answer", "this item is not auto-marked")
    try:
        keys = [o["key"] for o in item.options]
        verdict = mark(item.type, item.answer, given, option_keys=keys, stem=item.stem)
    except BadAnswer as exc:
        raise invalid("body.answer", str(exc)) from None
    return {
        "correct": bool(verdict.correct),
        "blanks": list(verdict.blanks) if verdict.blanks is not None else None,
    }


def point_names(tree: Sequence[Mapping[str, Any]]) -> dict[str, tuple[str, list[str]]]:
    """Each knowledge point of a catalog tree (nested by `children`): its name and the names
    from the top of the tree down to it."""
    found: dict[str, tuple[str, list[str]]] = {}

    def walk(nodes: Sequence[Mapping[str, Any]], above: list[str]) -> None:
        for node in nodes:
            name = str(node.get("name") or node.get("id"))
            path = [*above, name]
            found[str(node["id"])] = (name, path)
            walk(node.get("children") or [], path)

    walk(tree, [])
    return found


def named(point: Doc, names: Mapping[str, tuple[str, list[str]]]) -> Doc:
    """A mastery row with its knowledge point's name and path (None and [] if unknown)."""
    name, path = names.get(point["knowledge_point_id"], (None, []))
    return point | {"knowledge_point_name": name, "knowledge_point_path": path}


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
