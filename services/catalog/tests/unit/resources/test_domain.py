"""The resource aggregate: drafts, edits and workflow moves, without I/O."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from xbt_catalog.resources.domain import Resource, workflow_query
from xbt_shared.auth import Principal
from xbt_shared.errors import Conflict, Forbidden, Unprocessable
from xbt_shared.tenancy import Tenant

NOW = datetime(2020, 2, 17, 8, tzinfo=UTC)
HEPING = Tenant("heping")
FIELDS = {"title": "勾股定理", "kind": "recording", "grades": [8, 9], "level": "district"}


def person(user_id: str, *roles: str, school: str | None = "hp-sy-zx") -> Principal:
    return Principal.from_claims(
        {"sub": user_id, "tid": "heping", "roles": list(roles), "school": school}
    )


def test_a_draft_belongs_to_its_author_and_keeps_the_document_shape() -> None:
    draft = Resource.draft(
        "res-1", fields=FIELDS, actor=person("t1", "teacher"), tenant=HEPING, at=NOW
    )
    doc = draft.to_doc()
    assert doc["status"] == "draft" and doc["created_by"] == "t1" and doc["stage"] == "初中"
    assert doc["provider"] == {
        "level": "district",
        "tenant": "heping",
        "school_id": None,
        "name": "和平区",
    }
    assert "level" not in doc and doc["views"] == 0
    assert Resource.from_doc(doc).to_doc() == doc


def test_levels_an_author_may_not_create() -> None:
    with pytest.raises(Unprocessable):
        Resource.draft(
            "res-1",
            fields={**FIELDS, "level": "city"},
            actor=person("t1", "teacher"),
            tenant=HEPING,
            at=NOW,
        )


def test_edits_and_moves() -> None:
    author = person("t1", "teacher")
    draft = Resource.draft("res-1", fields=FIELDS, actor=author, tenant=HEPING, at=NOW)
    assert draft.edit({"grades": [10]}, at=NOW)["stage"] == "高中"
    assert draft.move("in_review", actor=author, tenant=HEPING, at=NOW)["status"] == "in_review"
    with pytest.raises(Conflict):
        draft.move("published", actor=author, tenant=HEPING, at=NOW)
    draft.status = "in_review"
    with pytest.raises(Forbidden):
        draft.move("published", actor=author, tenant=HEPING, at=NOW)
    moved = draft.move("published", actor=person("r1", "researcher"), tenant=HEPING, at=NOW)
    assert moved["published_at"] == NOW
    draft.status = "published"
    with pytest.raises(Conflict):
        draft.edit({"title": "x"}, at=NOW)


def test_who_sees_it_in_the_workflow() -> None:
    draft = Resource.draft(
        "res-1", fields=FIELDS, actor=person("t1", "teacher"), tenant=HEPING, at=NOW
    )
    assert draft.in_workflow_of(person("t1", "teacher"))
    assert not draft.in_workflow_of(person("t2", "teacher"))
    assert draft.in_workflow_of(person("r1", "researcher"))
    assert workflow_query(person("t2", "teacher"), status=None, mine=False) == {"created_by": "t2"}
    assert "$or" in workflow_query(person("a1", "school_admin"), status=None, mine=False)
