"""Roster use cases: schools, classes and their teachers, class lists, and bulk registration
(学校管理员统一注册): a roster file in, pupil accounts and a credentials sheet out.

The import is sized for a 5,000-pupil school on a slow Mongo-wire server where every round
trip costs: the district's schools are read once, existing pupils in bulk per school,
accounts are inserted 1,000 at a time with their `identity.user.registered` events in the
same transaction, and one-time passwords are hashed in threads while earlier chunks are
written.

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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from xbt_identity.accounts.domain import User, one_time_password
from xbt_identity.accounts.service import OneTimePasswords, register_accounts
from xbt_identity.events import RosterImported
from xbt_identity.roster import domain
from xbt_identity.roster.domain import (
    ClassKey,
    Member,
    ParsedRoster,
    PlacedPupil,
    RowError,
    School,
    SchoolClass,
    ValidRow,
)
from xbt_identity.roster.store import ImportLocked, ImportScratch, RosterStore
from xbt_identity.settings import IdentitySettings
from xbt_shared.caller import Caller
from xbt_shared.clock import now_ms
from xbt_shared.curriculum import SUBJECTS
from xbt_shared.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    TooManyRequests,
    Unprocessable,
)
from xbt_shared.mongo import Mongo, UnitOfWork
from xbt_shared.tenancy import Tenant
from xbt_shared.transactions import CONCURRENT_INSERT

CHUNK_SIZE = 1_000  # accounts (and their events) per transaction
LOOKUP_CHUNK = 200  # values per $in: the Mongo-wire server slows down on long lists
HASH_BATCH = 250  # one-time passwords hashed per thread job
CREDENTIALS_TTL = timedelta(hours=24)
LOCK_SECONDS = 600
USERNAME_ATTEMPTS = 10
IMPORT_ID = re.compile(r"[0-9a-f]{32}")
INSERT_ATTEMPTS = 3
# A roster zip may inflate to this much in all (and an import holds about this much while
# reading one): a 20,000-row workbook's parts come to about 6 MiB. What a zip states about
# its sizes is not believed (see roster/unpack.py).
MAX_UNPACKED_BYTES = 32 * 1024 * 1024
# Imports one process runs at once: each holds its file, its rows and a hashing thread's
# work; more would queue behind each other in the threads while holding their memory.
CONCURRENT_IMPORTS = 2
BUSY_RETRY_SECONDS = 10

T = TypeVar("T")


class RosterImportRunning(Conflict):
    slug, title = "roster-import-running", "A roster import is running"


class RosterImportsBusy(TooManyRequests):
    slug, title = "roster-imports-busy", "Roster imports are busy"


@dataclass(frozen=True)
class ClassList:
    klass: SchoolClass
    teachers: list[tuple[str, str | None, list[str]]]  # user id, name, subjects
    students: list[Member]


@dataclass(frozen=True)
class MyClass:
    klass: SchoolClass
    my_role: str
    my_subjects: list[str]


@dataclass(frozen=True)
class ImportResult:
    import_id: str
    format: str
    rows: int
    placed: list[PlacedPupil]
    errors: list[RowError]
    classes_created: int
    credentials_expire_at: datetime

    @property
    def created(self) -> int:
        return sum(p.status == "created" for p in self.placed)


class Roster:
    """The roster use cases, built once in the lifespan."""

    def __init__(
        self,
        *,
        settings: IdentitySettings,
        mongo: Mongo,
        scratch: ImportScratch,
        one_time: OneTimePasswords,
    ) -> None:
        self.settings = settings
        self.mongo = mongo
        self.scratch = scratch
        self.one_time = one_time
        # Per process, checked without waiting: a full one answers 429 at once rather than
        # holding the upload in memory until a slot frees.
        self.import_slots = asyncio.Semaphore(CONCURRENT_IMPORTS)

    def _store(self, tenant: Tenant) -> RosterStore:
        return RosterStore(self.mongo.for_tenant(tenant))

    # what other features read ----------------------------------------------------------------

    async def school(self, tenant: Tenant, school_id: str) -> School | None:
        return await self._store(tenant).school(school_id)

    async def schools_by_ids(self, tenant: Tenant, school_ids: Sequence[str]) -> list[School]:
        return await self._store(tenant).schools_by_ids(school_ids) if school_ids else []

    async def classes_by_ids(self, tenant: Tenant, class_ids: Sequence[str]) -> list[SchoolClass]:
        return await self._store(tenant).classes_by_ids(class_ids)

    # schools and classes ---------------------------------------------------------------------

    async def list_schools(self, caller: Caller) -> list[School]:
        if caller.principal.is_guest:
            raise Forbidden("not available to the guest account")
        return await RosterStore(caller.db).schools()

    async def create_school(
        self, caller: Caller, *, name: str, grades: tuple[int, int], code: str | None
    ) -> School:
        problem = domain.grade_range_problem(grades)
        if problem is not None:
            raise Unprocessable(
                "grades must be a range within 1-12",
                errors=[{"field": "body.grades", "message": problem}],
            )
        school = School(
            id=code or f"s_{uuid.uuid4().hex[:10]}",
            name=name.strip(),
            grades=grades,
            created_at=now_ms(),
        )
        try:
            await RosterStore(caller.db).insert_school(school)
        except CONCURRENT_INSERT as exc:
            raise Conflict(f"a school named {name!r} or with that code exists") from exc
        return school

    async def school_classes(self, caller: Caller, school_id: str) -> list[SchoolClass]:
        _require_school_scope(caller, school_id)
        return await RosterStore(caller.db).classes_of_school(school_id)

    async def create_class(
        self, caller: Caller, *, school_id: str, grade: int, number: int
    ) -> SchoolClass:
        _require_school_scope(caller, school_id)
        store = RosterStore(caller.db)
        school = await store.school(school_id)
        if school is None:
            raise NotFound("no such school")
        if not school.teaches(grade):
            low, high = school.grades
            raise Unprocessable(
                f"{school.name} teaches grades {low}-{high}",
                errors=[{"field": "body.grade", "message": "not taught at this school"}],
            )
        klass = SchoolClass.new(school_id, grade, number, at=now_ms())
        try:
            await store.insert_class(klass)
        except CONCURRENT_INSERT as exc:
            raise Conflict(f"{klass.name} exists at this school") from exc
        return klass

    async def assign_teacher(
        self, caller: Caller, class_id: str, *, user_id: str, subjects: list[str]
    ) -> SchoolClass:
        store = RosterStore(caller.db)
        klass = await store.class_(class_id)
        if klass is None:
            raise NotFound("no such class")
        _require_school_scope(caller, klass.school_id)
        unknown = [s for s in subjects if s not in SUBJECTS]
        if unknown or not subjects:
            raise Unprocessable(
                f"unknown subjects: {unknown}" if unknown else "name at least one subject",
                errors=[{"field": "body.subjects", "message": "subjects from the curriculum"}],
            )
        teacher = await store.member(user_id)
        if teacher is None or "teacher" not in teacher.roles:
            raise Unprocessable(
                "no such teacher", errors=[{"field": "body.user_id", "message": "not a teacher"}]
            )
        if teacher.school_id != klass.school_id:
            raise Unprocessable(
                "the teacher belongs to another school",
                errors=[{"field": "body.user_id", "message": "other school"}],
            )

        async def assign(uow: UnitOfWork) -> None:
            await RosterStore.within(uow).assign_teacher(class_id, user_id, subjects)

        await caller.transaction(assign)
        updated = await store.class_(class_id)
        assert updated is not None
        return updated

    async def class_list(self, caller: Caller, class_id: str) -> ClassList:
        store = RosterStore(caller.db)
        klass = await store.class_(class_id)
        principal = caller.principal
        if klass is None or not domain.may_read_roster(
            roles=principal.roles, school=principal.school, user_id=principal.user_id, klass=klass
        ):
            raise NotFound("no such class")
        pupils = await store.students_of_class(class_id)
        names = {m.id: m.name for m in await store.members([t.user_id for t in klass.teachers])}
        teachers = [(t.user_id, names.get(t.user_id), t.subjects) for t in klass.teachers]
        return ClassList(klass, teachers, pupils)

    async def class_pupils(self, caller: Caller, class_id: str) -> ClassList:
        """A class's pupils, for its readers and for xbt's services (`domain.may_read_pupils`);
        another district's class, or one out of reach, is missing."""
        store = RosterStore(caller.db)
        klass = await store.class_(class_id)
        principal = caller.principal
        if klass is None or not domain.may_read_pupils(
            roles=principal.roles, school=principal.school, user_id=principal.user_id, klass=klass
        ):
            raise NotFound("no such class")
        return ClassList(klass, [], await store.students_of_class(class_id))

    async def my_classes(self, caller: Caller) -> list[MyClass]:
        # One's own classes live in one's own tenant, whichever tenant the request names.
        store = self._store(Tenant(caller.principal.tenant))
        me = await store.member(caller.user_id)
        if me is None:
            return []
        classes = await store.classes_by_ids(me.class_ids_with_teaching())
        return [
            MyClass(
                c,
                "teacher" if c.id in me.teaching else "student",
                me.teaching.get(c.id, []),
            )
            for c in classes
        ]

    # bulk registration -----------------------------------------------------------------------

    async def import_roster(self, caller: Caller, *, content: bytes) -> ImportResult:
        """Register the pupils of a roster file; bad rows are reported, good rows imported."""
        if self.import_slots.locked():
            raise RosterImportsBusy(
                "同时进行的名单导入已达上限，请稍后再试", retry_after=BUSY_RETRY_SECONDS
            )
        async with self.import_slots:
            return await self._import(caller, content)

    async def _import(self, caller: Caller, content: bytes) -> ImportResult:
        parsed = await self._read(content)
        store = RosterStore(caller.db)
        principal = caller.principal
        valid, errors = domain.check_rows(
            parsed.rows,
            schools=await store.schools(),
            only_school=domain.only_school_of(roles=principal.roles, school=principal.school),
        )
        errors = [*parsed.errors, *errors]
        import_id = uuid.uuid4().hex
        school_ids = sorted({v.school.id for v in valid})
        try:
            async with self.scratch.locked(
                caller.tenant.id, school_ids, token=uuid.uuid4().hex, seconds=LOCK_SECONDS
            ):
                classes, classes_created = await _ensure_classes(store, valid)
                existing = await _existing_pupils(store, valid, classes)
                placed, placing_errors = domain.place_rows(
                    valid, classes, existing, by=caller.user_id, import_id=import_id, at=now_ms()
                )
                errors.extend(placing_errors)
                created = [p for p in placed if p.status == "created"]
                await _allocate_usernames(store, created)
                await self._create_accounts(caller, store, created)
                summary = RosterImported(
                    import_id=import_id,
                    school_ids=school_ids,
                    created=len(created),
                    existing=len(placed) - len(created),
                    rejected=len(errors),
                    classes_created=classes_created,
                    by=caller.user_id,
                )
                await caller.transaction(lambda uow: _move_and_record(uow, placed, summary))
        except ImportLocked as exc:
            raise RosterImportRunning(
                "a roster import for this school is running; try again when it has finished",
                headers={"Retry-After": "10"},
            ) from exc
        entries = [p.sheet_entry() for p in placed]
        await self.scratch.put_sheet(
            caller.tenant.id,
            import_id,
            json.dumps({"by": caller.user_id, "accounts": entries}, ensure_ascii=False),
            ttl=CREDENTIALS_TTL,
        )
        errors.sort(key=lambda e: (e.sheet or "", e.row))
        return ImportResult(
            import_id=import_id,
            format=parsed.format,
            rows=parsed.row_count,
            placed=placed,
            errors=errors,
            classes_created=classes_created,
            credentials_expire_at=now_ms() + CREDENTIALS_TTL,
        )

    async def credentials(self, caller: Caller, import_id: str) -> list[dict[str, Any]]:
        """The credentials sheet of an import: for whoever imported it and district admins."""
        raw = None
        if IMPORT_ID.fullmatch(import_id):
            raw = await self.scratch.sheet(caller.tenant.id, import_id)
        if raw is None:
            raise NotFound("no such roster import, or its credentials sheet expired (24 h)")
        sheet = json.loads(raw)
        if sheet["by"] != caller.user_id and not caller.has_role("district_admin", "city_admin"):
            raise NotFound("no such roster import, or its credentials sheet expired (24 h)")
        accounts: list[dict[str, Any]] = sheet["accounts"]
        return accounts

    async def _read(self, content: bytes) -> ParsedRoster:
        settings = self.settings
        try:
            parsed = await asyncio.to_thread(
                domain.read_roster,
                content,
                max_rows=settings.roster_max_rows,
                max_unpacked_bytes=MAX_UNPACKED_BYTES,
            )
        except domain.MissingColumns as exc:
            raise Unprocessable(
                str(exc), slug="roster-missing-columns", missing_columns=exc.missing
            ) from exc
        except domain.RosterUnpacksTooLarge as exc:
            raise PayloadTooLarge(
                str(exc), slug="roster-unpacks-too-large", max_unpacked_bytes=MAX_UNPACKED_BYTES
            ) from exc
        except domain.TooManyRows as exc:
            raise Unprocessable(
                str(exc), slug="roster-too-many-rows", max_rows=exc.max_rows
            ) from exc
        except domain.RosterFileError as exc:
            raise Unprocessable(str(exc), slug="roster-unreadable") from exc
        if parsed.row_count == 0:
            raise Unprocessable("the roster lists no pupils", slug="roster-empty")
        return parsed

    async def _create_accounts(
        self, caller: Caller, store: RosterStore, placed: list[PlacedPupil]
    ) -> None:
        """Insert the new accounts a chunk per transaction, each with its registered event.

        Passwords for every chunk are hashed in threads from the start (argon2 releases the
        GIL), so hashing chunk n+1 overlaps writing chunk n."""
        chunks = list(_chunks(placed, CHUNK_SIZE))
        jobs = [
            [
                asyncio.create_task(asyncio.to_thread(_issue_passwords, self.one_time, len(part)))
                for part in _chunks(chunk, HASH_BATCH)
            ]
            for chunk in chunks
        ]
        try:
            for chunk, job in zip(chunks, jobs, strict=True):
                issued = [pair for batch in await asyncio.gather(*job) for pair in batch]
                for pupil, (password, hashed) in zip(chunk, issued, strict=True):
                    pupil.password = password
                    _new_account(pupil).password_hash = hashed
                await _insert_chunk(caller, store, chunk)
        finally:
            for job in jobs:
                for task in job:
                    task.cancel()


def _require_school_scope(caller: Caller, school_id: str) -> None:
    principal = caller.principal
    if not domain.administers_school(
        roles=principal.roles, school=principal.school, school_id=school_id
    ):
        raise Forbidden("you administer another school")


async def _move_and_record(
    uow: UnitOfWork, placed: Sequence[PlacedPupil], summary: RosterImported
) -> None:
    """Move the pupils whose class changed and record the import, in one transaction."""
    moves: dict[str, list[str]] = defaultdict(list)
    for pupil in placed:
        if pupil.moved:
            moves[pupil.klass.id].append(pupil.account.id)
    store = RosterStore.within(uow)
    for class_id, user_ids in moves.items():
        await store.move_students(user_ids, class_id)
    uow.record(summary, subject=summary.import_id)


# classes and existing pupils ------------------------------------------------------------------


async def _ensure_classes(
    store: RosterStore, valid: Sequence[ValidRow]
) -> tuple[dict[ClassKey, SchoolClass], int]:
    """Every class the rows name, creating the missing ones (one read and one write per
    school). Returns the classes of those schools by key, and how many were created."""
    classes: dict[ClassKey, SchoolClass] = {}
    created = 0
    now = now_ms()
    for school_id in sorted({v.school.id for v in valid}):
        known = await _classes_of(store, school_id)
        wanted = sorted({v.class_key for v in valid if v.school.id == school_id} - known.keys())
        fresh = [SchoolClass.new(*key, at=now) for key in wanted]
        inserted = await store.insert_missing_classes(fresh)
        created += inserted
        if inserted < len(fresh):  # someone created one of them meanwhile
            known = await _classes_of(store, school_id)
        else:
            known.update(zip(wanted, fresh, strict=True))
        classes.update(known)
    return classes, created


async def _classes_of(store: RosterStore, school_id: str) -> dict[ClassKey, SchoolClass]:
    return {c.key: c for c in await store.classes_of_school(school_id)}


async def _existing_pupils(
    store: RosterStore, valid: Sequence[ValidRow], classes: dict[ClassKey, SchoolClass]
) -> dict[int, list[Member]]:
    """Accounts the rows already have, by index into `valid`: by school and 学号, or for rows
    without 学号 by class and name. A few bulk reads per school."""
    found: dict[int, list[Member]] = {}
    by_school: dict[str, list[int]] = defaultdict(list)
    for index, row in enumerate(valid):
        by_school[row.school.id].append(index)
    for school_id, indexes in by_school.items():
        numbered = [i for i in indexes if valid[i].student_no]
        for part in _chunks(numbered, LOOKUP_CHUNK):
            numbers = [valid[i].student_no or "" for i in part]
            by_no: dict[str, list[Member]] = defaultdict(list)
            for member in await store.by_student_no(school_id, numbers):
                by_no[member.student_no or ""].append(member)
            for i in part:
                if by_no.get(valid[i].student_no or ""):
                    found[i] = by_no[valid[i].student_no or ""]
        unnumbered = [i for i in indexes if not valid[i].student_no]
        for part in _chunks(unnumbered, LOOKUP_CHUNK):
            class_ids = {classes[valid[i].class_key].id for i in part}
            names = {valid[i].name for i in part}
            members = await store.students_named_in_classes(
                school_id, sorted(class_ids), sorted(names)
            )
            by_place: dict[tuple[str, str], list[Member]] = defaultdict(list)
            for member in members:
                for class_id in member.class_ids:
                    by_place[(class_id, member.name)].append(member)
            for i in part:
                place = (classes[valid[i].class_key].id, valid[i].name)
                if by_place.get(place):
                    found[i] = by_place[place]
    return found


# usernames ------------------------------------------------------------------------------------


async def _allocate_usernames(store: RosterStore, placed: Sequence[PlacedPupil]) -> None:
    """Usernames unique in the tenant: `<school><学号>` (then `-2`, `-3`, ... if taken), or for
    pupils without 学号 `<school>-<grade>-<class>-<n>`, numbered after those in use."""
    assigned: set[str] = set()
    attempt: dict[PlacedPupil, int] = {}
    pending = [p for p in placed if p.row.student_no]
    for _ in range(USERNAME_ATTEMPTS):
        if not pending:
            break
        wanted = {
            p: domain.student_username(p.row.school.id, p.row.student_no or "", attempt.get(p, 1))
            for p in pending
        }
        taken: set[str] = set()
        for part in _chunks(sorted(set(wanted.values())), LOOKUP_CHUNK):
            taken |= await store.usernames_taken(part)
        retry = []
        for pupil in pending:
            name = wanted[pupil]
            if name in taken or name in assigned:
                attempt[pupil] = attempt.get(pupil, 1) + 1
                retry.append(pupil)
            else:
                _new_account(pupil).username = name
                assigned.add(name)
        pending = retry
    if pending:
        raise Conflict(f"no free username for {len(pending)} pupils", slug="username-taken")
    by_stem: dict[str, list[PlacedPupil]] = defaultdict(list)
    for pupil in placed:
        if not pupil.row.student_no:
            by_stem[domain.class_username_stem(*pupil.row.class_key)].append(pupil)
    for stem, group in by_stem.items():
        taken = await store.usernames_starting_with(stem)
        number = 0
        for pupil in group:
            number += 1
            while f"{stem}{number}" in taken or f"{stem}{number}" in assigned:
                number += 1
            _new_account(pupil).username = f"{stem}{number}"
            assigned.add(f"{stem}{number}")


# creating accounts ----------------------------------------------------------------------------


def _new_account(pupil: PlacedPupil) -> User:
    assert isinstance(pupil.account, User), "only a created pupil has a new account"
    return pupil.account


def _issue_passwords(one_time: OneTimePasswords, count: int) -> list[tuple[str, str]]:
    passwords = [one_time_password() for _ in range(count)]
    return [(p, one_time.hash(p)) for p in passwords]


async def _insert_chunk(caller: Caller, store: RosterStore, chunk: Sequence[PlacedPupil]) -> None:
    accounts = [_new_account(p) for p in chunk]
    first_try = True

    async def insert(uow: UnitOfWork) -> None:
        nonlocal first_try
        if not first_try:
            # A username was taken since it was chosen (an admin created one): choose again.
            await _allocate_usernames(store, chunk)
        first_try = False
        await register_accounts(uow, accounts, via="roster")

    await caller.transaction(insert, tries=INSERT_ATTEMPTS, retry_on=CONCURRENT_INSERT)


def _chunks(items: Sequence[T], size: int) -> Iterable[Sequence[T]]:
    return (items[i : i + size] for i in range(0, len(items), size))
