"""Benchmark 5: the deadline burst — N pupils hand in the same task within seconds.

One class of N pupils (2,000 in a full run) in the bench tenant and their teacher are
written straight into identity's database (as the login bench does). Their access tokens
are issued with identity's own code and key (`TokenIssuer`, `access_claims`, the signing key
identity keeps in its platform database), the claims a login gives, checked against one real
login: logging 2,000 pupils in would spend half a minute on argon2, which the login bench
measures already. The teacher sets one task through the gateway (two demo bank items and a
demo resource, checked against the real catalog); then every pupil POSTs one submission
through the gateway with its own `Idempotency-Key`, `BURST_CONCURRENCY` at a time:

- every `RETRY_EVERY`-th pupil sends the same request again once the answer arrives (the
  answer was lost on the way), and must get the first answer back, marked replayed;
- every `DOUBLE_TAP_EVERY`-th pupil sends it twice at once (a double tap), and must end with
  one submission either way (the second is a replay, or a 409 "try again").

The task allows 3 attempts, so a retry that slipped past the idempotency key would be stored
as a second attempt and counted, not refused by the attempt limit.

Afterwards: the submissions stored in `tasks_<tenant>.submissions` for the task (exactly N,
each with one attempt), and the `tasks.submission.created` events the tasks service's outbox
relay published, read from a queue this bench owns on its own exchange, bound before the
burst (exactly N distinct submissions, one event each).

The throughput target compares the burst with the cheapest authenticated write the suite has,
measured through the same gateway in the same run: a pupil's lesson progress report (`PUT
/api/catalog/v1/courses/{id}/lessons/{id}/progress`: token checks, one cached Redis read,
one MongoDB upsert, no transaction and no event). A submission does more by design (the
task, the key and the pupil's earlier work read; key, submission and outbox row written in
one transaction; the event published), and the target asks that this costs at most half the
rate. The same submission route refused at validation (422: gateway, token check, body
parse, nothing read or written) is measured too, as the floor of the route itself.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aio_pika
import aiohttp
import jwt

from tests.bench.cpu import CpuMeter
from tests.bench.load import (
    REQUEST_TIMEOUT_SECONDS,
    LoadResult,
    LoadSpec,
    Request,
    Scenario,
)
from tests.bench.login import JSON_HEADERS, LOGIN_PATH, PASSWORD, TENANT
from tests.bench.report import Check
from xbt_identity.accounts.domain import access_claims
from xbt_identity.accounts.store import USERS, user_from_doc
from xbt_identity.keys.service import TokenIssuer, load_signing_key
from xbt_identity.roster.domain import SchoolClass
from xbt_identity.roster.store import CLASSES, class_to_doc
from xbt_identity.settings import IdentitySettings
from xbt_shared.mongo import Mongo
from xbt_shared.tenancy import Tenant

PREFIX = "/api/tasks/v1"
SCHOOL = "hp-sy-zx"
CLASS_ID = "c-bench-burst"
TEACHER_ID = "u-burst-teacher"
BURST_CONCURRENCY = 64
RETRY_EVERY = 10
DOUBLE_TAP_EVERY = 25
# Demo content the catalog seeds (xbt_catalog.seed): a city recording and two city bank
# items (fill: x and y of a linear system), as in the e2e tests.
RESOURCE = "res-00857"
ITEM_KEYS = {"item-00308": ["3", "5"], "item-00335": ["2", "-2"]}
# The reference write: progress in a demo city course's first lesson (2,287 s long).
COURSE = "course-tianwenxue"
LESSON = "course-tianwenxue.l1"
EVENT_TYPE = "tasks.submission.created"
# After the burst, events still in the relay's hands must arrive within this long.
EVENT_DRAIN_SECONDS = 60.0
_IDENTITY = {name: f.default for name, f in IdentitySettings.model_fields.items()}


# --- people ----------------------------------------------------------------------------------


def pupil_ids(count: int) -> list[str]:
    return [f"u-burst-{i:05d}" for i in range(count)]


async def create_people(env: dict[str, Any], count: int, password_hash: str) -> float:
    """The class, its teacher and `count` pupils in identity's database; seconds taken."""
    started = time.perf_counter()
    now = datetime.now(UTC)
    klass = {**class_to_doc(SchoolClass.new(SCHOOL, 8, 20, at=now)), "_id": CLASS_ID}
    klass["teachers"] = [{"user_id": TEACHER_ID, "subjects": ["数学"]}]
    base = {
        "school_id": SCHOOL,
        "student_no": None,
        "password_hash": password_hash,
        "must_change_password": False,
        "disabled": False,
        "created_at": now,
        "created_by": "bench",
    }
    teacher = {
        **base,
        "_id": TEACHER_ID,
        "username": "burst-teacher",
        "name": "压测老师",
        "roles": ["teacher"],
        "class_ids": [],
        "teaching": [{"class_id": CLASS_ID, "subjects": ["数学"]}],
    }
    pupils = [
        {
            **base,
            "_id": user_id,
            "username": f"burst{i:05d}",
            "name": f"压测学生{i}",
            "roles": ["student"],
            "class_ids": [CLASS_ID],
            "teaching": [],
        }
        for i, user_id in enumerate(pupil_ids(count))
    ]
    mongo = Mongo(env["mongodb_uri"], service="identity", db_prefix=env["db_prefix"])
    try:
        tdb = mongo.for_tenant(Tenant(TENANT))
        await tdb[CLASSES].insert_one(klass)
        await tdb[USERS].insert_one(teacher)
        for start in range(0, len(pupils), 500):
            await tdb[USERS].insert_many(pupils[start : start + 500], ordered=False)
    finally:
        await mongo.close()
    return time.perf_counter() - started


@dataclass(frozen=True, slots=True)
class People:
    teacher: str  # access tokens
    pupils: list[str]
    seconds: float  # to issue them all


async def issue_tokens(env: dict[str, Any], issuer: str, count: int) -> People:
    """Access tokens as identity's login issues them: its claims, its key, its issuer."""
    started = time.perf_counter()
    mongo = Mongo(env["mongodb_uri"], service="identity", db_prefix=env["db_prefix"])
    try:
        # The key identity generated at start-up and keeps in its platform database.
        key = await load_signing_key(mongo, "")
        users = mongo.for_tenant(Tenant(TENANT))[USERS]
        docs = {
            d["_id"]: d async for d in users.find({"_id": {"$in": [TEACHER_ID, *pupil_ids(count)]}})
        }
    finally:
        await mongo.close()
    tokens = TokenIssuer(
        key=key,
        issuer=issuer,
        audience=_IDENTITY["jwt_audience"],
        access_ttl=_IDENTITY["access_token_ttl_seconds"],
    )
    now = int(time.time())

    def token(user_id: str) -> str:
        claims = {**access_claims(user_from_doc(docs[user_id]), tenant=TENANT), "auth_time": now}
        return tokens.access_token(claims)

    pupils = [token(u) for u in pupil_ids(count)]
    return People(token(TEACHER_ID), pupils, time.perf_counter() - started)


async def check_against_a_login(identity: str, issued: str) -> None:
    """`issued` (pupil 0's) carries the claims and key id of a real login of that pupil."""
    body = {"tenant": TENANT, "username": "burst00000", "password": PASSWORD}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{identity}{LOGIN_PATH}", json=body, headers=JSON_HEADERS) as resp,
    ):
        if resp.status != 200:
            raise RuntimeError(f"login of burst00000: {resp.status} {await resp.text()}")
        real_token: str = (await resp.json())["access_token"]
    real = jwt.decode(real_token, options={"verify_signature": False})
    ours = jwt.decode(issued, options={"verify_signature": False})
    varying = {"iat", "nbf", "exp", "jti", "auth_time"}
    if set(real) != set(ours) or any(real[k] != ours[k] for k in set(real) - varying):
        raise RuntimeError(f"issued token claims differ from a login's: {ours} vs {real}")
    if jwt.get_unverified_header(issued) != jwt.get_unverified_header(real_token):
        raise RuntimeError("issued tokens are not signed with identity's current key")


# --- the task ----------------------------------------------------------------------------------


async def create_task(gateway: str, teacher: str) -> str:
    """The teacher sets the task through the gateway (the catalog checks its content)."""
    body = {
        "title": "第八章 二元一次方程组 限时练习（压测）",
        "instructions": "<p>今晚 20:00 截止：解两个方程组，写出第一题的过程。</p>",
        "class_ids": [CLASS_ID],
        "resource_ids": [RESOURCE],
        "items": [{"id": item_id, "points": 5} for item_id in ITEM_KEYS],
        "accepts_text": True,
        "due_at": (datetime.now(UTC) + timedelta(hours=2)).isoformat(),
        "max_attempts": 3,
    }
    headers = {"Authorization": f"Bearer {teacher}", **JSON_HEADERS}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{gateway}{PREFIX}/tasks", json=body, headers=headers) as resp,
    ):
        if resp.status != 201:
            raise RuntimeError(f"creating the burst task: {resp.status} {await resp.text()}")
        task_id: str = (await resp.json())["id"]
        return task_id


def work_of(i: int) -> bytes:
    """Pupil i's work: most right, some with a slip, all with a line of working."""
    answers = {k: list(v) for k, v in ITEM_KEYS.items()}
    if i % 4 == 3:
        answers["item-00335"] = ["2", "2"]
    text = f"<p>第 1 题：两式相加得 6y = 30，所以 y = 5，x = 3。（学号 {i}）</p>"
    return json.dumps({"answers": answers, "text": text}, ensure_ascii=False).encode()


# --- the reference and the floor ---------------------------------------------------------------


def progress_scenario(gateway: str, tokens: Sequence[str], spec: LoadSpec) -> Scenario:
    """PUT lesson progress via the gateway: the cheapest authenticated write (one upsert)."""
    url = f"{gateway}/api/catalog/v1/courses/{COURSE}/lessons/{LESSON}/progress"
    headers = [{"Authorization": f"Bearer {t}", **JSON_HEADERS} for t in tokens]

    def make(n: int) -> Request:
        # Forward only, and further every round: each request changes the stored position.
        position = 1 + (n // len(headers)) * 0.5
        body = json.dumps({"position_s": min(position, 1800.0)}).encode()
        return Request("PUT", url, headers[n % len(headers)], body)

    return Scenario("PUT lesson progress via gateway (1 upsert)", make, spec)


def refused_submit_scenario(
    gateway: str, task_id: str, tokens: Sequence[str], spec: LoadSpec
) -> Scenario:
    """The submission route refused at validation: the route's floor, nothing stored."""
    url = f"{gateway}{PREFIX}/tasks/{task_id}/submissions"
    headers = [
        {"Authorization": f"Bearer {t}", **JSON_HEADERS, "Idempotency-Key": f"floor-{i:05d}"}
        for i, t in enumerate(tokens)
    ]
    body = json.dumps({"answers": {"item-00308": ["3", "5"]}, "unknown": 1}).encode()
    refused = LoadSpec(spec.concurrency, spec.warmup, spec.duration, expect=422)
    return Scenario(
        "POST submission refused (422, no write)",
        lambda n: Request("POST", url, headers[n % len(headers)], body),
        refused,
    )


# --- the burst ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Answer:
    outcome: int | str
    seconds: float
    replayed: bool = False
    body: bytes = b""


@dataclass(slots=True)
class Burst:
    result: LoadResult  # accepted first submissions, their latencies, unexpected outcomes
    requests: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    retries: int = 0  # sent after the first answer
    double_taps: int = 0  # pupils who sent twice at once
    replays_matching: int = 0  # retries answered with the first answer
    replays_differing: int = 0
    double_tap_conflicts: int = 0  # the second tap told to try again (409)
    not_accepted: int = 0  # pupils with no accepted submission
    accepted_twice: int = 0  # pupils with two first (not replayed) answers: a duplicate
    server_errors: int = 0  # 5xx on any request
    replay_latencies: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        ordered = sorted(self.replay_latencies)
        p50 = ordered[len(ordered) // 2] * 1000 if ordered else None
        return {
            "requests": self.requests,
            "statuses": dict(self.statuses),
            "retries_after_answer": self.retries,
            "double_taps": self.double_taps,
            "replays_matching_first_answer": self.replays_matching,
            "replays_differing": self.replays_differing,
            "double_tap_conflicts_409": self.double_tap_conflicts,
            "pupils_not_accepted": self.not_accepted,
            "pupils_accepted_twice": self.accepted_twice,
            "server_errors_5xx": self.server_errors,
            "replay_p50_ms": None if p50 is None else round(p50, 2),
        }


async def burst(
    gateway: str, task_id: str, tokens: Sequence[str], meter: CpuMeter | None = None
) -> Burst:
    """Every pupil hands in once, BURST_CONCURRENCY pupils at a time; throughput is the
    accepted first submissions over the wall time from the first request to the last answer."""
    url = f"{gateway}{PREFIX}/tasks/{task_id}/submissions"
    run = uuid.uuid4().hex[:8]
    pending = list(range(len(tokens)))
    pending.reverse()
    result = LoadResult(
        f"deadline burst: {len(tokens):,} submissions via gateway", BURST_CONCURRENCY, 0.0, 201
    )
    out = Burst(result)
    connector = aiohttp.TCPConnector(
        limit=BURST_CONCURRENCY * 2, limit_per_host=BURST_CONCURRENCY * 2, keepalive_timeout=60
    )
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)

    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()
    ) as session:

        async def send(headers: dict[str, str], body: bytes) -> _Answer:
            sent = time.perf_counter()
            try:
                async with session.post(url, headers=headers, data=body) as resp:
                    content = await resp.read()
                    replayed = resp.headers.get("Idempotent-Replayed") == "true"
                    answer = _Answer(resp.status, time.perf_counter() - sent, replayed, content)
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                answer = _Answer(type(exc).__name__, time.perf_counter() - sent)
            out.requests += 1
            out.statuses[str(answer.outcome)] += 1
            if isinstance(answer.outcome, int) and answer.outcome >= 500:
                out.server_errors += 1
            return answer

        async def pupil(i: int) -> None:
            headers = {
                "Authorization": f"Bearer {tokens[i]}",
                **JSON_HEADERS,
                "Idempotency-Key": f"burst-{run}-{i:05d}",
            }
            body = work_of(i)
            if i % DOUBLE_TAP_EVERY == 0:
                out.double_taps += 1
                answers = list(await asyncio.gather(send(headers, body), send(headers, body)))
            else:
                answers = [await send(headers, body)]
                if i % RETRY_EVERY == 0 and answers[0].outcome == 201:
                    out.retries += 1
                    answers.append(await send(headers, body))
            firsts = [a for a in answers if a.outcome == 201 and not a.replayed]
            replays = [a for a in answers if a.outcome == 201 and a.replayed]
            for a in answers:
                if a.outcome == 409 and i % DOUBLE_TAP_EVERY == 0 and firsts:
                    out.double_tap_conflicts += 1  # the other tap was accepted: fine
                elif a.outcome != 201:
                    result.errors[str(a.outcome)] += 1
            if not firsts:
                out.not_accepted += 1
                return
            out.accepted_twice += len(firsts) - 1
            first = firsts[0]
            result.ok += 1
            result.latencies.append(first.seconds)
            for replay in replays:
                out.replay_latencies.append(replay.seconds)
                if json.loads(replay.body) == json.loads(first.body):
                    out.replays_matching += 1
                else:
                    out.replays_differing += 1

        async def worker() -> None:
            while pending:
                await pupil(pending.pop())

        start_cpu = meter.snapshot() if meter else None
        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(BURST_CONCURRENCY)))
        result.duration = time.perf_counter() - began
        if meter is not None and start_cpu is not None:
            result.cpu = meter.usage(start_cpu, meter.snapshot())
    return out


# --- what was stored and published ---------------------------------------------------------------


class EventTap:
    """A queue of the bench's own on the bench's exchange, bound to the tenant's
    tasks.submission.created before the burst; read only afterwards (nothing competes with
    the burst for this process's share of the CPU)."""

    def __init__(self, env: dict[str, Any]) -> None:
        self.env = env
        self.connection: aio_pika.abc.AbstractRobustConnection | None = None
        self.queue: aio_pika.abc.AbstractQueue | None = None

    async def open(self) -> None:
        self.connection = await aio_pika.connect_robust(self.env["amqp_url"])
        channel = await self.connection.channel()
        await channel.set_qos(prefetch_count=1000)
        exchange = await channel.declare_exchange(
            self.env["events_exchange"], aio_pika.ExchangeType.TOPIC, durable=True
        )
        # Exclusive: RabbitMQ deletes it with this connection; the name is the bench's own.
        self.queue = await channel.declare_queue(
            f"{self.env['queue_prefix']}bench.burst-tap", exclusive=True
        )
        await self.queue.bind(exchange, routing_key=f"{TENANT}.{EVENT_TYPE}")

    async def close(self) -> None:
        if self.connection is not None:
            await self.connection.close()

    async def drain(self, task_id: str, expected: int) -> EventCount:
        """Read until `expected` distinct submissions were seen, or nothing came for a while."""
        assert self.queue is not None
        counted = EventCount()
        started = time.perf_counter()
        last_new = started
        while time.perf_counter() - last_new < 10.0 and (
            time.perf_counter() - started < EVENT_DRAIN_SECONDS
        ):
            message = await self.queue.get(fail=False, no_ack=True)
            if message is None:
                if len(counted.submissions) >= expected:
                    break
                await asyncio.sleep(0.05)
                continue
            event = json.loads(message.body)
            data = event.get("data", {})
            if event.get("type") != EVENT_TYPE or data.get("task_id") != task_id:
                continue
            counted.messages += 1
            counted.event_ids.add(event["id"])
            counted.per_submission[data["submission_id"]].add(event["id"])
            counted.submissions.add(data["submission_id"])
            if data.get("attempt", 1) != 1:
                counted.later_attempts += 1
            last_new = time.perf_counter()
        counted.drain_seconds = time.perf_counter() - started
        return counted


@dataclass(slots=True)
class EventCount:
    messages: int = 0
    event_ids: set[str] = field(default_factory=set)
    submissions: set[str] = field(default_factory=set)
    per_submission: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    later_attempts: int = 0
    drain_seconds: float = 0.0

    @property
    def duplicated(self) -> int:
        """Submissions announced by more than one distinct event (a second attempt)."""
        return sum(len(ids) - 1 for ids in self.per_submission.values())

    @property
    def redelivered(self) -> int:
        """The same event (same id) delivered again: the relay is at-least-once by design."""
        return self.messages - len(self.event_ids)


@dataclass(frozen=True, slots=True)
class Stored:
    submissions: int
    attempts: int
    pupils: int


async def stored(env: dict[str, Any], task_id: str) -> Stored:
    mongo = Mongo(env["mongodb_uri"], service="tasks", db_prefix=env["db_prefix"])
    try:
        docs = [
            d
            async for d in mongo.for_tenant(Tenant(TENANT))["submissions"].find(
                {"task_id": task_id}, {"attempt_count": 1, "pupil_id": 1}
            )
        ]
    finally:
        await mongo.close()
    return Stored(
        submissions=len(docs),
        attempts=sum(int(d["attempt_count"]) for d in docs),
        pupils=len({d["pupil_id"] for d in docs}),
    )


def checks(pupils: int, out: Burst, db: Stored, events: EventCount) -> list[Check]:
    accepted = out.result.ok
    lost = max(0, accepted - db.submissions) + max(0, db.submissions - len(events.submissions))
    duplicated = (db.attempts - db.submissions) + out.accepted_twice + events.duplicated
    announced = len(events.submissions)
    return [
        Check("burst_accepted", "pupils whose submission was accepted (201)", accepted, pupils),
        Check("burst_stored", "submissions stored for the task", db.submissions, pupils),
        Check(
            "burst_events", "distinct submissions in tasks.submission.created", announced, pupils
        ),
        Check("burst_lost", "lost: accepted but not stored, or stored without event", lost, 0),
        Check(
            "burst_duplicated", "duplicated: extra attempts or extra distinct events", duplicated, 0
        ),
        Check("burst_5xx", "5xx answers during the burst", out.server_errors, 0),
        Check(
            "burst_replays_differing", "retries answered unlike the first", out.replays_differing, 0
        ),
    ]
