"""What every service built by the kit answers at its edge: HEAD on its GET routes, and
RFC 6750 challenges on its 401s."""

from __future__ import annotations

import json
import time
import uuid

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI, Request, Response
from jwt.algorithms import ECAlgorithm

from xbt_shared.app import build_app, is_head
from xbt_shared.auth import AnyUser, TokenVerifier
from xbt_shared.settings import CommonSettings

ISSUER = "http://issuer.test/v1"


def make_app() -> tuple[FastAPI, list[str], ec.EllipticCurvePrivateKey, str]:
    app = build_app(CommonSettings(log_json=False), service="probe", title="probe")
    private = ec.generate_private_key(ec.SECP256R1())
    kid = uuid.uuid4().hex
    jwk = json.loads(ECAlgorithm.to_jwk(private.public_key())) | {"kid": kid, "alg": "ES256"}
    verifier = TokenVerifier(jwks_url="http://unused.invalid/jwks", issuer=ISSUER, audience="xbt")
    verifier.set_keys({"keys": [jwk]})
    app.state.verifier = verifier
    effects: list[str] = []

    @app.get("/v1/page")
    async def page(request: Request) -> Response:
        if not is_head(request):
            effects.append("viewed")
        return Response(
            b'{"page": 1}',
            media_type="application/json",
            headers={"ETag": '"v1"', "Cache-Control": "private, max-age=30"},
        )

    @app.post("/v1/write")
    async def write() -> dict[str, str]:
        effects.append("written")
        return {"ok": "yes"}

    @app.get("/v1/me")
    async def me(principal: AnyUser) -> dict[str, str]:
        return {"user": principal.user_id}

    return app, effects, private, kid


def client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc.test")


async def test_head_answers_every_get_route_with_gets_headers_and_no_side_effect() -> None:
    app, effects, _, _ = make_app()
    async with client(app) as http:
        assert (await http.head("/metrics")).status_code == 200
        for path in ("/livez", "/readyz", "/v1/page"):
            got = await http.get(path)
            head = await http.head(path)
            assert head.status_code == got.status_code == 200, path
            assert head.content == b""
            assert head.headers["content-type"] == got.headers["content-type"]
            assert head.headers["content-length"] == str(len(got.content))
        assert head.headers["etag"] == '"v1"'
        assert head.headers["cache-control"] == "private, max-age=30"
        assert effects == ["viewed"]  # the GET's, not the HEAD's
        assert (await http.head("/nowhere")).status_code == 404


async def test_head_on_a_route_without_get_writes_nothing() -> None:
    app, effects, _, _ = make_app()
    async with client(app) as http:
        assert (await http.head("/v1/write")).status_code == 405
    assert effects == []


async def test_a_refused_token_is_named_in_the_challenge_a_missing_one_is_not() -> None:
    app, _, private, kid = make_app()
    now = int(time.time())
    expired = jwt.encode(
        {
            "iss": ISSUER,
            "aud": "xbt",
            "sub": "u1",
            "tid": "heping",
            "roles": ["student"],
            "iat": now - 600,
            "exp": now - 300,
            "jti": "j",
        },
        private,
        algorithm="ES256",
        headers={"kid": kid},
    )
    async with client(app) as http:
        missing = await http.get("/v1/me")
        assert missing.status_code == 401
        assert missing.headers["www-authenticate"] == 'Bearer realm="xbt"'
        for token in (expired, "garbage"):
            refused = await http.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
            assert refused.status_code == 401
            challenge = refused.headers["www-authenticate"]
            assert challenge.startswith('Bearer realm="xbt", error="invalid_token", ')
            assert 'error_description="' in challenge
