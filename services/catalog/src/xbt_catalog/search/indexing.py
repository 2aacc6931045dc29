"""Feeding the search engine: one in-memory index per tenant database.

Built from MongoDB at start-up; this replica's own publishes update it at once, and a
follower picks up what other replicas changed (resources changed since the last look), so
every replica converges within `follow_interval` seconds. The follower also takes the view
counts any replica flushed (`views_at`), so "most viewed" and the counts in result lists
move on without re-indexing anything. A reader searches the city's index and their
district's only.

Shared caches must not keep what a lagging replica computed: a publish on one replica bumps
the scope's cache version at once, and another replica searching before its follower ran
would otherwise store its stale page under the new version for everyone. So the indexes
know the versions they are complete at (read *before* each build or follower pass: every
change committed before such a version was bumped is in what the pass reads), and a search
answer is kept only when the versions it was asked under are those (`current_at`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from xbt_catalog.resources.domain import Reader, public_resource, scopes_of
from xbt_catalog.search.domain import SearchDoc, SearchPage
from xbt_catalog.search.engine import search_many
from xbt_catalog.search.index import SearchIndex
from xbt_catalog.search.store import IndexSourceStore
from xbt_shared.errors import Unprocessable
from xbt_shared.mongo import Doc, Mongo
from xbt_shared.periodic import Periodic
from xbt_shared.tenancy import ALL_TENANTS

log = logging.getLogger("xbt.catalog.indexing")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class ChaptersPort(Protocol):
    """Where textbook nodes sit (`resources.chapters.Chapters`)."""

    async def load(self) -> int: ...

    def of(self, owner: str, node_ids: Iterable[str] | None) -> list[Doc]: ...

    def ancestors(self, owner: str, node_ids: Iterable[str] | None) -> tuple[str, ...]: ...


class NoChapters:
    """No textbooks known: resources show no chapters; a node filter matches exact nodes."""

    async def load(self) -> int:
        return 0

    def of(self, owner: str, node_ids: Iterable[str] | None) -> list[Doc]:
        return []

    def ancestors(self, owner: str, node_ids: Iterable[str] | None) -> tuple[str, ...]:
        return tuple(n for n in node_ids or () if isinstance(n, str))


def search_doc(doc: Doc, nodes: Sequence[str] = ()) -> SearchDoc:
    provider = doc.get("provider") or {}
    published = doc.get("published_at")
    return SearchDoc(
        id=doc["_id"],
        title=doc.get("title", ""),
        kind=doc.get("kind", ""),
        provider=provider.get("level", "city"),
        description=doc.get("description") or "",
        tags=tuple(doc.get("tags") or ()),
        stage=doc.get("stage"),
        grades=tuple(doc.get("grades") or ()),
        subject=doc.get("subject"),
        category=doc.get("category"),
        enrichment_kind=doc.get("enrichment_kind"),
        published_at=published.timestamp() if isinstance(published, datetime) else 0.0,
        views=int(doc.get("views") or 0),
        guest_visible=bool(doc.get("guest_visible")),
        school=provider.get("school_id"),
        nodes=tuple(nodes),
    )


class Watermark:
    """A follower's place in a stream of stamped changes: the latest stamp seen, and the ids
    already applied at exactly that stamp (the follower asks `>=`, so that a change stamped
    with the same millisecond as the last one seen is not missed)."""

    def __init__(self) -> None:
        self.seen = EPOCH
        self.at_seen: set[str] = set()

    def applied(self, stamp: object, doc_id: str) -> bool:
        return stamp == self.seen and doc_id in self.at_seen

    def note(self, stamp: object, doc_id: str) -> None:
        if not isinstance(stamp, datetime):
            return
        if stamp > self.seen:
            self.seen = stamp
            self.at_seen = {doc_id}
        elif stamp == self.seen:
            self.at_seen.add(doc_id)


# The cache versions of these scopes now: `VersionedCache.current`.
VersionsOf = Callable[[Sequence[str]], Awaitable[Mapping[str, str]]]
TENANT_IDS = tuple(t.id for t in ALL_TENANTS)


class TenantIndexes:
    def __init__(
        self,
        mongo: Mongo,
        *,
        versions_of: VersionsOf,
        follow_interval: float = 2.0,
        chapters: ChaptersPort | None = None,
    ) -> None:
        self.mongo = mongo
        self.chapters: ChaptersPort = chapters or NoChapters()
        self.follow_interval = follow_interval
        self._versions_of = versions_of
        # scope -> the cache version at which every change to it is in the index
        self._complete_at: dict[str, str] = {}
        self.indexes: dict[str, SearchIndex] = {t.id: SearchIndex(t.id) for t in ALL_TENANTS}
        # What a result list shows of each indexed resource, so a search page needs no
        # database round trip (a few hundred bytes each: ~25 MB for 50,000 resources).
        self._summaries: dict[str, dict[str, Doc]] = {t.id: {} for t in ALL_TENANTS}
        self._changes = {t.id: Watermark() for t in ALL_TENANTS}  # by `updated_at`
        self._views = {t.id: Watermark() for t in ALL_TENANTS}  # by `views_at`
        self._loop = Periodic("search-index-follower", self._follow_step, interval=follow_interval)

    async def build(self) -> int:
        before = await self._versions_of(TENANT_IDS)
        marks = dict(self._complete_at)
        await self.chapters.load()
        total = 0
        for tenant in ALL_TENANTS:
            store = IndexSourceStore(self.mongo.for_tenant(tenant))
            docs = []
            async for doc in store.published_resources():
                docs.append(self._search_doc(tenant.id, doc))
                self._summaries[tenant.id][doc["_id"]] = self._summary(tenant.id, doc)
                self._note(tenant.id, doc)
            self.indexes[tenant.id].add_many(docs)
            self.indexes[tenant.id].warm()  # the first browse would otherwise build its order
            total += len(docs)
        self._mark_complete(before, marks)
        log.info("search indexes built: %d resources", total)
        return total

    def current_at(self, versions: Mapping[str, str]) -> bool:
        """Whether the indexes held every change of these scopes up to these versions."""
        complete = self._complete_at
        return all(complete.get(scope) == v for scope, v in versions.items())

    def applied_own(self, scope: str, version: int) -> None:
        """This replica changed `scope` (already applied here) and bumped its version to
        `version`: if nothing else was missing before, nothing is now."""
        if self._complete_at.get(scope) == str(version - 1):
            self._complete_at[scope] = str(version)

    def _note(self, tenant: str, doc: Doc) -> None:
        self._changes[tenant].note(doc.get("updated_at"), doc["_id"])
        self._views[tenant].note(doc.get("views_at"), doc["_id"])

    def _search_doc(self, owner: str, doc: Doc) -> SearchDoc:
        return search_doc(doc, self.chapters.ancestors(owner, doc.get("textbook_node_ids")))

    def _summary(self, owner: str, doc: Doc) -> Doc:
        """What a result list shows: the summary fields and the chapters it is attached to."""
        return {
            **public_resource(doc, owner, summary=True),
            "chapters": self.chapters.of(owner, doc.get("textbook_node_ids")),
        }

    def upsert(self, owner: str, doc: Doc) -> None:
        if doc.get("status") == "published":
            self.indexes[owner].add(self._search_doc(owner, doc))
            self._summaries[owner][doc["_id"]] = self._summary(owner, doc)
        else:
            self.remove(owner, doc["_id"])
        self._note(owner, doc)

    def remove(self, owner: str, resource_id: str) -> None:
        self.indexes[owner].remove(resource_id)
        self._summaries[owner].pop(resource_id, None)

    def summaries(self, ids: list[tuple[str, str]]) -> list[Doc]:
        """The list entries of these hits, in order (hits removed meanwhile are skipped)."""
        found = (self._summaries[owner].get(rid) for owner, rid in ids)
        return [s for s in found if s is not None]

    def set_views(self, owner: str, resource_id: str, views: int) -> None:
        if self.indexes[owner].set_views(resource_id, views):
            summary = self._summaries[owner].get(resource_id)
            if summary is not None:
                self._summaries[owner][resource_id] = {**summary, "views": views}

    async def follow_once(self) -> int:
        """Apply what changed since the last look; returns how many resources changed."""
        changed = 0
        for tenant in ALL_TENANTS:
            store = IndexSourceStore(self.mongo.for_tenant(tenant))
            mark = self._changes[tenant.id]
            for doc in await store.changed_since(mark.seen):
                if not mark.applied(doc.get("updated_at"), doc["_id"]):
                    self.upsert(tenant.id, doc)
                    changed += 1
        return changed

    async def follow_views_once(self) -> int:
        """Take the view counts flushed since the last look; returns how many resources."""
        changed = 0
        for tenant in ALL_TENANTS:
            store = IndexSourceStore(self.mongo.for_tenant(tenant))
            mark = self._views[tenant.id]
            for doc in await store.views_changed_since(mark.seen):
                stamp = doc.get("views_at")
                if not mark.applied(stamp, doc["_id"]):
                    self.set_views(tenant.id, doc["_id"], int(doc.get("views") or 0))
                    mark.note(stamp, doc["_id"])
                    changed += 1
        return changed

    async def catch_up(self) -> None:
        """One follower pass: other replicas' changes and view counts, then mark the
        indexes complete at the versions read before it."""
        before = await self._versions_of(TENANT_IDS)
        marks = dict(self._complete_at)
        await self.follow_once()
        await self.follow_views_once()
        self._mark_complete(before, marks)

    def _mark_complete(self, before: Mapping[str, str], marks: Mapping[str, str]) -> None:
        for scope, version in before.items():
            # A mark this replica's own publish moved on during the pass stays: it is
            # valid too, and going back would only stop answers being kept for a while.
            if self._complete_at.get(scope) == marks.get(scope):
                self._complete_at[scope] = version

    async def _follow_step(self) -> bool:
        await self.catch_up()
        return False

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    def search(
        self,
        reader: Reader,
        *,
        query: str,
        filters: dict[str, list[Any]],
        sort: str,
        page: int,
        size: int,
    ) -> SearchPage:
        try:
            result = search_many(
                [self.indexes[s] for s in scopes_of(reader)],
                query,
                filters=filters,
                sort=sort,
                page=page,
                size=size,
                reader_school=reader.school,
                guest=reader.guest,
            )
        except ValueError as exc:
            raise Unprocessable(str(exc), errors=[{"field": "query", "message": str(exc)}]) from exc
        return SearchPage(
            ids=[(hit.source, hit.id) for hit in result.hits],
            total=result.total,
            facets={
                name: {str(value): n for value, n in counts.items()}
                for name, counts in result.facets.items()
            },
            relaxed=result.relaxed,
        )
