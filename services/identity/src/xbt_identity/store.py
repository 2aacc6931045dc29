"""Identity's MongoDB access, bound to one tenant. The only module here importing pymongo.

Collections in `identity_<tenant>`: schools, classes, users, settings (the guest window),
plus the shared outbox/inbox. A store built with a unit of work writes inside its
transaction; one built without writes directly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import BulkWriteError

from xbt_shared.mongo import Doc, TenantDb, UnitOfWork, ensure_event_indexes

USERS = "users"
SCHOOLS = "schools"
CLASSES = "classes"
SETTINGS = "settings"

# Fields never returned to callers outside the service layer.
PRIVATE_FIELDS = {"password_hash": 0}


class IdentityStore:
    def __init__(self, tdb: TenantDb, session: AsyncClientSession | None = None) -> None:
        self.tdb = tdb
        self.tenant = tdb.tenant
        self.session = session

    @classmethod
    def within(cls, uow: UnitOfWork) -> IdentityStore:
        return cls(uow.tdb, uow.session)

    async def ensure_indexes(self) -> None:
        users = self.tdb[USERS]
        await users.create_index("username", unique=True)
        await users.create_index([("school_id", ASCENDING), ("student_no", ASCENDING)])
        await users.create_index("class_ids")
        await users.create_index("teaching.class_id")
        await self.tdb[SCHOOLS].create_index("name", unique=True)
        await self.tdb[CLASSES].create_index(
            [("school_id", ASCENDING), ("grade", ASCENDING), ("number", ASCENDING)], unique=True
        )
        await ensure_event_indexes(self.tdb)

    # users ---------------------------------------------------------------------------------

    async def user_by_username(self, username: str) -> Doc | None:
        return await self.tdb[USERS].find_one({"username": username}, session=self.session)

    async def user_by_id(self, user_id: str) -> Doc | None:
        return await self.tdb[USERS].find_one({"_id": user_id}, session=self.session)

    async def users_by_ids(self, user_ids: Sequence[str]) -> list[Doc]:
        cursor = self.tdb[USERS].find(
            {"_id": {"$in": list(user_ids)}}, PRIVATE_FIELDS, session=self.session
        )
        return [u async for u in cursor]

    async def users_by_student_no(self, school_id: str, numbers: Sequence[str]) -> list[Doc]:
        cursor = self.tdb[USERS].find(
            {"school_id": school_id, "student_no": {"$in": list(numbers)}},
            PRIVATE_FIELDS,
            session=self.session,
        )
        return [u async for u in cursor]

    async def usernames_taken(self, usernames: Sequence[str]) -> set[str]:
        cursor = self.tdb[USERS].find(
            {"username": {"$in": list(usernames)}}, {"username": 1}, session=self.session
        )
        return {u["username"] async for u in cursor}

    async def insert_user(self, user: Doc) -> None:
        await self.tdb[USERS].insert_one(user, session=self.session)

    async def insert_users(self, users: list[Doc]) -> None:
        if users:
            await self.tdb[USERS].insert_many(users, ordered=True, session=self.session)

    async def update_user(self, user_id: str, changes: Doc, **ops: Doc) -> Doc | None:
        update: dict[str, Any] = {"$set": changes} if changes else {}
        for op, value in ops.items():
            update[f"${op}"] = value
        return await self.tdb[USERS].find_one_and_update(
            {"_id": user_id},
            update,
            projection=PRIVATE_FIELDS,
            return_document=ReturnDocument.AFTER,
            session=self.session,
        )

    async def set_user_fields(self, user_id: str, changes: Doc) -> None:
        """A plain update, for writes whose result nobody reads (cheaper than find-and-modify)."""
        await self.tdb[USERS].update_one({"_id": user_id}, {"$set": changes}, session=self.session)

    async def students_of_class(self, class_id: str) -> list[Doc]:
        cursor = (
            self.tdb[USERS]
            .find({"class_ids": class_id, "roles": "student"}, PRIVATE_FIELDS, session=self.session)
            .sort([("student_no", ASCENDING), ("name", ASCENDING)])
        )
        return [u async for u in cursor]

    async def count_users(self, query: Doc | None = None) -> int:
        return await self.tdb[USERS].count_documents(query or {}, session=self.session)

    # schools -------------------------------------------------------------------------------

    async def school(self, school_id: str) -> Doc | None:
        return await self.tdb[SCHOOLS].find_one({"_id": school_id}, session=self.session)

    async def schools(self) -> list[Doc]:
        cursor = self.tdb[SCHOOLS].find({}, session=self.session).sort("name", ASCENDING)
        return [s async for s in cursor]

    async def insert_school(self, school: Doc) -> None:
        await self.tdb[SCHOOLS].insert_one(school, session=self.session)

    # classes -------------------------------------------------------------------------------

    async def class_(self, class_id: str) -> Doc | None:
        return await self.tdb[CLASSES].find_one({"_id": class_id}, session=self.session)

    async def classes_by_ids(self, class_ids: Sequence[str]) -> list[Doc]:
        cursor = (
            self.tdb[CLASSES]
            .find({"_id": {"$in": list(class_ids)}}, session=self.session)
            .sort([("grade", ASCENDING), ("number", ASCENDING)])
        )
        return [c async for c in cursor]

    async def classes_of_school(self, school_id: str) -> list[Doc]:
        cursor = (
            self.tdb[CLASSES]
            .find({"school_id": school_id}, session=self.session)
            .sort([("grade", ASCENDING), ("number", ASCENDING)])
        )
        return [c async for c in cursor]

    async def insert_class(self, klass: Doc) -> None:
        await self.tdb[CLASSES].insert_one(klass, session=self.session)

    async def insert_classes(self, classes: list[Doc]) -> None:
        if classes:
            await self.tdb[CLASSES].insert_many(classes, session=self.session)

    async def set_class_teacher(self, class_id: str, user_id: str, subjects: list[str]) -> None:
        classes = self.tdb[CLASSES]
        await classes.update_one(
            {"_id": class_id}, {"$pull": {"teachers": {"user_id": user_id}}}, session=self.session
        )
        await classes.update_one(
            {"_id": class_id},
            {"$push": {"teachers": {"user_id": user_id, "subjects": subjects}}},
            session=self.session,
        )

    # settings ------------------------------------------------------------------------------

    async def get_setting(self, name: str) -> Doc | None:
        return await self.tdb[SETTINGS].find_one({"_id": name}, session=self.session)

    async def put_setting(self, name: str, value: Doc) -> None:
        await self.tdb[SETTINGS].replace_one(
            {"_id": name}, {"_id": name, **value}, upsert=True, session=self.session
        )

    # roster imports ------------------------------------------------------------------------

    async def students_named_in_classes(
        self, school_id: str, class_ids: Sequence[str], names: Sequence[str]
    ) -> list[Doc]:
        """Pupils of these classes with these names (matching roster rows without 学号)."""
        cursor = self.tdb[USERS].find(
            {
                "school_id": school_id,
                "class_ids": {"$in": list(class_ids)},
                "name": {"$in": list(names)},
                "roles": "student",
            },
            PRIVATE_FIELDS,
            session=self.session,
        )
        return [u async for u in cursor]

    async def usernames_starting_with(self, prefix: str) -> set[str]:
        cursor = self.tdb[USERS].find(
            {"username": {"$regex": f"^{re.escape(prefix)}"}}, {"username": 1}, session=self.session
        )
        return {u["username"] async for u in cursor}

    async def insert_missing_classes(self, classes: list[Doc]) -> int:
        """Insert classes, skipping any that exist by now (same school, grade and number).
        Returns how many were inserted."""
        if not classes:
            return 0
        try:
            result = await self.tdb[CLASSES].insert_many(
                classes, ordered=False, session=self.session
            )
        except BulkWriteError as exc:
            if any(e.get("code") != 11000 for e in exc.details.get("writeErrors", [])):
                raise
            return int(exc.details.get("nInserted", 0))
        return len(result.inserted_ids)

    async def move_students(self, user_ids: Sequence[str], class_id: str) -> None:
        await self.tdb[USERS].update_many(
            {"_id": {"$in": list(user_ids)}},
            {"$set": {"class_ids": [class_id]}},
            session=self.session,
        )
