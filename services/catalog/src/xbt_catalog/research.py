"""Teaching research (网络教研): research groups (教研组), lesson plans (教案) written together
(协同备课) with their revisions and comments, and publishing a finished plan as a resource.

Everything lives in the acting tenant's database (`catalog_<tenant>`; the city's researchers
work in `catalog_city`). There is no cross-tenant lookup anywhere: a member id means "this
user id in this district", so a teacher of another district holding the same id simply finds
nothing (404).

**Membership is trusted from administrators.** The catalog cannot call identity, so the user
ids an owner or administrator puts into a group are taken as given (they are not checked to
be teachers or researchers). They never widen access beyond the tenant: the group, its
plans and its comments are only ever read from the caller's tenant database.

Who may do what:

- create a group: district admins and researchers of the district (in the city: city admins
  and city researchers); a city admin acting in a district counts as its administrator;
- see a group: its members, and the tenant's administrators (who see all of its groups);
- change members: the group's owner (its creator, always a member) or an administrator;
- read plans, revisions and comments, write plans, comment: members only — everybody else
  gets 404, administrators included (they may add themselves to the group);
- edit a plan: its author or a co-author (other members: 403); only the author changes the
  co-authors; each edit names the revision it is based on, a stale one gets 409;
- publish a plan as a resource: its author or a co-author; the resource enters the normal
  workflow in review, and a district admin or researcher publishes it;
- pupils (and anybody without a teaching role, guests included) get 403; guests write nothing.

Three layers in one module, kept apart: rules without I/O (roles, If-Match parsing; HTML is
cleaned by `xbt_shared.richtext`), then `Research` (the use cases); MongoDB access is in
`research_store`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from xbt_catalog import domain
from xbt_catalog.research_store import ResearchStore
from xbt_catalog.service import Catalog
from xbt_shared.auth import Principal, forbid_guest_writes
from xbt_shared.errors import Conflict, Forbidden, NotFound, Problem, Unprocessable
from xbt_shared.mongo import Doc, Mongo
from xbt_shared.richtext import sanitise_html
from xbt_shared.tenancy import Tenant

# ================================================================================================
# Rules without I/O
# ================================================================================================

# Who takes part in teaching research at all. Pupils, parents, support agents and guests don't.
RESEARCH_ROLES = frozenset(
    {"teacher", "researcher", "school_admin", "district_admin", "city_admin"}
)
MAX_BODY_CHARS = 100_000  # a long 教案 is ~20k characters
MAX_MEMBERS = 300
MAX_CO_AUTHORS = 20
MAX_COMMENT_CHARS = 2_000
# A publish-as-resource that crashed half-way may be retried after this long.
PUBLISH_CLAIM = timedelta(minutes=5)

BodyFormat = Literal["markdown", "html"]


def require_participant(actor: Principal) -> None:
    """Pupils and other non-teaching roles have no access to teaching research (403)."""
    if not actor.has_role(*RESEARCH_ROLES):
        raise Forbidden("teaching research is for teachers, researchers and administrators")


def require_writer(actor: Principal) -> None:
    forbid_guest_writes(actor)
    require_participant(actor)


def is_administrator(actor: Principal, tenant: Tenant) -> bool:
    """A district's admins and researchers (the city's admins and researchers in the city);
    a city admin acting in a district administers it too."""
    if actor.is_city_admin:
        return True
    if actor.tenant != tenant.id:
        return False
    if tenant.is_city:
        return actor.has_role("researcher")
    return actor.has_role("district_admin", "researcher")


def is_member(group: Doc, user_id: str) -> bool:
    return user_id == group.get("owner") or user_id in group.get("members", ())


def is_author(plan: Doc, user_id: str) -> bool:
    return user_id == plan.get("author") or user_id in plan.get("co_authors", ())


def unique(ids: Iterable[str]) -> list[str]:
    """Ids in their first order, each once."""
    return list(dict.fromkeys(ids))


_IF_MATCH = re.compile(r'^\s*(?:W/)?"?(\d{1,9})"?\s*$')


def revision_from_if_match(value: str) -> int | None:
    """`If-Match: 3`, `"3"` or `W/"3"` -> 3; anything else -> None."""
    match = _IF_MATCH.match(value)
    return int(match.group(1)) if match else None


def etag_of(revision: int) -> str:
    return f'"{revision}"'


def stored_body(body: str, body_format: str) -> str:
    return sanitise_html(body) if body_format == "html" else body


# --- public shapes ----------------------------------------------------------------------------


def public_group(doc: Doc, tenant: Tenant) -> Doc:
    return {
        "id": doc["_id"],
        "name": doc["name"],
        "subject": doc["subject"],
        "stage": doc["stage"],
        "level": "city" if tenant.is_city else "district",
        "district": tenant.id,
        "owner": doc["owner"],
        "members": doc.get("members", []),
        "created_at": doc["created_at"],
        "updated_at": doc["updated_at"],
    }


PLAN_FIELDS = (
    "group_id",
    "title",
    "subject",
    "stage",
    "grade",
    "textbook_node_ids",
    "body_format",
    "body",
    "author",
    "co_authors",
    "revision",
    "created_at",
    "updated_at",
    "updated_by",
    "resource_id",
    "published_as_resource_at",
)


def public_plan(doc: Doc) -> Doc:
    out = {k: doc.get(k) for k in PLAN_FIELDS if k in doc}
    out["id"] = doc["_id"]
    return out


def public_revision(doc: Doc) -> Doc:
    return {k: doc.get(k) for k in ("revision", "by", "at", "summary", "changed", "previous_body")}


def public_comment(doc: Doc) -> Doc:
    return {
        "id": doc["_id"],
        "plan_id": doc["plan_id"],
        "by": doc["by"],
        "at": doc["at"],
        "text": doc["text"],
    }


def _invalid(field_name: str, message: str) -> Unprocessable:
    return Unprocessable(message, errors=[{"field": field_name, "message": message}])


# ================================================================================================
# Use cases
# ================================================================================================


@dataclass
class Research:
    mongo: Mongo
    catalog: Catalog
    max_page_size: int = 50
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    @classmethod
    def of(cls, catalog: Catalog) -> Research:
        return cls(mongo=catalog.mongo, catalog=catalog, max_page_size=catalog.max_page_size)

    def store(self, tenant: Tenant) -> ResearchStore:
        return ResearchStore(self.mongo.for_tenant(tenant))

    def _page(self, page: int, size: int) -> tuple[int, int]:
        if size > self.max_page_size:
            raise _invalid("query.size", f"at most {self.max_page_size}")
        return (page - 1) * size, size

    # groups -----------------------------------------------------------------------------------

    async def create_group(
        self,
        actor: Principal,
        tenant: Tenant,
        *,
        name: str,
        subject: str,
        stage: str,
        members: list[str],
    ) -> Doc:
        require_writer(actor)
        if not is_administrator(actor, tenant):
            raise Forbidden("research groups are created by district admins and researchers")
        now = self.now()
        doc: Doc = {
            "_id": f"rg-{uuid.uuid4().hex[:16]}",
            "name": name,
            "subject": subject,
            "stage": stage,
            "owner": actor.user_id,
            "members": unique([actor.user_id, *members]),
            "created_at": now,
            "updated_at": now,
        }
        await self.store(tenant).insert_group(doc)
        return public_group(doc, tenant)

    async def list_groups(
        self,
        actor: Principal,
        tenant: Tenant,
        *,
        subject: str | None,
        stage: str | None,
        page: int,
        size: int,
    ) -> Doc:
        """The caller's groups; administrators see every group of their tenant."""
        require_participant(actor)
        skip, limit = self._page(page, size)
        query: Doc = {} if is_administrator(actor, tenant) else {"members": actor.user_id}
        if subject:
            query["subject"] = subject
        if stage:
            query["stage"] = stage
        found, total = await self.store(tenant).groups(query, skip=skip, limit=limit)
        return {
            "items": [public_group(g, tenant) for g in found],
            "total": total,
            "page": page,
            "size": size,
        }

    async def _group_for(self, actor: Principal, tenant: Tenant, group_id: str) -> Doc:
        group = await self.store(tenant).group(group_id)
        if group is None or not (
            is_member(group, actor.user_id) or is_administrator(actor, tenant)
        ):
            raise NotFound(f"no research group {group_id!r}")
        return group

    async def _group_of_member(self, actor: Principal, tenant: Tenant, group_id: str) -> Doc:
        group = await self.store(tenant).group(group_id)
        if group is None or not is_member(group, actor.user_id):
            raise NotFound(f"no research group {group_id!r}")
        return group

    async def group(self, actor: Principal, tenant: Tenant, group_id: str) -> Doc:
        require_participant(actor)
        return public_group(await self._group_for(actor, tenant, group_id), tenant)

    async def set_members(
        self, actor: Principal, tenant: Tenant, group_id: str, members: list[str]
    ) -> Doc:
        """Replace the member list (the owner always stays a member)."""
        require_writer(actor)
        group = await self._group_for(actor, tenant, group_id)
        if actor.user_id != group["owner"] and not is_administrator(actor, tenant):
            raise Forbidden("only the group's owner or an administrator changes its members")
        updated = await self.store(tenant).set_members(
            group_id, unique([group["owner"], *members]), at=self.now()
        )
        if updated is None:
            raise NotFound(f"no research group {group_id!r}")
        return public_group(updated, tenant)

    # lesson plans -------------------------------------------------------------------------------

    async def create_plan(
        self,
        actor: Principal,
        tenant: Tenant,
        group_id: str,
        *,
        title: str,
        subject: str,
        grade: int,
        textbook_node_ids: list[str],
        body: str,
        body_format: str,
        co_authors: list[str],
    ) -> Doc:
        require_writer(actor)
        group = await self._group_of_member(actor, tenant, group_id)
        _check_fits_group(group, subject=subject, grade=grade)
        co_authors = _check_co_authors(group, co_authors, author=actor.user_id)
        now = self.now()
        plan: Doc = {
            "_id": f"lp-{uuid.uuid4().hex[:16]}",
            "group_id": group_id,
            "title": title,
            "subject": subject,
            "stage": domain.stage_of(grade),
            "grade": grade,
            "textbook_node_ids": unique(textbook_node_ids),
            "body_format": body_format,
            "body": stored_body(body, body_format),
            "author": actor.user_id,
            "co_authors": co_authors,
            "revision": 1,
            "created_at": now,
            "updated_at": now,
            "updated_by": actor.user_id,
            "resource_id": None,
            "published_as_resource_at": None,
            "publishing_at": None,
        }
        async with self.mongo.for_tenant(tenant).unit_of_work() as uow:
            store = ResearchStore.within(uow)
            await store.insert_plan(plan)
            await store.insert_revision(
                _revision(
                    plan["_id"],
                    1,
                    by=actor.user_id,
                    at=now,
                    summary="created",
                    changed=["created"],
                    previous_body=None,
                )
            )
        return public_plan(plan)

    async def list_plans(
        self, actor: Principal, tenant: Tenant, group_id: str, *, page: int, size: int
    ) -> Doc:
        """A group's plans, most recently edited first, without their bodies."""
        require_participant(actor)
        await self._group_of_member(actor, tenant, group_id)
        skip, limit = self._page(page, size)
        found, total = await self.store(tenant).plans_of(group_id, skip=skip, limit=limit)
        return {
            "items": [public_plan(p) for p in found],
            "total": total,
            "page": page,
            "size": size,
        }

    async def _plan_for_member(
        self, actor: Principal, tenant: Tenant, plan_id: str
    ) -> tuple[Doc, Doc]:
        store = self.store(tenant)
        plan = await store.plan(plan_id)
        group = await store.group(plan["group_id"]) if plan is not None else None
        if plan is None or group is None or not is_member(group, actor.user_id):
            raise NotFound(f"no lesson plan {plan_id!r}")
        return plan, group

    async def plan(self, actor: Principal, tenant: Tenant, plan_id: str) -> Doc:
        require_participant(actor)
        plan, _ = await self._plan_for_member(actor, tenant, plan_id)
        return public_plan(plan)

    async def edit_plan(
        self,
        actor: Principal,
        tenant: Tenant,
        plan_id: str,
        *,
        based_on: int,
        changes: Doc,
        summary: str,
    ) -> Doc:
        """Apply `changes` to revision `based_on`, making revision `based_on + 1`; the
        revision record keeps who, when, the summary and the body as it was before."""
        require_writer(actor)
        plan, group = await self._plan_for_member(actor, tenant, plan_id)
        if not is_author(plan, actor.user_id):
            raise Forbidden("only the plan's author and co-authors edit it")
        if plan["revision"] != based_on:
            raise _stale(plan)
        changes = dict(changes)
        if "co_authors" in changes:
            if actor.user_id != plan["author"]:
                raise Forbidden("only the plan's author changes its co-authors")
            changes["co_authors"] = _check_co_authors(
                group, changes["co_authors"], author=plan["author"]
            )
        if "subject" in changes or "grade" in changes:
            subject: str = _value(changes, plan, "subject")
            grade: int = _value(changes, plan, "grade")
            _check_fits_group(group, subject=subject, grade=grade)
            changes["stage"] = domain.stage_of(grade)
        body_format: str = _value(changes, plan, "body_format")
        if "body" in changes or "body_format" in changes:
            body: str = _value(changes, plan, "body")
            changes["body"] = stored_body(body, body_format)
        if "textbook_node_ids" in changes:
            changes["textbook_node_ids"] = unique(changes["textbook_node_ids"])
        now = self.now()
        new_revision = based_on + 1
        async with self.mongo.for_tenant(tenant).unit_of_work() as uow:
            store = ResearchStore.within(uow)
            updated = await store.update_plan(
                plan_id,
                expect={"revision": based_on},
                update={
                    "$set": {**changes, "updated_at": now, "updated_by": actor.user_id},
                    "$inc": {"revision": 1},
                },
            )
            if updated is None:
                current = await store.plan(plan_id)
                raise _stale(current or plan)
            await store.insert_revision(
                _revision(
                    plan_id,
                    new_revision,
                    by=actor.user_id,
                    at=now,
                    summary=summary,
                    changed=sorted(changes),
                    previous_body=plan["body"],
                )
            )
        return public_plan(updated)

    async def revisions(self, actor: Principal, tenant: Tenant, plan_id: str) -> Doc:
        """The plan's revisions, newest first."""
        require_participant(actor)
        plan, _ = await self._plan_for_member(actor, tenant, plan_id)
        found = await self.store(tenant).revisions_of(plan_id)
        return {
            "plan_id": plan_id,
            "revision": plan["revision"],
            "items": [public_revision(r) for r in found],
        }

    # comments -----------------------------------------------------------------------------------

    async def comment(self, actor: Principal, tenant: Tenant, plan_id: str, text: str) -> Doc:
        require_writer(actor)
        plan, _ = await self._plan_for_member(actor, tenant, plan_id)
        doc: Doc = {
            "_id": f"lpc-{uuid.uuid4().hex[:16]}",
            "plan_id": plan_id,
            "group_id": plan["group_id"],
            "by": actor.user_id,
            "at": self.now(),
            "text": text,
        }
        await self.store(tenant).insert_comment(doc)
        return public_comment(doc)

    async def comments(
        self, actor: Principal, tenant: Tenant, plan_id: str, *, page: int, size: int
    ) -> Doc:
        require_participant(actor)
        await self._plan_for_member(actor, tenant, plan_id)
        skip, limit = self._page(page, size)
        found, total = await self.store(tenant).comments_of(plan_id, skip=skip, limit=limit)
        return {
            "items": [public_comment(c) for c in found],
            "total": total,
            "page": page,
            "size": size,
        }

    # publishing ---------------------------------------------------------------------------------

    async def publish_as_resource(
        self,
        actor: Principal,
        tenant: Tenant,
        plan_id: str,
        *,
        description: str,
        tags: list[str],
        media: Doc | None,
    ) -> Doc:
        """Create a teaching-package resource from the plan's current revision and submit it
        for review (the existing workflow: an administrator or researcher publishes it).

        The plan is claimed first so two authors cannot publish it twice; the resource is
        made through `Catalog.create_resource` and `Catalog.transition`, then linked."""
        require_writer(actor)
        plan, _ = await self._plan_for_member(actor, tenant, plan_id)
        if not is_author(plan, actor.user_id):
            raise Forbidden("only the plan's author and co-authors publish it")
        if plan.get("resource_id"):
            raise Conflict(
                f"the plan is already published as resource {plan['resource_id']}",
                slug="already-published",
                resource_id=plan["resource_id"],
            )
        store = self.store(tenant)
        now = self.now()
        claimed = await store.update_plan(
            plan_id,
            expect={
                "resource_id": None,
                # no claim, or one that ran out (null, missing or older): no top-level $or,
                # so the server finds the plan by its id rather than walking every plan
                "publishing_at": {"$not": {"$gte": now - PUBLISH_CLAIM}},
            },
            update={"$set": {"publishing_at": now}},
        )
        if claimed is None:
            raise Conflict("the plan is being published right now", slug="publishing")
        fields: Doc = {
            "title": claimed["title"],
            "description": description,
            "kind": "teaching_package",
            "subject": claimed["subject"],
            "grades": [claimed["grade"]],
            "textbook_node_ids": claimed.get("textbook_node_ids", []),
            "media": media,
            "tags": unique([*tags, "网络教研"]),
            "guest_visible": False,
            "category": None,
            "enrichment_kind": None,
            "teacher": {"name": actor.name, "school": None} if actor.name else None,
            "level": "city" if tenant.is_city else "district",
            "content": {"format": claimed["body_format"], "text": claimed["body"]},
            "lesson_plan": {
                "id": plan_id,
                "group_id": claimed["group_id"],
                "revision": claimed["revision"],
                "authors": [claimed["author"], *claimed.get("co_authors", [])],
            },
        }
        resource_id: str | None = None
        try:
            created = await self.catalog.create_resource(actor, tenant, fields)
            resource_id = str(created["id"])
            resource = await self.catalog.transition(actor, tenant, resource_id, "in_review")
        finally:
            link: Doc = {"publishing_at": None}
            if resource_id is not None:
                link |= {"resource_id": resource_id, "published_as_resource_at": self.now()}
            await store.update_plan(plan_id, expect={}, update={"$set": link})
        return {"plan_id": plan_id, "resource": resource}


def _revision(
    plan_id: str,
    revision: int,
    *,
    by: str,
    at: datetime,
    summary: str,
    changed: list[str],
    previous_body: str | None,
) -> Doc:
    return {
        "_id": f"{plan_id}:{revision}",
        "plan_id": plan_id,
        "revision": revision,
        "by": by,
        "at": at,
        "summary": summary,
        "changed": changed,
        "previous_body": previous_body,
    }


def _value(changes: Doc, plan: Doc, name: str) -> Any:
    """A field as it will be after `changes`."""
    return changes[name] if name in changes else plan[name]


def _stale(plan: Doc) -> Problem:
    current = int(plan["revision"])
    return Conflict(
        f"the plan is at revision {current}; reload it and edit that",
        slug="stale-revision",
        current_revision=current,
        headers={"ETag": etag_of(current)},
    )


def _check_fits_group(group: Doc, *, subject: str, grade: int) -> None:
    if subject != group["subject"]:
        raise _invalid("body.subject", f"the group works on {group['subject']}")
    if grade not in domain.STAGES.get(group["stage"], ()):
        raise _invalid("body.grade", f"the group works on {group['stage']} grades")


def _check_co_authors(group: Doc, co_authors: list[str], *, author: str) -> list[str]:
    """Co-authors are members of the group (the author is not their own co-author)."""
    wanted = [c for c in unique(co_authors) if c != author]
    strangers = [c for c in wanted if not is_member(group, c)]
    if strangers:
        raise _invalid("body.co_authors", f"not members of the group: {', '.join(strangers)}")
    return wanted
