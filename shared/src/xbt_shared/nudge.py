"""Waking the outbox relay of another process: a Redis pub/sub nudge after a commit.

Where the API process runs no relay (Kubernetes API pods: `XBT_RUN_WORKERS=false`), an event
would wait for the worker's poll. After a commit that wrote events, the API process publishes
the tenant's id on the service's channel (`<redis prefix>outbox-nudge:<service>`); every
worker of that service listening there wakes its relay for that tenant, as a commit in its
own process would. A nudge is a hint, never the delivery: a lost one (Redis down, a worker
reconnecting) costs latency, not events, because the relay's poll still finds every row.

Redis rather than a message on the event bus: a nudge needs no durability, no queue per
worker replica to declare and clean up, and no confirm; a PUBLISH is one sub-millisecond
command on a connection the API process holds already, and it reaches every worker replica.
Pub/sub ignores the database number, so the channel carries the Redis prefix: test runs and
`make run` on one Redis do not wake each other.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from prometheus_client import Counter
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from xbt_shared.tenancy import TENANT_NAMES, Tenant

log = logging.getLogger("xbt.outbox.nudge")

NUDGES_SENT = Counter("xbt_outbox_nudges_sent_total", "Relay nudges published", ["channel"])
NUDGE_FAILURES = Counter(
    "xbt_outbox_nudge_failures_total", "Relay nudges or subscriptions that failed", ["channel"]
)
NUDGES_HEARD = Counter("xbt_outbox_nudges_heard_total", "Relay nudges received", ["channel"])

# A failure that repeats (Redis down) is logged at most this often, with its count.
LOG_EVERY_SECONDS = 30.0


def nudge_channel(redis_prefix: str, service: str) -> str:
    return f"{redis_prefix}outbox-nudge:{service}"


class _RareLog:
    """A recurring failure logged once per `every` seconds, saying how many it stands for."""

    def __init__(self, what: str, channel: str, every: float = LOG_EVERY_SECONDS) -> None:
        self.what = what
        self.channel = channel
        self.every = every
        self._count = 0
        self._next = 0.0

    def __call__(self, exc: BaseException) -> None:
        NUDGE_FAILURES.labels(self.channel).inc()
        self._count += 1
        now = time.monotonic()
        if now >= self._next:
            log.warning(
                "%s on %s failed %d time(s) (last: %s: %s); the relay's poll still delivers",
                self.what,
                self.channel,
                self._count,
                type(exc).__name__,
                exc,
            )
            self._count = 0
            self._next = now + self.every


class RelayNudge:
    """`mongo.on_events_committed` in a process without a relay: tell the workers.

    Called synchronously right after a commit; it only notes the tenant and makes sure a
    sender task runs, so it can neither block nor fail the request. The sender publishes
    every noted tenant in one pipeline, then waits `spacing` seconds while the rest of a
    burst gathers: a thousand commits a second become at most one publish per tenant per
    `spacing`. One send at a time, each bounded by `timeout`; after a failure the sender
    pauses `retry_after` seconds, dropping what it held (the poll delivers those)."""

    def __init__(
        self,
        redis: Redis,
        channel: str,
        *,
        spacing: float = 0.005,
        timeout: float = 0.5,
        retry_after: float = 1.0,
    ) -> None:
        self.redis = redis
        self.channel = channel
        self.spacing = spacing
        self.timeout = timeout
        self.retry_after = retry_after
        self._tenants: set[str] = set()
        self._sender: asyncio.Task[None] | None = None
        self._failed = _RareLog("outbox nudge", channel)

    def __call__(self, tenant: Tenant) -> None:
        self._tenants.add(tenant.id)
        if self._sender is None:
            try:
                self._sender = asyncio.get_running_loop().create_task(self._send())
            except RuntimeError:  # no event loop (a script's last commit): the poll delivers
                self._tenants.clear()

    async def _send(self) -> None:
        try:
            while self._tenants:
                tenants, self._tenants = sorted(self._tenants), set()
                pause = self.spacing
                try:
                    async with asyncio.timeout(self.timeout):
                        try:
                            await self._publish(tenants)
                        except RedisConnectionError:
                            # A pooled connection the server dropped (a restart, a
                            # failover): once more, on a new one.
                            await self._publish(tenants)
                    NUDGES_SENT.labels(self.channel).inc(len(tenants))
                except Exception as exc:
                    self._failed(exc)
                    self._tenants.clear()
                    pause = self.retry_after
                await asyncio.sleep(pause)
        finally:
            self._sender = None

    async def _publish(self, tenants: list[str]) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for tenant in tenants:
                pipe.publish(self.channel, tenant)
            await pipe.execute()

    async def close(self) -> None:
        """Let a send in flight finish (within its timeout), then stop."""
        sender = self._sender
        if sender is None:
            return
        await asyncio.wait({sender}, timeout=self.timeout)
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sender


class NudgeListener:
    """In a process that runs the relay: wake it for each tenant nudged on `channel`.

    Subscribes on a client of its own (not a connection of the request pool held forever;
    and undecoded, the only way redis-py hands back the answers to its pings) and, after
    every (re)subscription, wakes the relay for every tenant, since nudges sent while it was
    not listening are gone. A dropped connection (Redis restarting) or silence beyond
    `heartbeat` × 3 (pings unanswered) makes it subscribe again after `retry_after`
    seconds, for as long as it runs."""

    def __init__(
        self,
        redis_url: str,
        channel: str,
        wake: Callable[[Tenant | None], None],
        *,
        heartbeat: float = 5.0,
        retry_after: float = 1.0,
    ) -> None:
        self.redis_url = redis_url
        self.channel = channel
        self.wake = wake
        self.heartbeat = heartbeat
        self.retry_after = retry_after
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._failed = _RareLog("outbox nudge subscription", channel)
        self.subscribed = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"nudges {self.channel}")

    async def stop(self) -> None:
        """Cancel the listener and wait until it ended. redis-py can swallow a cancellation
        (while it connects or subscribes), so it is sent again until the task is done; and
        the loops end on their own at their next turn once `stop` was called."""
        if self._task is None:
            return
        task, self._task = self._task, None
        self._stopping = True
        while not task.done():
            task.cancel()
            await asyncio.wait({task}, timeout=0.1)
        if not task.cancelled() and task.exception() is not None:
            log.error(
                "nudge listener on %s ended with an error", self.channel, exc_info=task.exception()
            )

    async def _run(self) -> None:
        redis = Redis.from_url(self.redis_url, socket_connect_timeout=self.heartbeat)
        try:
            while not self._stopping:
                try:
                    await self._listen(redis)
                except Exception as exc:
                    self._failed(exc)
                self.subscribed.clear()
                await asyncio.sleep(self.retry_after)
        finally:
            await redis.aclose()

    async def _listen(self, redis: Redis) -> None:
        async with redis.pubsub(ignore_subscribe_messages=True) as pubsub:
            await pubsub.subscribe(self.channel)
            self.subscribed.set()
            self.wake(None)
            heard = time.monotonic()
            while not self._stopping:
                message = await pubsub.get_message(timeout=self.heartbeat)
                if message is not None:
                    heard = time.monotonic()
                    if message["type"] == "message":
                        self._nudged(message["data"])
                    continue
                if time.monotonic() - heard > 3 * self.heartbeat:
                    raise ConnectionError(f"no answer from Redis in {3 * self.heartbeat:.0f} s")
                await pubsub.ping()

    def _nudged(self, data: bytes) -> None:
        tenant = data.decode(errors="replace")
        if tenant not in TENANT_NAMES:  # never a database named after whatever came in
            log.warning("nudge for unknown tenant %r on %s ignored", tenant[:40], self.channel)
            return
        NUDGES_HEARD.labels(self.channel).inc()
        self.wake(Tenant(tenant))
