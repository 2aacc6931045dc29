"""和平区's demo 网络教研 (`data/research.json`): a research group of the district's researcher
and a teacher, lesson plans with their revisions and comments, dated days before the seed day.

The documents are the research feature's own (`ResearchGroup.to_doc`, `LessonPlan.to_doc`,
`revision_record`), so the pages show them as they show what users write; a plan's body is
its last revision's, each revision record keeps the body before it, as an edit does.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from xbt_catalog.research.domain import LessonPlan, ResearchGroup, revision_record
from xbt_catalog.seed.common import BEIJING, seed_day
from xbt_catalog.seed.data import table
from xbt_shared.mongo import Doc

DATA = "research.json"


def research_tenant() -> str:
    """The district whose database holds the demo groups and plans."""
    return str(table(DATA, "tenant"))


def _when(before: list[int], now: datetime) -> datetime:
    """[days, hour] before the seed day, in Beijing."""
    days, hour = before
    day = seed_day(now) - timedelta(days=days)
    return datetime.combine(day, time(hour), tzinfo=BEIJING)


def research(now: datetime) -> dict[str, list[Doc]]:
    """The demo documents by collection: groups, plans, their revisions and comments."""
    groups: dict[str, ResearchGroup] = {}
    for g in table(DATA, "groups"):
        at = _when(g["created"], now)
        groups[g["_id"]] = ResearchGroup(
            id=g["_id"],
            name=g["name"],
            subject=g["subject"],
            stage=g["stage"],
            owner=g["owner"],
            members=g["members"],
            created_at=at,
            updated_at=at,
        )
    plans: list[Doc] = []
    revisions: list[Doc] = []
    comments: list[Doc] = []
    for p in table(DATA, "plans"):
        group = groups[p["group_id"]]
        steps: list[dict[str, Any]] = p["revisions"]
        first, last = steps[0], steps[-1]
        plan = LessonPlan(
            id=p["_id"],
            group_id=group.id,
            title=p["title"],
            subject=group.subject,
            stage=group.stage,
            grade=p["grade"],
            body_format="markdown",
            body=last["body"],
            author=p["author"],
            revision=len(steps),
            created_at=_when(first["at"], now),
            updated_at=_when(last["at"], now),
            updated_by=last["by"],
            textbook_node_ids=p["textbook_node_ids"],
            co_authors=p["co_authors"],
        )
        plans.append(plan.to_doc())
        previous: str | None = None
        for n, step in enumerate(steps, start=1):
            revisions.append(
                revision_record(
                    plan.id,
                    n,
                    by=step["by"],
                    at=_when(step["at"], now),
                    summary=step["summary"],
                    changed=["created"] if n == 1 else ["body"],
                    previous_body=previous,
                )
            )
            previous = step["body"]
        comments.extend(
            {
                "_id": c["_id"],
                "plan_id": plan.id,
                "group_id": group.id,
                "by": c["by"],
                "at": _when(c["at"], now),
                "text": c["text"],
            }
            for c in p["comments"]
        )
    return {
        "research_groups": [g.to_doc() for g in groups.values()],
        "lesson_plans": plans,
        "lesson_plan_revisions": revisions,
        "lesson_plan_comments": comments,
    }
