"""Loads the demo data (`data/demo.json`) into identity's tenant databases.

Idempotent: every record has a fixed id, and existing ones are left as they are, so a second
`make run` keeps the data (and any passwords changed since).
"""

from __future__ import annotations

import json
from dataclasses import replace
from functools import cache
from importlib.resources import files
from typing import Any

from xbt_identity.accounts.domain import Teaching, User
from xbt_identity.accounts.service import Passwords, register_accounts
from xbt_identity.roster.domain import School, SchoolClass
from xbt_identity.roster.store import RosterStore
from xbt_shared.clock import now_ms
from xbt_shared.mongo import Doc, Mongo
from xbt_shared.tenancy import DISTRICTS, Tenant
from xbt_shared.transactions import CONCURRENT_INSERT

DATA = files("xbt_identity.seed").joinpath("data")


@cache
def _demo() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DATA.joinpath("demo.json").read_text("utf-8"))
    return data


DEMO_PASSWORD: str = _demo()["password"]
# (tenant, class id, school id, grade, number)
CLASSES: list[tuple[str, str, str, int, int]] = [
    (c["tenant"], c["id"], c["school_id"], c["grade"], c["number"]) for c in _demo()["classes"]
]


def demo_users() -> list[tuple[str, Doc]]:
    """The accounts documented in the README (password `xbt-demo-2020`), by tenant."""
    return [(u["tenant"], {k: v for k, v in u.items() if k != "tenant"}) for u in _demo()["users"]]


def demo_schools() -> list[tuple[str, School]]:
    """The named demo schools, plus one middle school in every other district."""
    named = [
        (s["tenant"], School(s["id"], s["name"], tuple(s["grades"]))) for s in _demo()["schools"]
    ]
    tenants = {t for t, _ in named}
    extra = [
        (tenant, School(f"{tenant}-zx-1", f"{name}第一中学", (7, 12)))
        for tenant, name in DISTRICTS.items()
        if tenant not in tenants
    ]
    return named + extra


async def seed(mongo: Mongo, passwords: Passwords) -> dict[str, int]:
    created = {"schools": 0, "classes": 0, "users": 0}
    now = now_ms()
    for tenant_id, school in demo_schools():
        store = RosterStore(mongo.for_tenant(Tenant(tenant_id)))
        if await store.school(school.id) is None:
            try:
                await store.insert_school(School(school.id, school.name, school.grades, now))
                created["schools"] += 1
            except CONCURRENT_INSERT:
                pass
    for tenant_id, class_id, school_id, grade, number in CLASSES:
        store = RosterStore(mongo.for_tenant(Tenant(tenant_id)))
        if await store.class_(class_id) is None:
            try:
                await store.insert_class(
                    SchoolClass(class_id, school_id, grade, number, created_at=now)
                )
                created["classes"] += 1
            except CONCURRENT_INSERT:
                pass
    password_hash = await passwords.hash(DEMO_PASSWORD)
    for tenant_id, spec in demo_users():
        tdb = mongo.for_tenant(Tenant(tenant_id))
        if await RosterStore(tdb).member(spec["_id"]) is not None:
            continue
        user = User(
            id=spec["_id"],
            username=spec["username"],
            name=spec["name"],
            roles=spec["roles"],
            school_id=spec.get("school_id"),
            class_ids=spec.get("class_ids", []),
            teaching=[Teaching(t["class_id"], t["subjects"]) for t in spec.get("teaching", [])],
            student_no=spec.get("student_no"),
            password_hash=password_hash,
            created_at=now,
            created_by="seed",
        )
        try:
            async with tdb.unit_of_work() as uow:
                # The classes list their teachers, and the teachers their classes.
                await register_accounts(uow, [replace(user, teaching=[])], via="seed")
                tx = RosterStore.within(uow)
                for teaching in user.teaching:
                    await tx.assign_teacher(teaching.class_id, user.id, teaching.subjects)
            created["users"] += 1
        except CONCURRENT_INSERT:
            pass
    return created
