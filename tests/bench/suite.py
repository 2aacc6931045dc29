"""The bench run: start the stack, measure in a fixed order, stop, report.

Order matters on 2 cores: the bare argon2id loop runs while the services are idle, half
before the logins and half after (so drift during the run affects both sides), and each
measurement runs alone.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Coroutine
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any

from tests.bench import catalog, in_process, login, proxy, relay, tasks
from tests.bench.cpu import OTHERS, CpuMeter, wait_for_quiet
from tests.bench.load import LoadResult, LoadSpec, Scenario, run_load
from tests.bench.report import (
    Check,
    LatencyBound,
    Ratio,
    machine_facts,
    print_report,
    write_json,
)
from tests.bench.stack import GATEWAY_LIMITS, NO_LIMITER, Stack, start_stack, stop_stack

# Before each measurement: a pause of SETTLE_SECONDS (the previous one's tail must not
# overlap it) during which the rest of the machine's CPU use is sampled; while it is above
# QUIET_CORES (someone else's test run would skew the ratios), wait, up to the config's
# patience. The figures are reported either way, with the CPU use of the others.
SETTLE_SECONDS = 1.0
QUIET_CORES = 0.2
# "others" above this during a measurement is flagged in the report.
BUSY_OTHERS = 0.3
LOGIN_TARGET = 0.8
PROXY_TARGET = 0.5
# Cached catalog reads through the gateway ÷ the gateway's cheapest authenticated answer.
CATALOG_CACHED_TARGET = 0.7
SEARCH_P99_TARGET_MS = 150.0
# Deadline-burst submissions/s ÷ the cheapest authenticated write (lesson progress PUT).
BURST_TARGET = 0.5
# An event committed in an API process is published by the worker's relay within this.
OUTBOX_P99_TARGET_MS = 100.0


# Outbox commit-to-publish: nudged, then poll only (over a few poll intervals), at a modest
# steady rate.
OUTBOX = relay.RelaySpec(commits=500, rate=50.0, poll_only_commits=250)


@dataclass(frozen=True, slots=True)
class Config:
    mode: str
    accounts: int
    login: LoadSpec
    hash_seconds: float  # in total, half before and half after the logins
    get: LoadSpec
    patience_first: float  # seconds to wait for a quiet machine before the first measurement
    patience_each: float  # ... and before each of the others
    tokens: int = 50
    burst_pupils: int = 2000  # the deadline burst: one class, one submission each
    outbox: relay.RelaySpec = OUTBOX
    roster_rows: int = 5000  # identity's roster import, in process


FULL = Config(
    mode="full",
    accounts=2000,
    login=LoadSpec(concurrency=16, warmup=2.0, duration=10.0),
    hash_seconds=10.0,
    get=LoadSpec(concurrency=32, warmup=1.5, duration=8.0),
    patience_first=30.0,
    patience_each=10.0,
)
QUICK = Config(
    mode="quick",
    accounts=1000,
    login=LoadSpec(concurrency=16, warmup=0.5, duration=3.0),
    hash_seconds=3.0,
    get=LoadSpec(concurrency=32, warmup=0.5, duration=2.0),
    patience_first=5.0,
    patience_each=2.0,
    burst_pupils=500,
    outbox=relay.RelaySpec(commits=150, rate=50.0, poll_only_commits=150),
    roster_rows=1000,
)


@dataclass
class Measured:
    hashes: list[tuple[str, login.HashRate]]
    loads: dict[str, LoadResult]
    accounts_seconds: float
    accounts_used: int
    others_at_start: float
    quiet_wait_s: float
    burst: dict[str, Any]  # facts of the deadline burst (JSON)
    checks: list[Check]  # its counts: stored, published, lost, duplicated, 5xx


def run(config: Config) -> int:
    started = datetime.now(UTC)
    clock = time.perf_counter()
    machine = machine_facts()
    print(f"make bench: starting the suite ({config.mode} run)…")
    seeded: dict[str, Any] = {}

    async def prepare(env: dict[str, Any]) -> None:
        begun = time.perf_counter()
        seeded.update(await catalog.prepare(env))
        seeded["seconds"] = round(time.perf_counter() - begun, 1)
        print(
            f"  catalog data written in {seeded['seconds']:.1f} s: demo "
            f"{seeded.get('resources', 0)} resources + {seeded['bench_resources']} generated"
        )

    began_services = time.perf_counter()
    stack = start_stack(login.identity_env(), prepare=prepare)
    try:
        seeded["services_start_s"] = round(time.perf_counter() - began_services, 1)
        print(
            f"  services up (pids {stack.pids()}); logs in {stack.logs} "
            "(kept if one dies or a count misses its target)"
        )
        measured = _run(_measure(stack, config))
        dead = stack.dead()
    finally:
        stop_stack(stack)
    print("  in process, with the suite stopped:")
    alone = in_process.measure(roster_rows=config.roster_rows)
    # The logs are what explains a lost submission, a duplicate or a 5xx: keep them then.
    missed = [c.key for c in measured.checks if c.value != c.expected]
    if not dead and not missed:
        shutil.rmtree(stack.logs, ignore_errors=True)
    elif missed:
        print(f"  counts missed their targets ({', '.join(missed)}): logs kept in {stack.logs}")
    elapsed = time.perf_counter() - clock

    reference = login.combine([h for _, h in measured.hashes])
    ratios = [*_ratios(measured.loads, reference), *alone.ratios]
    loads = {**measured.loads, **alone.loads}
    bounds = [*_bounds(measured.loads), *alone.bounds]
    notes = [*_notes(config, stack, measured, dead), *alone.notes]
    payload: dict[str, Any] = {
        "date": started.isoformat(timespec="seconds"),
        "elapsed_s": round(elapsed, 1),
        "machine": machine,
        "config": asdict(config),
        "notes": notes,
        "gateway_env_overrides": GATEWAY_LIMITS,
        "gateway_no_limiter_env_overrides": NO_LIMITER,
        "argon2_parameters": login.ARGON2,
        "argon2_reference": {
            **reference.as_dict(),
            "parts": {label: h.as_dict() for label, h in measured.hashes},
        },
        "results": {key: {"name": r.name, **r.as_dict()} for key, r in loads.items()},
        "ratios": {r.key: r.as_dict() for r in ratios},
        "latency_targets": {b.key: b.as_dict() for b in bounds},
        "tasks_burst": measured.burst,
        "burst_checks": {c.key: c.as_dict() for c in measured.checks},
        "catalog_data": seeded,
        "in_process": alone.facts,
        "processes_died": dead,
    }
    out = write_json(started, payload)
    print_report(
        started=started,
        machine=machine,
        notes=notes,
        hashes=[*measured.hashes, ("argon2id verify, bare loop, both parts", reference)],
        loads=list(loads.values()),
        ratios=ratios,
        bounds=bounds,
        checks=measured.checks,
        elapsed=elapsed,
        out=out,
    )
    return 1 if dead else 0


def _ratios(loads: dict[str, LoadResult], reference: login.HashRate) -> list[Ratio]:
    return [
        Ratio(
            "logins_vs_argon2",
            "logins/s via gateway ÷ argon2id verifies/s (bare loop)",
            loads["login_gateway"].rate,
            reference.rate,
            LOGIN_TARGET,
        ),
        Ratio(
            "logins_direct_vs_argon2",
            "logins/s direct to identity ÷ argon2id verifies/s",
            loads["login_direct"].rate,
            reference.rate,
        ),
        Ratio(
            "session_gateway_vs_direct",
            "GET session via gateway ÷ direct to identity",
            loads["session_gateway"].rate,
            loads["session_direct"].rate,
            PROXY_TARGET,
        ),
        Ratio(
            "session_no_limiter_vs_direct",
            "GET session via gateway with limiter off ÷ direct",
            loads["session_gateway_no_limiter"].rate,
            loads["session_direct"].rate,
        ),
        Ratio(
            "edge_only_vs_direct",
            "gateway edge only (verify → 403) ÷ GET session direct",
            loads["edge_only"].rate,
            loads["session_direct"].rate,
        ),
        Ratio(
            "catalog_list_cached_vs_whoami",
            "catalog list, cached, via gateway ÷ gateway's own whoami",
            loads["catalog_list_cached"].rate,
            loads["whoami"].rate,
            CATALOG_CACHED_TARGET,
        ),
        Ratio(
            "catalog_detail_cached_vs_whoami",
            "catalog detail, cached (+view), via gateway ÷ whoami",
            loads["catalog_detail_cached"].rate,
            loads["whoami"].rate,
            CATALOG_CACHED_TARGET,
        ),
        Ratio(
            "whoami_vs_edge_only",
            "gateway whoami (verify + rate limit) ÷ edge only (verify → 403)",
            loads["whoami"].rate,
            loads["edge_only"].rate,
        ),
        Ratio(
            "catalog_list_cached_vs_session_gateway",
            "catalog list, cached ÷ GET session via gateway",
            loads["catalog_list_cached"].rate,
            loads["session_gateway"].rate,
        ),
        Ratio(
            "catalog_search_uncached_vs_edge",
            "catalog search, uncached ÷ gateway edge only",
            loads["catalog_search_uncached"].rate,
            loads["edge_only"].rate,
        ),
        Ratio(
            "tasks_burst_vs_progress_write",
            "deadline-burst submissions/s ÷ lesson progress PUT (1 upsert)",
            loads["tasks_burst"].rate,
            loads["progress_write"].rate,
            BURST_TARGET,
        ),
        Ratio(
            "tasks_burst_vs_refused_submit",
            "deadline-burst submissions/s ÷ same route refused (422)",
            loads["tasks_burst"].rate,
            loads["submit_refused"].rate,
        ),
        Ratio(
            "livez_gateway_vs_identity",
            "GET /livez on gateway ÷ on identity",
            loads["livez_gateway"].rate,
            loads["livez_identity"].rate,
        ),
    ]


def _bounds(loads: dict[str, LoadResult]) -> list[LatencyBound]:
    uncached, cached = loads["catalog_search_uncached"], loads["catalog_search_cached"]
    bounds = [
        LatencyBound(
            "catalog_search_uncached_p99",
            f"catalog search p99, uncached, {catalog.TOTAL_RESOURCES:,} resources, "
            f"{uncached.concurrency} readers",
            uncached.percentile_ms(99),
            SEARCH_P99_TARGET_MS,
        ),
        LatencyBound(
            "catalog_search_cached_p99",
            f"catalog search p99, cached, {cached.concurrency} readers",
            cached.percentile_ms(99),
            SEARCH_P99_TARGET_MS,
        ),
    ]
    if "outbox_nudged" in loads:
        bounds.append(
            LatencyBound(
                "outbox_nudged_p99",
                "outbox commit → publish p99, API and worker apart, nudged",
                loads["outbox_nudged"].percentile_ms(99),
                OUTBOX_P99_TARGET_MS,
            )
        )
    return bounds


def _run(coro: Coroutine[Any, Any, Measured]) -> Measured:
    """The generator runs on uvloop when it is installed (as the services do): less of the
    2 cores go to the client."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


async def _measure(stack: Stack, config: Config) -> Measured:
    meter = CpuMeter(stack.pids())
    password_hash = await asyncio.to_thread(login.hasher().hash, login.PASSWORD)
    accounts = login.Accounts(config.accounts)
    accounts_seconds = await login.create_accounts(stack.env, accounts, password_hash)
    print(f"  {config.accounts} bench accounts inserted in {accounts_seconds:.1f} s")
    burst_facts: dict[str, Any] = {
        "pupils": config.burst_pupils,
        "concurrency": tasks.BURST_CONCURRENCY,
        "accounts_s": round(
            await tasks.create_people(stack.env, config.burst_pupils, password_hash), 2
        ),
    }
    people = await tasks.issue_tokens(stack.env, stack.issuer, config.burst_pupils)
    await tasks.check_against_a_login(stack.identity, people.pupils[0])
    burst_facts["tokens_s"] = round(people.seconds, 2)
    print(
        f"  {config.burst_pupils} pupils of one class inserted in {burst_facts['accounts_s']} s, "
        f"their tokens issued in {people.seconds:.1f} s (claims checked against a login)"
    )
    waited = 0.0

    async def settle(patience: float) -> float:
        nonlocal waited
        started = time.perf_counter()
        others = await wait_for_quiet(
            meter, max_others=QUIET_CORES, patience=patience, sample=SETTLE_SECONDS
        )
        waited += time.perf_counter() - started - SETTLE_SECONDS
        return others

    others = await settle(config.patience_first)
    print(f"  other processes use {others:.2f} cores before the first measurement")

    half = config.hash_seconds / 2
    hashes: list[tuple[str, login.HashRate]] = []
    loads: dict[str, LoadResult] = {}

    async def hash_part(label: str, *, first: bool = False) -> None:
        if not first:
            await settle(config.patience_each)
        start = meter.snapshot()
        rate = await asyncio.to_thread(login.argon2_loop, password_hash, half)
        rate = replace(rate, cpu=meter.usage(start, meter.snapshot()))
        hashes.append((label, rate))
        print(f"  {label}: {rate.rate:.1f}/s  [cpu {_cpu(rate.cpu)}]")

    async def measure(key: str, scenario: Scenario) -> None:
        await settle(config.patience_each)
        result = await run_load(scenario, meter)
        loads[key] = result
        print(_line(result))

    via_gateway = f"{stack.gateway}{proxy.GATEWAY_PREFIX}"
    await hash_part("argon2id verify, bare loop, before logins", first=True)
    await measure(
        "login_gateway",
        login.login_scenario("login via gateway", via_gateway, accounts, config.login),
    )
    await measure(
        "login_direct",
        login.login_scenario("login direct to identity", stack.identity, accounts, config.login),
    )
    await hash_part("argon2id verify, bare loop, after logins")

    tokens = await proxy.access_tokens(stack.identity, accounts, config.tokens)
    await measure("session_direct", proxy.session_direct(stack.identity, tokens, config.get))
    await measure("session_gateway", proxy.session_via_gateway(stack.gateway, tokens, config.get))
    await measure(
        "session_gateway_no_limiter",
        proxy.session_via_gateway(
            stack.gateway_no_limiter, tokens, config.get, "GET session, via gateway, limiter off"
        ),
    )
    await measure("edge_only", proxy.gateway_edge_only(stack.gateway, tokens, config.get))
    await measure("whoami", proxy.gateway_whoami(stack.gateway, tokens, config.get))
    await measure(
        "livez_identity", proxy.livez("GET /livez direct to identity", stack.identity, config.get)
    )
    await measure(
        "livez_gateway", proxy.livez("GET /livez on gateway (own route)", stack.gateway, config.get)
    )

    lists = catalog.list_urls(stack.gateway)
    details = catalog.detail_urls(stack.gateway)
    searches = catalog.cached_search_urls(stack.gateway)
    await catalog.warm([*lists, *details, *searches], tokens[0])
    await measure(
        "catalog_list_cached",
        catalog.cached_scenario("catalog list, cached, via gateway", lists, tokens, config.get),
    )
    await measure(
        "catalog_detail_cached",
        catalog.cached_scenario(
            "catalog detail, cached (+view), via gateway", details, tokens, config.get
        ),
    )
    await measure(
        "catalog_search_uncached", catalog.uncached_search(stack.gateway, tokens, config.get)
    )
    await measure(
        "catalog_search_cached",
        catalog.cached_scenario("catalog search ?q=, cached", searches, tokens, config.get),
    )

    # The deadline burst (tests/bench/tasks.py): the reference write, the route's floor, then
    # every pupil of the class hands in, and what was stored and published is counted.
    task_id = await tasks.create_task(stack.gateway, people.teacher)
    write_spec = replace(config.get, concurrency=tasks.BURST_CONCURRENCY)
    await measure(
        "progress_write", tasks.progress_scenario(stack.gateway, people.pupils, write_spec)
    )
    await measure(
        "submit_refused",
        tasks.refused_submit_scenario(stack.gateway, task_id, people.pupils, write_spec),
    )
    tap = tasks.EventTap(stack.env)
    await tap.open()
    try:
        await settle(config.patience_each)
        out = await tasks.burst(stack.gateway, task_id, people.pupils, meter)
        loads["tasks_burst"] = out.result
        result = out.result
        print(
            f"  {result.name}: {result.rate:,.1f}/s in {result.duration:.1f} s, "
            f"p50 {result.percentile_ms(50) or 0:.1f} ms, p99 {result.percentile_ms(99) or 0:.1f}"
            f" ms, {out.requests} requests {dict(out.statuses)}  [cpu {_cpu(result.cpu)}]"
        )
        db = await tasks.stored(stack.env, task_id)
        events = await tap.drain(task_id, db.submissions)
    finally:
        await tap.close()
    print(
        f"  stored {db.submissions} submissions ({db.attempts} attempts); "
        f"{len(events.submissions)} distinct submissions announced in {events.messages} "
        f"messages, all in within {events.drain_seconds:.1f} s after the last answer"
    )
    burst_facts.update(
        {
            "task_id": task_id,
            **out.as_dict(),
            "stored_submissions": db.submissions,
            "stored_attempts": db.attempts,
            "stored_pupils": db.pupils,
            "event_messages": events.messages,
            "event_ids": len(events.event_ids),
            "event_submissions": len(events.submissions),
            "events_redelivered_same_id": events.redelivered,
            "events_for_later_attempts": events.later_attempts,
            "events_drained_within_s": round(events.drain_seconds, 2),
        }
    )
    checks = tasks.checks(config.burst_pupils, out, db, events)

    # Outbox commit-to-publish with the relay in a worker process (tests/bench/relay.py). Its
    # worker failing to start costs this figure, not the others.
    try:
        outbox = await relay.measure(
            stack.env,
            stack.logs,
            config.outbox,
            pids=stack.pids(),
            settle=lambda: settle(config.patience_each),
        )
    except (RuntimeError, TimeoutError) as exc:
        print(f"  outbox latency NOT MEASURED: {exc}")
    else:
        loads["outbox_nudged"], loads["outbox_poll_only"] = outbox.nudged, outbox.poll_only
        for result in (outbox.nudged, outbox.poll_only):
            print(_line(result))
    return Measured(
        hashes, loads, accounts_seconds, accounts.used, others, waited, burst_facts, checks
    )


def _line(result: LoadResult) -> str:
    return (
        f"  {result.name}: {result.rate:,.1f}/s, p50 {result.percentile_ms(50) or 0:.1f} ms,"
        f" p99 {result.percentile_ms(99) or 0:.1f} ms, errors {result.error_count}"
        f"  [cpu {_cpu(result.cpu)}]"
    )


def _cpu(cores: dict[str, float]) -> str:
    return " ".join(f"{name} {value:.2f}" for name, value in cores.items())


def _notes(config: Config, stack: Stack, measured: Measured, dead: list[str]) -> list[str]:
    notes = [
        "services: identity, catalog, tasks and gateway, 1 uvicorn worker each (as `make run`), "
        "uvloop + "
        "httptools, own Mongo-wire server (secantusd-py, :memory:); Redis and RabbitMQ: the "
        "machine's, under isolated prefixes",
        "load generator: this process, aiohttp, one ClientSession with keep-alive and "
        "connection limit = concurrency; the same generator for every HTTP figure",
        f"gateway limits raised for the bench (limiter still called): {', '.join(GATEWAY_LIMITS)}"
        " = 1e6",
        f"logins: {config.accounts} accounts in tenant {login.TENANT}, one OWASP argon2id hash "
        f"(m={login.ARGON2['memory_cost']} KiB, t={login.ARGON2['time_cost']}, "
        f"p={login.ARGON2['parallelism']}), usernames round-robin "
        f"({measured.accounts_used} logins in all); identity hashes on "
        f"{login.HASH_THREADS} threads, the bare loop too",
        f"authenticated GETs: tokens of {config.tokens} users round-robin; "
        "the gateway's own authenticated route is GET /api/gateway/v1/whoami (verify, tenant "
        "rules, rate limit in Redis, no upstream); 'edge only' is its cheaper refusal, the 403 "
        "for a foreign X-Xbt-Tenant (verify, no Redis); "
        f"'limiter off': a second gateway process with {' and '.join(NO_LIMITER)} = 0 "
        "(no Redis call per request), to show what the rate limiter costs",
        f"catalog: demo data (xbt_catalog.seed) + {catalog.EXTRA_RESOURCES:,} generated "
        f"published city resources (bench-<n>, varied demo copies) = "
        f"{catalog.TOTAL_RESOURCES:,}-odd searchable, written before catalog started; readers: "
        f"the same {config.tokens} heping pupils (school hp-sy-zx: city + heping content); "
        f"cached reads: {len(catalog.LIST_QUERIES)} list URLs / {catalog.DETAIL_COUNT} detail "
        "URLs round-robin, warmed (so the gateway answers them from its edge cache); detail "
        "counts a view (an HINCRBY inside the edge lookup); target compares them with the "
        "gateway's whoami of this run; search: "
        f"{len(catalog.SEARCH_QUERIES)} Chinese queries round-robin, 'uncached' = every "
        "request a (page 1-4, size 10-50) not asked before (index search, page from the "
        "entries kept in memory, cache write), 'cached' = the same queries at size "
        f"{catalog.CACHED_SEARCH_SIZE}, warmed",
        f"durations: logins {config.login.warmup:g}+{config.login.duration:g} s (warm-up + "
        f"measured), argon2 loop {config.hash_seconds:g} s, GETs "
        f"{config.get.warmup:g}+{config.get.duration:g} s",
    ]
    notes.append(
        f"deadline burst: {config.burst_pupils:,} pupils of one heping class (written into "
        "identity's database; tokens issued with identity's own code and key, claims checked "
        "against a real login) hand in one task through the gateway, "
        f"{tasks.BURST_CONCURRENCY} at a time, each with its own Idempotency-Key; every "
        f"{tasks.RETRY_EVERY}th sends again after the answer, every {tasks.DOUBLE_TAP_EVERY}th "
        "twice at once; the task allows 3 attempts, so a retry slipping past the key would be "
        "stored and counted. Throughput = accepted first submissions ÷ wall time. Then: "
        "submissions stored in tasks_heping (one attempt each) and tasks.submission.created "
        "read from the bench's own queue on its exchange (the tasks process runs its outbox "
        "relay). Reference write: PUT lesson progress via the gateway (token checks, a cached "
        "course read in Redis, one MongoDB upsert; the cheapest authenticated write the suite "
        "has: identity's POSTs hash passwords or mint tokens, the gateway has no write of its "
        "own); context: the submission route refused at validation (422, nothing read or "
        f"written); both at concurrency {tasks.BURST_CONCURRENCY}, pupils' tokens round-robin"
    )
    notes.append(
        f"outbox commit → publish: the API side is this process (a Runtime with "
        f"XBT_RUN_WORKERS=false, as an API pod), the relay a worker process of its own "
        f"(`python -m tests.bench.relay_worker`, as a worker pod, polling every "
        f"{relay.POLL_SECONDS:g} s, its CPU as '{relay.WORKER}'); {config.outbox.rate:g} "
        "commits/s (one document and one event each, districts round-robin), latency = "
        "the event's arrival on the bench's own queue - its commit's return; "
        f"{config.outbox.commits} commits nudged (Redis pub/sub to the worker's relay), then "
        f"{config.outbox.poll_only_commits} with the nudge off (only the poll finds them, as "
        "before the nudge); 'per s' is the commit rate, 'errors' events not published"
    )
    notes.append(
        f"CPU: 'driver' is this process (load generator, and the argon2 loop); 'others' is "
        f"the rest of the machine (Redis and RabbitMQ, and anything else running): "
        f"{measured.others_at_start:.2f} cores just before the first measurement; "
        f"{measured.quiet_wait_s:.0f} s spent waiting for a quiet machine"
    )
    busy = [
        label
        for label, cpu in [(n, h.cpu) for n, h in measured.hashes]
        + [(r.name, r.cpu) for r in measured.loads.values()]
        if cpu.get(OTHERS, 0.0) > BUSY_OTHERS
    ]
    if busy:
        notes.append(
            f"WARNING: other processes used > {BUSY_OTHERS} cores during: {'; '.join(busy)} "
            "— the machine was not quiet; treat those figures with care"
        )
    if dead:
        notes.append(f"PROCESSES DIED DURING THE RUN: {', '.join(dead)} (logs: {stack.logs})")
    return notes
