"""Catalog use cases: reading textbooks and resources, the publishing workflow, search.

Every read is for a `Reader` in one tenant and touches at most two databases: the city's
and the reader's district's. Shared reads are cached (see xbt_shared.cache) and publishing
invalidates the scope it changed.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from xbt_catalog import domain
from xbt_catalog.domain import Reader
from xbt_catalog.events import ResourcePublished, ResourceRecommended
from xbt_catalog.store import CatalogStore
from xbt_catalog.views import ViewCounter
from xbt_shared.auth import Principal
from xbt_shared.cache import Cached, VersionedCache
from xbt_shared.errors import Conflict, Forbidden, NotFound, Unprocessable
from xbt_shared.mongo import Doc, Mongo
from xbt_shared.tenancy import CITY, Tenant

CACHE_NAMESPACE = "catalog"


@dataclass(frozen=True)
class SearchPage:
    ids: list[tuple[str, str]]  # (owner tenant, resource id), in result order
    total: int
    facets: dict[str, dict[str, int]]
    relaxed: bool = False


class SearchPort(Protocol):
    def upsert(self, owner: str, doc: Doc) -> None: ...

    def remove(self, owner: str, resource_id: str) -> None: ...

    def summaries(self, ids: list[tuple[str, str]]) -> list[Doc]: ...

    def current_at(self, versions: Mapping[str, str]) -> bool: ...

    def applied_own(self, scope: str, version: int) -> None: ...

    def search(
        self,
        reader: Reader,
        *,
        query: str,
        filters: dict[str, list[Any]],
        sort: str,
        page: int,
        size: int,
    ) -> SearchPage: ...


def reader_of(principal: Principal, tenant: Tenant) -> Reader:
    # A city admin acting in a district reads as that district (without a school).
    school = principal.school if principal.tenant == tenant.id else None
    return Reader(tenant=tenant.id, school=school, guest=principal.is_guest)


def scopes_of(reader: Reader) -> list[str]:
    """The tenants whose content a reader may see, city first."""
    return [CITY] if reader.tenant == CITY else [CITY, reader.tenant]


@dataclass
class Catalog:
    mongo: Mongo
    cache: VersionedCache
    views: ViewCounter
    search_index: SearchPort
    max_page_size: int = 50

    @staticmethod
    def _now() -> datetime:
        # MongoDB keeps milliseconds: stamps compared with stored ones must match them.
        now = datetime.now(UTC)
        return now.replace(microsecond=now.microsecond // 1000 * 1000)

    def store(self, tenant_id: str) -> CatalogStore:
        return CatalogStore(self.mongo.for_tenant(Tenant(tenant_id)))

    # textbooks -------------------------------------------------------------------------------

    async def list_textbooks(self, reader: Reader, filters: Doc) -> Cached:
        key = "textbooks:" + cache_key(filters) + (":guest" if reader.guest else "")

        async def load() -> list[Doc]:
            found: list[Doc] = []
            for scope in scopes_of(reader):
                for tb in await self.store(scope).textbooks({**filters, "status": "published"}):
                    if readable(reader, tb, scope):
                        found.append(public_textbook(tb))
            return found

        return await self.cache.get_or_load(scopes_of(reader), key, load)

    async def textbook(self, reader: Reader, textbook_id: str) -> Cached:
        key = f"textbook:{textbook_id}" + (":guest" if reader.guest else "")

        async def load() -> Doc:
            for scope in scopes_of(reader):
                tb = await self.store(scope).textbook(textbook_id)
                if tb is not None and readable(reader, tb, scope):
                    return {**public_textbook(tb), "tree": tb.get("tree", [])}
            raise NotFound(f"no textbook {textbook_id!r}")

        return await self.cache.get_or_load(scopes_of(reader), key, load)

    # reading resources ------------------------------------------------------------------------

    async def _find_visible(self, reader: Reader, resource_id: str) -> tuple[str, Doc]:
        for scope in reversed(scopes_of(reader)):
            doc = await self.store(scope).resource(resource_id)
            if doc is not None and readable(reader, doc, scope):
                return scope, doc
        raise NotFound(f"no resource {resource_id!r}")

    async def resource(self, reader: Reader, resource_id: str) -> tuple[Cached, tuple[str, str]]:
        """The resource, with its view counted; and that view counter (hash key, field)."""
        key = f"resource:{resource_id}:{reader.school or '-'}" + (":guest" if reader.guest else "")
        owner: list[str] = []

        async def load() -> Doc:
            scope, doc = await self._find_visible(reader, resource_id)
            owner.append(scope)
            return public_resource(doc, scope)

        cached = await self.cache.get_or_load(scopes_of(reader), key, load)
        counter = self.views.counter(owner[0] if owner else _owner_from_body(cached), resource_id)
        await self.views.count(*counter)
        return cached, counter

    async def search(
        self,
        reader: Reader,
        *,
        query: str,
        filters: dict[str, list[Any]],
        sort: str,
        page: int,
        size: int,
    ) -> Cached:
        if size > self.max_page_size:
            raise Unprocessable(
                f"size may be at most {self.max_page_size}",
                errors=[{"field": "query.size", "message": f"at most {self.max_page_size}"}],
            )
        key = "search:" + cache_key(
            {
                "q": query,
                "f": filters,
                "s": sort,
                "p": page,
                "n": size,
                "school": reader.school,
                "guest": reader.guest,
            }
        )

        async def load() -> Doc:
            found = self.search_index.search(
                reader, query=query, filters=filters, sort=sort, page=page, size=size
            )
            docs = self.search_index.summaries(found.ids)
            return {
                "items": docs,
                "total": found.total,
                "page": page,
                "size": size,
                "facets": found.facets,
                "relaxed": found.relaxed,
                "query": query,
                "sort": sort,
            }

        return await self.cache.get_or_load(
            scopes_of(reader), key, load, fresh=self.search_index.current_at
        )

    # the publishing workflow ---------------------------------------------------------------

    async def workflow_list(
        self,
        actor: Principal,
        tenant: Tenant,
        *,
        status: str | None,
        mine: bool,
        page: int,
        size: int,
    ) -> Doc:
        """Authors' own content in any state, and publishers' review queue: everything in
        this tenant's database the actor may act on (never another tenant's)."""
        if not actor.has_role(*domain.AUTHOR_ROLES):
            raise Forbidden("only authors and publishers have a workflow view")
        query: Doc = {}
        if status:
            query["status"] = status
        if mine or not actor.has_role("district_admin", "researcher", "city_admin", "school_admin"):
            query["created_by"] = actor.user_id
        elif actor.has_role("school_admin") and not actor.has_role(
            "district_admin", "researcher", "city_admin"
        ):
            query["$or"] = [
                {"created_by": actor.user_id},
                {"provider.school_id": actor.school},
            ]
        store = self.store(tenant.id)
        total = await store.count_resources(query)
        docs = await store.resources(
            query, sort=[("updated_at", -1), ("_id", 1)], skip=(page - 1) * size, limit=size
        )
        return {
            "items": [public_resource(d, tenant.id, include_workflow=True) for d in docs],
            "total": total,
            "page": page,
            "size": size,
        }

    async def edit_resource(
        self, actor: Principal, tenant: Tenant, resource_id: str, changes: Doc
    ) -> Doc:
        """Authors (and publishers) edit content while it is a draft or withdrawn."""
        store = self.store(tenant.id)
        doc = await store.resource(resource_id)
        if doc is None or not _may_see_workflow(actor, tenant, doc):
            raise NotFound(f"no resource {resource_id!r}")
        if doc["status"] not in ("draft", "withdrawn"):
            raise Conflict(
                f"a {doc['status']} resource cannot be edited; return it to draft first",
                slug="not-editable",
            )
        if changes.get("grades"):
            changes["stage"] = domain.stage_of(min(changes["grades"]))
        changes["updated_at"] = self._now()
        updated = await store.update_resource(
            resource_id, changes, expect={"status": doc["status"]}
        )
        if updated is None:
            raise Conflict("the resource changed meanwhile; reload it", slug="stale")
        return public_resource(updated, tenant.id, include_workflow=True)

    async def create_resource(self, actor: Principal, tenant: Tenant, fields: Doc) -> Doc:
        if not actor.has_role(*domain.AUTHOR_ROLES):
            raise Forbidden("only teachers, researchers and administrators create content")
        level = fields["level"]
        why = domain.level_allowed(level, actor_tenant=tenant.id, actor_school=actor.school)
        if why:
            raise Unprocessable(why, errors=[{"field": "body.level", "message": why}])
        now = self._now()
        doc: Doc = {
            "_id": f"res-{uuid.uuid4().hex[:16]}",
            **{k: v for k, v in fields.items() if k != "level"},
            "stage": domain.stage_of(min(fields["grades"])) if fields.get("grades") else None,
            "provider": {
                "level": level,
                "tenant": tenant.id,
                "school_id": actor.school if level == "school" else None,
                "name": fields.get("provider_name") or tenant.name,
            },
            "status": "draft",
            "views": 0,
            "created_by": actor.user_id,
            "created_at": now,
            "updated_at": now,
            "published_at": None,
            "history": [{"status": "draft", "by": actor.user_id, "at": now}],
        }
        doc.pop("provider_name", None)
        await self.store(tenant.id).insert_resource(doc)
        return public_resource(doc, tenant.id, include_workflow=True)

    async def transition(
        self, actor: Principal, tenant: Tenant, resource_id: str, target: str
    ) -> Doc:
        store = self.store(tenant.id)
        doc = await store.resource(resource_id)
        if doc is None or not _may_see_workflow(actor, tenant, doc):
            raise NotFound(f"no resource {resource_id!r}")
        current = doc["status"]
        if not domain.can_transition(current, target):
            raise Conflict(
                f"a {current} resource cannot become {target}", slug="invalid-transition"
            )
        provider = doc["provider"]
        if target in ("published", "withdrawn") and not domain.may_publish(
            actor.roles,
            level=provider["level"],
            actor_tenant=tenant.id,
            actor_school=actor.school,
            content_tenant=provider["tenant"],
            content_school=provider.get("school_id"),
        ):
            raise Forbidden("you may not publish or withdraw this content")
        if target == "in_review" and not (
            doc["created_by"] == actor.user_id
            or actor.has_role("school_admin", "district_admin", "city_admin", "researcher")
        ):
            raise Forbidden("only the author or a publisher submits content for review")
        now = self._now()
        changes: Doc = {"status": target, "updated_at": now}
        if target == "published":
            changes["published_at"] = now
        entry = {"status": target, "by": actor.user_id, "at": now}
        async with self.mongo.for_tenant(tenant).unit_of_work() as uow:
            updated = await CatalogStore.within(uow).update_resource(
                resource_id, changes, expect={"status": current}
            )
            if updated is None:
                raise Conflict("the resource changed meanwhile; reload it", slug="stale")
            await uow["resources"].update_one(
                {"_id": resource_id}, {"$push": {"history": entry}}, session=uow.session
            )
            if target == "published":
                uow.record(
                    ResourcePublished(
                        resource_id=resource_id,
                        title=updated["title"],
                        kind=updated["kind"],
                        subject=updated.get("subject"),
                        grades=updated.get("grades", []),
                        level=provider["level"],
                        school_id=provider.get("school_id"),
                        published_by=actor.user_id,
                    ),
                    subject=resource_id,
                )
        if target == "published":
            self.search_index.upsert(tenant.id, updated)
        elif current == "published":
            self.search_index.remove(tenant.id, resource_id)
        if "published" in (current, target):
            version = await self.cache.invalidate(tenant.id)
            self.search_index.applied_own(tenant.id, version)
        return public_resource(
            {**updated, "history": [*doc.get("history", []), entry]},
            tenant.id,
            include_workflow=True,
        )

    async def recommend(
        self,
        actor: Principal,
        tenant: Tenant,
        resource_id: str,
        *,
        class_ids: list[str],
        note: str | None,
    ) -> Doc:
        if not actor.has_role("teacher"):
            raise Forbidden("only teachers recommend resources to their classes")
        foreign = [c for c in class_ids if c not in actor.classes]
        if foreign:
            raise Forbidden(f"you do not teach: {', '.join(foreign)}")
        reader = reader_of(actor, tenant)
        _, doc = await self._find_visible(reader, resource_id)
        event = ResourceRecommended(
            resource_id=resource_id,
            title=doc["title"],
            kind=doc.get("kind"),
            class_ids=class_ids,
            teacher_id=actor.user_id,
            teacher_name=actor.name,
            school_id=actor.school,
            note=note,
        )
        # Recorded in the recommending teacher's tenant, where the classes are.
        async with self.mongo.for_tenant(tenant).unit_of_work() as uow:
            await uow["recommendations"].insert_one(
                {"_id": uuid.uuid4().hex, **event.model_dump(), "at": self._now()},
                session=uow.session,
            )
            uow.record(event, subject=resource_id)
        return event.model_dump()


# Who may read a piece of content (resource, textbook, course, item) found in `scope`.
def readable(reader: Reader, doc: Doc, scope: str) -> bool:
    provider = doc.get("provider") or {}
    return domain.visible_to(
        reader,
        level=provider.get("level", "district" if scope != CITY else "city"),
        tenant=scope,
        school=provider.get("school_id"),
        status=doc.get("status", "draft"),
        guest_visible=bool(doc.get("guest_visible")),
    )


def _may_see_workflow(actor: Principal, tenant: Tenant, doc: Doc) -> bool:
    if doc["created_by"] == actor.user_id:
        return True
    if actor.has_role("district_admin", "researcher", "city_admin"):
        return True
    return actor.has_role("school_admin") and doc["provider"].get("school_id") == actor.school


def public_textbook(doc: Doc) -> Doc:
    out = {k: v for k, v in doc.items() if k not in ("_id", "tree")}
    out["id"] = doc["_id"]
    return out


SUMMARY_FIELDS = (
    "title",
    "kind",
    "subject",
    "stage",
    "grades",
    "category",
    "enrichment_kind",
    "tags",
    "provider",
    "teacher",
    "guest_visible",
    "published_at",
    "views",
    "media",
)


def public_resource(
    doc: Doc, owner: str, *, summary: bool = False, include_workflow: bool = False
) -> Doc:
    hidden = {"_id", "history", "created_by"} if not include_workflow else {"_id"}
    if summary:
        out = {k: doc.get(k) for k in SUMMARY_FIELDS if k in doc}
    else:
        out = {k: v for k, v in doc.items() if k not in hidden}
    plan = out.get("lesson_plan")
    if not include_workflow and isinstance(plan, dict):
        # Readers learn which plan a package came from, not who wrote it (user ids stay
        # with the authors' and publishers' own views, like `created_by`).
        out["lesson_plan"] = {k: v for k, v in plan.items() if k != "authors"}
    out["id"] = doc["_id"]
    out["owner"] = owner
    return out


def _owner_from_body(cached: Cached) -> str:
    return str(json.loads(cached.body).get("owner", CITY))


def cache_key(value: Any) -> str:
    raw = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.blake2b(raw.encode(), digest_size=10).hexdigest()
