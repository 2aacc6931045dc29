"""Resource and textbook use cases: reading, the publishing workflow, recommending.

Every read is for a `Reader` in one tenant and touches at most two databases: the city's
and the reader's district's. Shared reads are cached (see xbt_shared.cache) and publishing
invalidates the scope it changed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from xbt_catalog.events import ResourcePublished, ResourceRecommended
from xbt_catalog.resources.chapters import Chapters
from xbt_catalog.resources.domain import (
    AUTHOR_ROLES,
    Reader,
    Resource,
    cache_key,
    find_node,
    history_entry,
    public_resource,
    public_textbook,
    readable,
    scopes_of,
    workflow_query,
)
from xbt_catalog.resources.store import ResourceStore
from xbt_catalog.resources.views import ViewCounter
from xbt_shared.auth import forbid_guest_writes
from xbt_shared.cache import Cached, VersionedCache
from xbt_shared.caller import Caller
from xbt_shared.clock import now_ms
from xbt_shared.errors import Conflict, Forbidden, NotFound, Unprocessable
from xbt_shared.mongo import Doc, Mongo
from xbt_shared.tenancy import CITY, Tenant


class IndexPort(Protocol):
    """The search index, told at once about this replica's publishes and withdrawals."""

    def upsert(self, owner: str, doc: Doc) -> None: ...

    def remove(self, owner: str, resource_id: str) -> None: ...

    def applied_own(self, scope: str, version: int) -> None: ...


def reader_of(caller: Caller) -> Reader:
    return Reader.of(caller.principal, caller.tenant)


def _guest_suffix(reader: Reader) -> str:
    return ":guest" if reader.guest else ""


@dataclass
class Resources:
    mongo: Mongo
    cache: VersionedCache
    views: ViewCounter
    index: IndexPort
    chapters: Chapters

    def store(self, tenant_id: str) -> ResourceStore:
        return ResourceStore(self.mongo.for_tenant(Tenant(tenant_id)))

    # textbooks -------------------------------------------------------------------------------

    async def list_textbooks(self, reader: Reader, filters: Doc) -> Cached:
        key = "textbooks:" + cache_key(filters) + _guest_suffix(reader)

        async def load() -> list[Doc]:
            found: list[Doc] = []
            for scope in scopes_of(reader):
                for tb in await self.store(scope).textbooks({**filters, "status": "published"}):
                    if readable(reader, tb, scope):
                        found.append(public_textbook(tb))
            return found

        return await self.cache.get_or_load(scopes_of(reader), key, load)

    async def readable_textbook(self, reader: Reader, textbook_id: str) -> Doc | None:
        """The stored textbook (with its tree) if the reader may see it."""
        for scope in scopes_of(reader):
            tb = await self.store(scope).textbook(textbook_id)
            if tb is not None and readable(reader, tb, scope):
                return tb
        return None

    async def textbook(self, reader: Reader, textbook_id: str) -> Cached:
        key = f"textbook:{textbook_id}" + _guest_suffix(reader)

        async def load() -> Doc:
            tb = await self.readable_textbook(reader, textbook_id)
            if tb is None:
                raise NotFound(f"no textbook {textbook_id!r}")
            return {**public_textbook(tb), "tree": tb.get("tree", [])}

        return await self.cache.get_or_load(scopes_of(reader), key, load)

    async def node(self, reader: Reader, node_id: str) -> Cached:
        """A textbook node (the book, a unit, a lesson) with its path from the book's stage
        down, its children and its book, from a textbook the reader may see."""
        key = f"textbook-node:{node_id}" + _guest_suffix(reader)

        async def load() -> Doc:
            for scope in scopes_of(reader):
                for tb in await self.store(scope).textbooks_holding(node_id):
                    if not readable(reader, tb, scope):
                        continue
                    ref = find_node(tb, node_id)
                    if ref is not None:
                        return ref.view()
            raise NotFound(f"no textbook node {node_id!r}")

        return await self.cache.get_or_load(scopes_of(reader), key, load)

    # reading resources ------------------------------------------------------------------------

    async def _find_visible(self, reader: Reader, resource_id: str) -> tuple[str, Resource]:
        for scope in reversed(scopes_of(reader)):
            found = await self.store(scope).resource(resource_id)
            if found is not None and readable(reader, found.to_doc(), scope):
                return scope, found
        raise NotFound(f"no resource {resource_id!r}")

    async def resource(
        self, reader: Reader, resource_id: str, *, count_view: bool = True
    ) -> tuple[Cached, tuple[str, str]]:
        """The resource, with its view counted (unless `count_view` is false); and that
        view counter (hash key, field)."""
        key = f"resource:{resource_id}:{reader.school or '-'}" + _guest_suffix(reader)
        owner: list[str] = []

        async def load() -> Doc:
            scope, found = await self._find_visible(reader, resource_id)
            owner.append(scope)
            doc = found.to_doc()
            return {
                **public_resource(doc, scope),
                "chapters": self.chapters.of(scope, doc.get("textbook_node_ids")),
            }

        cached = await self.cache.get_or_load(scopes_of(reader), key, load)
        counter = self.views.counter(owner[0] if owner else _owner_from_body(cached), resource_id)
        if count_view:
            await self.views.count(*counter)
        return cached, counter

    async def readable_in(self, reader: Reader, scope: str, ids: Sequence[str]) -> dict[str, Doc]:
        """Those of `ids` in `scope`'s database that the reader may see, by id."""
        found = await self.store(scope).resources_by_ids(ids)
        return {r["_id"]: r for r in found if readable(reader, r, scope)}

    # the publishing workflow ---------------------------------------------------------------

    async def workflow_list(
        self, caller: Caller, *, status: str | None, mine: bool, page: int, size: int
    ) -> Doc:
        """Authors' own content in any state, and publishers' review queue: everything in
        this tenant's database the actor may act on (never another tenant's)."""
        if not caller.has_role(*AUTHOR_ROLES):
            raise Forbidden("only authors and publishers have a workflow view")
        query = workflow_query(caller.principal, status=status, mine=mine)
        store = ResourceStore(caller.db)
        total = await store.count_resources(query)
        found = await store.resources(
            query, sort=[("updated_at", -1), ("_id", 1)], skip=(page - 1) * size, limit=size
        )
        return {
            "items": [_in_workflow(r, caller.tenant) for r in found],
            "total": total,
            "page": page,
            "size": size,
        }

    async def _in_workflow_of(self, caller: Caller, resource_id: str) -> Resource:
        found = await ResourceStore(caller.db).resource(resource_id)
        if found is None or not found.in_workflow_of(caller.principal):
            raise NotFound(f"no resource {resource_id!r}")
        return found

    async def edit_resource(self, caller: Caller, resource_id: str, changes: Doc) -> Doc:
        """Authors (and publishers) edit content while it is a draft or withdrawn."""
        forbid_guest_writes(caller.principal)
        if not changes:
            raise Unprocessable("nothing to change", errors=[{"field": "body", "message": "empty"}])
        current = await self._in_workflow_of(caller, resource_id)
        update = current.edit(changes, at=now_ms())
        updated = await ResourceStore(caller.db).update_resource(
            resource_id, update, expect={"status": current.status}
        )
        if updated is None:
            raise Conflict("the resource changed meanwhile; reload it", slug="stale")
        return _in_workflow(updated, caller.tenant)

    async def create_resource(self, caller: Caller, fields: Doc) -> Doc:
        forbid_guest_writes(caller.principal)
        if not caller.has_role(*AUTHOR_ROLES):
            raise Forbidden("only teachers, researchers and administrators create content")
        draft = Resource.draft(
            f"res-{uuid.uuid4().hex[:16]}",
            fields=fields,
            actor=caller.principal,
            tenant=caller.tenant,
            at=now_ms(),
        )
        await ResourceStore(caller.db).insert_resource(draft)
        return _in_workflow(draft, caller.tenant)

    async def transition(self, caller: Caller, resource_id: str, target: str) -> Doc:
        forbid_guest_writes(caller.principal)
        current = await self._in_workflow_of(caller, resource_id)
        now = now_ms()
        changes = current.move(target, actor=caller.principal, tenant=caller.tenant, at=now)
        async with caller.unit_of_work() as uow:
            updated = await ResourceStore.within(uow).update_resource(
                resource_id,
                changes,
                expect={"status": current.status},
                history=history_entry(target, by=caller.user_id, at=now),
            )
            if updated is None:
                raise Conflict("the resource changed meanwhile; reload it", slug="stale")
            if target == "published":
                uow.record(
                    ResourcePublished(
                        resource_id=resource_id,
                        title=updated.title,
                        kind=updated.kind,
                        subject=updated.details.get("subject"),
                        grades=updated.details.get("grades", []),
                        level=current.provider.level,
                        school_id=current.provider.school_id,
                        published_by=caller.user_id,
                    ),
                    subject=resource_id,
                )
        owner = caller.tenant.id
        if target == "published":
            self.index.upsert(owner, updated.to_doc())
        elif current.status == "published":
            self.index.remove(owner, resource_id)
        if "published" in (current.status, target):
            version = await self.cache.invalidate(owner)
            self.index.applied_own(owner, version)
        return _in_workflow(updated, caller.tenant)

    async def recommend(
        self, caller: Caller, resource_id: str, *, class_ids: list[str], note: str | None
    ) -> Doc:
        actor = caller.principal
        forbid_guest_writes(actor)
        if not actor.has_role("teacher"):
            raise Forbidden("only teachers recommend resources to their classes")
        foreign = [c for c in class_ids if c not in actor.classes]
        if foreign:
            raise Forbidden(f"you do not teach: {', '.join(foreign)}")
        _, found = await self._find_visible(reader_of(caller), resource_id)
        event = ResourceRecommended(
            resource_id=resource_id,
            title=found.title,
            kind=found.kind or None,
            class_ids=class_ids,
            teacher_id=actor.user_id,
            teacher_name=actor.name,
            school_id=actor.school,
            note=note,
        )
        # Recorded in the recommending teacher's tenant, where the classes are.
        async with caller.unit_of_work() as uow:
            await ResourceStore.within(uow).insert_recommendation(
                {"_id": uuid.uuid4().hex, **event.model_dump(), "at": now_ms()}
            )
            uow.record(event, subject=resource_id)
        return event.model_dump()


def _in_workflow(resource: Resource, tenant: Tenant) -> Doc:
    """A resource as its authors and publishers see it (history and author included)."""
    return public_resource(resource.to_doc(), tenant.id, include_workflow=True)


def _owner_from_body(cached: Cached) -> str:
    return str(json.loads(cached.body).get("owner", CITY))
