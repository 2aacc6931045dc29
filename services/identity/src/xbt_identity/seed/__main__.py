"""`python -m xbt_identity.seed`: load the demo data into the configured databases."""

from __future__ import annotations

import asyncio
import logging

from xbt_identity.main import SERVICE, ensure_indexes, passwords_of
from xbt_identity.seed import seed
from xbt_identity.settings import IdentitySettings
from xbt_shared.runtime import Runtime


async def main() -> None:
    logging.basicConfig(level=logging.INFO)
    settings = IdentitySettings()
    runtime = Runtime(settings, service=SERVICE)
    try:
        await ensure_indexes(runtime)
        passwords = passwords_of(settings, threads=1)
        created = await seed(runtime.mongo, passwords)
        passwords.shutdown()
        print(
            "  identity demo data: created {schools} schools, {classes} classes, "
            "{users} accounts (existing ones kept)".format(**created)
        )
    finally:
        await runtime.mongo.close()
        await runtime.redis.aclose()


if __name__ == "__main__":
    asyncio.run(main())
