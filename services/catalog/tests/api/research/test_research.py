"""Teaching research (网络教研): groups, lesson plans with revisions and comments, publishing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from xbt_catalog.research.domain import PUBLISH_CLAIM, revision_from_if_match
from xbt_catalog.research.store import PLANS
from xbt_catalog.resources.service import Resources
from xbt_shared.mongo import Doc
from xbt_shared.richtext import sanitise_html
from xbt_shared.tenancy import Tenant
from xbt_shared.testing import TokenFactory

from ...conftest import pupil

GROUP = {"name": "和平区初中数学教研组", "subject": "数学", "stage": "初中"}
PLAN = {
    "title": "8.2 消元——解二元一次方程组 教案",
    "subject": "数学",
    "grade": 7,
    "textbook_node_ids": ["tb-math-g7-2.u8.l2"],
    "body": "# 教学目标\n\n会用代入消元法解二元一次方程组。",
}


def teacher(tokens: TokenFactory, sub: str, tenant: str = "heping") -> dict[str, str]:
    return tokens.headers(tenant=tenant, roles=["teacher"], sub=sub, school=f"{tenant}-zx-1")


def admin(tokens: TokenFactory, tenant: str = "heping") -> dict[str, str]:
    return tokens.headers(tenant=tenant, roles=["district_admin"], sub=f"a-{tenant}")


def researcher(tokens: TokenFactory, tenant: str = "heping") -> dict[str, str]:
    return tokens.headers(tenant=tenant, roles=["researcher"], sub=f"r-{tenant}", name="教研员")


async def _group(
    client: httpx.AsyncClient, headers: dict[str, str], members: list[str], **over: Any
) -> Doc:
    resp = await client.post(
        "/v1/research-groups", headers=headers, json={**GROUP, "members": members, **over}
    )
    assert resp.status_code == 201, resp.text
    body: Doc = resp.json()
    return body


async def _plan(
    client: httpx.AsyncClient, headers: dict[str, str], group_id: str, **over: Any
) -> Doc:
    resp = await client.post(
        f"/v1/research-groups/{group_id}/lesson-plans", headers=headers, json={**PLAN, **over}
    )
    assert resp.status_code == 201, resp.text
    body: Doc = resp.json()
    return body


async def test_who_may_create_groups(client: httpx.AsyncClient, tokens: TokenFactory) -> None:
    for headers in (teacher(tokens, "t1"), pupil(tokens)):
        refused = await client.post("/v1/research-groups", headers=headers, json=GROUP)
        assert refused.status_code == 403, refused.text
    guest = tokens.headers(tenant="heping", roles=["guest"])
    refused = await client.post("/v1/research-groups", headers=guest, json=GROUP)
    assert refused.status_code == 403
    assert refused.json()["type"] == "/problems/guest-read-only"
    made = await _group(client, admin(tokens), ["t1", "t1", "t2"])
    assert made["owner"] == "a-heping" and made["district"] == "heping"
    assert made["members"] == ["a-heping", "t1", "t2"]
    assert (await _group(client, researcher(tokens), []))["owner"] == "r-heping"
    bad = await client.post(
        "/v1/research-groups",
        headers=admin(tokens),
        json={"subject": "体操", "stage": "大学", "members": ["", "x y"]},
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} >= {
        "body.name",
        "body.subject",
        "body.stage",
        "body.members.0",
        "body.members.1",
    }


async def test_membership_decides_what_exists(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    group = await _group(client, admin(tokens), ["t1", "t2"])
    gid = group["id"]
    plan = await _plan(client, teacher(tokens, "t1"), gid)
    pid = plan["id"]
    other = await _group(client, researcher(tokens), ["t9"], name="和平区初中数学二组")

    mine = await client.get("/v1/research-groups", headers=teacher(tokens, "t1"))
    assert [g["id"] for g in mine.json()["items"]] == [gid]
    assert mine.headers["cache-control"] == "no-store"  # working documents are never cached
    everything = await client.get("/v1/research-groups", headers=admin(tokens))
    assert {g["id"] for g in everything.json()["items"]} == {gid, other["id"]}
    # Administrators see every group, but plans are for members only.
    foreign_plan = await _plan(client, teacher(tokens, "t9"), other["id"])
    seen = await client.get(f"/v1/research-groups/{other['id']}", headers=admin(tokens))
    assert seen.status_code == 200
    hidden = await client.get(f"/v1/lesson-plans/{foreign_plan['id']}", headers=admin(tokens))
    assert hidden.status_code == 404

    # A non-member of the same district, and a teacher of another district with the same id.
    for outsider in (teacher(tokens, "t3"), teacher(tokens, "t1", tenant="hexi")):
        listed = await client.get("/v1/research-groups", headers=outsider)
        assert listed.status_code == 200 and listed.json()["items"] == []
        for path in (
            f"/v1/research-groups/{gid}",
            f"/v1/research-groups/{gid}/lesson-plans",
            f"/v1/lesson-plans/{pid}",
            f"/v1/lesson-plans/{pid}/revisions",
            f"/v1/lesson-plans/{pid}/comments",
        ):
            assert (await client.get(path, headers=outsider)).status_code == 404, path
        for path, body in (
            (f"/v1/research-groups/{gid}/lesson-plans", PLAN),
            (f"/v1/lesson-plans/{pid}/comments", {"text": "路过"}),
        ):
            resp = await client.post(path, headers=outsider, json=body)
            assert resp.status_code == 404, path
        edit = await client.put(
            f"/v1/lesson-plans/{pid}", headers=outsider, json={"revision": 1, "title": "改"}
        )
        assert edit.status_code == 404
    # Another district's administrator does not see it either.
    assert (
        await client.get(f"/v1/research-groups/{gid}", headers=admin(tokens, "hexi"))
    ).status_code == 404
    # Pupils have no access at all.
    assert (await client.get("/v1/research-groups", headers=pupil(tokens))).status_code == 403
    assert (await client.get(f"/v1/lesson-plans/{pid}", headers=pupil(tokens))).status_code == 403


async def test_owner_or_admin_changes_members(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    group = await _group(client, researcher(tokens), ["t1", "t2"])
    gid = group["id"]
    plan = await _plan(client, teacher(tokens, "t2"), gid)
    refused = await client.put(
        f"/v1/research-groups/{gid}/members", headers=teacher(tokens, "t1"), json={"members": []}
    )
    assert refused.status_code == 403
    # The owner stays a member whatever the new list says.
    changed = await client.put(
        f"/v1/research-groups/{gid}/members", headers=researcher(tokens), json={"members": ["t1"]}
    )
    assert changed.status_code == 200 and changed.json()["members"] == ["r-heping", "t1"]
    gone = await client.get(f"/v1/lesson-plans/{plan['id']}", headers=teacher(tokens, "t2"))
    assert gone.status_code == 404
    by_admin = await client.put(
        f"/v1/research-groups/{gid}/members",
        headers=admin(tokens),
        json={"members": ["t1", "t2", "t3"]},
    )
    assert by_admin.json()["members"] == ["r-heping", "t1", "t2", "t3"]
    back = await client.get(f"/v1/lesson-plans/{plan['id']}", headers=teacher(tokens, "t2"))
    assert back.status_code == 200


async def test_edits_make_revisions_and_stale_edits_conflict(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    gid = (await _group(client, admin(tokens), ["t1", "t2", "t3"]))["id"]
    plan = await _plan(client, teacher(tokens, "t1"), gid, co_authors=["t2", "t1"])
    pid = plan["id"]
    assert plan["revision"] == 1 and plan["co_authors"] == ["t2"] and plan["stage"] == "初中"

    read = await client.get(f"/v1/lesson-plans/{pid}", headers=teacher(tokens, "t3"))
    assert read.status_code == 200 and read.headers["etag"] == '"1"'
    # The co-author edits, naming the revision in If-Match.
    edited = await client.put(
        f"/v1/lesson-plans/{pid}",
        headers={**teacher(tokens, "t2"), "If-Match": '"1"'},
        json={"body": "# 教学目标\n\n会用加减消元法。", "summary": "改为加减消元"},
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["revision"] == 2 and edited.headers["etag"] == '"2"'
    # The author, still at revision 1, is refused with the current revision.
    stale = await client.put(
        f"/v1/lesson-plans/{pid}",
        headers=teacher(tokens, "t1"),
        json={"revision": 1, "title": "新标题"},
    )
    assert stale.status_code == 409
    assert stale.json()["current_revision"] == 2
    assert stale.json()["type"] == "/problems/stale-revision"
    fresh = await client.put(
        f"/v1/lesson-plans/{pid}",
        headers=teacher(tokens, "t1"),
        json={"revision": 2, "title": "新标题", "summary": "标题"},
    )
    assert fresh.status_code == 200 and fresh.json()["title"] == "新标题"
    # No revision named: 428; If-Match and revision disagreeing: 422.
    unnamed = await client.put(
        f"/v1/lesson-plans/{pid}", headers=teacher(tokens, "t1"), json={"title": "x"}
    )
    assert unnamed.status_code == 428
    disagree = await client.put(
        f"/v1/lesson-plans/{pid}",
        headers={**teacher(tokens, "t1"), "If-Match": "3"},
        json={"revision": 2, "title": "x"},
    )
    assert disagree.status_code == 422
    # A co-author may not change the co-authors; another member may not edit at all...
    coauthors = await client.put(
        f"/v1/lesson-plans/{pid}",
        headers=teacher(tokens, "t2"),
        json={"revision": 3, "co_authors": ["t3"]},
    )
    assert coauthors.status_code == 403
    member = await client.put(
        f"/v1/lesson-plans/{pid}", headers=teacher(tokens, "t3"), json={"revision": 3, "body": "x"}
    )
    assert member.status_code == 403
    # ...but may comment, and every member reads the comments.
    said = await client.post(
        f"/v1/lesson-plans/{pid}/comments",
        headers=teacher(tokens, "t3"),
        json={"text": "例题可以再加一道"},
    )
    assert said.status_code == 201, said.text
    listed = await client.get(f"/v1/lesson-plans/{pid}/comments", headers=teacher(tokens, "t1"))
    assert [(c["by"], c["text"]) for c in listed.json()["items"]] == [("t3", "例题可以再加一道")]

    history = await client.get(f"/v1/lesson-plans/{pid}/revisions", headers=teacher(tokens, "t3"))
    items = history.json()["items"]
    assert [(r["revision"], r["by"], r["summary"]) for r in items] == [
        (3, "t1", "标题"),
        (2, "t2", "改为加减消元"),
        (1, "t1", "created"),
    ]
    assert items[1]["previous_body"] == PLAN["body"]
    assert items[0]["previous_body"] == "# 教学目标\n\n会用加减消元法。"
    assert items[0]["changed"] == ["title"]

    listed_plans = await client.get(
        f"/v1/research-groups/{gid}/lesson-plans", headers=teacher(tokens, "t2")
    )
    assert [p["id"] for p in listed_plans.json()["items"]] == [pid]
    assert "body" not in listed_plans.json()["items"][0]


async def test_bad_plan_input_names_fields(client: httpx.AsyncClient, tokens: TokenFactory) -> None:
    gid = (await _group(client, admin(tokens), ["t1"]))["id"]
    t1 = teacher(tokens, "t1")
    bad = await client.post(
        f"/v1/research-groups/{gid}/lesson-plans",
        headers=t1,
        json={**PLAN, "title": " ", "grade": 13, "body": "x" * 100_001, "body_format": "doc"},
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {
        "body.title",
        "body.grade",
        "body.body",
        "body.body_format",
    }
    for over, field in (
        ({"co_authors": ["t-stranger"]}, "body.co_authors"),
        ({"subject": "语文"}, "body.subject"),
        ({"grade": 3}, "body.grade"),
    ):
        resp = await client.post(
            f"/v1/research-groups/{gid}/lesson-plans", headers=t1, json={**PLAN, **over}
        )
        assert resp.status_code == 422, over
        assert [e["field"] for e in resp.json()["errors"]] == [field]
    pid = (await _plan(client, t1, gid))["id"]
    nothing = await client.put(f"/v1/lesson-plans/{pid}", headers=t1, json={"revision": 1})
    assert nothing.status_code == 422
    guest = tokens.headers(tenant="heping", roles=["guest"], sub="t1")
    refused = await client.post(
        f"/v1/lesson-plans/{pid}/comments", headers=guest, json={"text": "x"}
    )
    assert refused.status_code == 403


async def test_html_bodies_are_sanitised(client: httpx.AsyncClient, tokens: TokenFactory) -> None:
    gid = (await _group(client, admin(tokens), ["t1"]))["id"]
    plan = await _plan(
        client,
        teacher(tokens, "t1"),
        gid,
        body_format="html",
        body='<p onclick="x()">例<script>alert(1)</script><a href="javascript:x">链</a></p>',
    )
    assert plan["body"] == '<p>例<a rel="noopener noreferrer nofollow">链</a></p>'


def test_sanitiser_and_if_match() -> None:
    # Parsed as a browser parses it (HTML5): the <i> left open goes on after </b>.
    assert sanitise_html("<b>粗<i>斜</b> & <style>p{}</style>尾") == (
        "<b>粗<i>斜</i></b><i> &amp; 尾</i>"
    )
    assert (
        sanitise_html('<img src="java\tscript:x" alt="a"><a href="https://x.cn/?a=1&b=2">x</a>')
        == '<img alt="a"><a href="https://x.cn/?a=1&amp;b=2" rel="noopener noreferrer nofollow">'
        "x</a>"
    )
    assert sanitise_html("<table><tr><td colspan=2 style='x'>1</td></tr></table>") == (
        '<table><tbody><tr><td colspan="2">1</td></tr></tbody></table>'
    )
    # images only from the web: not mailto:, not protocol-relative
    assert sanitise_html(
        '<img src="//x/a.png"><img src="mailto:a@b"><img src="https://x/a.png">'
    ) == ('<img><img><img src="https://x/a.png">')
    assert sanitise_html("<!-- c --><iframe src=x>内</iframe>外") == "外"
    assert [revision_from_if_match(v) for v in ("3", '"3"', 'W/"3"', "*", "abc")] == [
        3,
        3,
        3,
        None,
        None,
    ]


async def test_publish_as_resource_enters_the_workflow(
    client: httpx.AsyncClient, tokens: TokenFactory, corpus: list[Doc]
) -> None:
    gid = (await _group(client, admin(tokens), ["t1", "t2", "t3"]))["id"]
    plan = await _plan(client, teacher(tokens, "t1"), gid, co_authors=["t2"])
    pid = plan["id"]
    refused = await client.post(
        f"/v1/lesson-plans/{pid}/publish-as-resource", headers=teacher(tokens, "t3")
    )
    assert refused.status_code == 403
    made = await client.post(
        f"/v1/lesson-plans/{pid}/publish-as-resource",
        headers=teacher(tokens, "t2"),
        json={"description": "代入消元法 示范教学包", "tags": ["消元"]},
    )
    assert made.status_code == 201, made.text
    resource = made.json()["resource"]
    rid = resource["id"]
    assert resource["status"] == "in_review" and resource["kind"] == "teaching_package"
    assert resource["provider"]["level"] == "district" and resource["owner"] == "heping"
    assert resource["lesson_plan"]["id"] == pid and resource["content"]["text"] == PLAN["body"]
    assert resource["lesson_plan"]["authors"] == ["t1", "t2"]  # in the authors' own view
    again = await client.post(
        f"/v1/lesson-plans/{pid}/publish-as-resource", headers=teacher(tokens, "t1")
    )
    assert again.status_code == 409 and again.json()["resource_id"] == rid
    linked = await client.get(f"/v1/lesson-plans/{pid}", headers=teacher(tokens, "t1"))
    assert linked.json()["resource_id"] == rid

    reader = pupil(tokens)
    assert (await client.get(f"/v1/resources/{rid}", headers=reader)).status_code == 404
    published = await client.post(f"/v1/resources/{rid}/publish", headers=admin(tokens))
    assert published.status_code == 200, published.text
    seen = await client.get(f"/v1/resources/{rid}", headers=reader)
    assert seen.status_code == 200
    assert seen.json()["title"] == PLAN["title"] and seen.json()["content"]["format"] == "markdown"
    # readers see which plan it came from, not the authors' user ids
    assert seen.json()["lesson_plan"] == {"id": pid, "group_id": gid, "revision": 1}
    listed = await client.get("/v1/resources", headers=reader, params={"q": PLAN["title"]})
    assert rid in [i["id"] for i in listed.json()["items"]]
    assert "authors" not in listed.text
    other = pupil(tokens, tenant="hexi", school="hx-zx-1")
    assert (await client.get(f"/v1/resources/{rid}", headers=other)).status_code == 404


async def test_a_publish_in_progress_holds_the_plan_until_its_claim_runs_out(
    client: httpx.AsyncClient, tokens: TokenFactory, catalog: Resources
) -> None:
    gid = (await _group(client, admin(tokens), ["t1"]))["id"]
    pid = (await _plan(client, teacher(tokens, "t1"), gid))["id"]
    plans = catalog.mongo.for_tenant(Tenant("heping"))[PLANS]
    url = f"/v1/lesson-plans/{pid}/publish-as-resource"
    # another request claimed the plan a moment ago and is still creating the resource
    await plans.update_one({"_id": pid}, {"$set": {"publishing_at": datetime.now(UTC)}})
    busy = await client.post(url, headers=teacher(tokens, "t1"))
    assert busy.status_code == 409 and busy.json()["type"] == "/problems/publishing"
    # that request died half-way: once its claim has run out, the plan can be published
    stale = datetime.now(UTC) - PUBLISH_CLAIM - timedelta(seconds=1)
    await plans.update_one({"_id": pid}, {"$set": {"publishing_at": stale}})
    made = await client.post(url, headers=teacher(tokens, "t1"))
    assert made.status_code == 201, made.text


async def test_city_groups_live_in_the_city(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    city_researcher = tokens.headers(tenant="city", roles=["researcher"], sub="r-city")
    group = await _group(client, city_researcher, ["t1"])
    assert group["level"] == "city" and group["district"] == "city"
    # The heping teacher "t1" acts in heping and does not see the city's group.
    assert (
        await client.get(f"/v1/research-groups/{group['id']}", headers=teacher(tokens, "t1"))
    ).status_code == 404
    member = tokens.headers(tenant="city", roles=["teacher"], sub="t1")
    assert (await client.get(f"/v1/research-groups/{group['id']}", headers=member)).is_success
