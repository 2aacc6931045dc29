"""The demo data files and what the loader builds from them: the documents are exactly the
ones pinned below, every reference resolves, dates sit in the 2020 spring semester when seeded
on 17 February 2020, and every media link names a file the players can open."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from typing import Any

import pytest

from xbt_catalog.seed import loader
from xbt_catalog.seed.common import BEIJING, MEDIA_BASE, SEMESTER_START
from xbt_catalog.seed.data import sheet

Doc = dict[str, Any]

# sha256 of each collection's documents seeded at AT, as canonical JSON (sorted keys, ISO
# dates). A change to a data file or to a generator changes these: check the new documents,
# then update. (Seeded on another day, every date moves by that many days.)
DIGESTS = {
    "textbooks": "c62ca1dd6fca5568924766185dbe3e531d4c082de513fa962db1a7281329e452",
    "resources": "3d0cfbfb7a78c46f6b706e12f128b4384f70cd49ffbc5dcd9a301ec562560e21",
    "courses": "45d9c2c9120e0e968e7bd11eeac23b72dfb90cd1d77645fc1eadec01d767d919",
    "tv_schedule": "d7017ddc79e1539325ff390aa4a7ca27e34a3bbed3381e0cd836d8e627859004",
    "knowledge_points": "85cadc0c7f30fcf8f9cf7a54f472a969e207a6fb581ddef335bb4ac71800761a",
    "items": "50fcfc8f8ad2a9e01607a56d4ec612f4c3b7deff62e80a8dd2ac584fe8022c86",
}

# Seeded as of midday on 17 February 2020 (the day the content's dates are written as of):
# content was written from July 2019; the TV lessons run from 14 days before to 14 after.
AT = datetime(2020, 2, 17, 12, 0, tzinfo=BEIJING)
EARLIEST = datetime(2019, 7, 1, tzinfo=UTC)
LATEST = SEMESTER_START + timedelta(days=15)
DATE_FIELDS = ("created_at", "updated_at", "published_at", "starts_at", "ends_at")

# Where each media format lives and how its file name ends.
MEDIA_SUFFIX = {"mp4": ".mp4", "pdf": ".pdf", "pptx": ".pptx", "h5": "/index.html"}


@pytest.fixture(scope="module")
def docs() -> dict[str, list[Doc]]:
    return loader.all_documents(AT)


def _canonical(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON: {value!r}")


def _digest(rows: list[Doc]) -> str:
    text = json.dumps(rows, ensure_ascii=False, sort_keys=True, default=_canonical)
    return hashlib.sha256(text.encode()).hexdigest()


def test_documents_are_the_pinned_ones(docs: dict[str, list[Doc]]) -> None:
    assert {name: _digest(rows) for name, rows in docs.items()} == DIGESTS


def test_data_files_ship_with_the_package() -> None:
    data = files("xbt_catalog.seed") / "data"
    names = {entry.name for entry in data.iterdir()} | {
        f"items/{entry.name}" for entry in (data / "items").iterdir()
    }
    assert {
        "textbooks.csv",
        "toc.csv",
        "unit_pool.csv",
        "knowledge_points.csv",
        "schools.csv",
        "enrichment.csv",
        "names.json",
        "resources.json",
        "courses.json",
        "tv.json",
        "items/language.json",
        "items/science.json",
    } <= names


def test_sheets_have_every_cell() -> None:
    # A unit without lessons gets generated ones (textbooks._fallback_lessons).
    optional = {("textbooks.csv", "subtitle"), ("toc.csv", "lessons"), ("unit_pool.csv", "lessons")}
    for name in ("textbooks.csv", "toc.csv", "unit_pool.csv", "knowledge_points.csv"):
        for row in sheet(name):
            for column, cell in row.items():
                assert cell is not None, (name, row)
                assert cell or (name, column) in optional, (name, row)
                assert cell == cell.strip(), (name, row)


def test_every_toc_row_belongs_to_a_textbook() -> None:
    volumes = {(r["subject"], r["grade"], r["volume"]) for r in sheet("textbooks.csv")}
    assert all((r["subject"], r["grade"], r["volume"]) in volumes for r in sheet("toc.csv"))


def test_knowledge_point_numbers_list_parents_first() -> None:
    seen: set[tuple[str, str, str]] = set()
    for row in sheet("knowledge_points.csv"):
        key = (row["subject"], row["stage"], row["number"])
        parent, _, order = row["number"].rpartition(".")
        assert order.isdigit() and key not in seen, key
        assert not parent or (row["subject"], row["stage"], parent) in seen, key
        seen.add(key)


def test_references_resolve(docs: dict[str, list[Doc]]) -> None:
    nodes = {
        node["id"]
        for tb in docs["textbooks"]
        for unit in tb["tree"]
        for node in [unit, *unit["children"]]
    }
    kps = {kp["_id"] for kp in docs["knowledge_points"]}
    resources = {r["_id"] for r in docs["resources"]}
    for row in [*docs["resources"], *docs["items"]]:
        assert set(row["textbook_node_ids"]) <= nodes, row["_id"]
    for item in docs["items"]:
        assert item["knowledge_point_ids"] and set(item["knowledge_point_ids"]) <= kps
    for kp in docs["knowledge_points"]:
        assert kp["parent_id"] is None or kp["parent_id"] in kps
    ended = {slot["_id"] for slot in docs["tv_schedule"] if slot["ends_at"] <= AT}
    for slot in docs["tv_schedule"]:
        assert (slot["replay_resource_id"] in resources) is (slot["_id"] in ended)
    assert {r["tv_slot_id"] for r in docs["resources"] if "tv_slot_id" in r} == ended
    for course in docs["courses"]:
        assert course["lessons"]
        assert all(lesson["id"].startswith(f"{course['_id']}.l") for lesson in course["lessons"])


def test_dates_sit_in_the_semester(docs: dict[str, list[Doc]]) -> None:
    for name, rows in docs.items():
        for row in rows:
            for field in DATE_FIELDS:
                value = row.get(field)
                if value is not None:
                    assert EARLIEST <= value <= LATEST, (name, row["_id"], field, value)
    for slot in docs["tv_schedule"]:
        assert slot["starts_at"].date().isoformat() == slot["date"]


def test_media_links_are_playable(docs: dict[str, list[Doc]]) -> None:
    media = [(r["_id"], r["media"]) for r in docs["resources"]] + [
        (lesson["id"], lesson["media"]) for c in docs["courses"] for lesson in c["lessons"]
    ]
    for owner, m in media:
        assert m["url"].startswith(f"{MEDIA_BASE}/"), owner
        assert m["url"].endswith(MEDIA_SUFFIX[m["format"]]), owner
        if m["format"] == "mp4":
            assert m["duration_s"] > 0, owner
    for tb in docs["textbooks"]:
        assert tb["download_url"] == f"{MEDIA_BASE}/textbooks/{tb['_id']}.pdf"
        assert tb["read_url"].startswith(MEDIA_BASE) and tb["cover_url"].endswith(".jpg")
    for course in docs["courses"]:
        assert course["cover_url"].startswith(MEDIA_BASE)
