"""Teaching-research rules without I/O: who takes part, the group and lesson-plan
aggregates, revisions, If-Match parsing (HTML bodies are cleaned by `xbt_shared.richtext`).

Everything lives in one tenant: a member id means "this user id in this district".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any, Literal

from xbt_shared.auth import Principal, forbid_guest_writes
from xbt_shared.curriculum import STAGES, stage_of
from xbt_shared.errors import Conflict, Forbidden, Problem, invalid
from xbt_shared.richtext import sanitise_html
from xbt_shared.tenancy import Tenant

Doc = dict[str, Any]

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


# groups ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class ResearchGroup:
    """A research group (教研组) of one tenant; its owner is always a member."""

    id: str
    name: str
    subject: str
    stage: str
    owner: str
    members: list[str]
    created_at: datetime
    updated_at: datetime

    def has_member(self, user_id: str) -> bool:
        return user_id == self.owner or user_id in self.members

    def check_fits(self, *, subject: str, grade: int) -> None:
        """A plan of the group is on the group's subject, in a grade of its stage."""
        if subject != self.subject:
            raise invalid("body.subject", f"the group works on {self.subject}")
        if grade not in STAGES.get(self.stage, ()):
            raise invalid("body.grade", f"the group works on {self.stage} grades")

    def co_authors(self, wanted: list[str], *, author: str) -> list[str]:
        """Co-authors are members of the group (the author is not their own co-author)."""
        chosen = [c for c in unique(wanted) if c != author]
        strangers = [c for c in chosen if not self.has_member(c)]
        if strangers:
            raise invalid("body.co_authors", f"not members of the group: {', '.join(strangers)}")
        return chosen

    def public(self, tenant: Tenant) -> Doc:
        return {
            "id": self.id,
            "name": self.name,
            "subject": self.subject,
            "stage": self.stage,
            "level": "city" if tenant.is_city else "district",
            "district": tenant.id,
            "owner": self.owner,
            "members": self.members,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> ResearchGroup:
        return cls(
            id=doc["_id"],
            name=doc["name"],
            subject=doc["subject"],
            stage=doc["stage"],
            owner=doc["owner"],
            members=list(doc.get("members", [])),
            created_at=doc["created_at"],
            updated_at=doc["updated_at"],
        )

    def to_doc(self) -> Doc:
        return {
            "_id": self.id,
            "name": self.name,
            "subject": self.subject,
            "stage": self.stage,
            "owner": self.owner,
            "members": self.members,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


# lesson plans ---------------------------------------------------------------------------------


@dataclass(slots=True)
class LessonPlan:
    """A lesson plan (教案) written together in a group. `revision` counts edits; `body` is
    None when the plan was read without it (lists)."""

    id: str
    group_id: str
    title: str
    subject: str
    stage: str
    grade: int
    body_format: str
    body: str | None
    author: str
    revision: int
    created_at: datetime
    updated_at: datetime
    updated_by: str
    textbook_node_ids: list[str] = field(default_factory=list)
    co_authors: list[str] = field(default_factory=list)
    resource_id: str | None = None
    published_as_resource_at: datetime | None = None
    # A publish-as-resource in progress since then (see PUBLISH_CLAIM).
    publishing_at: datetime | None = None

    @classmethod
    def write(
        cls,
        plan_id: str,
        group: ResearchGroup,
        *,
        author: str,
        title: str,
        subject: str,
        grade: int,
        textbook_node_ids: list[str],
        body: str,
        body_format: str,
        co_authors: list[str],
        at: datetime,
    ) -> LessonPlan:
        """Revision 1 of a member's new plan."""
        group.check_fits(subject=subject, grade=grade)
        return cls(
            id=plan_id,
            group_id=group.id,
            title=title,
            subject=subject,
            stage=stage_of(grade),
            grade=grade,
            textbook_node_ids=unique(textbook_node_ids),
            body_format=body_format,
            body=stored_body(body, body_format),
            author=author,
            co_authors=group.co_authors(co_authors, author=author),
            revision=1,
            created_at=at,
            updated_at=at,
            updated_by=author,
        )

    @property
    def authors(self) -> list[str]:
        return [self.author, *self.co_authors]

    def is_author(self, user_id: str) -> bool:
        return user_id == self.author or user_id in self.co_authors

    def edit(self, changes: Doc, *, by: str, based_on: int, group: ResearchGroup) -> Doc:
        """The checked `$set` of an edit by `by` of revision `based_on`: authors and
        co-authors edit, only the author changes the co-authors, a stale base gets 409."""
        if not self.is_author(by):
            raise Forbidden("only the plan's author and co-authors edit it")
        if self.revision != based_on:
            raise self.stale()
        changes = dict(changes)
        if "co_authors" in changes:
            if by != self.author:
                raise Forbidden("only the plan's author changes its co-authors")
            changes["co_authors"] = group.co_authors(changes["co_authors"], author=self.author)
        if "subject" in changes or "grade" in changes:
            grade: int = changes.get("grade", self.grade)
            group.check_fits(subject=changes.get("subject", self.subject), grade=grade)
            changes["stage"] = stage_of(grade)
        body_format: str = changes.get("body_format", self.body_format)
        if "body" in changes or "body_format" in changes:
            changes["body"] = stored_body(changes.get("body", self.body or ""), body_format)
        if "textbook_node_ids" in changes:
            changes["textbook_node_ids"] = unique(changes["textbook_node_ids"])
        return changes

    def stale(self) -> Problem:
        return Conflict(
            f"the plan is at revision {self.revision}; reload it and edit that",
            slug="stale-revision",
            current_revision=self.revision,
            headers={"ETag": etag_of(self.revision)},
        )

    def check_publishable(self, by: str) -> None:
        if not self.is_author(by):
            raise Forbidden("only the plan's author and co-authors publish it")
        if self.resource_id:
            raise Conflict(
                f"the plan is already published as resource {self.resource_id}",
                slug="already-published",
                resource_id=self.resource_id,
            )

    def public(self) -> Doc:
        out = {name: getattr(self, name) for name in PLAN_FIELDS}
        if self.body is None:
            del out["body"]
        out["id"] = self.id
        return out

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> LessonPlan:
        values = {name: doc[name] for name in _PLAN_ATTRIBUTES if name in doc}
        return cls(id=doc["_id"], body=doc.get("body"), **values)

    def to_doc(self) -> Doc:
        doc: Doc = {"_id": self.id}
        doc.update((name, getattr(self, name)) for name in _PLAN_ATTRIBUTES)
        doc["body"] = self.body
        return doc


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
_PLAN_ATTRIBUTES = tuple(f.name for f in fields(LessonPlan) if f.name not in ("id", "body"))


def revision_record(
    plan_id: str,
    revision: int,
    *,
    by: str,
    at: datetime,
    summary: str,
    changed: list[str],
    previous_body: str | None,
) -> Doc:
    """What a revision keeps: who, when, the summary, and the body as it was before."""
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
