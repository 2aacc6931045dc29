"""OIDC protocol rules without I/O: PKCE, at_hash, scopes, redirect URIs, client auth."""

from __future__ import annotations

import base64

import pytest
from authlib.oidc.core.util import create_half_hash

from xbt_identity.oidc import (
    AuthorizationRequest,
    Client,
    OAuthError,
    at_hash,
    basic_credentials,
    granted_scopes,
    hash_secret,
    pkce_matches,
    redirect_uri_problem,
    s256,
    secret_matches,
    single,
    with_params,
)

# RFC 7636 appendix B.
RFC_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
RFC_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_s256_matches_rfc_7636_example() -> None:
    assert s256(RFC_VERIFIER) == RFC_CHALLENGE
    assert pkce_matches(RFC_VERIFIER, RFC_CHALLENGE)
    assert not pkce_matches(RFC_VERIFIER[:-1] + "A", RFC_CHALLENGE)
    assert not pkce_matches("short", s256("short"))  # verifiers are 43-128 characters
    assert not pkce_matches("a" * 129, s256("a" * 129))


def test_at_hash_is_the_left_half_of_sha256() -> None:
    token = "eyJhbGciOiJFUzI1NiJ9.payload.signature"
    assert at_hash(token) == create_half_hash(token, "ES256").decode()


def test_scopes_need_openid_and_ignore_unknown_values() -> None:
    assert granted_scopes("openid") == ("openid",)
    assert granted_scopes("school email openid profile") == ("openid", "profile", "school")
    assert granted_scopes("profile school") is None
    assert granted_scopes(None) is None


@pytest.mark.parametrize(
    ("uri", "ok"),
    [
        ("https://platform.example.cn/cb", True),
        ("https://platform.example.cn/cb?tenant=x", True),
        ("http://127.0.0.1:8080/cb", True),
        ("http://localhost/cb", True),
        ("http://[::1]:9000/cb", True),
        ("http://platform.example.cn/cb", False),
        ("https://platform.example.cn/cb#x", False),
        ("https://user:pw@platform.example.cn/cb", False),
        ("https://*.example.cn/cb", False),
        ("javascript:alert(1)", False),
        ("/relative/cb", False),
        (" https://platform.example.cn/cb", False),
        ("custom-app:/cb", False),
    ],
)
def test_redirect_uris(uri: str, ok: bool) -> None:
    assert (redirect_uri_problem(uri, allow_loopback_http=True) is None) is ok


def test_loopback_http_is_refused_in_production() -> None:
    assert redirect_uri_problem("http://127.0.0.1/cb", allow_loopback_http=False)
    assert redirect_uri_problem("https://platform.example.cn/cb", allow_loopback_http=False) is None


def test_with_params_keeps_the_registered_query() -> None:
    location = with_params("https://p.example.cn/cb?a=1", {"code": "x y", "state": None})
    assert location == "https://p.example.cn/cb?a=1&code=x+y"


def test_basic_credentials_are_form_decoded() -> None:
    raw = base64.b64encode(b"plat_1:s%3Acret+with+spaces").decode()
    assert basic_credentials(f"Basic {raw}") == ("plat_1", "s:cret with spaces")
    assert basic_credentials("Bearer abc") is None
    assert basic_credentials(None) is None
    for bad in ("Basic !!!", "Basic " + base64.b64encode(b"no-colon").decode()):
        with pytest.raises(OAuthError) as exc:
            basic_credentials(bad)
        assert exc.value.error == "invalid_client" and exc.value.status == 401


def test_client_secrets_are_kept_as_digests() -> None:
    stored = hash_secret("a-random-256-bit-secret")
    assert stored.startswith("sha256:") and "a-random" not in stored
    assert secret_matches("a-random-256-bit-secret", stored)
    assert not secret_matches("a-random-256-bit-secreT", stored)
    assert not secret_matches("anything", None)


def test_repeated_parameters_are_refused() -> None:
    assert single({"state": ["x"]}, "state") == "x"
    assert single({"state": [""]}, "state") is None
    assert single({}, "state") is None
    with pytest.raises(Exception, match="repeated"):
        single({"state": ["x", "y"]}, "state")


def _client(**fields: object) -> Client:
    base: dict[str, object] = {
        "id": "plat_1",
        "name": "平台",
        "description": "",
        "homepage_url": None,
        "redirect_uris": ("https://p.example.cn/cb",),
        "public": False,
        "allowed_tenants": None,
        "guest_visible": False,
    }
    return Client(**{**base, **fields})  # type: ignore[arg-type]


def test_which_accounts_a_client_admits() -> None:
    everyone = _client()
    assert everyone.admits("heping", guest=False)
    assert not everyone.admits("heping", guest=True)
    hexi_only = _client(allowed_tenants=frozenset({"hexi"}), guest_visible=True)
    assert hexi_only.admits("hexi", guest=True)
    assert not hexi_only.admits("heping", guest=False)


def test_the_login_form_carries_the_request_through() -> None:
    request = AuthorizationRequest(
        client=_client(),
        redirect_uri="https://p.example.cn/cb",
        state="st",
        scope=("openid", "profile"),
        nonce=None,
        code_challenge=RFC_CHALLENGE,
        prompt="login",
        max_age=None,
    )
    assert request.form_params() == {
        "response_type": "code",
        "client_id": "plat_1",
        "redirect_uri": "https://p.example.cn/cb",
        "scope": "openid profile",
        "state": "st",
        "code_challenge": RFC_CHALLENGE,
        "code_challenge_method": "S256",
    }
