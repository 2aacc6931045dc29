"""Every demo document, shaped as each cached read shapes it, is what the OpenAPI document
says that read serves (see each feature's schemas): the demo holds the fields production data
has, so a field added to it (or to a read) without documentation fails here."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel

from xbt_catalog.bank.domain import knowledge_tree
from xbt_catalog.bank.schemas import ItemPage, KnowledgePointTree, shape_item
from xbt_catalog.courses.domain import public_course
from xbt_catalog.courses.schemas import Course, CoursePage
from xbt_catalog.resources.domain import public_resource, public_textbook
from xbt_catalog.resources.schemas import Resource, Textbook, TextbookList
from xbt_catalog.schedule.domain import TZID, public_slot
from xbt_catalog.schedule.schemas import TvScheduleDays
from xbt_catalog.search.schemas import ResourcePage
from xbt_catalog.seed import loader as demo
from xbt_catalog.seed import owner_of
from xbt_shared.cache import dump

from ..conftest import assert_documented

Doc = dict[str, Any]


@pytest.fixture(scope="module")
def docs() -> dict[str, list[Doc]]:
    return demo.all_documents()


def served(model: type[BaseModel], value: Any) -> None:
    """`value` as the cache stores and serves it (JSON bytes) matches `model`."""
    assert_documented(model, json.loads(dump(value)))


def _page(items: list[Doc]) -> Doc:
    return {"items": items, "total": len(items), "page": 1, "size": len(items)}


def test_textbooks(docs: dict[str, list[Doc]]) -> None:
    textbooks = docs["textbooks"]
    served(TextbookList, [public_textbook(tb) for tb in textbooks])
    for tb in textbooks:
        served(Textbook, {**public_textbook(tb), "tree": tb["tree"]})


def test_resources(docs: dict[str, list[Doc]]) -> None:
    published = [r for r in docs["resources"] if r["status"] == "published"]
    summaries = [public_resource(r, owner_of(r), summary=True) for r in published]
    facets = {"kind": {"recording": 1}, "grade": {"7": 1}}
    page = {**_page(summaries), "facets": facets, "relaxed": False, "query": "", "sort": "newest"}
    served(ResourcePage, page)
    for r in published:
        served(Resource, public_resource(r, owner_of(r)))
    viewed = {**published[0], "views_at": datetime(2020, 2, 20, tzinfo=UTC)}
    served(Resource, public_resource(viewed, owner_of(viewed)))


def test_courses(docs: dict[str, list[Doc]]) -> None:
    courses = docs["courses"]
    served(
        CoursePage,
        _page([public_course(c, owner_of(c), with_lessons=False) for c in courses]),
    )
    for c in courses:
        served(Course, public_course(c, owner_of(c), with_lessons=True))


def test_tv_schedule(docs: dict[str, list[Doc]]) -> None:
    replays = {r["_id"]: r for r in docs["resources"]}
    slots = [
        public_slot(s, replays.get(s["replay_resource_id"]), portal_base_url="http://x.example")
        for s in docs["tv_schedule"]
    ]
    # The broadcasts that have ended have their replay; the later ones not yet.
    ended = {r["tv_slot_id"] for r in docs["resources"] if r.get("tv_slot_id")}
    assert ended and all(bool(s["replay_title"]) is (s["id"] in ended) for s in slots)
    assert all(s["ends_at"] <= datetime.now(UTC) for s in docs["tv_schedule"] if s["_id"] in ended)
    assert all(s["replay_url"] == f"http://x.example/resources/res-{s['id']}" for s in slots)
    days = {"from": slots[0]["date"], "to": slots[-1]["date"], "timezone": TZID}
    served(TvScheduleDays, {**days, "grade": None, "slots": slots})
    served(TvScheduleDays, {**days, "grade": 12, "slots": slots[:1]})


def test_question_bank(docs: dict[str, list[Doc]]) -> None:
    pairs = {(p["subject"], p["stage"]) for p in docs["knowledge_points"]}
    for subject, stage in sorted(pairs):
        points = [
            ("city", p)
            for p in docs["knowledge_points"]
            if (p["subject"], p["stage"]) == (subject, stage)
        ]
        tree = {"subject": subject, "stage": stage, "tree": knowledge_tree(points)}
        served(KnowledgePointTree, tree)
    for audience in ("pupil", "key_holder"):
        items = [shape_item(i, owner_of(i), audience) for i in docs["items"]]
        served(ItemPage, _page(items))
        assert all(("answer" in i) is (audience == "key_holder") for i in items)
