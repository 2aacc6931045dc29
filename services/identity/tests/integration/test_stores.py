"""Every tenant store is bound to one district's database and Redis keys: what district A
writes, district B's store does not see. The platform stores (OIDC clients and codes, the
signing keys) deliberately span tenants: one key signs every district's tokens, and a
platform is registered once for the whole city."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from redis.asyncio import Redis

from xbt_identity.accounts.domain import GuestWindow, LoginPolicy, LoginRecord, User
from xbt_identity.accounts.store import (
    GuestWindowCache,
    LoginAttempts,
    RefreshRejected,
    RefreshTokens,
    UserStore,
)
from xbt_identity.keys.store import SigningKeyStore
from xbt_identity.oidc.domain import Client
from xbt_identity.oidc.store import AuthorizationCodes, ClientStore
from xbt_identity.roster.domain import School, SchoolClass
from xbt_identity.roster.store import ImportLocked, ImportScratch, RosterStore
from xbt_shared.mongo import Mongo
from xbt_shared.tenancy import ALL_TENANTS, Tenant
from xbt_shared.transactions import CONCURRENT_INSERT

NOW = datetime(2020, 2, 17, 8, tzinfo=UTC)


def pupil(user_id: str, username: str, *, class_id: str = "c-1") -> User:
    return User(
        id=user_id,
        username=username,
        name="李明",
        roles=["student"],
        school_id="s-1",
        class_ids=[class_id],
        student_no="2019080101",
        created_at=NOW,
    )


async def user_stores(mongo: Mongo, tenant: Tenant, other: Tenant) -> tuple[UserStore, UserStore]:
    mine, theirs = UserStore(mongo.for_tenant(tenant)), UserStore(mongo.for_tenant(other))
    await mine.ensure_indexes()
    await theirs.ensure_indexes()
    return mine, theirs


async def test_accounts(mongo: Mongo, tenant: Tenant, other_tenant: Tenant) -> None:
    mine, theirs = await user_stores(mongo, tenant, other_tenant)
    await mine.insert_many([pupil("u-a", "student1")])
    await mine.put_guest_window(
        GuestWindow(enabled=True, valid_until=NOW + timedelta(days=1)), by="u-admin", at=NOW
    )
    assert (await mine.by_username("student1")) is not None
    assert await theirs.by_id("u-a") is None
    assert await theirs.by_username("student1") is None
    assert await theirs.page(school_id=None, role=None, page=1, size=50) == ([], 0)
    assert await theirs.update("u-a", {"name": "x"}) is None
    assert await theirs.guest_window() == GuestWindow()
    # Usernames are unique per district: B may have its own student1.
    await theirs.insert(pupil("u-b", "student1"))
    assert (await mine.by_id("u-a")) is not None
    assert (await mine.by_id("u-b")) is None


async def test_a_taken_username_is_a_concurrent_insert(
    mongo: Mongo, tenant: Tenant, other_tenant: Tenant
) -> None:
    mine, _ = await user_stores(mongo, tenant, other_tenant)
    await mine.insert(pupil("u-a", "student1"))
    # One account or many: the same error, which use cases turn into 409 username-taken.
    with pytest.raises(CONCURRENT_INSERT):
        await mine.insert_many([pupil("u-b", "student1")])
    with pytest.raises(CONCURRENT_INSERT):
        await mine.insert_many([pupil("u-c", "student3"), pupil("u-d", "student1")])
    with pytest.raises(CONCURRENT_INSERT):
        await mine.insert(pupil("u-e", "student1"))


async def test_kept_guest_windows_are_each_tenant_s_own(
    redis: Redis, redis_prefix: str, tenant: Tenant, other_tenant: Tenant
) -> None:
    cache = GuestWindowCache(redis, prefix=redis_prefix, ttl_seconds=30)
    window = GuestWindow(enabled=True, valid_from=NOW, valid_until=NOW + timedelta(hours=2))
    await cache.keep({tenant.id: window})
    assert await cache.windows([tenant.id, other_tenant.id]) == [window, None]
    assert 0 < await redis.ttl(f"{redis_prefix}t:{tenant.id}:guest_window") <= 30
    await cache.forget(other_tenant.id)
    assert await cache.windows([tenant.id]) == [window]
    await cache.forget(tenant.id)
    assert await cache.windows([tenant.id]) == [None]


async def test_kept_guest_windows_without_redis_are_read_afresh(tenant: Tenant) -> None:
    gone = Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    try:
        cache = GuestWindowCache(gone, prefix="x:", ttl_seconds=30)
        assert await cache.windows([tenant.id]) == [None]
        await cache.keep({tenant.id: GuestWindow()})  # nothing kept, nothing raised
    finally:
        await gone.aclose()


async def test_login_bookkeeping(
    redis: Redis, redis_prefix: str, tenant: Tenant, other_tenant: Tenant
) -> None:
    attempts = LoginAttempts(redis, prefix=redis_prefix)
    policy = LoginPolicy(client_limit=2, window_ms=60_000, lock_ms=60_000)
    now = int(time.time() * 1000)
    for _ in range(2):
        await attempts.failed(tenant.id, "student1", "10.0.0.1", policy=policy, now_ms=now)
    await attempts.succeeded(tenant.id, "teacher1", "10.0.0.1", "u-a")
    mine = await attempts.record(tenant.id, "student1", "10.0.0.1", policy=policy, now_ms=now)
    assert mine.failures == mine.client_failures == 2
    assert mine.client_locked_until_ms == now + 60_000 == mine.locked_until_ms
    # Another client of the same account: the account's failures, not the lock.
    other = await attempts.record(tenant.id, "student1", "10.0.0.2", policy=policy, now_ms=now)
    assert other.failures == 2 and other.client_failures == 0
    assert other.client_locked_until_ms == 0
    elsewhere = await attempts.record(
        other_tenant.id, "student1", "10.0.0.1", policy=policy, now_ms=now
    )
    assert elsewhere == LoginRecord()
    (listed, quiet) = await attempts.accounts(tenant.id, ["student1", "teacher1"])
    assert listed is not None and listed.failures == 2 and quiet is None
    await attempts.unlock(tenant.id, "student1")
    assert await attempts.accounts(tenant.id, ["student1"]) == [None]
    assert (await attempts.last_logins(tenant.id, ["u-a"]))[0] is not None
    assert await attempts.last_logins(other_tenant.id, ["u-a"]) == [None]


async def test_refresh_tokens(
    redis: Redis, redis_prefix: str, tenant: Tenant, other_tenant: Tenant
) -> None:
    tokens = RefreshTokens(redis, prefix=redis_prefix, ttl=60)
    family, secret = await tokens.start_family(tenant.id, "u-a", auth_time=0)
    assert await tokens.lookup(tenant.id, secret) is not None
    assert await tokens.lookup(other_tenant.id, secret) is None
    with pytest.raises(RefreshRejected):
        await tokens.rotate(other_tenant.id, secret, now_ms=1_000)
    assert await tokens.revoke_user(other_tenant.id, "u-a") == 0
    assert not await tokens.active(other_tenant.id, family)
    first = await tokens.rotate(tenant.id, secret, now_ms=1_000)
    assert first.successor and first.record.family == family
    # The same token again: when it was rotated, for the use case to judge.
    again = await tokens.rotate(tenant.id, secret, now_ms=2_000)
    assert again.successor is None and again.rotated_at_ms == 1_000
    await tokens.keep_pair(tenant.id, secret, "sealed", ttl_ms=5_000)
    assert await tokens.kept_pair(tenant.id, secret, wait_seconds=0) == "sealed"
    assert await tokens.kept_pair(other_tenant.id, secret, wait_seconds=0) is None
    assert await tokens.active(tenant.id, family)
    assert await tokens.password_failure(tenant.id, family) == 1
    await tokens.revoke_family(tenant.id, family)
    assert not await tokens.active(tenant.id, family)


async def test_colleagues(mongo: Mongo, tenant: Tenant, other_tenant: Tenant) -> None:
    mine, theirs = await user_stores(mongo, tenant, other_tenant)
    teacher = User(id="u-t", username="teacher1", name="张老师", roles=["teacher"])
    await mine.insert_many([pupil("u-a", "student1"), teacher])

    async def staff(store: UserStore, **find: Any) -> tuple[list[str], int]:
        found, total = await store.colleagues(
            roles={"teacher"}, excluded_roles={"student"}, page=1, size=10, **find
        )
        return [u.id for u in found], total

    assert await staff(mine, search="张") == (["u-t"], 1)
    assert await staff(mine, ids=["u-a", "u-t"]) == (["u-t"], 1)
    assert await staff(theirs) == ([], 0)
    assert await staff(theirs, ids=["u-t"]) == ([], 0)


async def test_schools_classes_and_members(
    mongo: Mongo, tenant: Tenant, other_tenant: Tenant
) -> None:
    users, _ = await user_stores(mongo, tenant, other_tenant)
    mine = RosterStore(mongo.for_tenant(tenant))
    theirs = RosterStore(mongo.for_tenant(other_tenant))
    await mine.insert_school(School("s-1", "和平区实验中学", (7, 12), NOW))
    await mine.insert_class(SchoolClass("c-1", "s-1", 8, 1, created_at=NOW))
    assert await mine.insert_missing_classes([SchoolClass("c-2", "s-1", 8, 2)]) == 1
    await users.insert(pupil("u-a", "hpsyzx2019080101"))
    assert await mine.member("u-a") is not None
    assert await theirs.school("s-1") is None
    assert await theirs.schools() == []
    assert [s.name for s in await mine.schools_by_ids(["s-1", "s-x"])] == ["和平区实验中学"]
    assert await theirs.schools_by_ids(["s-1"]) == []
    assert await theirs.class_("c-1") is None
    assert await theirs.classes_by_ids(["c-1", "c-2"]) == []
    assert await theirs.classes_of_school("s-1") == []
    assert await theirs.member("u-a") is None
    assert await theirs.members(["u-a"]) == []
    assert await theirs.students_of_class("c-1") == []
    assert await theirs.by_student_no("s-1", ["2019080101"]) == []
    assert await theirs.students_named_in_classes("s-1", ["c-1"], ["李明"]) == []
    assert await theirs.usernames_taken(["hpsyzx2019080101"]) == set()
    assert await theirs.usernames_starting_with("hpsyzx") == set()


async def test_import_sheets_and_locks(
    redis: Redis, redis_prefix: str, tenant: Tenant, other_tenant: Tenant
) -> None:
    scratch = ImportScratch(redis, prefix=redis_prefix)
    await scratch.put_sheet(tenant.id, "i-1", '{"by": "u-a"}', ttl=timedelta(minutes=1))
    assert await scratch.sheet(tenant.id, "i-1") is not None
    assert await scratch.sheet(other_tenant.id, "i-1") is None
    async with scratch.locked(tenant.id, ["s-1"], token="t-a", seconds=60):
        # The same school id in another district is another school: not locked.
        async with scratch.locked(other_tenant.id, ["s-1"], token="t-b", seconds=60):
            pass
        with pytest.raises(ImportLocked):
            async with scratch.locked(tenant.id, ["s-1"], token="t-c", seconds=60):
                pass


async def test_platform_stores_are_deliberately_not_per_tenant(
    mongo: Mongo, redis: Redis, redis_prefix: str
) -> None:
    """OIDC clients and the signing keys live in `identity_platform`, and the code store's
    keys name no tenant: a store of them takes no tenant, so none can be forgotten."""
    clients = ClientStore(mongo)
    platform = Client(
        id="plat_1",
        name="智慧教育平台",
        description="",
        homepage_url=None,
        redirect_uris=("https://p.example.cn/cb",),
        public=True,
        allowed_tenants=None,
        guest_visible=False,
        created_at=NOW,
    )
    await clients.insert(platform)
    keys = SigningKeyStore(mongo)
    await keys.add_unless_present("current", alg="ES256", pem="first")
    await keys.add_unless_present("current", alg="ES256", pem="second")  # another replica
    assert await ClientStore(mongo).get("plat_1") == platform
    assert await SigningKeyStore(mongo).pem("current") == "first"
    for tenant in ALL_TENANTS:
        tdb = mongo.for_tenant(tenant)
        assert await tdb["oidc_clients"].count_documents({}) == 0
        assert await tdb["signing_keys"].count_documents({}) == 0
    codes = AuthorizationCodes(redis, prefix=redis_prefix)
    await codes.put("code-1", '{"tenant": "heping"}', ttl=60)
    stored = [k async for k in redis.scan_iter(match=f"{redis_prefix}*")]
    assert stored and all(k.startswith(f"{redis_prefix}platform:oidc:") for k in stored)
    assert await codes.redeem("code-1") == '{"tenant": "heping"}'
    assert await codes.redeem("code-1") is None
