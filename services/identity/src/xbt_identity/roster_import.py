"""Bulk registration (学校管理员统一注册): a roster file in, pupil accounts and a credentials
sheet out.

Sized for a 5,000-pupil school on a slow Mongo-wire server where every round trip costs:
the district's schools are read once, existing pupils in bulk per school, accounts are
inserted 1,000 at a time with their `identity.user.registered` events in the same
transaction, and one-time passwords are hashed in threads while earlier chunks are written.

Idempotent: the same school and 学号 is the same account (rows without 学号: the same class
and name), so importing a file twice creates nothing the second time and moves pupils whose
class changed. The credentials sheet holds passwords, so it lives only in Redis, for 24 hours,
readable by the administrator who imported it and the district's administrators.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, TypeVar

from pymongo.errors import BulkWriteError, DuplicateKeyError

from xbt_identity import roster
from xbt_identity.events import RosterImported
from xbt_identity.passwords import OneTimePasswords, one_time_password
from xbt_identity.roster import RowError, SchoolRef, ValidRow
from xbt_identity.service import Identity, new_class, new_user_id, registered_event
from xbt_identity.store import IdentityStore
from xbt_shared.auth import Principal
from xbt_shared.errors import Conflict, NotFound, Unprocessable
from xbt_shared.mongo import Doc
from xbt_shared.tenancy import Tenant

CHUNK_SIZE = 1_000  # accounts (and their events) per transaction
LOOKUP_CHUNK = 200  # values per $in: the Mongo-wire server slows down on long lists
HASH_BATCH = 250  # one-time passwords hashed per thread job
CREDENTIALS_TTL = timedelta(hours=24)
LOCK_SECONDS = 600
USERNAME_ATTEMPTS = 10
IMPORT_ID = re.compile(r"[0-9a-f]{32}")
INSERT_ATTEMPTS = 3

ClassKey = tuple[str, int, int]  # school id, grade, class number
T = TypeVar("T")


class RosterImportRunning(Conflict):
    slug, title = "roster-import-running", "A roster import is running"


@dataclass(eq=False)
class _Account:
    """An accepted row and the account it is, or becomes."""

    row: ValidRow
    klass: Doc
    user: Doc
    status: Literal["created", "existing"]
    password: str | None = None
    moved_from: Doc | None = None
    moved: bool = False

    def as_doc(self) -> Doc:
        return {
            "row": self.row.row,
            "sheet": self.row.source.sheet,
            "name": self.user["name"],
            "school": self.row.school.name,
            "school_id": self.row.school.id,
            "grade": self.klass["grade"],
            "class": self.klass["number"],
            "class_id": self.klass["_id"],
            "class_name": self.klass["name"],
            "student_no": self.user.get("student_no"),
            "username": self.user["username"],
            "one_time_password": self.password,
            "status": self.status,
            "moved": self.moved,
            "moved_from": self.moved_from["name"] if self.moved_from else None,
        }


async def import_roster(
    identity: Identity, actor: Principal, tenant: Tenant, *, content: bytes
) -> Doc:
    """Register the pupils of a roster file; bad rows are reported, good rows imported."""
    parsed = await _read(identity, content)
    store = identity.store(tenant)
    schools = [SchoolRef.from_doc(s) for s in await store.schools()]
    valid, errors = roster.check_rows(parsed.rows, schools=schools, only_school=_only_school(actor))
    errors = [*parsed.errors, *errors]
    import_id = uuid.uuid4().hex
    school_ids = sorted({v.school.id for v in valid})
    async with _school_locks(identity, tenant, school_ids):
        classes, classes_created = await _ensure_classes(store, valid)
        existing = await _existing_pupils(store, valid, classes)
        accounts, placing_errors = _place(
            valid, classes, existing, actor=actor, import_id=import_id
        )
        errors.extend(placing_errors)
        created = [a for a in accounts if a.status == "created"]
        await _allocate_usernames(store, created)
        await _create_accounts(identity, tenant, store, created)
        moves: dict[str, list[str]] = defaultdict(list)
        for account in accounts:
            if account.moved:
                moves[account.klass["_id"]].append(account.user["_id"])
        async with identity.mongo.for_tenant(tenant).unit_of_work() as uow:
            tx = IdentityStore.within(uow)
            for class_id, user_ids in moves.items():
                await tx.move_students(user_ids, class_id)
            uow.record(
                RosterImported(
                    import_id=import_id,
                    school_ids=school_ids,
                    created=len(created),
                    existing=len(accounts) - len(created),
                    rejected=len(errors),
                    classes_created=classes_created,
                    by=actor.user_id,
                ),
                subject=import_id,
            )
    account_docs = [a.as_doc() for a in accounts]
    expires_at = datetime.now(UTC) + CREDENTIALS_TTL
    await identity.redis.set(
        _sheet_key(identity, tenant, import_id),
        json.dumps({"by": actor.user_id, "accounts": account_docs}, ensure_ascii=False),
        ex=CREDENTIALS_TTL,
    )
    errors.sort(key=lambda e: (e.sheet or "", e.row))
    return {
        "import_id": import_id,
        "format": parsed.format,
        "counts": {
            "rows": parsed.row_count,
            "created": len(created),
            "existing": len(accounts) - len(created),
            "moved": sum(a.moved for a in accounts),
            "rejected": len(errors),
            "classes_created": classes_created,
        },
        "errors": [e.as_doc() for e in errors],
        "accounts": account_docs,
        "credentials_expire_at": expires_at,
    }


async def credentials(
    identity: Identity, actor: Principal, tenant: Tenant, import_id: str
) -> list[Doc]:
    """The credentials sheet of an import: for whoever imported it and district admins."""
    raw = None
    if IMPORT_ID.fullmatch(import_id):
        raw = await identity.redis.get(_sheet_key(identity, tenant, import_id))
    if raw is None:
        raise NotFound("no such roster import, or its credentials sheet expired (24 h)")
    sheet = json.loads(raw)
    if sheet["by"] != actor.user_id and not actor.has_role("district_admin", "city_admin"):
        raise NotFound("no such roster import, or its credentials sheet expired (24 h)")
    accounts: list[Doc] = sheet["accounts"]
    return accounts


# reading and checking -------------------------------------------------------------------------


async def _read(identity: Identity, content: bytes) -> roster.ParsedRoster:
    settings = identity.settings
    try:
        parsed = await asyncio.to_thread(
            roster.read_roster,
            content,
            max_rows=settings.roster_max_rows,
            max_unpacked_bytes=20 * settings.roster_max_bytes,
        )
    except roster.MissingColumns as exc:
        raise Unprocessable(
            str(exc), slug="roster-missing-columns", missing_columns=exc.missing
        ) from exc
    except roster.TooManyRows as exc:
        raise Unprocessable(str(exc), slug="roster-too-many-rows", max_rows=exc.max_rows) from exc
    except roster.RosterFileError as exc:
        raise Unprocessable(str(exc), slug="roster-unreadable") from exc
    if parsed.row_count == 0:
        raise Unprocessable("the roster lists no pupils", slug="roster-empty")
    return parsed


def _only_school(actor: Principal) -> str | None:
    """Rows a school administrator imports must be for their school; "" if they have none."""
    if actor.has_role("district_admin", "city_admin"):
        return None
    return actor.school or ""


# classes and existing pupils ------------------------------------------------------------------


async def _ensure_classes(
    store: IdentityStore, valid: Sequence[ValidRow]
) -> tuple[dict[ClassKey, Doc], int]:
    """Every class the rows name, creating the missing ones (one read and one write per
    school). Returns the classes of those schools by key, and how many were created."""
    classes: dict[ClassKey, Doc] = {}
    created = 0
    for school_id in sorted({v.school.id for v in valid}):
        known = await _classes_of(store, school_id)
        wanted = sorted({v.class_key for v in valid if v.school.id == school_id} - known.keys())
        fresh = [new_class(*key) for key in wanted]
        inserted = await store.insert_missing_classes(fresh)
        created += inserted
        if inserted < len(fresh):  # someone created one of them meanwhile
            known = await _classes_of(store, school_id)
        else:
            known.update(zip(wanted, fresh, strict=True))
        classes.update(known)
    return classes, created


async def _classes_of(store: IdentityStore, school_id: str) -> dict[ClassKey, Doc]:
    return {
        (c["school_id"], c["grade"], c["number"]): c
        for c in await store.classes_of_school(school_id)
    }


async def _existing_pupils(
    store: IdentityStore, valid: Sequence[ValidRow], classes: dict[ClassKey, Doc]
) -> dict[int, list[Doc]]:
    """Accounts the rows already have, by index into `valid`: by school and 学号, or for rows
    without 学号 by class and name. A few bulk reads per school."""
    found: dict[int, list[Doc]] = {}
    by_school: dict[str, list[int]] = defaultdict(list)
    for index, row in enumerate(valid):
        by_school[row.school.id].append(index)
    for school_id, indexes in by_school.items():
        numbered = [i for i in indexes if valid[i].student_no]
        for part in _chunks(numbered, LOOKUP_CHUNK):
            numbers = [valid[i].student_no or "" for i in part]
            users = await store.users_by_student_no(school_id, numbers)
            by_no: dict[str, list[Doc]] = defaultdict(list)
            for user in users:
                by_no[user["student_no"]].append(user)
            for i in part:
                if by_no.get(valid[i].student_no or ""):
                    found[i] = by_no[valid[i].student_no or ""]
        unnumbered = [i for i in indexes if not valid[i].student_no]
        for part in _chunks(unnumbered, LOOKUP_CHUNK):
            class_ids = {classes[valid[i].class_key]["_id"] for i in part}
            names = {valid[i].name for i in part}
            users = await store.students_named_in_classes(
                school_id, sorted(class_ids), sorted(names)
            )
            by_place: dict[tuple[str, str], list[Doc]] = defaultdict(list)
            for user in users:
                for class_id in user.get("class_ids", []):
                    by_place[(class_id, user["name"])].append(user)
            for i in part:
                place = (classes[valid[i].class_key]["_id"], valid[i].name)
                if by_place.get(place):
                    found[i] = by_place[place]
    return found


def _place(
    valid: Sequence[ValidRow],
    classes: dict[ClassKey, Doc],
    existing: dict[int, list[Doc]],
    *,
    actor: Principal,
    import_id: str,
) -> tuple[list[_Account], list[RowError]]:
    """Decide per row: an existing account (moved if its class changed) or a new one."""
    class_by_id = {c["_id"]: c for c in classes.values()}
    claimed: dict[str, int] = {}
    accounts: list[_Account] = []
    errors: list[RowError] = []
    now = datetime.now(UTC)
    for index, row in enumerate(valid):
        klass = classes[row.class_key]
        matches = existing.get(index, [])
        pupils = [u for u in matches if "student" in u.get("roles", [])]
        reason = None
        if matches and not pupils:
            reason = "the student number belongs to a staff account of this school"
        elif len(pupils) > 1:
            reason = (
                f"{len(pupils)} pupils of this school have this student number"
                if row.student_no
                else f"{len(pupils)} pupils named {row.name} are in this class: add their 学号"
            )
        elif pupils and pupils[0]["_id"] in claimed:
            reason = f"the same pupil as row {claimed[pupils[0]['_id']]}"
        if reason:
            errors.append(RowError(row.row, [reason], row.source.values(), sheet=row.source.sheet))
            continue
        if pupils:
            user = pupils[0]
            claimed[user["_id"]] = row.row
            moved = klass["_id"] not in user.get("class_ids", [])
            previous = next((class_by_id.get(c) for c in user.get("class_ids", [])), None)
            accounts.append(
                _Account(
                    row,
                    klass,
                    user,
                    "existing",
                    moved=moved,
                    moved_from=previous if moved else None,
                )
            )
            continue
        user = {
            "_id": new_user_id(),
            "username": None,
            "name": row.name,
            "roles": ["student"],
            "school_id": row.school.id,
            "class_ids": [klass["_id"]],
            "teaching": [],
            "student_no": row.student_no,
            "password_hash": None,
            "must_change_password": True,
            "disabled": False,
            "created_at": now,
            "created_by": actor.user_id,
            "roster_import_id": import_id,
        }
        accounts.append(_Account(row, klass, user, "created"))
    return accounts, errors


# usernames ------------------------------------------------------------------------------------


async def _allocate_usernames(store: IdentityStore, accounts: Sequence[_Account]) -> None:
    """Usernames unique in the tenant: `<school><学号>` (then `-2`, `-3`, ... if taken), or for
    pupils without 学号 `<school>-<grade>-<class>-<n>`, numbered after those in use."""
    assigned: set[str] = set()
    attempt: dict[_Account, int] = {}
    pending = [a for a in accounts if a.row.student_no]
    for _ in range(USERNAME_ATTEMPTS):
        if not pending:
            break
        wanted = {
            a: roster.student_username(a.row.school.id, a.row.student_no or "", attempt.get(a, 1))
            for a in pending
        }
        taken: set[str] = set()
        for part in _chunks(sorted(set(wanted.values())), LOOKUP_CHUNK):
            taken |= await store.usernames_taken(part)
        retry = []
        for account in pending:
            name = wanted[account]
            if name in taken or name in assigned:
                attempt[account] = attempt.get(account, 1) + 1
                retry.append(account)
            else:
                account.user["username"] = name
                assigned.add(name)
        pending = retry
    if pending:
        raise Conflict(f"no free username for {len(pending)} pupils", slug="username-taken")
    by_stem: dict[str, list[_Account]] = defaultdict(list)
    for account in accounts:
        if not account.row.student_no:
            by_stem[roster.class_username_stem(*account.row.class_key)].append(account)
    for stem, group in by_stem.items():
        taken = await store.usernames_starting_with(stem)
        number = 0
        for account in group:
            number += 1
            while f"{stem}{number}" in taken or f"{stem}{number}" in assigned:
                number += 1
            account.user["username"] = f"{stem}{number}"
            assigned.add(account.user["username"])


# creating accounts ----------------------------------------------------------------------------


async def _create_accounts(
    identity: Identity, tenant: Tenant, store: IdentityStore, accounts: list[_Account]
) -> None:
    """Insert the new accounts a chunk per transaction, each with its registered event.

    Passwords for every chunk are hashed in threads from the start (argon2 releases the
    GIL), so hashing chunk n+1 overlaps writing chunk n."""
    chunks = list(_chunks(accounts, CHUNK_SIZE))
    jobs = [
        [
            asyncio.create_task(asyncio.to_thread(_issue_passwords, identity.one_time, len(part)))
            for part in _chunks(chunk, HASH_BATCH)
        ]
        for chunk in chunks
    ]
    try:
        for chunk, job in zip(chunks, jobs, strict=True):
            issued = [pair for batch in await asyncio.gather(*job) for pair in batch]
            for account, (password, hashed) in zip(chunk, issued, strict=True):
                account.password = password
                account.user["password_hash"] = hashed
            await _insert_chunk(identity, tenant, store, chunk)
    finally:
        for job in jobs:
            for task in job:
                task.cancel()


def _issue_passwords(one_time: OneTimePasswords, count: int) -> list[tuple[str, str]]:
    passwords = [one_time_password() for _ in range(count)]
    return [(p, one_time.hash(p)) for p in passwords]


async def _insert_chunk(
    identity: Identity, tenant: Tenant, store: IdentityStore, chunk: Sequence[_Account]
) -> None:
    for attempt in range(1, INSERT_ATTEMPTS + 1):
        try:
            async with identity.mongo.for_tenant(tenant).unit_of_work() as uow:
                await IdentityStore.within(uow).insert_users([a.user for a in chunk])
                for account in chunk:
                    uow.record(
                        registered_event(account.user, via="roster"), subject=account.user["_id"]
                    )
            return
        except (DuplicateKeyError, BulkWriteError):
            # A username was taken since it was chosen (an admin created one): choose again.
            if attempt == INSERT_ATTEMPTS:
                raise
            await _allocate_usernames(store, chunk)


# locks and keys -------------------------------------------------------------------------------

_RELEASE = """
local released = 0
for _, key in ipairs(KEYS) do
  if redis.call('get', key) == ARGV[1] then released = released + redis.call('del', key) end
end
return released
"""


@asynccontextmanager
async def _school_locks(
    identity: Identity, tenant: Tenant, school_ids: Sequence[str]
) -> AsyncIterator[None]:
    """One import per school at a time (a double-clicked upload must not register every
    pupil twice). Fails fast with 409 rather than queueing."""
    token = uuid.uuid4().hex
    keys = [f"{identity.redis_prefix}t:{tenant.id}:roster-lock:{s}" for s in school_ids]
    if keys:
        async with identity.redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.set(key, token, nx=True, ex=LOCK_SECONDS)
            acquired = await pipe.execute()
        if not all(acquired):
            await identity.redis.eval(_RELEASE, len(keys), *keys, token)
            raise RosterImportRunning(
                "a roster import for this school is running; try again when it has finished",
                headers={"Retry-After": "10"},
            )
    try:
        yield
    finally:
        if keys:
            await identity.redis.eval(_RELEASE, len(keys), *keys, token)


def _sheet_key(identity: Identity, tenant: Tenant, import_id: str) -> str:
    return f"{identity.redis_prefix}t:{tenant.id}:roster:{import_id}"


def _chunks(items: Sequence[T], size: int) -> Iterable[Sequence[T]]:
    return (items[i : i + size] for i in range(0, len(items), size))
