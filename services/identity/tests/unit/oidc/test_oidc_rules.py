"""OIDC protocol rules without I/O: PKCE, at_hash, scopes, redirect URIs, client auth,
ID token algorithms, and the signing keys and their settings."""

from __future__ import annotations

import base64
import warnings

import pytest
from authlib.oidc.core.util import create_half_hash
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pydantic import ValidationError

from xbt_identity.keys.domain import KeySet, SigningKey, generate_pem, generate_rsa_pem
from xbt_identity.oidc.domain import (
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
from xbt_identity.oidc.store import client_from_doc, stored_id_token_alg
from xbt_identity.settings import IdentitySettings

with warnings.catch_warnings():
    # authlib.jose is deprecated in favour of joserfc but still the documented RP API.
    warnings.simplefilter("ignore", DeprecationWarning)
    from authlib.jose import JsonWebKey

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
    hexi_only = _client(allowed_tenants=("hexi",), guest_visible=True)
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


# ID token algorithms ----------------------------------------------------------------------


def test_stored_clients_without_an_alg_count_as_es256() -> None:
    doc = {"_id": "plat_1", "name": "平台", "redirect_uris": ["https://p.example.cn/cb"]}
    assert stored_id_token_alg(doc) == "ES256"  # registered before RS256 existed
    assert client_from_doc(doc).id_token_alg == "ES256"
    for alg in ("RS256", "ES256"):
        assert client_from_doc({**doc, "id_token_signed_response_alg": alg}).id_token_alg == alg
    assert _client().id_token_alg == "RS256"  # new clients' default


# signing keys ---------------------------------------------------------------------------


def _pem(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.fixture(scope="module")
def key_set() -> KeySet:
    return KeySet(
        es256=SigningKey.from_pem(generate_pem(), "ES256"),
        rs256=SigningKey.from_pem(generate_rsa_pem(), "RS256"),
    )


def test_key_ids_are_rfc_7638_thumbprints(key_set: KeySet) -> None:
    for key in (key_set.es256, key_set.rs256):
        assert key.public_jwk["kid"] == key.kid
        assert JsonWebKey.import_key(key.public_jwk).thumbprint() == key.kid


def test_key_set_publishes_both_and_picks_by_alg(key_set: KeySet) -> None:
    assert key_set.for_alg("ES256") is key_set.es256
    assert key_set.for_alg("RS256") is key_set.rs256
    with pytest.raises(ValueError):
        key_set.for_alg("HS256")
    jwks = key_set.jwks()
    assert [(k["alg"], k["kid"]) for k in jwks["keys"]] == [
        ("ES256", key_set.es256.kid),
        ("RS256", key_set.rs256.kid),
    ]
    assert all("d" not in k for k in jwks["keys"])
    with pytest.raises(ValueError):
        KeySet(es256=key_set.rs256, rs256=key_set.es256)


def test_keys_must_fit_their_algorithm() -> None:
    ec_pem, rsa_pem = generate_pem(), generate_rsa_pem()
    bad = [
        (rsa_pem, "ES256"),
        (ec_pem, "RS256"),
        (_pem(ec.generate_private_key(ec.SECP384R1())), "ES256"),
        (_pem(rsa.generate_private_key(public_exponent=65537, key_size=1024)), "RS256"),
    ]
    for pem, alg in bad:
        with pytest.raises(ValueError):
            SigningKey.from_pem(pem, alg)  # type: ignore[arg-type]
    assert SigningKey.from_pem(ec_pem).alg == "ES256"  # the default, as before


def _prod(*, signing_key_pem: str, rsa_signing_key_pem: str) -> IdentitySettings:
    return IdentitySettings(
        environment="prod",
        mongodb_uri="mongodb://mongodb-0.mongodb:27017/?replicaSet=rs0",
        redis_url="redis://redis:6379/0",
        amqp_url="amqp://xbt:secret@rabbitmq:5672/",
        signing_key_pem=signing_key_pem,
        rsa_signing_key_pem=rsa_signing_key_pem,
        tasks_client_secret="a-production-secret-of-at-least-32-characters",
    )


def test_prod_needs_both_signing_keys() -> None:
    with pytest.raises(ValidationError, match="XBT_IDENTITY_RSA_SIGNING_KEY_PEM"):
        _prod(signing_key_pem="ec-pem", rsa_signing_key_pem="")
    with pytest.raises(ValidationError, match="XBT_IDENTITY_SIGNING_KEY_PEM"):
        _prod(signing_key_pem="", rsa_signing_key_pem="rsa-pem")
    settings = _prod(signing_key_pem="ec-pem", rsa_signing_key_pem="rsa-pem")
    assert settings.rsa_signing_key_pem == "rsa-pem"
