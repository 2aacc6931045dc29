"""The question bank (题库): knowledge points, question items, and marking practice answers.

Pupils choose items by knowledge point (知识点) or by how far their class has got in the
textbook; both selections are `$in` queries over ids computed here (a knowledge point's
subtree, a textbook's nodes up to a lesson), served by multikey indexes.

**Answer keys are never sent to pupils.** What an item looks like depends on the audience:
`ItemForPupil` has no `answer` and no `explanation` field at all, `ItemWithKey` adds them,
and only `KEY_HOLDER_ROLES` get the second. The audience is part of every cache key, so an
answer cached for a teacher can never be read back for a pupil. A pupil sees the key of one
item only after answering it (`check`), which is what practice mode promises.

Three layers in one module, kept apart: rules without I/O (marking, trees, reading order),
`BankStore` (the only MongoDB access, bound to one tenant) and `Bank` (the use cases).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue
from pymongo import ASCENDING

from xbt_catalog.domain import Reader
from xbt_catalog.service import Catalog, cache_key, readable, scopes_of
from xbt_shared.auth import Principal
from xbt_shared.cache import Cached
from xbt_shared.errors import NotFound, Unprocessable
from xbt_shared.mongo import Doc, TenantDb

KNOWLEDGE_POINTS = "knowledge_points"
ITEMS = "items"

ItemType = Literal["single", "multiple", "true_false", "fill", "short"]

# Who may read answer keys and explanations before answering. (The tasks service will call
# with a service token; until then, these roles.)
KEY_HOLDER_ROLES = frozenset(
    {"teacher", "researcher", "school_admin", "district_admin", "city_admin"}
)
Audience = Literal["pupil", "key_holder"]

MAX_PAGE = 200  # 200 pages of 50: deeper than anyone practises
MAX_ANSWER_CHARS = 500


# ================================================================================================
# Rules without I/O
# ================================================================================================


def audience_of(principal: Principal) -> Audience:
    """Key holders are teachers, researchers and administrators; everybody else (pupils,
    parents, guests, support agents) is a pupil as far as answer keys are concerned."""
    if principal.is_guest or not principal.has_role(*KEY_HOLDER_ROLES):
        return "pupil"
    return "key_holder"


# --- marking --------------------------------------------------------------------------------

_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻"
_SUPERSCRIPT_RUN = re.compile(f"[{_SUPERSCRIPTS}]+")
_FROM_SUPERSCRIPT = str.maketrans(_SUPERSCRIPTS, "0123456789+-")
# Minus signs NFKC leaves alone.
_MINUS = str.maketrans({"−": "-", "–": "-"})
_WHITESPACE = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    """The comparable form of a fill-in answer.

    NFKC folds full-width forms to half-width (１２ -> 12, （ -> (, Ａ -> A, the ideographic
    space -> space); whitespace is dropped altogether (2x - 3 = 2x-3; Chinese answers have no
    spaces); case is kept (CO is not Co). Superscripts are written as powers first, because
    NFKC would turn x² into x2: x² = x^2 and 4.2×10⁵ = 4.2×10^5."""
    text = _SUPERSCRIPT_RUN.sub(lambda m: "^" + m.group().translate(_FROM_SUPERSCRIPT), text)
    text = unicodedata.normalize("NFKC", text).translate(_MINUS)
    return _WHITESPACE.sub("", text)


def normalise_key(key: str) -> str:
    """An option key as typed: ' ｂ ' -> 'B'."""
    return unicodedata.normalize("NFKC", key).strip().upper()


def fill_key(stored: Any) -> list[list[str]]:
    """The accepted answers per blank, from either stored form: `[[blank 1 answers], ...]`,
    or `[answers]` / `"answer"` for an item with one blank."""
    if isinstance(stored, str):
        return [[stored]]
    if isinstance(stored, list) and stored and all(isinstance(b, list) for b in stored):
        return [[str(a) for a in blank] for blank in stored]
    if isinstance(stored, list):
        return [[str(a) for a in stored]]
    raise ValueError(f"not a fill-in answer key: {stored!r}")


def mark_single(key: str, given: str) -> bool:
    return normalise_key(given) == normalise_key(key)


def mark_multiple(key: Sequence[str], given: Sequence[str]) -> bool:
    """All the right options and no other: order and case do not matter."""
    return {normalise_key(k) for k in given} == {normalise_key(k) for k in key}


def mark_true_false(key: bool, given: bool) -> bool:
    return key is given


def mark_fill(key: Sequence[Sequence[str]], given: Sequence[str]) -> list[bool]:
    """One verdict per blank: right if it matches any accepted answer of that blank."""
    return [
        normalise_text(answer) in {normalise_text(a) for a in accepted}
        for accepted, answer in zip(key, given, strict=True)
    ]


class BadAnswer(ValueError):
    """An answer of the wrong shape for its item (the message says what was expected)."""


@dataclass(frozen=True, slots=True)
class Marking:
    correct: bool | None  # None: not auto-marked (short answers need a teacher)
    blanks: tuple[bool, ...] | None = None  # fill-in items: a verdict per blank


def mark(item_type: str, key: Any, given: Any, *, option_keys: Sequence[str] = ()) -> Marking:
    """Mark `given` against the item's `key`; `BadAnswer` if `given` has the wrong shape."""
    keys = {normalise_key(k) for k in option_keys}
    if item_type == "single":
        if not isinstance(given, str) or not given.strip():
            raise BadAnswer('a single-choice answer is one option key, such as "B"')
        if keys and normalise_key(given) not in keys:
            raise BadAnswer(f"the answer must be one of {', '.join(sorted(keys))}")
        return Marking(mark_single(str(key), given))
    if item_type == "multiple":
        if (
            not isinstance(given, list)
            or not given
            or not all(isinstance(k, str) and k.strip() for k in given)
        ):
            raise BadAnswer('a multiple-choice answer is a list of option keys, such as ["A", "C"]')
        if keys and not {normalise_key(k) for k in given} <= keys:
            raise BadAnswer(f"the answer's keys must be among {', '.join(sorted(keys))}")
        return Marking(mark_multiple(list(key), given))
    if item_type == "true_false":
        if not isinstance(given, bool):
            raise BadAnswer("a true/false answer is true or false")
        if not isinstance(key, bool):
            raise ValueError(f"not a true/false answer key: {key!r}")
        return Marking(mark_true_false(key, given))
    if item_type == "fill":
        accepted = fill_key(key)
        answers = [given] if isinstance(given, str) and len(accepted) == 1 else given
        if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
            raise BadAnswer("a fill-in answer is a list of texts, one per blank")
        if len(answers) != len(accepted):
            raise BadAnswer(f"this item has {len(accepted)} blank(s); got {len(answers)} answers")
        if any(len(a) > MAX_ANSWER_CHARS for a in answers):
            raise BadAnswer(f"each answer has at most {MAX_ANSWER_CHARS} characters")
        blanks = mark_fill(accepted, answers)
        return Marking(all(blanks), tuple(blanks))
    if item_type == "short":
        if not isinstance(given, str):
            raise BadAnswer("a short answer is a text")
        if len(given) > 20 * MAX_ANSWER_CHARS:
            raise BadAnswer(f"a short answer has at most {20 * MAX_ANSWER_CHARS} characters")
        return Marking(None)
    raise ValueError(f"unknown item type {item_type!r}")


# --- trees ------------------------------------------------------------------------------------


def progress_nodes(tree: Sequence[Mapping[str, Any]], up_to: str | None) -> list[str] | None:
    """A textbook's node ids in reading order up to and including `up_to` and everything
    under it (a unit brings its lessons); all of them if `up_to` is None; None if the tree
    has no such node."""
    order: list[str] = []
    end: int | None = None

    def walk(nodes: Sequence[Mapping[str, Any]]) -> None:
        nonlocal end
        for node in nodes:
            order.append(str(node["id"]))
            walk(node.get("children") or [])
            if end is None and node["id"] == up_to:
                end = len(order)

    walk(tree)
    if up_to is None:
        return order
    return None if end is None else order[:end]


def knowledge_tree(points: Iterable[tuple[str, Mapping[str, Any]]]) -> list[Doc]:
    """Nested `{id, name, depth, parent_id, owner, children}` from flat (owner, point) pairs.

    Siblings keep the order given (the store's), or follow an `order` field where points
    have one. A point is put under its parent only if the parent is higher in the tree (so
    bad data cannot make a cycle); one whose parent is missing becomes a root."""
    nodes: dict[str, Doc] = {}
    entries: list[tuple[Doc, Mapping[str, Any]]] = []
    for owner, point in points:
        node: Doc = {
            "id": point["_id"],
            "name": point.get("name", ""),
            "depth": point.get("depth", len(point.get("path") or [])),
            "parent_id": point.get("parent_id"),
            "owner": owner,
            "children": [],
        }
        if node["id"] in nodes:
            continue  # a district may not redefine a city point
        nodes[node["id"]] = node
        entries.append((node, point))
    rank = {
        node["id"]: point["order"] if isinstance(point.get("order"), int) else float("inf")
        for node, point in entries
    }
    roots: list[Doc] = []
    for node, point in entries:
        parent = nodes.get(point.get("parent_id") or "")
        if parent is not None and parent["depth"] < node["depth"]:
            parent["children"].append(node)
        else:
            roots.append(node)

    def order(siblings: list[Doc]) -> None:
        siblings.sort(key=lambda n: rank[n["id"]])  # stable: ties keep the store's order
        for n in siblings:
            order(n["children"])

    order(roots)
    return roots


# --- response shapes --------------------------------------------------------------------------


class Option(BaseModel):
    key: str
    text: str


class Provider(BaseModel):
    level: str
    tenant: str
    school_id: str | None = None
    name: str | None = None


class ItemForPupil(BaseModel):
    """An item as pupils and guests see it: everything needed to answer, no key. This model
    has no `answer` and no `explanation` field, so whatever a document holds, they are not
    serialised."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    owner: str
    type: ItemType
    stem: str
    options: list[Option] = Field(default_factory=list)
    difficulty: int | None = None
    knowledge_point_ids: list[str] = Field(default_factory=list)
    textbook_node_ids: list[str] = Field(default_factory=list)
    subject: str | None = None
    stage: str | None = None
    grades: list[int] = Field(default_factory=list)
    provider: Provider | None = None


class ItemWithKey(ItemForPupil):
    """An item with its answer key and explanation, for teachers, researchers and admins."""

    answer: JsonValue
    explanation: str | None = None


SHAPES: dict[Audience, type[ItemForPupil]] = {"pupil": ItemForPupil, "key_holder": ItemWithKey}


def shape_item(doc: Mapping[str, Any], owner: str, audience: Audience) -> Doc:
    """The JSON form of an item for one audience."""
    model = SHAPES[audience].model_validate({**doc, "id": doc["_id"], "owner": owner})
    return model.model_dump(mode="json")


class CheckResult(BaseModel):
    """The verdict on a practice answer; the key and explanation come with it."""

    correct: bool | None = Field(description="null: not auto-marked (short answers)")
    marking: Literal["auto", "needs_teacher"]
    blanks: list[bool] | None = Field(default=None, description="fill-in: a verdict per blank")
    answer: JsonValue
    explanation: str | None = None


# ================================================================================================
# MongoDB access (one tenant's database)
# ================================================================================================


class BankStore:
    def __init__(self, tdb: TenantDb) -> None:
        self.tdb = tdb
        self.tenant = tdb.tenant

    async def ensure_indexes(self) -> None:
        points = self.tdb[KNOWLEDGE_POINTS]
        await points.create_index([("subject", ASCENDING), ("stage", ASCENDING)])
        await points.create_index("path")
        items = self.tdb[ITEMS]
        # Selections are `$in` over these arrays: multikey indexes (`$all` would scan).
        await items.create_index("knowledge_point_ids")
        await items.create_index("textbook_node_ids")

    # knowledge points ------------------------------------------------------------------------

    async def knowledge_points(self, *, subject: str, stage: str) -> list[Doc]:
        cursor = self.tdb[KNOWLEDGE_POINTS].find({"subject": subject, "stage": stage})
        return [p async for p in cursor]

    async def knowledge_point(self, kp_id: str) -> Doc | None:
        return await self.tdb[KNOWLEDGE_POINTS].find_one({"_id": kp_id})

    async def descendant_ids(self, kp_id: str) -> list[str]:
        cursor = self.tdb[KNOWLEDGE_POINTS].find({"path": kp_id}, {"_id": 1})
        return [p["_id"] async for p in cursor]

    # items -------------------------------------------------------------------------------------

    async def item(self, item_id: str) -> Doc | None:
        return await self.tdb[ITEMS].find_one({"_id": item_id})

    async def count_items(self, query: Doc) -> int:
        return await self.tdb[ITEMS].count_documents(query)

    async def item_order(self, query: Doc, *, limit: int) -> list[tuple[int, str]]:
        """(difficulty, id) of the first `limit` matches in list order: enough to merge the
        city's and a district's matches and cut one page out of them."""
        cursor = (
            self.tdb[ITEMS]
            .find(query, {"_id": 1, "difficulty": 1})
            .sort([("difficulty", ASCENDING), ("_id", ASCENDING)])
            .limit(limit)
        )
        return [(int(d.get("difficulty") or 0), d["_id"]) async for d in cursor]

    async def items_by_ids(self, ids: Sequence[str]) -> list[Doc]:
        cursor = self.tdb[ITEMS].find({"_id": {"$in": list(ids)}})
        return [d async for d in cursor]


def visibility_query(reader: Reader, scope: str) -> Doc:
    """`service.readable` as a query on one scope's items, so counts and pages are right
    (results are checked with `readable` again all the same)."""
    query: Doc = {"status": "published"}
    if reader.guest:
        query["guest_visible"] = True
    if scope != reader.tenant:
        query["provider.level"] = "city"
    elif reader.school:
        query["$or"] = [
            {"provider.level": {"$in": ["city", "district"]}},
            {"provider.level": "school", "provider.school_id": reader.school},
        ]
    else:
        query["provider.level"] = {"$in": ["city", "district"]}
    return query


# ================================================================================================
# Use cases
# ================================================================================================


@dataclass(frozen=True, slots=True)
class ItemSelection:
    """What a pupil asked for; at least one of `knowledge_point` and `textbook`."""

    knowledge_point: str | None = None
    include_descendants: bool = True
    textbook: str | None = None
    up_to: str | None = None
    types: tuple[str, ...] = ()
    difficulties: tuple[int, ...] = ()


def _invalid(field: str, message: str) -> Unprocessable:
    return Unprocessable(message, errors=[{"field": field, "message": message}])


@dataclass(frozen=True)
class Bank:
    """Question-bank use cases over the catalog's databases and cache."""

    catalog: Catalog

    def store(self, scope: str) -> BankStore:
        return BankStore(self.catalog.store(scope).tdb)

    # knowledge points --------------------------------------------------------------------------

    async def knowledge_points(self, reader: Reader, *, subject: str, stage: str) -> Cached:
        """The knowledge-point tree of a subject and stage: the city's, with the reader's
        district's own points added."""
        scopes = scopes_of(reader)
        key = f"bank:kp-tree:{cache_key({'subject': subject, 'stage': stage})}"

        async def load() -> Doc:
            flat = [
                (scope, p)
                for scope in scopes
                for p in await self.store(scope).knowledge_points(subject=subject, stage=stage)
            ]
            return {"subject": subject, "stage": stage, "tree": knowledge_tree(flat)}

        return await self.catalog.cache.get_or_load(scopes, key, load)

    # items -------------------------------------------------------------------------------------

    async def item(self, reader: Reader, audience: Audience, item_id: str) -> Cached:
        key = f"bank:{audience}:item:" + cache_key(
            {"id": item_id, "school": reader.school, "guest": reader.guest, "aud": audience}
        )

        async def load() -> Doc:
            scope, doc = await self._find_visible(reader, item_id)
            return shape_item(doc, scope, audience)

        return await self.catalog.cache.get_or_load(scopes_of(reader), key, load)

    async def items(
        self,
        reader: Reader,
        audience: Audience,
        selection: ItemSelection,
        *,
        page: int,
        size: int,
    ) -> Cached:
        if size > self.catalog.max_page_size:
            raise _invalid("query.size", f"at most {self.catalog.max_page_size}")
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

        return await self.catalog.cache.get_or_load(scopes, key, load)

    async def check(self, reader: Reader, item_id: str, given: Any) -> CheckResult:
        """Mark a practice answer; the key and explanation are shown once it is answered."""
        _, doc = await self._find_visible(reader, item_id)
        option_keys = [str(o.get("key")) for o in doc.get("options") or []]
        try:
            marking = mark(doc["type"], doc.get("answer"), given, option_keys=option_keys)
        except BadAnswer as exc:
            raise _invalid("body.answer", str(exc)) from exc
        return CheckResult(
            correct=marking.correct,
            marking="needs_teacher" if marking.correct is None else "auto",
            blanks=list(marking.blanks) if marking.blanks is not None else None,
            answer=doc.get("answer"),
            explanation=doc.get("explanation"),
        )

    # helpers -----------------------------------------------------------------------------------

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
        for scope in scopes_of(reader):
            textbook = await self.catalog.store(scope).textbook(textbook_id)
            if textbook is not None and readable(reader, textbook, scope):
                break
        else:
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
            shape_item(found[(s, i)], s, audience)
            for _, i, s in wanted
            if (s, i) in found and readable(reader, found[(s, i)], s)
        ]
        return {"items": items, "total": total, "page": page, "size": size}
