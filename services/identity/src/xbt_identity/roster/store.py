"""The roster feature's storage: schools and classes, the pupils and teachers of classes (in
`identity_<tenant>`), and an import's credentials sheet and school locks in Redis.

Pupils are accounts: they live in the `users` collection the accounts feature owns; this
store reads them as class members and writes what classes change about them (class, the
classes a teacher teaches). New accounts are inserted by the accounts feature.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from pymongo import ASCENDING
from pymongo.errors import BulkWriteError
from redis.asyncio import Redis

from xbt_identity.roster.domain import ClassTeacher, Member, School, SchoolClass
from xbt_shared.mongo import Doc, TenantStore
from xbt_shared.runtime import redis_key

SCHOOLS = "schools"
CLASSES = "classes"
USERS = "users"

_MEMBER_FIELDS = {
    "username": 1,
    "name": 1,
    "roles": 1,
    "school_id": 1,
    "class_ids": 1,
    "student_no": 1,
    "teaching": 1,
}


def school_from_doc(doc: Doc) -> School:
    low, high = doc["grades"]
    return School(doc["_id"], doc["name"], (int(low), int(high)), doc.get("created_at"))


def school_to_doc(school: School, *, tenant: str) -> Doc:
    return {
        "_id": school.id,
        "name": school.name,
        "grades": list(school.grades),
        "tenant": tenant,
        "created_at": school.created_at,
    }


def class_from_doc(doc: Doc) -> SchoolClass:
    return SchoolClass(
        id=doc["_id"],
        school_id=doc["school_id"],
        grade=int(doc["grade"]),
        number=int(doc["number"]),
        teachers=[ClassTeacher(t["user_id"], list(t["subjects"])) for t in doc.get("teachers", [])],
        created_at=doc.get("created_at"),
    )


def class_to_doc(klass: SchoolClass) -> Doc:
    return {
        "_id": klass.id,
        "school_id": klass.school_id,
        "grade": klass.grade,
        "stage": klass.stage,
        "number": klass.number,
        "name": klass.name,
        "teachers": [{"user_id": t.user_id, "subjects": t.subjects} for t in klass.teachers],
        "created_at": klass.created_at,
    }


def _member(doc: Doc) -> Member:
    return Member(
        id=doc["_id"],
        username=doc["username"],
        name=doc["name"],
        roles=list(doc.get("roles", [])),
        school_id=doc.get("school_id"),
        class_ids=list(doc.get("class_ids", [])),
        student_no=doc.get("student_no"),
        teaching={t["class_id"]: list(t["subjects"]) for t in doc.get("teaching", [])},
    )


class RosterStore(TenantStore):
    """Schools, classes and class members of one tenant. Built with a unit of work, it
    writes inside its transaction; without one, directly."""

    async def ensure_indexes(self) -> None:
        await self.tdb[SCHOOLS].create_index("name", unique=True)
        await self.tdb[CLASSES].create_index(
            [("school_id", ASCENDING), ("grade", ASCENDING), ("number", ASCENDING)], unique=True
        )

    # schools ---------------------------------------------------------------------------------

    async def school(self, school_id: str) -> School | None:
        doc = await self.tdb[SCHOOLS].find_one({"_id": school_id}, session=self.session)
        return school_from_doc(doc) if doc else None

    async def schools_by_ids(self, school_ids: Sequence[str]) -> list[School]:
        query = {"_id": {"$in": list(school_ids)}}
        return [
            school_from_doc(s) async for s in self.tdb[SCHOOLS].find(query, session=self.session)
        ]

    async def schools(self) -> list[School]:
        cursor = self.tdb[SCHOOLS].find({}, session=self.session).sort("name", ASCENDING)
        return [school_from_doc(s) async for s in cursor]

    async def insert_school(self, school: School) -> None:
        doc = school_to_doc(school, tenant=self.tdb.tenant.id)
        await self.tdb[SCHOOLS].insert_one(doc, session=self.session)

    # classes ---------------------------------------------------------------------------------

    async def class_(self, class_id: str) -> SchoolClass | None:
        doc = await self.tdb[CLASSES].find_one({"_id": class_id}, session=self.session)
        return class_from_doc(doc) if doc else None

    async def classes_by_ids(self, class_ids: Sequence[str]) -> list[SchoolClass]:
        return await self._classes({"_id": {"$in": list(class_ids)}})

    async def classes_of_school(self, school_id: str) -> list[SchoolClass]:
        return await self._classes({"school_id": school_id})

    async def _classes(self, query: Doc) -> list[SchoolClass]:
        cursor = (
            self.tdb[CLASSES]
            .find(query, session=self.session)
            .sort([("grade", ASCENDING), ("number", ASCENDING)])
        )
        return [class_from_doc(c) async for c in cursor]

    async def insert_class(self, klass: SchoolClass) -> None:
        await self.tdb[CLASSES].insert_one(class_to_doc(klass), session=self.session)

    async def insert_missing_classes(self, classes: Sequence[SchoolClass]) -> int:
        """Insert classes, skipping any that exist by now (same school, grade and number).
        Returns how many were inserted."""
        if not classes:
            return 0
        try:
            result = await self.tdb[CLASSES].insert_many(
                [class_to_doc(c) for c in classes], ordered=False, session=self.session
            )
        except BulkWriteError as exc:
            if any(e.get("code") != 11000 for e in exc.details.get("writeErrors", [])):
                raise
            return int(exc.details.get("nInserted", 0))
        return len(result.inserted_ids)

    async def assign_teacher(self, class_id: str, user_id: str, subjects: list[str]) -> None:
        """The teacher teaches these subjects in the class: on the class and on the account
        (run it in a unit of work so both change or neither)."""
        classes, users = self.tdb[CLASSES], self.tdb[USERS]
        teacher = {"user_id": user_id, "subjects": subjects}
        await classes.update_one(
            {"_id": class_id}, {"$pull": {"teachers": {"user_id": user_id}}}, session=self.session
        )
        await classes.update_one(
            {"_id": class_id}, {"$push": {"teachers": teacher}}, session=self.session
        )
        await users.update_one(
            {"_id": user_id}, {"$pull": {"teaching": {"class_id": class_id}}}, session=self.session
        )
        await users.update_one(
            {"_id": user_id},
            {"$push": {"teaching": {"class_id": class_id, "subjects": subjects}}},
            session=self.session,
        )

    # class members ---------------------------------------------------------------------------

    async def member(self, user_id: str) -> Member | None:
        doc = await self.tdb[USERS].find_one({"_id": user_id}, _MEMBER_FIELDS, session=self.session)
        return _member(doc) if doc else None

    async def members(self, user_ids: Sequence[str]) -> list[Member]:
        return await self._members({"_id": {"$in": list(user_ids)}})

    async def students_of_class(self, class_id: str) -> list[Member]:
        cursor = (
            self.tdb[USERS]
            .find({"class_ids": class_id, "roles": "student"}, _MEMBER_FIELDS, session=self.session)
            .sort([("student_no", ASCENDING), ("name", ASCENDING)])
        )
        return [_member(u) async for u in cursor]

    async def _members(self, query: Doc) -> list[Member]:
        cursor = self.tdb[USERS].find(query, _MEMBER_FIELDS, session=self.session)
        return [_member(u) async for u in cursor]

    # what an import reads and changes --------------------------------------------------------

    async def by_student_no(self, school_id: str, numbers: Sequence[str]) -> list[Member]:
        return await self._members({"school_id": school_id, "student_no": {"$in": list(numbers)}})

    async def students_named_in_classes(
        self, school_id: str, class_ids: Sequence[str], names: Sequence[str]
    ) -> list[Member]:
        """Pupils of these classes with these names (matching roster rows without 学号)."""
        return await self._members(
            {
                "school_id": school_id,
                "class_ids": {"$in": list(class_ids)},
                "name": {"$in": list(names)},
                "roles": "student",
            }
        )

    async def usernames_taken(self, usernames: Sequence[str]) -> set[str]:
        cursor = self.tdb[USERS].find(
            {"username": {"$in": list(usernames)}}, {"username": 1}, session=self.session
        )
        return {u["username"] async for u in cursor}

    async def usernames_starting_with(self, prefix: str) -> set[str]:
        cursor = self.tdb[USERS].find(
            {"username": {"$regex": f"^{re.escape(prefix)}"}}, {"username": 1}, session=self.session
        )
        return {u["username"] async for u in cursor}

    async def move_students(self, user_ids: Sequence[str], class_id: str) -> None:
        await self.tdb[USERS].update_many(
            {"_id": {"$in": list(user_ids)}},
            {"$set": {"class_ids": [class_id]}},
            session=self.session,
        )


# Redis: credentials sheets and import locks ----------------------------------------------------

_RELEASE = """
local released = 0
for _, key in ipairs(KEYS) do
  if redis.call('get', key) == ARGV[1] then released = released + redis.call('del', key) end
end
return released
"""


class ImportLocked(Exception):
    """Another import holds one of the schools."""


class ImportScratch:
    """What an import keeps beside the database: its credentials sheet (it holds passwords,
    so only here, for a day) and a lock per school while it runs."""

    def __init__(self, redis: Redis, *, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    async def put_sheet(self, tenant: str, import_id: str, sheet: str, *, ttl: timedelta) -> None:
        await self.redis.set(redis_key(self.prefix, tenant, "roster", import_id), sheet, ex=ttl)

    async def sheet(self, tenant: str, import_id: str) -> str | None:
        raw = await self.redis.get(redis_key(self.prefix, tenant, "roster", import_id))
        return None if raw is None else str(raw)

    @asynccontextmanager
    async def locked(
        self, tenant: str, school_ids: Sequence[str], *, token: str, seconds: int
    ) -> AsyncIterator[None]:
        """Hold every school's lock for the block, or raise `ImportLocked` at once."""
        keys = [redis_key(self.prefix, tenant, "roster-lock", s) for s in school_ids]
        if keys:
            async with self.redis.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.set(key, token, nx=True, ex=seconds)
                acquired: list[Any] = await pipe.execute()
            if not all(acquired):
                await self.redis.eval(_RELEASE, len(keys), *keys, token)
                raise ImportLocked
        try:
            yield
        finally:
            if keys:
                await self.redis.eval(_RELEASE, len(keys), *keys, token)
