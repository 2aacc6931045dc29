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

These are the use cases; the rules are in `domain`, MongoDB access in `store`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from xbt_catalog.research.domain import (
    PUBLISH_CLAIM,
    LessonPlan,
    ResearchGroup,
    is_administrator,
    public_comment,
    public_revision,
    require_participant,
    require_writer,
    revision_record,
    unique,
)
from xbt_catalog.research.store import ResearchStore
from xbt_catalog.resources.service import Resources
from xbt_shared.caller import Caller
from xbt_shared.clock import now_ms
from xbt_shared.errors import Conflict, Forbidden, NotFound, invalid
from xbt_shared.mongo import Doc


@dataclass
class Research:
    resources: Resources  # a published plan becomes a resource in review
    max_page_size: int = 50
    now: Callable[[], datetime] = field(default=now_ms)

    def _page(self, page: int, size: int) -> tuple[int, int]:
        if size > self.max_page_size:
            raise invalid("query.size", f"at most {self.max_page_size}")
        return (page - 1) * size, size

    # groups -----------------------------------------------------------------------------------

    async def create_group(
        self, caller: Caller, *, name: str, subject: str, stage: str, members: list[str]
    ) -> Doc:
        require_writer(caller.principal)
        if not is_administrator(caller.principal, caller.tenant):
            raise Forbidden("research groups are created by district admins and researchers")
        now = self.now()
        group = ResearchGroup(
            id=f"rg-{uuid.uuid4().hex[:16]}",
            name=name,
            subject=subject,
            stage=stage,
            owner=caller.user_id,
            members=unique([caller.user_id, *members]),
            created_at=now,
            updated_at=now,
        )
        await ResearchStore(caller.db).insert_group(group)
        return group.public(caller.tenant)

    async def list_groups(
        self, caller: Caller, *, subject: str | None, stage: str | None, page: int, size: int
    ) -> Doc:
        """The caller's groups; administrators see every group of their tenant."""
        require_participant(caller.principal)
        skip, limit = self._page(page, size)
        admin = is_administrator(caller.principal, caller.tenant)
        query: Doc = {} if admin else {"members": caller.user_id}
        if subject:
            query["subject"] = subject
        if stage:
            query["stage"] = stage
        found, total = await ResearchStore(caller.db).groups(query, skip=skip, limit=limit)
        return {
            "items": [g.public(caller.tenant) for g in found],
            "total": total,
            "page": page,
            "size": size,
        }

    async def _group_for(self, caller: Caller, group_id: str) -> ResearchGroup:
        group = await ResearchStore(caller.db).group(group_id)
        if group is None or not (
            group.has_member(caller.user_id) or is_administrator(caller.principal, caller.tenant)
        ):
            raise NotFound(f"no research group {group_id!r}")
        return group

    async def _group_of_member(self, caller: Caller, group_id: str) -> ResearchGroup:
        group = await ResearchStore(caller.db).group(group_id)
        if group is None or not group.has_member(caller.user_id):
            raise NotFound(f"no research group {group_id!r}")
        return group

    async def group(self, caller: Caller, group_id: str) -> Doc:
        require_participant(caller.principal)
        return (await self._group_for(caller, group_id)).public(caller.tenant)

    async def set_members(self, caller: Caller, group_id: str, members: list[str]) -> Doc:
        """Replace the member list (the owner always stays a member)."""
        require_writer(caller.principal)
        group = await self._group_for(caller, group_id)
        if caller.user_id != group.owner and not is_administrator(caller.principal, caller.tenant):
            raise Forbidden("only the group's owner or an administrator changes its members")
        updated = await ResearchStore(caller.db).set_members(
            group_id, unique([group.owner, *members]), at=self.now()
        )
        if updated is None:
            raise NotFound(f"no research group {group_id!r}")
        return updated.public(caller.tenant)

    # lesson plans -------------------------------------------------------------------------------

    async def create_plan(
        self,
        caller: Caller,
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
        require_writer(caller.principal)
        group = await self._group_of_member(caller, group_id)
        now = self.now()
        plan = LessonPlan.write(
            f"lp-{uuid.uuid4().hex[:16]}",
            group,
            author=caller.user_id,
            title=title,
            subject=subject,
            grade=grade,
            textbook_node_ids=textbook_node_ids,
            body=body,
            body_format=body_format,
            co_authors=co_authors,
            at=now,
        )
        async with caller.unit_of_work() as uow:
            store = ResearchStore.within(uow)
            await store.insert_plan(plan)
            await store.insert_revision(
                revision_record(
                    plan.id,
                    1,
                    by=caller.user_id,
                    at=now,
                    summary="created",
                    changed=["created"],
                    previous_body=None,
                )
            )
        return plan.public()

    async def list_plans(self, caller: Caller, group_id: str, *, page: int, size: int) -> Doc:
        """A group's plans, most recently edited first, without their bodies."""
        require_participant(caller.principal)
        await self._group_of_member(caller, group_id)
        skip, limit = self._page(page, size)
        found, total = await ResearchStore(caller.db).plans_of(group_id, skip=skip, limit=limit)
        return {
            "items": [p.public() for p in found],
            "total": total,
            "page": page,
            "size": size,
        }

    async def _plan_for_member(
        self, caller: Caller, plan_id: str
    ) -> tuple[LessonPlan, ResearchGroup]:
        store = ResearchStore(caller.db)
        plan = await store.plan(plan_id)
        group = await store.group(plan.group_id) if plan is not None else None
        if plan is None or group is None or not group.has_member(caller.user_id):
            raise NotFound(f"no lesson plan {plan_id!r}")
        return plan, group

    async def plan(self, caller: Caller, plan_id: str) -> Doc:
        require_participant(caller.principal)
        plan, _ = await self._plan_for_member(caller, plan_id)
        return plan.public()

    async def edit_plan(
        self, caller: Caller, plan_id: str, *, based_on: int, changes: Doc, summary: str
    ) -> Doc:
        """Apply `changes` to revision `based_on`, making revision `based_on + 1`; the
        revision record keeps who, when, the summary and the body as it was before."""
        require_writer(caller.principal)
        plan, group = await self._plan_for_member(caller, plan_id)
        changes = plan.edit(changes, by=caller.user_id, based_on=based_on, group=group)
        now = self.now()
        async with caller.unit_of_work() as uow:
            store = ResearchStore.within(uow)
            updated = await store.update_plan(
                plan_id,
                expect={"revision": based_on},
                update={
                    "$set": {**changes, "updated_at": now, "updated_by": caller.user_id},
                    "$inc": {"revision": 1},
                },
            )
            if updated is None:
                current = await store.plan(plan_id)
                raise (current or plan).stale()
            await store.insert_revision(
                revision_record(
                    plan_id,
                    based_on + 1,
                    by=caller.user_id,
                    at=now,
                    summary=summary,
                    changed=sorted(changes),
                    previous_body=plan.body,
                )
            )
        return updated.public()

    async def revisions(self, caller: Caller, plan_id: str) -> Doc:
        """The plan's revisions, newest first."""
        require_participant(caller.principal)
        plan, _ = await self._plan_for_member(caller, plan_id)
        found = await ResearchStore(caller.db).revisions_of(plan_id)
        return {
            "plan_id": plan_id,
            "revision": plan.revision,
            "items": [public_revision(r) for r in found],
        }

    # comments -----------------------------------------------------------------------------------

    async def comment(self, caller: Caller, plan_id: str, text: str) -> Doc:
        require_writer(caller.principal)
        plan, _ = await self._plan_for_member(caller, plan_id)
        doc: Doc = {
            "_id": f"lpc-{uuid.uuid4().hex[:16]}",
            "plan_id": plan_id,
            "group_id": plan.group_id,
            "by": caller.user_id,
            "at": self.now(),
            "text": text,
        }
        await ResearchStore(caller.db).insert_comment(doc)
        return public_comment(doc)

    async def comments(self, caller: Caller, plan_id: str, *, page: int, size: int) -> Doc:
        require_participant(caller.principal)
        await self._plan_for_member(caller, plan_id)
        skip, limit = self._page(page, size)
        found, total = await ResearchStore(caller.db).comments_of(plan_id, skip=skip, limit=limit)
        return {
            "items": [public_comment(c) for c in found],
            "total": total,
            "page": page,
            "size": size,
        }

    # publishing ---------------------------------------------------------------------------------

    async def publish_as_resource(
        self,
        caller: Caller,
        plan_id: str,
        *,
        description: str,
        tags: list[str],
        media: Doc | None,
    ) -> Doc:
        """Create a teaching-package resource from the plan's current revision and submit it
        for review (the existing workflow: an administrator or researcher publishes it).

        The plan is claimed first so two authors cannot publish it twice; the resource is
        made through `Resources.create_resource` and `Resources.transition`, then linked."""
        require_writer(caller.principal)
        plan, _ = await self._plan_for_member(caller, plan_id)
        plan.check_publishable(caller.user_id)
        store = ResearchStore(caller.db)
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
        name = caller.principal.name
        fields: Doc = {
            "title": claimed.title,
            "description": description,
            "kind": "teaching_package",
            "subject": claimed.subject,
            "grades": [claimed.grade],
            "textbook_node_ids": claimed.textbook_node_ids,
            "media": media,
            "tags": unique([*tags, "网络教研"]),
            "guest_visible": False,
            "category": None,
            "enrichment_kind": None,
            "teacher": {"name": name, "school": None} if name else None,
            "level": "city" if caller.tenant.is_city else "district",
            "content": {"format": claimed.body_format, "text": claimed.body},
            "lesson_plan": {
                "id": plan_id,
                "group_id": claimed.group_id,
                "revision": claimed.revision,
                "authors": claimed.authors,
            },
        }
        resource_id: str | None = None
        try:
            created = await self.resources.create_resource(caller, fields)
            resource_id = str(created["id"])
            resource = await self.resources.transition(caller, resource_id, "in_review")
        finally:
            link: Doc = {"publishing_at": None}
            if resource_id is not None:
                link |= {"resource_id": resource_id, "published_as_resource_at": self.now()}
            await store.update_plan(plan_id, expect={}, update={"$set": link})
        return {"plan_id": plan_id, "resource": resource}
