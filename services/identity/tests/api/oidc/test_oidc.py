"""OpenID Connect: discovery, the code flow with PKCE driven by Authlib, and its refusals."""

from __future__ import annotations

import base64
import warnings
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
import pytest
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core.util import create_half_hash
from authlib.oidc.discovery import OpenIDProviderMetadata
from fastapi import FastAPI

from xbt_identity.keys.domain import generate_pem, generate_rsa_pem
from xbt_identity.keys.service import load_key_set
from xbt_shared.tenancy import Tenant

from ...conftest import Identity, bearer, login

with warnings.catch_warnings():
    # authlib.jose is deprecated in favour of joserfc but still the documented RP API.
    warnings.simplefilter("ignore", DeprecationWarning)
    from authlib.jose import JsonWebKey, JsonWebToken
    from authlib.jose.errors import JoseError

ISSUER = "http://testserver/v1"
REDIRECT = "https://platform.example.cn/oidc/callback"


async def register(
    client: httpx.AsyncClient, admin: dict[str, Any], **fields: Any
) -> dict[str, Any]:
    body = {"name": "智慧教育资源平台", "redirect_uris": [REDIRECT], **fields}
    resp = await client.post("/v1/oidc/clients", headers=bearer(admin), json=body)
    assert resp.status_code == 201, resp.text
    registered: dict[str, Any] = resp.json()
    return registered


async def city_admin(client: httpx.AsyncClient) -> dict[str, Any]:
    return await login(client, "city", "cityadmin1")


def challenge_params(
    reg: dict[str, Any], verifier: str, *, nonce: str = "n-0S6_WzA2Mj", **extra: str
) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": reg["client_id"],
        "redirect_uri": REDIRECT,
        "scope": "openid profile school",
        "state": "af0ifjsldkj",
        "nonce": nonce,
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
        **extra,
    }


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


async def authorize(
    client: httpx.AsyncClient, params: dict[str, str], user: dict[str, Any] | None
) -> httpx.Response:
    headers = bearer(user) if user else {}
    return await client.get("/v1/oidc/authorize", params=params, headers=headers)


async def code_for(
    client: httpx.AsyncClient, reg: dict[str, Any], user: dict[str, Any], verifier: str
) -> str:
    resp = await authorize(client, challenge_params(reg, verifier), user)
    assert resp.status_code == 302, resp.text
    query = query_of(resp.headers["location"])
    assert "code" in query, query
    return query["code"]


async def redeem(
    client: httpx.AsyncClient, reg: dict[str, Any], code: str, verifier: str | None
) -> httpx.Response:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    if verifier is not None:
        form["code_verifier"] = verifier
    if reg.get("client_secret"):  # confidential: client_secret_basic
        auth = (str(reg["client_id"]), str(reg["client_secret"]))
        return await client.post("/v1/oidc/token", data=form, auth=auth)
    return await client.post("/v1/oidc/token", data={**form, "client_id": reg["client_id"]})


# discovery -----------------------------------------------------------------------------------


async def test_discovery_document(
    client: httpx.AsyncClient, seeded: Identity, monkeypatch: pytest.MonkeyPatch
) -> None:
    resp = await client.get("/v1/.well-known/openid-configuration")
    assert resp.status_code == 200
    doc = resp.json()
    assert doc["issuer"] == ISSUER
    assert doc["authorization_endpoint"] == f"{ISSUER}/oidc/authorize"
    assert doc["token_endpoint"] == f"{ISSUER}/oidc/token"
    assert doc["userinfo_endpoint"] == f"{ISSUER}/oidc/userinfo"
    assert doc["jwks_uri"] == f"{ISSUER}/.well-known/jwks.json"
    assert doc["response_types_supported"] == ["code"]
    assert doc["grant_types_supported"] == ["authorization_code", "client_credentials"]
    assert doc["subject_types_supported"] == ["public"]
    # Discovery 1.0 3: RS256 MUST be listed; it is also the registration default.
    assert doc["id_token_signing_alg_values_supported"] == ["RS256", "ES256"]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["scopes_supported"] == ["openid", "profile", "school"]
    assert set(doc["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
        "none",
    }
    assert {"sub", "tid", "name", "preferred_username", "roles", "school"} <= set(
        doc["claims_supported"]
    )
    assert "registration_endpoint" not in doc  # city admins register platforms
    # The JWKS it names is served, and the document satisfies Authlib's own checks in full
    # (including that RS256 is among the ID token algorithms).
    jwks = await client.get(urlsplit(doc["jwks_uri"]).path)
    assert jwks.status_code == 200
    assert {k["alg"] for k in jwks.json()["keys"]} == {"RS256", "ES256"}
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # http://testserver
    OpenIDProviderMetadata(doc).validate()


async def test_jwks_publishes_both_public_keys(client: httpx.AsyncClient, seeded: Identity) -> None:
    resp = await client.get("/v1/.well-known/jwks.json")
    assert resp.status_code == 200
    keys = resp.json()["keys"]
    # ES256 first: the access token key (older readers took the first key).
    assert [(k["alg"], k["kty"], k["use"]) for k in keys] == [
        ("ES256", "EC", "sig"),
        ("RS256", "RSA", "sig"),
    ]
    assert [k["kid"] for k in keys] == [seeded.keys.es256.kid, seeded.keys.rs256.kid]
    assert keys[0]["kid"] != keys[1]["kid"]
    assert keys[0]["crv"] == "P-256"
    n = int.from_bytes(base64.urlsafe_b64decode(keys[1]["n"] + "=" * (-len(keys[1]["n"]) % 4)))
    assert n.bit_length() >= 2048
    for key in keys:  # public halves only
        assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key), key["alg"]
    # Both import as a key set an RP would use.
    imported = JsonWebKey.import_key_set(resp.json())
    assert {imported.find_by_kid(k["kid"]).kid for k in keys} == {k["kid"] for k in keys}


async def test_dev_keys_are_kept_in_the_platform_database(seeded: Identity) -> None:
    """A restart (or another replica) loads the same two keys; configured PEMs win."""
    again = await load_key_set(seeded.mongo, es256_pem="", rs256_pem="")
    assert (again.es256.kid, again.rs256.kid) == (seeded.keys.es256.kid, seeded.keys.rs256.kid)
    stored = seeded.mongo.platform_db()["signing_keys"]
    assert await stored.count_documents({}) == 2
    configured = await load_key_set(
        seeded.mongo, es256_pem=generate_pem(), rs256_pem=generate_rsa_pem()
    )
    assert configured.es256.kid != seeded.keys.es256.kid
    assert configured.rs256.kid != seeded.keys.rs256.kid
    assert await stored.count_documents({}) == 2


# the code flow, driven by a real OIDC client -------------------------------------------------


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
async def test_code_flow_with_pkce_through_authlib(
    client: httpx.AsyncClient, seeded: Identity, identity_app: FastAPI, alg: str
) -> None:
    # RS256 is what a client registered without saying gets; ES256 must be asked for.
    fields = {} if alg == "RS256" else {"id_token_signed_response_alg": alg}
    reg = await register(client, await city_admin(client), **fields)
    assert reg["client_secret"] and reg["client_type"] == "confidential"
    assert reg["id_token_signed_response_alg"] == alg
    student = await login(client, "heping", "student1")
    discovery = (await client.get("/v1/.well-known/openid-configuration")).json()

    async with AsyncOAuth2Client(
        client_id=reg["client_id"],
        client_secret=reg["client_secret"],
        scope="openid profile school",
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
        transport=httpx.ASGITransport(app=identity_app),
        base_url="http://testserver",
    ) as rp:
        verifier = generate_token(48)
        nonce = generate_token(20)
        url, state = rp.create_authorization_url(
            discovery["authorization_endpoint"], code_verifier=verifier, nonce=nonce
        )
        # The portal calls authorize as the signed-in user and follows the redirect.
        resp = await client.get(url, headers=bearer(student))
        assert resp.status_code == 302, resp.text
        location = resp.headers["location"]
        assert location.startswith(REDIRECT + "?")
        query = query_of(location)
        assert query["state"] == state and query["iss"] == ISSUER  # RFC 9207

        token = await rp.fetch_token(
            discovery["token_endpoint"], authorization_response=location, code_verifier=verifier
        )
        assert token["token_type"] == "Bearer" and token["expires_in"] > 0
        assert "refresh_token" not in token

        jwks = (await client.get("/v1/.well-known/jwks.json")).json()
        (key,) = [k for k in jwks["keys"] if k["alg"] == alg]
        header = jwt.get_unverified_header(token["id_token"])
        assert header["alg"] == alg and header["kid"] == key["kid"]
        # An RP that accepts only the other algorithm refuses it.
        other = "ES256" if alg == "RS256" else "RS256"
        with pytest.raises(JoseError):
            JsonWebToken([other]).decode(token["id_token"], JsonWebKey.import_key_set(jwks))
        claims = JsonWebToken([alg]).decode(
            token["id_token"],
            JsonWebKey.import_key_set(jwks),
            claims_options={
                "iss": {"essential": True, "value": discovery["issuer"]},
                "aud": {"essential": True, "value": reg["client_id"]},
                "exp": {"essential": True},
                "nonce": {"essential": True, "value": nonce},
            },
        )
        claims.validate()
        assert claims["sub"] == "u-hp-student1"
        assert claims["tid"] == "heping"
        assert claims["name"] == "李明" and claims["preferred_username"] == "student1"
        assert claims["roles"] == ["student"] and claims["school"] == "hp-sy-zx"
        assert isinstance(claims["auth_time"], int) and claims["auth_time"] <= claims["iat"]
        assert claims["at_hash"] == create_half_hash(token["access_token"], alg).decode()
        # The access token is ES256 whatever the ID token is.
        assert jwt.get_unverified_header(token["access_token"])["alg"] == "ES256"

        info = await rp.get(discovery["userinfo_endpoint"])
        assert info.status_code == 200, info.text
        assert info.json() == {
            "sub": "u-hp-student1",
            "tid": "heping",
            "name": "李明",
            "preferred_username": "student1",
            "tenant_name": "和平区",
            "roles": ["student"],
            "school": "hp-sy-zx",
            "school_name": "和平区实验中学",
        }


async def test_public_client_uses_pkce_without_a_secret(
    client: httpx.AsyncClient, seeded: Identity, identity_app: FastAPI
) -> None:
    reg = await register(client, await city_admin(client), client_type="public")
    assert reg["client_secret"] is None and reg["token_endpoint_auth_method"] == "none"
    teacher = await login(client, "hexi", "teacher1")

    # Without a code challenge a public client gets an error at its redirect_uri.
    no_pkce = challenge_params(reg, generate_token(48))
    del no_pkce["code_challenge"], no_pkce["code_challenge_method"]
    refused = await authorize(client, no_pkce, teacher)
    assert refused.status_code == 302
    assert query_of(refused.headers["location"])["error"] == "invalid_request"

    async with AsyncOAuth2Client(
        client_id=reg["client_id"],
        scope="openid",
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
        token_endpoint_auth_method="none",
        transport=httpx.ASGITransport(app=identity_app),
        base_url="http://testserver",
    ) as rp:
        verifier = generate_token(64)
        url, _ = rp.create_authorization_url(f"{ISSUER}/oidc/authorize", code_verifier=verifier)
        resp = await client.get(url, headers=bearer(teacher))
        token = await rp.fetch_token(
            f"{ISSUER}/oidc/token",
            authorization_response=resp.headers["location"],
            code_verifier=verifier,
        )
        # Only the openid scope was asked for: the subject and district, nothing else.
        info = await rp.get(f"{ISSUER}/oidc/userinfo")
        assert info.json() == {"sub": "u-hx-teacher1", "tid": "hexi"}
        assert token["scope"] == "openid"


async def test_client_secret_post_and_bad_client_credentials(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    reg = await register(client, await city_admin(client))
    student = await login(client, "heping", "student1")
    verifier = generate_token(48)
    code = await code_for(client, reg, student, verifier)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
        "client_id": reg["client_id"],
    }
    wrong = await client.post("/v1/oidc/token", data={**form, "client_secret": "nope"})
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    basic = await client.post("/v1/oidc/token", data=form, auth=(reg["client_id"], "nope"))
    assert basic.status_code == 401 and basic.headers["www-authenticate"].startswith("Basic")
    missing = await client.post("/v1/oidc/token", data=form)
    assert missing.status_code == 401 and missing.json()["error"] == "invalid_client"
    # A failed client authentication doesn't burn the code.
    ok = await client.post("/v1/oidc/token", data={**form, "client_secret": reg["client_secret"]})
    assert ok.status_code == 200, ok.text
    assert ok.headers["cache-control"] == "no-store"
    assert {"access_token", "id_token", "token_type", "expires_in"} <= set(ok.json())
    refresh = await client.post(
        "/v1/oidc/token",
        data={"grant_type": "refresh_token", "refresh_token": "x"},
        auth=(reg["client_id"], reg["client_secret"]),
    )
    assert refresh.status_code == 400 and refresh.json()["error"] == "unsupported_grant_type"


async def test_wrong_code_verifier_is_invalid_grant(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    reg = await register(client, await city_admin(client))
    student = await login(client, "heping", "student1")
    verifier = generate_token(48)
    code = await code_for(client, reg, student, verifier)
    resp = await redeem(client, reg, code, generate_token(48))
    assert resp.status_code == 400
    assert resp.headers["content-type"].startswith("application/json")
    assert resp.json()["error"] == "invalid_grant"
    # No verifier at all is refused as well (on a fresh code).
    code = await code_for(client, reg, student, verifier)
    assert (await redeem(client, reg, code, None)).json()["error"] == "invalid_grant"


async def test_code_reuse_is_invalid_grant_and_revokes_the_first_tokens(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    reg = await register(client, await city_admin(client))
    student = await login(client, "heping", "student1")
    verifier = generate_token(48)
    code = await code_for(client, reg, student, verifier)
    first = await redeem(client, reg, code, verifier)
    assert first.status_code == 200, first.text
    access = {"Authorization": f"Bearer {first.json()['access_token']}"}
    assert (await client.get("/v1/oidc/userinfo", headers=access)).status_code == 200
    again = await redeem(client, reg, code, verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    revoked = await client.post("/v1/oidc/userinfo", headers=access)
    assert revoked.status_code == 401
    assert revoked.json()["error"] == "invalid_token"
    assert 'error="invalid_token"' in revoked.headers["www-authenticate"]


async def test_platform_tokens_are_not_xbt_tokens(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    reg = await register(client, await city_admin(client))
    student = await login(client, "heping", "student1")
    verifier = generate_token(48)
    tokens = await redeem(client, reg, await code_for(client, reg, student, verifier), verifier)
    body = tokens.json()
    # A platform can't call xbt's APIs as the user with what it was given...
    for token in (body["access_token"], body["id_token"]):
        me = await client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 401
    # ...and userinfo doesn't take xbt's own access tokens or ID tokens.
    for token in (student["access_token"], body["id_token"]):
        info = await client.get("/v1/oidc/userinfo", headers={"Authorization": f"Bearer {token}"})
        assert info.status_code == 401
    assert (await client.get("/v1/oidc/userinfo")).status_code == 401


async def test_an_rs256_signature_never_makes_an_access_token(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    """Only ES256 access tokens are accepted: the very claims of a valid token, re-signed
    with identity's own RS256 key (published in the JWKS), are refused by /v1/me and by
    userinfo."""
    student = await login(client, "heping", "student1")
    assert (await client.get("/v1/me", headers=bearer(student))).status_code == 200
    rs256 = seeded.keys.rs256

    def resigned(token: str) -> str:
        claims = jwt.decode(token, options={"verify_signature": False})
        return jwt.encode(claims, rs256.private_key, algorithm="RS256", headers={"kid": rs256.kid})

    forged = resigned(student["access_token"])
    me = await client.get("/v1/me", headers={"Authorization": f"Bearer {forged}"})
    assert me.status_code == 401

    reg = await register(client, await city_admin(client))  # RS256 ID tokens
    verifier = generate_token(48)
    tokens = await redeem(client, reg, await code_for(client, reg, student, verifier), verifier)
    body = tokens.json()
    assert jwt.get_unverified_header(body["id_token"])["alg"] == "RS256"
    for token in (body["id_token"], resigned(body["access_token"])):
        me = await client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 401
        info = await client.get("/v1/oidc/userinfo", headers={"Authorization": f"Bearer {token}"})
        assert info.status_code == 401 and info.json()["error"] == "invalid_token"
    ok = {"Authorization": f"Bearer {body['access_token']}"}
    assert (await client.get("/v1/oidc/userinfo", headers=ok)).status_code == 200


async def test_a_client_stored_without_an_alg_keeps_es256_id_tokens(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    """Clients registered before RS256 existed were told to expect ES256."""
    admin = await city_admin(client)
    reg = await register(client, admin)
    await seeded.mongo.platform_db()["oidc_clients"].update_one(
        {"_id": reg["client_id"]}, {"$unset": {"id_token_signed_response_alg": ""}}
    )
    listed = (await client.get("/v1/oidc/clients", headers=bearer(admin))).json()
    assert [c["id_token_signed_response_alg"] for c in listed] == ["ES256"]
    student = await login(client, "heping", "student1")
    verifier = generate_token(48)
    tokens = await redeem(client, reg, await code_for(client, reg, student, verifier), verifier)
    id_token = tokens.json()["id_token"]
    header = jwt.get_unverified_header(id_token)
    assert header == {"alg": "ES256", "kid": seeded.keys.es256.kid, "typ": "JWT"}
    jwks = (await client.get("/v1/.well-known/jwks.json")).json()
    claims = JsonWebToken(["ES256"]).decode(id_token, JsonWebKey.import_key_set(jwks))
    claims.validate()
    assert claims["aud"] == reg["client_id"]


# authorization request errors ----------------------------------------------------------------


async def test_unregistered_redirect_uri_is_400_without_redirect(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    reg = await register(client, await city_admin(client))
    student = await login(client, "heping", "student1")
    verifier = generate_token(48)
    for redirect in ("https://evil.example.com/cb", REDIRECT + "/", REDIRECT + "?x=1"):
        resp = await authorize(
            client, challenge_params(reg, verifier, redirect_uri=redirect), student
        )
        assert resp.status_code == 400, redirect
        assert "location" not in resp.headers
        assert resp.headers["content-type"].startswith("application/problem+json")
    unknown = await authorize(
        client, challenge_params({"client_id": "plat_nope"}, verifier), student
    )
    assert unknown.status_code == 400 and "location" not in unknown.headers
    repeated = await client.get(
        "/v1/oidc/authorize?"
        + urlencode([("client_id", reg["client_id"]), ("client_id", reg["client_id"])])
        + "&redirect_uri="
        + REDIRECT
    )
    assert repeated.status_code == 400


async def test_request_errors_after_the_redirect_uri_is_trusted_go_back_to_it(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    reg = await register(client, await city_admin(client))
    student = await login(client, "heping", "student1")
    verifier = generate_token(48)
    cases = [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "profile"}, "invalid_scope"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": "too-short"}, "invalid_request"),
        ({"request": "eyJ..."}, "request_not_supported"),
    ]
    for extra, error in cases:
        resp = await authorize(client, challenge_params(reg, verifier, **extra), student)
        assert resp.status_code == 302, (extra, resp.text)
        query = query_of(resp.headers["location"])
        assert query["error"] == error, extra
        assert query["state"] == "af0ifjsldkj" and query["iss"] == ISSUER
    # Unknown scopes are ignored (OIDC Core 3.1.2.1); prompt=none without a session fails.
    ok = await authorize(
        client, challenge_params(reg, verifier, scope="openid email profile"), student
    )
    assert "code" in query_of(ok.headers["location"])
    silent = await authorize(client, challenge_params(reg, verifier, prompt="none"), None)
    assert query_of(silent.headers["location"])["error"] == "login_required"
    # A bad bearer token is the portal's problem to fix, not an error for the platform.
    bad = await client.get(
        "/v1/oidc/authorize",
        params=challenge_params(reg, verifier),
        headers={"Authorization": "Bearer not-a-token"},
    )
    assert bad.status_code == 401


# registration and the platform list ----------------------------------------------------------


async def test_only_a_city_admin_registers_clients(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    district_admin = await login(client, "heping", "districtadmin1")
    body = {"name": "平台", "redirect_uris": [REDIRECT]}
    denied = await client.post("/v1/oidc/clients", headers=bearer(district_admin), json=body)
    assert denied.status_code == 403
    assert (await client.get("/v1/oidc/clients", headers=bearer(district_admin))).status_code == 403
    assert (await client.post("/v1/oidc/clients", json=body)).status_code == 401

    admin = await city_admin(client)
    reg = await register(client, admin, description="课程资源", homepage_url="https://x.example.cn")
    listed = (await client.get("/v1/oidc/clients", headers=bearer(admin))).json()
    assert [c["client_id"] for c in listed] == [reg["client_id"]]
    assert listed[0]["id_token_signed_response_alg"] == "RS256"  # the default
    assert "client_secret" not in listed[0] and "secret_hash" not in listed[0]
    # Only a digest of the secret is stored.
    stored = await seeded.mongo.platform_db()["oidc_clients"].find_one({"_id": reg["client_id"]})
    assert stored is not None and reg["client_secret"] not in str(stored)
    assert stored["secret_hash"].startswith("sha256:")

    deleted = await client.delete(
        f"/v1/oidc/clients/{reg['client_id']}", headers=bearer(district_admin)
    )
    assert deleted.status_code == 403
    gone = await client.delete(f"/v1/oidc/clients/{reg['client_id']}", headers=bearer(admin))
    assert gone.status_code == 204
    again = await client.delete(f"/v1/oidc/clients/{reg['client_id']}", headers=bearer(admin))
    assert again.status_code == 404
    student = await login(client, "heping", "student1")
    stale = await authorize(client, challenge_params(reg, generate_token(48)), student)
    assert stale.status_code == 400


async def test_registration_rules(client: httpx.AsyncClient, seeded: Identity) -> None:
    admin = await city_admin(client)
    bad: list[dict[str, Any]] = [
        {"redirect_uris": ["http://platform.example.cn/cb"]},
        {"redirect_uris": ["https://*.example.cn/cb"]},
        {"redirect_uris": ["https://platform.example.cn/cb#frag"]},
        {"redirect_uris": ["/relative"]},
        {"redirect_uris": []},
        {"allowed_tenants": ["atlantis"]},
        {"allowed_tenants": []},
        {"homepage_url": "javascript:alert(1)"},
        {"id_token_signed_response_alg": "HS256"},
        {"id_token_signed_response_alg": "none"},
        {"id_token_signed_response_alg": "PS256"},
    ]
    for fields in bad:
        body = {"name": "平台", "redirect_uris": [REDIRECT], **fields}
        resp = await client.post("/v1/oidc/clients", headers=bearer(admin), json=body)
        assert resp.status_code == 422, fields
    dev = await register(
        client, admin, redirect_uris=["http://127.0.0.1:8080/cb", "http://localhost/cb"]
    )
    assert dev["redirect_uris"] == ["http://127.0.0.1:8080/cb", "http://localhost/cb"]
    es = await register(client, admin, id_token_signed_response_alg="ES256")
    listed = (await client.get("/v1/oidc/clients", headers=bearer(admin))).json()
    algs = {c["client_id"]: c["id_token_signed_response_alg"] for c in listed}
    assert algs == {dev["client_id"]: "RS256", es["client_id"]: "ES256"}


async def test_guest_sees_only_guest_visible_platforms(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    admin = await city_admin(client)
    open_to_guests = await register(client, admin, name="公开课资源", guest_visible=True)
    members_only = await register(client, admin, name="作业平台")
    district_admin = await login(client, "heping", "districtadmin1")
    opened = await client.put(
        "/v1/guest-access",
        headers=bearer(district_admin),
        json={"enabled": True, "valid_until": "2099-01-01T00:00:00Z"},
    )
    assert opened.status_code == 200, opened.text
    guest = await login(client, "heping", "guest", opened.json()["password"])
    student = await login(client, "heping", "student1")

    seen_by_guest = (await client.get("/v1/platforms", headers=bearer(guest))).json()
    assert [p["client_id"] for p in seen_by_guest] == [open_to_guests["client_id"]]
    seen_by_student = (await client.get("/v1/platforms", headers=bearer(student))).json()
    assert {p["client_id"] for p in seen_by_student} == {
        open_to_guests["client_id"],
        members_only["client_id"],
    }
    assert set(seen_by_student[0]) == {"client_id", "name", "description", "homepage_url"}
    assert (await client.get("/v1/platforms")).status_code == 401

    verifier = generate_token(48)
    refused = await authorize(client, challenge_params(members_only, verifier), guest)
    assert query_of(refused.headers["location"])["error"] == "access_denied"
    allowed = await authorize(client, challenge_params(open_to_guests, verifier), guest)
    assert "code" in query_of(allowed.headers["location"])


async def test_client_restricted_to_hexi_refuses_a_heping_user(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    reg = await register(client, await city_admin(client), allowed_tenants=["hexi"])
    heping = await login(client, "heping", "student1")
    hexi = await login(client, "hexi", "student1")
    assert (await client.get("/v1/platforms", headers=bearer(heping))).json() == []
    assert len((await client.get("/v1/platforms", headers=bearer(hexi))).json()) == 1

    verifier = generate_token(48)
    refused = await authorize(client, challenge_params(reg, verifier), heping)
    assert refused.status_code == 302
    query = query_of(refused.headers["location"])
    assert query["error"] == "access_denied" and "code" not in query
    code = await code_for(client, reg, hexi, verifier)
    token = await redeem(client, reg, code, verifier)
    assert token.status_code == 200, token.text
    # The login form offers only the districts the platform admits.
    page = await authorize(client, challenge_params(reg, verifier), None)
    assert "河西区" in page.text and "和平区" not in page.text


async def test_pending_password_change_or_disabled_account_gets_no_code(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    reg = await register(client, await city_admin(client))
    student = await login(client, "heping", "student2")
    verifier = generate_token(48)
    store = seeded.users(Tenant("heping"))

    await store.update("u-hp-student2", {"must_change_password": True})
    pending = await authorize(client, challenge_params(reg, verifier), student)
    assert query_of(pending.headers["location"])["error"] == "interaction_required"
    form = await client.post(
        "/v1/oidc/authorize",
        data={
            **challenge_params(reg, verifier),
            "tenant": "heping",
            "username": "student2",
            "password": "xbt-demo-2020",
        },
    )
    assert form.status_code == 403 and "location" not in form.headers
    assert "修改初始密码" in form.text

    await store.update("u-hp-student2", {"must_change_password": False, "disabled": True})
    disabled = await authorize(client, challenge_params(reg, verifier), student)
    assert query_of(disabled.headers["location"])["error"] == "access_denied"

    # A code issued before the account was disabled is refused at the token endpoint.
    await store.update("u-hp-student2", {"disabled": False})
    code = await code_for(client, reg, student, verifier)
    await store.update("u-hp-student2", {"disabled": True})
    late = await redeem(client, reg, code, verifier)
    assert late.status_code == 400 and late.json()["error"] == "invalid_grant"


# the login form ------------------------------------------------------------------------------


async def test_login_form_fallback(client: httpx.AsyncClient, seeded: Identity) -> None:
    reg = await register(client, await city_admin(client), name="<b>资源</b>平台")
    verifier = generate_token(48)
    params = challenge_params(reg, verifier)
    page = await client.get("/v1/oidc/authorize", params=params)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    for label in ("用户名", "密码", "登录", "和平区"):
        assert label in page.text
    assert "&lt;b&gt;资源&lt;/b&gt;平台" in page.text  # escaped
    assert f'action="{ISSUER}/oidc/authorize"' in page.text
    assert f'name="code_challenge" value="{params["code_challenge"]}"' in page.text
    assert "<script" not in page.text and "http://" not in page.text.replace(ISSUER, "")

    form = {**params, "tenant": "heping", "username": "student1"}
    wrong = await client.post("/v1/oidc/authorize", data={**form, "password": "nope"})
    assert wrong.status_code == 401 and "location" not in wrong.headers
    assert "用户名或密码不正确" in wrong.text
    assert 'value="student1"' in wrong.text and 'value="heping" selected' in wrong.text

    ok = await client.post("/v1/oidc/authorize", data={**form, "password": "xbt-demo-2020"})
    assert ok.status_code == 302, ok.text
    query = query_of(ok.headers["location"])
    assert query["state"] == params["state"]
    token = await redeem(client, reg, query["code"], verifier)
    assert token.status_code == 200, token.text
    # prompt=login shows the form even to a caller with a token.
    student = await login(client, "heping", "student1")
    forced = await authorize(client, challenge_params(reg, verifier, prompt="login"), student)
    assert forced.status_code == 200 and "密码" in forced.text


async def test_login_form_takes_the_district_by_chinese_name(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    reg = await register(client, await city_admin(client))
    verifier = generate_token(48)
    params = challenge_params(reg, verifier)
    form = {**params, "username": "student1"}
    wrong = await client.post(
        "/v1/oidc/authorize", data={**form, "tenant": "和平区", "password": "nope"}
    )
    assert wrong.status_code == 401 and 'value="heping" selected' in wrong.text
    unknown = await client.post(
        "/v1/oidc/authorize", data={**form, "tenant": "和平县", "password": "xbt-demo-2020"}
    )
    assert unknown.status_code == 401 and "location" not in unknown.headers
    assert "用户名或密码不正确" in unknown.text
    ok = await client.post(
        "/v1/oidc/authorize", data={**form, "tenant": "和平区", "password": "xbt-demo-2020"}
    )
    assert ok.status_code == 302, ok.text
    token = await redeem(client, reg, query_of(ok.headers["location"])["code"], verifier)
    assert token.status_code == 200, token.text
    claims = jwt.decode(token.json()["id_token"], options={"verify_signature": False})
    assert claims["sub"] == "u-hp-student1" and claims["tid"] == "heping"
    # 河西区 signs in hexi's student1, not heping's.
    other = await client.post(
        "/v1/oidc/authorize", data={**form, "tenant": "河西区", "password": "xbt-demo-2020"}
    )
    assert other.status_code == 302, other.text
    token = await redeem(client, reg, query_of(other.headers["location"])["code"], verifier)
    claims = jwt.decode(token.json()["id_token"], options={"verify_signature": False})
    assert claims["sub"] == "u-hx-student1" and claims["tid"] == "hexi"


async def test_login_form_respects_lockout(client: httpx.AsyncClient, seeded: Identity) -> None:
    reg = await register(client, await city_admin(client))
    params = challenge_params(reg, generate_token(48))
    form = {**params, "tenant": "heping", "username": "student1"}
    stranger = {"X-Forwarded-For": "198.51.100.10"}
    statuses = []
    for i in range(5):
        resp = await client.post(
            "/v1/oidc/authorize", data={**form, "password": f"wrong-{i}"}, headers=stranger
        )
        statuses.append(resp.status_code)
    assert statuses == [401, 401, 401, 401, 423]
    locked = await client.post(
        "/v1/oidc/authorize", data={**form, "password": "xbt-demo-2020"}, headers=stranger
    )
    assert locked.status_code == 423 and "location" not in locked.headers
    assert "锁定" in locked.text and int(locked.headers["retry-after"]) > 0
    # The form counts the client as the API does: the same address is locked out there too.
    same = await client.post(
        "/v1/auth/login",
        json={"tenant": "heping", "username": "student1", "password": "xbt-demo-2020"},
        headers=stranger,
    )
    assert same.status_code == 423, same.text
    # The lock is the failing client's: the owner on another device still signs in, by the
    # form and by the API.
    owner = {"X-Forwarded-For": "198.51.100.20"}
    signed_in = await client.post(
        "/v1/oidc/authorize", data={**form, "password": "xbt-demo-2020"}, headers=owner
    )
    assert signed_in.status_code == 302, signed_in.text
    assert "code=" in signed_in.headers["location"]
    api = await client.post(
        "/v1/auth/login",
        json={"tenant": "heping", "username": "student1", "password": "xbt-demo-2020"},
        headers=owner,
    )
    assert api.status_code == 200, api.text


async def test_login_form_slows_guessers_spread_over_clients(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    """Failures on one account from several clients meet the account's delay: a failing
    client is told, on the form in Chinese with Retry-After, how long to wait."""
    reg = await register(client, await city_admin(client))
    params = challenge_params(reg, generate_token(48))
    form = {**params, "tenant": "heping", "username": "student2"}

    async def guess(address: str, i: int) -> httpx.Response:
        return await client.post(
            "/v1/oidc/authorize",
            data={**form, "password": f"wrong-{i}"},
            headers={"X-Forwarded-For": address},
        )

    first = [(await guess("198.51.100.30", i)).status_code for i in range(3)]
    assert first == [401, 401, 401]
    second = [await guess("198.51.100.31", i) for i in range(2)]
    assert [r.status_code for r in second] == [401, 429]
    assert "请 1 秒后再试" in second[1].text, second[1].text
    assert int(second[1].headers["retry-after"]) >= 1
