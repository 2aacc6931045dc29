"""The demo seed's stand-in catalog says what the catalog's demo content says, and its people
are identity's demo accounts: a change on either side fails here, not in `make run`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from xbt_catalog.seed import loader as demo
from xbt_identity.seed import CLASSES, demo_users
from xbt_tasks.seed import loader as seed


def chapters_of(node_ids: list[str]) -> list[dict[str, Any]]:
    """The chapters the catalog shows for these textbook nodes, from its demo textbooks."""
    where: dict[str, dict[str, Any]] = {}
    for book in demo.textbooks():
        textbook = {"id": book["_id"], "title": book["title"]}
        for unit in book["tree"]:
            named = {"id": unit["id"], "title": unit["title"]}
            where[unit["id"]] = {"textbook": textbook, "unit": named, "lesson": None}
            for lesson in unit.get("children") or ():
                step = {"id": lesson["id"], "title": lesson["title"]}
                where[lesson["id"]] = {"textbook": textbook, "unit": named, "lesson": step}
    return [{"node_id": n, **where[n]} for n in node_ids]


def test_resources_are_the_catalogs_demo_resources() -> None:
    catalog = {doc["_id"]: doc for doc in demo.resources() if doc["_id"] in seed.RESOURCES}
    assert set(catalog) == set(seed.RESOURCES)
    for rid, copied in seed.RESOURCES.items():
        doc = catalog[rid]
        assert doc["status"] == "published", rid
        assert copied == {
            "title": doc["title"],
            "kind": doc["kind"],
            "owner": doc["provider"]["tenant"],
            "chapters": chapters_of(doc["textbook_node_ids"]),
        }


def test_items_are_the_catalogs_demo_items_with_their_keys() -> None:
    catalog = {doc["_id"]: doc for doc in demo.items() if doc["_id"] in seed.ITEMS}
    assert set(catalog) == set(seed.ITEMS)
    for item_id, copied in seed.ITEMS.items():
        doc = catalog[item_id]
        assert doc["status"] == "published", item_id
        fields = ("type", "stem", "options", "answer", "explanation", "difficulty")
        assert {k: copied[k] for k in fields} == {k: doc[k] for k in fields}, item_id
        assert copied["knowledge_point_ids"] == doc["knowledge_point_ids"]
        assert copied["owner"] == doc["provider"]["tenant"]
        assert copied["chapters"] == chapters_of(doc["textbook_node_ids"]), item_id


def test_every_task_uses_only_content_the_stand_in_knows() -> None:
    for spec in seed.TASKS:
        assert set(spec.resource_ids) <= set(seed.RESOURCES), spec.title
        assert {item_id for item_id, _ in spec.items} <= set(seed.ITEMS), spec.title


def test_people_are_identitys_demo_accounts() -> None:
    accounts: dict[str, dict[str, Any]] = {
        doc["_id"]: doc | {"tenant": t} for t, doc in demo_users()
    }
    class_schools = {class_id: school for _, class_id, school, _, _ in CLASSES}
    for person in seed.DEMO_PEOPLE:
        account = accounts[person.user_id]
        assert account["tenant"] == person.tenant
        assert account["name"] == person.name
        assert account["school_id"] == person.school
        assert set(account["roles"]) == set(person.roles)
        classes = account.get("class_ids") or [t["class_id"] for t in account["teaching"]]
        assert list(person.classes) == classes
        assert all(class_schools[c] == person.school for c in person.classes)


def test_items_keep_the_catalogs_subject_and_stage() -> None:
    catalog = {doc["_id"]: doc for doc in demo.items() if doc["_id"] in seed.ITEMS}
    for item_id, copied in seed.ITEMS.items():
        assert (copied["subject"], copied["stage"]) == (
            catalog[item_id]["subject"],
            catalog[item_id]["stage"],
        )


def test_daily_tasks_are_named_by_the_day_and_due_that_day_in_beijing() -> None:
    daily = [t for t in seed.TASKS if t.daily]
    assert len(daily) == 3 and all("{date}" in t.title for t in daily)
    drill = daily[0]
    morning = datetime(2026, 12, 7, 1, 30, tzinfo=UTC)  # 09:30 in Beijing
    assert drill.title_on(morning) == "每日一练（12月7日）：加减消元解方程组"
    assert drill.opens_at(morning) == datetime(2026, 12, 6, 23, 0, tzinfo=UTC)  # 07:00
    assert drill.due_at(morning) == datetime(2026, 12, 7, 13, 0, tzinfo=UTC)  # 21:00
    # Before 07:00 it opens at once; after 21:00 it is due at the end of the day.
    dawn = datetime(2026, 12, 6, 21, 0, tzinfo=UTC)  # 05:00 on the 7th
    assert drill.opens_at(dawn) == dawn - timedelta(minutes=1)
    assert drill.title_on(dawn) == "每日一练（12月7日）：加减消元解方程组"
    night = datetime(2026, 12, 7, 14, 30, tzinfo=UTC)  # 22:30
    assert drill.due_at(night) == datetime(2026, 12, 7, 15, 59, 59, tzinfo=UTC)
    preview = daily[2]
    assert preview.due_at(night) == datetime(2026, 12, 9, 13, 0, tzinfo=UTC)  # two days on
