"""`python -m xbt_catalog.seed`: indexes, then the missing demo documents, then a fresh cache."""

from __future__ import annotations

import asyncio

from xbt_catalog.main import CACHE_NAMESPACE, ensure_indexes
from xbt_catalog.seed.media import seed_media
from xbt_catalog.seed.store import seed
from xbt_catalog.settings import CatalogSettings
from xbt_shared.cache import VersionedCache
from xbt_shared.runtime import Runtime
from xbt_shared.tenancy import ALL_TENANTS


async def main() -> None:
    settings = CatalogSettings()
    runtime = Runtime(settings, service="catalog")
    try:
        await ensure_indexes(runtime)
        created = await seed(runtime.mongo)
        created |= await seed_media(runtime.mongo)
        if any(created.values()):
            # Answers cached before this seed (Redis outlives `make run`) must not be served.
            cache = VersionedCache(
                runtime.redis, prefix=runtime.redis_prefix, namespace=CACHE_NAMESPACE
            )
            for tenant in ALL_TENANTS:
                await cache.invalidate(tenant.id)
        print(
            "  catalog demo data: created "
            + ", ".join(f"{n} {name}" for name, n in created.items())
            + " (existing ones kept)"
        )
    finally:
        await runtime.mongo.close()
        await runtime.redis.aclose()


if __name__ == "__main__":
    asyncio.run(main())
