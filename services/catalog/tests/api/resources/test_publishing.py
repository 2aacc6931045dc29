"""The publishing workflow: draft -> in review -> published (-> withdrawn)."""

from __future__ import annotations

from typing import Any

import httpx

from xbt_catalog.resources.service import Resources
from xbt_shared.mongo import OUTBOX, Doc
from xbt_shared.tenancy import Tenant
from xbt_shared.testing import TokenFactory

from ...conftest import pupil

NEW = {
    "title": "二元一次方程组的图像解法 微课",
    "description": "用一次函数图像理解方程组的解",
    "kind": "courseware",
    "subject": "数学",
    "grades": [8],
    "media": {"url": "https://media.example/x.pptx", "format": "pptx"},
    "tags": ["微课", "函数"],
}


def teacher(tokens: TokenFactory, tenant: str = "heping") -> dict[str, str]:
    return tokens.headers(
        tenant=tenant,
        roles=["teacher"],
        sub=f"t-{tenant}",
        school="hp-sy-zx" if tenant == "heping" else "hx-zx-1",
        classes=["c-hp-8-1"],
    )


def admin(tokens: TokenFactory, tenant: str = "heping") -> dict[str, str]:
    return tokens.headers(tenant=tenant, roles=["district_admin"], sub=f"a-{tenant}")


async def _create(client: httpx.AsyncClient, headers: dict[str, str], **over: Any) -> Doc:
    resp = await client.post("/v1/resources", headers=headers, json={**NEW, **over})
    assert resp.status_code == 201, resp.text
    body: Doc = resp.json()
    return body


async def test_publish_makes_it_visible_once_and_invalidates_caches(
    client: httpx.AsyncClient, tokens: TokenFactory, corpus: list[Doc], catalog: Resources
) -> None:
    reader = pupil(tokens)
    before = await client.get("/v1/resources", headers=reader, params={"q": "图像解法"})
    assert before.json()["total"] == 0  # cached now
    draft = await _create(client, teacher(tokens), level="district")
    assert draft["status"] == "draft"
    rid = draft["id"]
    assert (await client.get(f"/v1/resources/{rid}", headers=reader)).status_code == 404
    submitted = await client.post(f"/v1/resources/{rid}/submit", headers=teacher(tokens))
    assert submitted.status_code == 200 and submitted.json()["status"] == "in_review"
    # The author cannot publish their own district content; the district admin can.
    refused = await client.post(f"/v1/resources/{rid}/publish", headers=teacher(tokens))
    assert refused.status_code == 403
    published = await client.post(f"/v1/resources/{rid}/publish", headers=admin(tokens))
    assert published.status_code == 200, published.text
    assert [h["status"] for h in published.json()["history"]] == ["draft", "in_review", "published"]
    after = await client.get("/v1/resources", headers=reader, params={"q": "图像解法"})
    assert [i["id"] for i in after.json()["items"]] == [rid]  # the cached empty page is gone
    assert (await client.get(f"/v1/resources/{rid}", headers=reader)).status_code == 200
    # Not in another district.
    hexi = pupil(tokens, tenant="hexi", school="hx-zx-1")
    assert (await client.get(f"/v1/resources/{rid}", headers=hexi)).status_code == 404
    outbox = catalog.mongo.for_tenant(Tenant("heping"))[OUTBOX]
    events = [r async for r in outbox.find({"event.type": "catalog.resource.published"})]
    assert len(events) == 1
    assert events[0]["event"]["data"]["resource_id"] == rid
    assert events[0]["routing_key"] == "heping.catalog.resource.published"


async def test_withdraw_hides_it_again(
    client: httpx.AsyncClient, tokens: TokenFactory, corpus: list[Doc]
) -> None:
    rid = (await _create(client, teacher(tokens), level="district"))["id"]
    await client.post(f"/v1/resources/{rid}/submit", headers=teacher(tokens))
    await client.post(f"/v1/resources/{rid}/publish", headers=admin(tokens))
    reader = pupil(tokens)
    assert (await client.get(f"/v1/resources/{rid}", headers=reader)).status_code == 200
    withdrawn = await client.post(f"/v1/resources/{rid}/withdraw", headers=admin(tokens))
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert (await client.get(f"/v1/resources/{rid}", headers=reader)).status_code == 404
    found = await client.get("/v1/resources", headers=reader, params={"q": "图像解法"})
    assert found.json()["total"] == 0


async def test_transition_rules(
    client: httpx.AsyncClient, tokens: TokenFactory, corpus: list[Doc]
) -> None:
    rid = (await _create(client, teacher(tokens), level="school"))["id"]
    skip = await client.post(f"/v1/resources/{rid}/publish", headers=admin(tokens))
    assert skip.status_code == 409
    assert skip.json()["type"] == "/problems/invalid-transition"
    await client.post(f"/v1/resources/{rid}/submit", headers=teacher(tokens))
    # A school's own administrator publishes school content.
    school_admin = tokens.headers(tenant="heping", roles=["school_admin"], school="hp-sy-zx")
    ok = await client.post(f"/v1/resources/{rid}/publish", headers=school_admin)
    assert ok.status_code == 200
    # Another district's admin cannot even see it.
    other = await client.post(f"/v1/resources/{rid}/withdraw", headers=admin(tokens, "hexi"))
    assert other.status_code == 404


async def test_who_may_create_what(
    client: httpx.AsyncClient, tokens: TokenFactory, corpus: list[Doc]
) -> None:
    student = await client.post(
        "/v1/resources", headers=pupil(tokens), json={**NEW, "level": "school"}
    )
    assert student.status_code == 403
    city_level = await client.post(
        "/v1/resources", headers=teacher(tokens), json={**NEW, "level": "city"}
    )
    assert city_level.status_code == 422
    bad = await client.post(
        "/v1/resources",
        headers=teacher(tokens),
        json={**NEW, "level": "district", "grades": [13], "kind": "vlog"},
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} >= {"body.grades.0", "body.kind"}
    city_admin = tokens.headers(tenant="city", roles=["city_admin"])
    made = await client.post("/v1/resources", headers=city_admin, json={**NEW, "level": "city"})
    assert made.status_code == 201 and made.json()["owner"] == "city"


async def test_recommend_to_own_classes_only(
    client: httpx.AsyncClient, tokens: TokenFactory, corpus: list[Doc], catalog: Resources
) -> None:
    ok = await client.post(
        "/v1/resources/r-city-1/recommend",
        headers=teacher(tokens),
        json={"class_ids": ["c-hp-8-1"], "note": "周末观看"},
    )
    assert ok.status_code == 202
    foreign = await client.post(
        "/v1/resources/r-city-1/recommend",
        headers=teacher(tokens),
        json={"class_ids": ["c-hx-8-3"]},
    )
    assert foreign.status_code == 403
    hidden = await client.post(
        "/v1/resources/r-hx-1/recommend", headers=teacher(tokens), json={"class_ids": ["c-hp-8-1"]}
    )
    assert hidden.status_code == 404
    outbox = catalog.mongo.for_tenant(Tenant("heping"))[OUTBOX]
    events = [r async for r in outbox.find({"event.type": "catalog.resource.recommended"})]
    assert len(events) == 1 and events[0]["event"]["data"]["class_ids"] == ["c-hp-8-1"]
    # what the tasks service needs to make a "watch this" task without asking anyone
    data = events[0]["event"]["data"]
    assert (data["kind"], data["school_id"]) == ("recording", "hp-sy-zx")


async def test_drafts_are_edited_and_publishers_see_their_queue(
    client: httpx.AsyncClient, tokens: TokenFactory, corpus: list[Doc]
) -> None:
    rid = (await _create(client, teacher(tokens), level="district"))["id"]
    edited = await client.patch(
        f"/v1/resources/{rid}",
        headers=teacher(tokens),
        json={"title": "图像法解方程组", "grades": [7]},
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["title"] == "图像法解方程组" and edited.json()["stage"] == "初中"
    mine = await client.get(
        "/v1/workflow/resources", headers=teacher(tokens), params={"mine": True}
    )
    assert [r["id"] for r in mine.json()["items"]] == [rid]
    assert (await client.get("/v1/workflow/resources", headers=pupil(tokens))).status_code == 403
    queue = await client.get(
        "/v1/workflow/resources", headers=admin(tokens), params={"status": "in_review"}
    )
    assert queue.json()["total"] == 0
    await client.post(f"/v1/resources/{rid}/submit", headers=teacher(tokens))
    queue = await client.get(
        "/v1/workflow/resources", headers=admin(tokens), params={"status": "in_review"}
    )
    assert [r["id"] for r in queue.json()["items"]] == [rid]
    # In review, it is frozen; another district's admin sees nothing of it.
    frozen = await client.patch(
        f"/v1/resources/{rid}", headers=teacher(tokens), json={"title": "x"}
    )
    assert frozen.status_code == 409
    hexi_queue = await client.get(
        "/v1/workflow/resources", headers=admin(tokens, "hexi"), params={"status": "in_review"}
    )
    assert hexi_queue.json()["total"] == 0
    assert (
        await client.patch(
            f"/v1/resources/{rid}", headers=admin(tokens, "hexi"), json={"title": "x"}
        )
    ).status_code == 404
    empty = await client.patch(f"/v1/resources/{rid}", headers=teacher(tokens), json={})
    assert empty.status_code == 422


async def test_unknown_workflow_action_is_422(
    client: httpx.AsyncClient, tokens: TokenFactory, corpus: list[Doc]
) -> None:
    resp = await client.post("/v1/resources/r-city-1/approve", headers=admin(tokens))
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "path.action"


async def test_the_guest_account_changes_nothing(
    client: httpx.AsyncClient, tokens: TokenFactory, corpus: list[Doc]
) -> None:
    """Refused in the use cases themselves, not only at the gateway."""
    rid = (await _create(client, teacher(tokens), level="district"))["id"]
    guest = tokens.headers(tenant="heping", roles=["guest"], sub="g-heping")
    attempts = [
        client.post("/v1/resources", headers=guest, json={**NEW, "level": "district"}),
        client.patch(f"/v1/resources/{rid}", headers=guest, json={"title": "改了"}),
        client.post(f"/v1/resources/{rid}/submit", headers=guest),
        client.post(
            f"/v1/resources/{rid}/recommend", headers=guest, json={"class_ids": ["c-hp-8-1"]}
        ),
    ]
    for attempt in attempts:
        refused = await attempt
        assert refused.status_code == 403, refused.text
        assert refused.json()["type"] == "/problems/guest-read-only"
    mine = await client.get(
        "/v1/workflow/resources", headers=teacher(tokens), params={"mine": True}
    )
    (draft,) = [r for r in mine.json()["items"] if r["id"] == rid]
    assert draft["status"] == "draft" and draft["title"] == NEW["title"]
