"""Catalog rules without I/O: the taxonomy, who sees what, and the publishing workflow.

Stages, grades and subjects come from xbt_shared.curriculum (re-exported here).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from xbt_shared.curriculum import STAGES as STAGES  # re-exported
from xbt_shared.curriculum import SUBJECTS as SUBJECTS
from xbt_shared.curriculum import stage_of as stage_of

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


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


@dataclass(frozen=True, slots=True)
class Reader:
    """Who is reading, as far as visibility cares."""

    tenant: str
    school: str | None
    guest: bool


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


AUTHOR_ROLES = frozenset({"teacher", "researcher", "school_admin", "district_admin", "city_admin"})


def level_allowed(level: str, *, actor_tenant: str, actor_school: str | None) -> str | None:
    """Why an author may not create content of `level` (None: they may)."""
    if level == "city" and actor_tenant != "city":
        return "city content is created in the city tenant"
    if level in ("district", "school") and actor_tenant == "city":
        return "district and school content belongs to a district"
    if level == "school" and actor_school is None:
        return "school content needs an author who belongs to a school"
    return None
