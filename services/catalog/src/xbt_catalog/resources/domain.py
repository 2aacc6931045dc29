"""Catalog rules without I/O: the taxonomy, who sees what, the publishing workflow, and the
resource aggregate.

Stages, grades and subjects come from xbt_shared.curriculum (re-exported here). `Reader`,
`readable` and `scopes_of` are the visibility rules every feature reading shared content
(resources, textbooks, courses, items) applies.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from xbt_shared.auth import Principal
from xbt_shared.curriculum import GRADE_NAMES
from xbt_shared.curriculum import STAGES as STAGES  # re-exported
from xbt_shared.curriculum import SUBJECTS as SUBJECTS
from xbt_shared.curriculum import stage_of as stage_of
from xbt_shared.errors import Conflict, Forbidden, Unprocessable, invalid
from xbt_shared.tenancy import CITY, Tenant

Doc = dict[str, Any]

VOLUMES = ("上册", "下册")

# What a resource is. Enrichment resources (个性化学习) also carry a category and a kind.
ResourceKind = Literal["recording", "courseware", "exercise", "teaching_package", "enrichment"]
RESOURCE_KINDS: dict[str, str] = {
    "recording": "课堂实录",
    "courseware": "课件",
    "exercise": "练习",
    "teaching_package": "示范教学包",
    "enrichment": "个性化学习",
}
ENRICHMENT_CATEGORIES = (
    "体育",
    "美术",
    "音乐",
    "舞蹈",
    "棋类",
    "摄影",
    "曲艺",
    "科普",
    "机器人",
    "创客",
)
ENRICHMENT_KINDS = ("资源素材", "名品欣赏", "天津课堂")

# Who provides a piece of content decides who may see it.
ProviderLevel = Literal["city", "district", "school"]

Status = Literal["draft", "in_review", "published", "withdrawn"]
TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"in_review"}),
    "in_review": frozenset({"published", "draft"}),
    "published": frozenset({"withdrawn"}),
    "withdrawn": frozenset({"in_review"}),
}


# What each workflow action of the API asks for.
WorkflowAction = Literal["submit", "publish", "return", "withdraw"]
WORKFLOW_ACTIONS: dict[str, str] = {
    "submit": "in_review",
    "publish": "published",
    "return": "draft",
    "withdraw": "withdrawn",
}

AUTHOR_ROLES = frozenset({"teacher", "researcher", "school_admin", "district_admin", "city_admin"})
# Who reviews others' content: they see every draft of their tenant in the workflow view.
PUBLISHER_ROLES = ("district_admin", "researcher", "city_admin")


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


# visibility ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reader:
    """Who is reading, as far as visibility cares."""

    tenant: str
    school: str | None
    guest: bool

    @classmethod
    def of(cls, principal: Principal, tenant: Tenant) -> Reader:
        # A city admin acting in a district reads as that district (without a school).
        school = principal.school if principal.tenant == tenant.id else None
        return cls(tenant=tenant.id, school=school, guest=principal.is_guest)


def scopes_of(reader: Reader) -> list[str]:
    """The tenants whose content a reader may see, city first."""
    return [CITY] if reader.tenant == CITY else [CITY, reader.tenant]


def visible_to(
    reader: Reader, *, level: str, tenant: str, school: str | None, status: str, guest_visible: bool
) -> bool:
    """City content is visible in every district, district content in its district, school
    content in its school; guests see only what is marked for guests; drafts are not
    visible to readers at all (authors and publishers see them through their own views)."""
    if status != "published":
        return False
    if reader.guest and not guest_visible:
        return False
    if level == "city":
        return True
    if tenant != reader.tenant:
        return False
    if level == "district":
        return True
    return school is not None and school == reader.school


def readable(reader: Reader, doc: Mapping[str, Any], scope: str) -> bool:
    """Who may read a piece of content (resource, textbook, course, item) found in `scope`."""
    provider = doc.get("provider") or {}
    return visible_to(
        reader,
        level=provider.get("level", "district" if scope != CITY else "city"),
        tenant=scope,
        school=provider.get("school_id"),
        status=doc.get("status", "draft"),
        guest_visible=bool(doc.get("guest_visible")),
    )


def may_publish(
    roles: frozenset[str],
    *,
    level: str,
    actor_tenant: str,
    actor_school: str | None,
    content_tenant: str,
    content_school: str | None,
) -> bool:
    """Who may publish (or withdraw) content of each level: the city's content by city
    admins and city researchers; a district's by its district admins and researchers; a
    school's also by that school's administrator."""
    if level == "city":
        return actor_tenant == "city" and bool(roles & {"city_admin", "researcher"})
    if actor_tenant != content_tenant:
        return False
    if roles & {"district_admin", "researcher"}:
        return True
    return (
        level == "school"
        and "school_admin" in roles
        and actor_school is not None
        and actor_school == content_school
    )


def level_allowed(level: str, *, actor_tenant: str, actor_school: str | None) -> str | None:
    """Why an author may not create content of `level` (None: they may)."""
    if level == "city" and actor_tenant != "city":
        return "city content is created in the city tenant"
    if level in ("district", "school") and actor_tenant == "city":
        return "district and school content belongs to a district"
    if level == "school" and actor_school is None:
        return "school content needs an author who belongs to a school"
    return None


def workflow_query(actor: Principal, *, status: str | None, mine: bool) -> Doc:
    """What an author's or publisher's workflow view lists of their tenant's resources: their
    own, a school administrator's also their school's, a publisher's everything."""
    query: Doc = {}
    if status:
        query["status"] = status
    if mine or not actor.has_role(*PUBLISHER_ROLES, "school_admin"):
        query["created_by"] = actor.user_id
    elif actor.has_role("school_admin") and not actor.has_role(*PUBLISHER_ROLES):
        query["$or"] = [{"created_by": actor.user_id}, {"provider.school_id": actor.school}]
    return query


# the resource aggregate ------------------------------------------------------------------------


@dataclass(slots=True)
class Provider:
    """Who provides a resource, and so who may see it once it is published."""

    level: str
    tenant: str
    school_id: str | None = None
    name: str | None = None

    def as_doc(self) -> Doc:
        return {
            "level": self.level,
            "tenant": self.tenant,
            "school_id": self.school_id,
            "name": self.name,
        }


@dataclass(slots=True)
class Resource:
    """A resource as the workflow handles it. The fields its rules read are typed; what it
    describes (description, media, tags, grades, teacher, ...) is kept as stored in
    `details` and travels with it unchanged."""

    id: str
    title: str
    kind: str
    provider: Provider
    status: str
    created_by: str
    created_at: datetime | None = None
    updated_at: datetime | None = None
    published_at: datetime | None = None
    history: list[Doc] = field(default_factory=list)
    details: Doc = field(default_factory=dict)

    @classmethod
    def draft(
        cls,
        resource_id: str,
        *,
        fields: Mapping[str, Any],
        actor: Principal,
        tenant: Tenant,
        at: datetime,
    ) -> Resource:
        """A new draft from an author's fields (`level` says who will see it)."""
        level = fields["level"]
        why = level_allowed(level, actor_tenant=tenant.id, actor_school=actor.school)
        if why:
            raise invalid("body.level", why)
        details = {
            k: v for k, v in fields.items() if k not in ("level", "provider_name", "title", "kind")
        }
        details["stage"] = stage_of(min(fields["grades"])) if fields.get("grades") else None
        details["views"] = 0
        return cls(
            id=resource_id,
            title=fields["title"],
            kind=fields["kind"],
            provider=Provider(
                level=level,
                tenant=tenant.id,
                school_id=actor.school if level == "school" else None,
                name=fields.get("provider_name") or tenant.name,
            ),
            status="draft",
            created_by=actor.user_id,
            created_at=at,
            updated_at=at,
            published_at=None,
            history=[{"status": "draft", "by": actor.user_id, "at": at}],
            details=details,
        )

    def in_workflow_of(self, actor: Principal) -> bool:
        """Whether the actor sees this resource in their workflow view (its author, the
        tenant's publishers, its school's administrator)."""
        if self.created_by == actor.user_id:
            return True
        if actor.has_role(*PUBLISHER_ROLES):
            return True
        return actor.has_role("school_admin") and self.provider.school_id == actor.school

    def edit(self, changes: Doc, *, at: datetime) -> Doc:
        """The `$set` of an edit: allowed while a draft or withdrawn."""
        if self.status not in ("draft", "withdrawn"):
            raise Conflict(
                f"a {self.status} resource cannot be edited; return it to draft first",
                slug="not-editable",
            )
        changes = dict(changes)
        if changes.get("grades"):
            changes["stage"] = stage_of(min(changes["grades"]))
        changes["updated_at"] = at
        return changes

    def move(self, target: str, *, actor: Principal, tenant: Tenant, at: datetime) -> Doc:
        """The `$set` that moves this resource to `target`, if the actor may; the history
        entry to push is `history_entry(target, actor, at)`."""
        if not can_transition(self.status, target):
            raise Conflict(
                f"a {self.status} resource cannot become {target}", slug="invalid-transition"
            )
        if target in ("published", "withdrawn") and not may_publish(
            actor.roles,
            level=self.provider.level,
            actor_tenant=tenant.id,
            actor_school=actor.school,
            content_tenant=self.provider.tenant,
            content_school=self.provider.school_id,
        ):
            raise Forbidden("you may not publish or withdraw this content")
        if target == "in_review" and not (
            self.created_by == actor.user_id
            or actor.has_role("school_admin", "district_admin", "city_admin", "researcher")
        ):
            raise Forbidden("only the author or a publisher submits content for review")
        changes: Doc = {"status": target, "updated_at": at}
        if target == "published":
            changes["published_at"] = at
        return changes

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> Resource:
        provider = doc.get("provider") or {}
        return cls(
            id=doc["_id"],
            title=doc.get("title", ""),
            kind=doc.get("kind", ""),
            provider=Provider(
                level=provider.get("level", "city"),
                tenant=provider.get("tenant", CITY),
                school_id=provider.get("school_id"),
                name=provider.get("name"),
            ),
            status=doc.get("status", "draft"),
            created_by=doc.get("created_by", ""),
            created_at=doc.get("created_at"),
            updated_at=doc.get("updated_at"),
            published_at=doc.get("published_at"),
            history=list(doc.get("history") or []),
            details={k: v for k, v in doc.items() if k not in _TYPED_FIELDS},
        )

    def to_doc(self) -> Doc:
        return {
            "_id": self.id,
            "title": self.title,
            "kind": self.kind,
            **self.details,
            "provider": self.provider.as_doc(),
            "status": self.status,
            "created_by": self.created_by,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "published_at": self.published_at,
            "history": self.history,
        }


_TYPED_FIELDS = frozenset(
    {
        "_id",
        "title",
        "kind",
        "provider",
        "status",
        "created_by",
        "created_at",
        "updated_at",
        "published_at",
        "history",
    }
)


def history_entry(status: str, *, by: str, at: datetime) -> Doc:
    return {"status": status, "by": by, "at": at}


# what readers see --------------------------------------------------------------------------

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
    doc: Mapping[str, Any], owner: str, *, summary: bool = False, include_workflow: bool = False
) -> Doc:
    """A stored resource as readers (or, with `include_workflow`, its authors and
    publishers) get it; `summary` is what result lists show."""
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


def public_textbook(doc: Mapping[str, Any]) -> Doc:
    out = {k: v for k, v in doc.items() if k not in ("_id", "tree")}
    out["id"] = doc["_id"]
    return out


def cache_key(value: Any) -> str:
    """A short stable key for a cache entry from what the answer depends on."""
    raw = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.blake2b(raw.encode(), digest_size=10).hexdigest()


def page_too_large(max_page_size: int) -> Unprocessable:
    return Unprocessable(
        f"size may be at most {max_page_size}",
        errors=[{"field": "query.size", "message": f"at most {max_page_size}"}],
    )


# where a textbook node sits -----------------------------------------------------------------

NodeKind = Literal["textbook", "unit", "lesson"]


@dataclass(frozen=True, slots=True)
class NodeRef:
    """A node of a textbook's tree (or the textbook itself) and the nodes above it."""

    id: str
    kind: str
    title: str
    textbook: Doc  # `public_textbook` of the book, without its tree
    # (kind, id, title) from the textbook down to this node, both included
    lineage: tuple[tuple[str, str, str], ...]
    children: tuple[Doc, ...] = ()

    @property
    def ancestor_ids(self) -> tuple[str, ...]:
        """The textbook's id, every node above this one, and this node's id."""
        return tuple(node_id for _, node_id, _ in self.lineage)

    def chapter(self) -> Doc:
        """What a resource or item attached to this node shows of it: the book, the unit and
        the lesson (each `{id, title}`, null where the node is above that level)."""
        out: Doc = {"node_id": self.id, "textbook": None, "unit": None, "lesson": None}
        for kind, node_id, title in self.lineage:
            if kind in ("textbook", "unit", "lesson") and out[kind] is None:
                out[kind] = {"id": node_id, "title": title}
        return out

    def path(self) -> list[Doc]:
        """From the book's stage down to this node, each step `{kind, id, title}`: stage,
        grade, subject and volume (their ids are the values `GET /textbooks` filters by),
        then the textbook, its unit and lesson."""
        tb = self.textbook
        steps: list[Doc] = []
        for kind, value, title in (
            ("stage", tb.get("stage"), tb.get("stage")),
            ("grade", tb.get("grade"), _grade_title(tb.get("grade"))),
            ("subject", tb.get("subject"), tb.get("subject")),
            ("volume", tb.get("volume"), tb.get("volume")),
        ):
            if value is not None:
                steps.append({"kind": kind, "id": str(value), "title": str(title)})
        steps += [{"kind": k, "id": i, "title": t} for k, i, t in self.lineage]
        return steps

    def view(self) -> Doc:
        """The node as `GET /textbooks/nodes/{id}` answers it."""
        parent = self.lineage[-2][1] if len(self.lineage) > 1 else None
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "textbook_id": self.textbook["id"],
            "parent_id": parent,
            "path": self.path(),
            "children": list(self.children),
            "textbook": self.textbook,
        }


def _grade_title(grade: object) -> str:
    return GRADE_NAMES.get(grade, str(grade)) if isinstance(grade, int) else str(grade)


def textbook_nodes(doc: Mapping[str, Any]) -> list[NodeRef]:
    """The textbook and every node of its tree, each with its lineage (any depth)."""
    book = public_textbook(doc)
    root = ("textbook", str(doc["_id"]), str(doc.get("title") or ""))
    tree = list(doc.get("tree") or [])
    out = [NodeRef(root[1], "textbook", root[2], book, (root,), tuple(tree))]

    def walk(nodes: list[Any], above: tuple[tuple[str, str, str], ...]) -> None:
        for node in nodes:
            if not isinstance(node, Mapping) or not node.get("id"):
                continue
            step = (str(node.get("kind") or "node"), str(node["id"]), str(node.get("title") or ""))
            children = list(node.get("children") or [])
            out.append(NodeRef(step[1], step[0], step[2], book, (*above, step), tuple(children)))
            walk(children, (*above, step))

    walk(tree, (root,))
    return out


def find_node(doc: Mapping[str, Any], node_id: str) -> NodeRef | None:
    """`node_id` in this textbook (the book itself included), or None."""
    return next((n for n in textbook_nodes(doc) if n.id == node_id), None)
