"""What the search index reads of one tenant's resources (`catalog_<tenant>.resources`):
every published one at start-up, then what changed and whose views were flushed since the
follower's last look. Read-only; the resources feature writes them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

from pymongo import ASCENDING

from xbt_shared.mongo import Doc, TenantStore

RESOURCES = "resources"


class IndexSourceStore(TenantStore):
    async def ensure_indexes(self) -> None:
        resources = self.tdb[RESOURCES]
        # The search-index follower asks "what changed since t?" every few seconds.
        await resources.create_index("updated_at")
        # ... and "whose view counts were flushed since t?"
        await resources.create_index("views_at")

    async def published_resources(self) -> AsyncIterator[Doc]:
        async for doc in self.tdb[RESOURCES].find({"status": "published"}):
            yield doc

    async def changed_since(self, since: datetime) -> list[Doc]:
        """Resources changed after `since`, oldest first (what the search index follows)."""
        cursor = (
            self.tdb[RESOURCES]
            .find({"updated_at": {"$gte": since}})
            .sort("updated_at", ASCENDING)
            .limit(1000)
        )
        return [r async for r in cursor]

    async def views_changed_since(self, since: datetime) -> list[Doc]:
        """(id, views, views_at) of resources whose views were flushed after `since`."""
        cursor = (
            self.tdb[RESOURCES]
            .find({"views_at": {"$gte": since}}, {"views": 1, "views_at": 1})
            .sort("views_at", ASCENDING)
            .limit(5000)
        )
        return [r async for r in cursor]
