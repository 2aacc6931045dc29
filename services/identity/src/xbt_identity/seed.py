"""Demo data for `make run`: schools, classes and the documented demo accounts.

Idempotent: every record has a fixed id, and existing ones are left as they are, so a second
`make run` keeps the data (and any passwords changed since).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from xbt_identity.passwords import Passwords
from xbt_identity.service import new_class, registered_event
from xbt_identity.settings import IdentitySettings
from xbt_identity.store import IdentityStore
from xbt_shared.mongo import Doc, Mongo
from xbt_shared.tenancy import DISTRICTS, Tenant

log = logging.getLogger("xbt.identity.seed")

DEMO_PASSWORD = "xbt-demo-2020"

# (tenant, school id, name, grade range)
SCHOOLS: list[tuple[str, str, str, tuple[int, int]]] = [
    ("heping", "hp-sy-zx", "和平区实验中学", (7, 12)),
    ("heping", "hp-xx-1", "和平区第一中心小学", (1, 6)),
    ("hexi", "hx-zx-1", "河西区第一中学", (7, 12)),
    ("hexi", "hx-xx-1", "河西区实验小学", (1, 6)),
]

# (tenant, class id, school id, grade, number)
CLASSES: list[tuple[str, str, str, int, int]] = [
    ("heping", "c-hp-8-1", "hp-sy-zx", 8, 1),
    ("heping", "c-hp-8-2", "hp-sy-zx", 8, 2),
    ("heping", "c-hp-4-1", "hp-xx-1", 4, 1),
    ("hexi", "c-hx-8-3", "hx-zx-1", 8, 3),
    ("hexi", "c-hx-5-1", "hx-xx-1", 5, 1),
]


def demo_users() -> list[tuple[str, Doc]]:
    """The accounts documented in the README (password `xbt-demo-2020`)."""
    return [
        (
            "heping",
            {
                "_id": "u-hp-student1",
                "username": "student1",
                "name": "李明",
                "roles": ["student"],
                "school_id": "hp-sy-zx",
                "class_ids": ["c-hp-8-1"],
                "student_no": "2019080101",
            },
        ),
        (
            "heping",
            {
                "_id": "u-hp-student2",
                "username": "student2",
                "name": "王芳",
                "roles": ["student"],
                "school_id": "hp-sy-zx",
                "class_ids": ["c-hp-8-1"],
                "student_no": "2019080102",
            },
        ),
        (
            "heping",
            {
                "_id": "u-hp-teacher1",
                "username": "teacher1",
                "name": "张老师",
                "roles": ["teacher"],
                "school_id": "hp-sy-zx",
                "teaching": [
                    {"class_id": "c-hp-8-1", "subjects": ["数学"]},
                    {"class_id": "c-hp-8-2", "subjects": ["数学"]},
                ],
            },
        ),
        (
            "heping",
            {
                "_id": "u-hp-schooladmin1",
                "username": "schooladmin1",
                "name": "刘主任",
                "roles": ["school_admin"],
                "school_id": "hp-sy-zx",
            },
        ),
        (
            "heping",
            {
                "_id": "u-hp-districtadmin1",
                "username": "districtadmin1",
                "name": "陈科长",
                "roles": ["district_admin"],
            },
        ),
        (
            "heping",
            {
                "_id": "u-hp-researcher1",
                "username": "researcher1",
                "name": "赵教研员",
                "roles": ["researcher"],
            },
        ),
        (
            "heping",
            {
                "_id": "u-hp-support1",
                "username": "support1",
                "name": "孙客服",
                "roles": ["support_agent"],
            },
        ),
        (
            "hexi",
            {
                "_id": "u-hx-student1",
                "username": "student1",
                "name": "周杰",
                "roles": ["student"],
                "school_id": "hx-zx-1",
                "class_ids": ["c-hx-8-3"],
                "student_no": "2019080301",
            },
        ),
        (
            "hexi",
            {
                "_id": "u-hx-teacher1",
                "username": "teacher1",
                "name": "吴老师",
                "roles": ["teacher"],
                "school_id": "hx-zx-1",
                "teaching": [{"class_id": "c-hx-8-3", "subjects": ["语文"]}],
            },
        ),
        (
            "hexi",
            {
                "_id": "u-hx-districtadmin1",
                "username": "districtadmin1",
                "name": "郑科长",
                "roles": ["district_admin"],
            },
        ),
        (
            "city",
            {
                "_id": "u-city-admin1",
                "username": "cityadmin1",
                "name": "市教委管理员",
                "roles": ["city_admin"],
            },
        ),
    ]


async def seed(mongo: Mongo, passwords: Passwords) -> dict[str, int]:
    created = {"schools": 0, "classes": 0, "users": 0}
    now = datetime.now(UTC)
    for tenant_id, school_id, name, grades in _all_schools():
        store = IdentityStore(mongo.for_tenant(Tenant(tenant_id)))
        if await store.school(school_id) is None:
            try:
                await store.insert_school(
                    {
                        "_id": school_id,
                        "name": name,
                        "grades": list(grades),
                        "tenant": tenant_id,
                        "created_at": now,
                    }
                )
                created["schools"] += 1
            except DuplicateKeyError:
                pass
    for tenant_id, class_id, school_id, grade, number in CLASSES:
        store = IdentityStore(mongo.for_tenant(Tenant(tenant_id)))
        if await store.class_(class_id) is None:
            klass = {**new_class(school_id, grade, number), "_id": class_id}
            try:
                await store.insert_class(klass)
                created["classes"] += 1
            except DuplicateKeyError:
                pass
    password_hash = await passwords.hash(DEMO_PASSWORD)
    for tenant_id, spec in demo_users():
        tdb = mongo.for_tenant(Tenant(tenant_id))
        store = IdentityStore(tdb)
        if await store.user_by_id(spec["_id"]) is not None:
            continue
        user: dict[str, Any] = {
            "class_ids": [],
            "teaching": [],
            "school_id": None,
            "student_no": None,
            **spec,
            "password_hash": password_hash,
            "must_change_password": False,
            "disabled": False,
            "created_at": now,
            "created_by": "seed",
        }
        try:
            async with tdb.unit_of_work() as uow:
                tx = IdentityStore.within(uow)
                await tx.insert_user(user)
                for teaching in user["teaching"]:
                    await tx.set_class_teacher(
                        teaching["class_id"], user["_id"], teaching["subjects"]
                    )
                uow.record(registered_event(user, via="seed"), subject=user["_id"])
            created["users"] += 1
        except DuplicateKeyError:
            pass
    return created


def _all_schools() -> list[tuple[str, str, str, tuple[int, int]]]:
    """The named demo schools, plus one middle school in every other district."""
    named = {t for t, *_ in SCHOOLS}
    extra = [
        (tenant, f"{tenant}-zx-1", f"{name}第一中学", (7, 12))
        for tenant, name in DISTRICTS.items()
        if tenant not in named
    ]
    return SCHOOLS + extra


async def main() -> None:
    from xbt_identity.main import ensure_indexes
    from xbt_shared.runtime import Runtime

    logging.basicConfig(level=logging.INFO)
    settings = IdentitySettings()
    runtime = Runtime(settings, service="identity")
    try:
        await ensure_indexes(runtime)
        passwords = Passwords(
            memory_kib=settings.argon2_memory_kib,
            time_cost=settings.argon2_time_cost,
            parallelism=settings.argon2_parallelism,
            threads=1,
        )
        created = await seed(runtime.mongo, passwords)
        print(
            "  identity demo data: created {schools} schools, {classes} classes, "
            "{users} accounts (existing ones kept)".format(**created)
        )
    finally:
        await runtime.mongo.close()
        await runtime.redis.aclose()


if __name__ == "__main__":
    asyncio.run(main())
