"""Through the gateway, with identity and the gateway running as separate processes."""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec

from ..conftest import Suite, bearer, login


async def test_login_through_the_gateway_then_me(gw: httpx.AsyncClient) -> None:
    tokens = await login(gw, "heping", "student1")
    assert set(tokens) >= {"access_token", "refresh_token", "token_type", "expires_in"}
    assert tokens["token_type"] == "Bearer"
    resp = await gw.get("/api/identity/v1/me", headers=bearer(tokens))
    assert resp.status_code == 200, resp.text
    me = resp.json()
    assert (me["tenant"], me["roles"], me["name"]) == ("heping", ["student"], "李明")
    assert resp.headers["x-request-id"]
    assert resp.headers["x-content-type-options"] == "nosniff"


async def test_hexi_teacher_cannot_read_a_heping_class(gw: httpx.AsyncClient) -> None:
    hexi = await login(gw, "hexi", "teacher1")
    by_id = await gw.get("/api/identity/v1/classes/c-hp-8-1/roster", headers=bearer(hexi))
    assert by_id.status_code == 404
    named = await gw.get(
        "/api/identity/v1/classes/c-hp-8-1/roster",
        headers={**bearer(hexi), "X-Xbt-Tenant": "heping"},
    )
    assert named.status_code == 403
    assert named.headers["content-type"].startswith("application/problem+json")
    as_query = await gw.get(
        "/api/identity/v1/classes/c-hp-8-1/roster?tenant=heping", headers=bearer(hexi)
    )
    assert as_query.status_code == 403


async def test_city_admin_may_act_in_a_district(gw: httpx.AsyncClient) -> None:
    city = await login(gw, "city", "cityadmin1")
    resp = await gw.get(
        "/api/identity/v1/classes/c-hp-8-1/roster",
        headers={**bearer(city), "X-Xbt-Tenant": "heping"},
    )
    assert resp.status_code == 200
    assert {s["name"] for s in resp.json()["students"]} >= {"李明"}


def _b64(obj: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


async def test_bad_tokens_are_refused_at_the_gateway(gw: httpx.AsyncClient, suite: Suite) -> None:
    good = await login(gw, "heping", "teacher1")
    claims = jwt.decode(good["access_token"], options={"verify_signature": False})
    kid = jwt.get_unverified_header(good["access_token"])["kid"]
    now = int(time.time())
    forger = ec.generate_private_key(ec.SECP256R1())
    expired = jwt.encode(
        {**claims, "iat": now - 3600, "exp": now - 60},
        forger,
        algorithm="ES256",
        headers={"kid": kid},
    )
    forged = jwt.encode(
        {**claims, "roles": ["city_admin"]}, forger, algorithm="ES256", headers={"kid": kid}
    )
    alg_none = f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': kid})}.{_b64(claims)}."
    tampered_payload = _b64({**claims, "tid": "hexi"})
    head, _, sig = good["access_token"].split(".")
    wrong_tenant = f"{head}.{tampered_payload}.{sig}"
    for token in (expired, forged, alg_none, wrong_tenant, "garbage"):
        resp = await gw.get("/api/identity/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert resp.status_code == 401, (token[:20], resp.text)
        assert resp.headers["content-type"].startswith("application/problem+json")
    # A token straight to the service is checked there too (no trust in the edge alone).
    async with httpx.AsyncClient() as plain:
        direct = await plain.get(
            f"{suite.identity}/v1/me", headers={"Authorization": f"Bearer {forged}"}
        )
    assert direct.status_code == 401


async def test_six_wrong_passwords_lock_through_the_gateway(gw: httpx.AsyncClient) -> None:
    admin = await login(gw, "heping", "districtadmin1")
    username = f"lock{uuid.uuid4().hex[:6]}"
    created = await gw.post(
        "/api/identity/v1/users",
        headers=bearer(admin),
        json={
            "username": username,
            "name": "锁定测试",
            "roles": ["teacher"],
            "school_id": "hp-sy-zx",
        },
    )
    assert created.status_code == 201, created.text
    statuses = []
    for i in range(6):
        resp = await gw.post(
            "/api/identity/v1/auth/login",
            json={"tenant": "heping", "username": username, "password": f"bad-{i}"},
        )
        statuses.append(resp.status_code)
    assert statuses[-1] == 423, statuses
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert int(resp.headers["retry-after"]) > 0


async def test_guest_reads_and_cannot_write(gw: httpx.AsyncClient) -> None:
    admin = await login(gw, "heping", "districtadmin1")
    opened = await gw.put(
        "/api/identity/v1/guest-access",
        headers=bearer(admin),
        json={"enabled": True, "valid_until": "2099-01-01T00:00:00Z"},
    )
    assert opened.status_code == 200, opened.text
    password = opened.json()["password"] or ""
    guest = await login(gw, "heping", "guest", password)
    me = await gw.get("/api/identity/v1/me", headers=bearer(guest))
    assert me.status_code == 200 and me.json()["roles"] == ["guest"]
    write = await gw.post(
        "/api/identity/v1/users",
        headers=bearer(guest),
        json={"username": "x", "name": "x", "roles": ["student"]},
    )
    assert write.status_code == 403
    assert write.json()["type"] == "/problems/guest-read-only"


async def test_merged_openapi_lists_identity_under_its_public_prefix(gw: httpx.AsyncClient) -> None:
    resp = await gw.get("/api/openapi.json")
    assert resp.status_code == 200
    paths = resp.json()["paths"]
    assert "/api/identity/v1/auth/login" in paths
    assert "/api/identity/v1/me" in paths
    docs = await gw.get("/api/docs")
    assert docs.status_code == 200 and "openapi.json" in docs.text


async def test_merged_asyncapi_lists_every_services_events(gw: httpx.AsyncClient) -> None:
    resp = await gw.get("/api/asyncapi.json")
    assert resp.status_code == 200
    doc = resp.json()
    assert doc["asyncapi"] == "3.0.0"
    assert doc["x-xbt-unavailable"] == []
    assert {"identity.user.registered", "tasks.submission.created"} <= set(doc["channels"])
    # tasks consumes the catalog's recommendations: both sides on one channel.
    recommended = doc["channels"]["catalog.resource.recommended"]["messages"]
    assert {m.split(".")[0] for m in recommended} == {"catalog", "tasks"}
    # A service's own document is not reachable through the gateway, only the merged one.
    own = await gw.get("/api/tasks/asyncapi.json")
    assert own.status_code == 404


async def test_bad_input_is_a_problem_not_a_500(gw: httpx.AsyncClient) -> None:
    resp = await gw.post("/api/identity/v1/auth/login", json={"tenant": "heping"})
    assert resp.status_code == 422
    body = resp.json()
    assert {e["field"] for e in body["errors"]} >= {"body.username", "body.password"}
    unknown = await gw.get("/api/nosuch/v1/anything")
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")


async def test_roster_upload_through_the_gateway(gw: httpx.AsyncClient) -> None:
    admin = await login(gw, "heping", "schooladmin1")
    rows = ["学校,年级,班级,姓名,学号"]
    rows += [f"和平区实验中学,7,2班,学生{i},E2E{i:04d}" for i in range(40)]
    rows += ["和平区实验中学,14,2班,错年级,E2E9999", "河西区第一中学,7,1,别校生,"]
    files = {"file": ("roster.csv", "\n".join(rows).encode("utf-8-sig"), "text/csv")}
    resp = await gw.post("/api/identity/v1/rosters", headers=bearer(admin), files=files)
    assert resp.status_code == 201, resp.text
    result = resp.json()
    assert result["counts"]["created"] == 40
    assert sorted(e["row"] for e in result["errors"]) == [42, 43]
    sheet = await gw.get(
        f"/api/identity/v1/rosters/{result['import_id']}/credentials.csv", headers=bearer(admin)
    )
    assert sheet.status_code == 200
    assert sheet.text.lstrip("\ufeff").splitlines()[0].startswith("学校")
    account = next(a for a in result["accounts"] if a["student_no"] == "E2E0007")
    pupil = await login(gw, "heping", account["username"], account["one_time_password"])
    blocked = await gw.get("/api/identity/v1/me", headers=bearer(pupil))
    assert blocked.status_code == 403


async def test_oidc_discovery_through_the_gateway(gw: httpx.AsyncClient, suite: Suite) -> None:
    resp = await gw.get("/api/identity/v1/.well-known/openid-configuration")
    assert resp.status_code == 200
    doc = resp.json()
    assert doc["issuer"] == suite.issuer
    assert doc["token_endpoint"] == f"{suite.issuer}/oidc/token"
    jwks = await gw.get(doc["jwks_uri"].removeprefix(suite.gateway))
    assert jwks.status_code == 200 and jwks.json()["keys"][0]["alg"] == "ES256"
