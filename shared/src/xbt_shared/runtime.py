"""The connections one service process holds, opened in its lifespan and closed after.

Nothing connects at import time. A service builds a `Runtime` from its settings, starts it
in the FastAPI lifespan (or in its worker entry point) and hands its parts to the stores.
"""

from __future__ import annotations

import logging

from redis.asyncio import BlockingConnectionPool, Redis

from xbt_shared.auth import TokenVerifier
from xbt_shared.bus import EventBus, Handler
from xbt_shared.mongo import Mongo
from xbt_shared.nudge import NudgeListener, RelayNudge, nudge_channel
from xbt_shared.outbox import POLL_SECONDS, OutboxRelay
from xbt_shared.settings import CommonSettings

log = logging.getLogger("xbt.runtime")


def redis_key(prefix: str, tenant: str, *parts: str) -> str:
    """The one shape of a tenant's Redis key: `<prefix>t:<tenant>:<parts>` (the prefix keeps
    test runs apart from each other and from `make run`)."""
    return f"{prefix}t:{tenant}:{':'.join(parts)}"


def platform_key(prefix: str, *parts: str) -> str:
    """A Redis key of data that belongs to no tenant (an OIDC code is redeemed before anyone
    knows the tenant): `<prefix>platform:<parts>`, never `t:<tenant>:`."""
    return f"{prefix}platform:{':'.join(parts)}"


class Runtime:
    """`outbox_poll_seconds`: how often the relay (if this process runs it) looks for rows
    that no commit told it about."""

    def __init__(
        self, settings: CommonSettings, *, service: str, outbox_poll_seconds: float = POLL_SECONDS
    ) -> None:
        self.settings = settings
        self.service = service
        self.mongo = Mongo(settings.mongodb_uri, service=service, db_prefix=settings.db_prefix)
        # A blocking pool: in a spike, callers wait briefly for a connection instead of
        # failing at once when all are busy (redis-py's default pool raises immediately).
        self.redis: Redis = Redis(
            connection_pool=BlockingConnectionPool.from_url(
                settings.redis_url, decode_responses=True, max_connections=100, timeout=5
            )
        )
        self.redis_prefix = settings.redis_prefix
        self.bus = EventBus(
            settings.amqp_url,
            exchange=settings.events_exchange,
            queue_prefix=settings.queue_prefix,
            queue_type=settings.queue_type,
        )
        self.relay = OutboxRelay(self.mongo, self.bus, idle_interval=outbox_poll_seconds)
        # After a commit that wrote events, the relay should hear of it at once: directly
        # where it runs in this process; through Redis where it runs in the worker pods.
        channel = nudge_channel(self.redis_prefix, service)
        self.nudges: NudgeListener | None = None
        self.nudge: RelayNudge | None = None
        if settings.run_workers:
            self.mongo.on_events_committed = self.relay.notify
            self.nudges = NudgeListener(settings.redis_url, channel, self.relay.notify)
        else:
            self.nudge = RelayNudge(self.redis, channel)
            self.mongo.on_events_committed = self.nudge
        self.verifier = TokenVerifier(
            jwks_url=settings.jwks_url,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        )
        self.subscriptions: dict[str, Handler] = {}

    def key(self, tenant: str, *parts: str) -> str:
        """A Redis key that carries the tenant: `<prefix>t:<tenant>:<parts>`."""
        return redis_key(self.redis_prefix, tenant, *parts)

    async def start(self, *, subscriptions: dict[str, Handler] | None = None) -> None:
        await self.bus.connect()
        if self.settings.run_workers:
            # Consumers first: the service's own events reach its own queue from the start.
            if subscriptions:
                self.subscriptions = subscriptions
                await self.bus.subscribe(self.service, subscriptions)
            self.relay.start()
            if self.nudges is not None:
                self.nudges.start()
        log.info("runtime started", extra={"route": self.service})

    async def stop(self) -> None:
        if self.nudges is not None:
            await self.nudges.stop()
        if self.nudge is not None:
            await self.nudge.close()
        await self.relay.stop()
        await self.bus.close()
        await self.redis.aclose()
        await self.mongo.close()

    async def readiness(self) -> dict[str, str]:
        checks: dict[str, str] = {}
        try:
            await self.mongo.ping()
            checks["mongodb"] = "ok"
        except Exception as exc:
            checks["mongodb"] = f"down: {type(exc).__name__}"
        try:
            await self.redis.ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"down: {type(exc).__name__}"
        checks["rabbitmq"] = "ok" if self.bus.is_connected else "down"
        return checks
