"""Service clients: their configuration, the scopes they get and their tokens' claims."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from xbt_identity.oidc.domain import (
    ServiceClient,
    granted_service_scopes,
    hash_secret,
    secret_matches,
    service_token_claims,
)
from xbt_identity.settings import IdentitySettings
from xbt_shared.auth import Principal
from xbt_shared.settings import DEV_TASKS_CLIENT_SECRET

SECRET = "s" * 43  # the length of secrets.token_urlsafe(32)
PROD: dict[str, Any] = {
    "environment": "prod",
    "mongodb_uri": "mongodb://mongodb-0.mongodb:27017/?replicaSet=rs0",
    "redis_url": "redis://redis:6379/0",
    "amqp_url": "amqp://xbt:secret@rabbitmq:5672/",
    "signing_key_pem": "ec-pem",
    "rsa_signing_key_pem": "rsa-pem",
}


def test_dev_and_test_get_a_tasks_client_with_the_dev_secret() -> None:
    clients = IdentitySettings(environment="test").registered_service_clients()
    assert set(clients) == {"tasks"}
    tasks = clients["tasks"]
    assert tasks.scopes == {"bank.keys"}
    assert secret_matches(DEV_TASKS_CLIENT_SECRET, tasks.secret_hash)
    assert not secret_matches(DEV_TASKS_CLIENT_SECRET + "x", tasks.secret_hash)


def test_prod_refuses_the_dev_tasks_secret() -> None:
    with pytest.raises(ValidationError, match="XBT_IDENTITY_TASKS_CLIENT_SECRET"):
        IdentitySettings(**PROD)
    with pytest.raises(ValidationError, match="not allowed in prod"):
        IdentitySettings(**PROD, tasks_client_secret=DEV_TASKS_CLIENT_SECRET)
    dev_digest = {"secret_hash": hash_secret(DEV_TASKS_CLIENT_SECRET), "scopes": ["bank.keys"]}
    with pytest.raises(ValidationError, match="not allowed in prod"):
        IdentitySettings(**PROD, tasks_client_secret=SECRET, service_clients={"other": dev_digest})
    settings = IdentitySettings(**PROD, tasks_client_secret=SECRET)
    assert secret_matches(SECRET, settings.registered_service_clients()["tasks"].secret_hash)
    assert SECRET not in repr(settings)  # a SecretStr: not in logs or tracebacks
    # Empty turns the tasks client off.
    off = IdentitySettings(**PROD, tasks_client_secret="")
    assert off.registered_service_clients() == {}


def test_the_secret_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XBT_IDENTITY_TASKS_CLIENT_SECRET", SECRET)
    other = {"secret_hash": hash_secret("o" * 40), "scopes": ["bank.keys"]}
    monkeypatch.setenv("XBT_IDENTITY_SERVICE_CLIENTS", json.dumps({"contests": other}))
    clients = IdentitySettings(**PROD).registered_service_clients()
    assert set(clients) == {"tasks", "contests"}
    assert secret_matches(SECRET, clients["tasks"].secret_hash)
    assert secret_matches("o" * 40, clients["contests"].secret_hash)


def test_a_configured_tasks_client_replaces_the_built_in_one() -> None:
    digest = hash_secret(SECRET)
    settings = IdentitySettings(
        **PROD, service_clients={"tasks": {"secret_hash": digest, "scopes": ["bank.keys"]}}
    )  # the dev tasks secret is not used, so prod accepts it
    assert settings.registered_service_clients()["tasks"].secret_hash == digest


DIGEST = hash_secret(SECRET)


def _one(client_id: str = "x1", **over: Any) -> dict[str, Any]:
    config = {"secret_hash": DIGEST, "scopes": ["bank.keys"], **over}
    return {"service_clients": {client_id: config}}


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"tasks_client_secret": "too-short"}, "32"),
        (_one("Tasks"), "ids"),
        (_one("plat_x"), "ids"),  # never a platform client's id
        (_one(secret_hash=SECRET), "sha256"),  # the digest, not the secret
        (_one(scopes=["openid"]), "unknown scopes"),
        (_one(scopes=[]), "at least 1"),
        (_one(extra="x"), "extra"),
        ({"service_token_ttl_seconds": 86400}, "3600"),
    ],
)
def test_bad_service_client_settings_are_refused(over: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        IdentitySettings(environment="test", **over)


TASKS = ServiceClient("tasks", hash_secret(SECRET), frozenset({"bank.keys"}))


@pytest.mark.parametrize(
    ("requested", "granted"),
    [
        (None, ("bank.keys",)),  # none asked for: all of the client's (RFC 6749 3.3)
        ("", ("bank.keys",)),
        ("bank.keys", ("bank.keys",)),
        ("bank.keys  bank.keys", ("bank.keys",)),
        ("bank.keys openid", None),  # no ID token, no OIDC scopes
        ("profile", None),
        ("bank.keys.write", None),
        ("BANK.KEYS", None),  # scopes are case-sensitive
    ],
)
def test_granted_scopes(requested: str | None, granted: tuple[str, ...] | None) -> None:
    assert granted_service_scopes(TASKS, requested) == granted


def test_service_token_claims_make_a_service_principal() -> None:
    claims = service_token_claims(TASKS, ("bank.keys",))
    assert claims == {
        "sub": "svc:tasks",
        "tid": "city",
        "roles": ["service"],
        "scope": "bank.keys",
        "client_id": "tasks",
        "typ": "access",
    }
    principal = Principal.from_claims({**claims, "exp": 0, "jti": "j"})
    assert principal.is_service and principal.has_scope("bank.keys")
    assert principal.may_name_tenant and not principal.is_city_admin
