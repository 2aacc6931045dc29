"""`python -m xbt_tasks.seed`: the demo data, into the databases the settings name."""

from __future__ import annotations

import asyncio

from xbt_shared.runtime import Runtime
from xbt_tasks.main import SERVICE, ensure_indexes
from xbt_tasks.seed.loader import demo_use_cases, seed
from xbt_tasks.settings import TasksSettings


async def main() -> None:
    runtime = Runtime(TasksSettings(), service=SERVICE)
    try:
        await ensure_indexes(runtime)
        created = await seed(demo_use_cases(runtime.mongo))
        print(
            "  tasks demo data: created {tasks} tasks, {submissions} submissions, "
            "{marks} marks (existing ones kept)".format(**created)
        )
    finally:
        await runtime.mongo.close()
        await runtime.redis.aclose()


if __name__ == "__main__":
    asyncio.run(main())
