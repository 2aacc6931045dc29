"""Edge rules and settings, without I/O."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from xbt_gateway.limits import login_buckets, login_fields, user_buckets
from xbt_gateway.policy import check_access, client_address, named_tenants
from xbt_gateway.settings import GatewaySettings
from xbt_shared.auth import Principal
from xbt_shared.errors import Forbidden


def principal(tenant: str = "heping", *roles: str) -> Principal:
    return Principal(user_id="u", tenant=tenant, roles=frozenset(roles or ("student",)))


def test_guest_may_refresh_and_log_out_but_not_write() -> None:
    guest = principal("heping", "guest")
    for path in ("/api/identity/v1/auth/refresh", "/api/identity/v1/auth/logout"):
        check_access(guest, method="POST", path=path, named_tenants=[])
    check_access(guest, method="GET", path="/api/catalog/v1/x", named_tenants=[])
    with pytest.raises(Forbidden) as err:
        check_access(guest, method="POST", path="/api/catalog/v1/x", named_tenants=[])
    assert err.value.slug == "guest-read-only"
    with pytest.raises(Forbidden):
        check_access(guest, method="PUT", path="/api/identity/v1/auth/refresh", named_tenants=[])


def test_only_a_city_admin_names_another_tenant() -> None:
    check_access(principal("heping"), method="GET", path="/x", named_tenants=["heping"])
    with pytest.raises(Forbidden):
        check_access(principal("heping"), method="GET", path="/x", named_tenants=["hexi"])
    with pytest.raises(Forbidden):  # a city_admin role in a district token is not enough
        check_access(
            principal("heping", "city_admin"), method="GET", path="/x", named_tenants=["hexi"]
        )
    check_access(principal("city", "city_admin"), method="GET", path="/x", named_tenants=["hexi"])


def service(tenant: str) -> Principal:
    return Principal(user_id="svc:tasks", tenant=tenant, roles=frozenset({"service"}))


def test_a_city_service_token_names_any_district() -> None:
    check_access(service("city"), method="GET", path="/x", named_tenants=["hexi", "heping"])


def test_a_district_service_token_names_only_its_own() -> None:
    check_access(service("heping"), method="GET", path="/x", named_tenants=["heping"])
    with pytest.raises(Forbidden) as err:
        check_access(service("heping"), method="GET", path="/x", named_tenants=["hexi"])
    assert err.value.slug == "tenant-forbidden"


def test_a_district_admin_names_only_its_own_district() -> None:
    admin = principal("heping", "district_admin")
    check_access(admin, method="GET", path="/x", named_tenants=["heping"])
    with pytest.raises(Forbidden):
        check_access(admin, method="GET", path="/x", named_tenants=["hexi"])


def test_named_tenants_are_the_headers_then_the_query() -> None:
    assert named_tenants(["hexi", "", "heping"], b"") == ["hexi", "heping"]
    assert named_tenants([], b"q=1&tenant=hexi&tenant=heping") == ["hexi", "heping"]
    assert named_tenants(["hexi"], b"tenant=city") == ["hexi", "city"]
    assert named_tenants([], b"subtenant=x") == []
    assert named_tenants([], b"q=tenant") == []


def test_client_address() -> None:
    assert client_address("10.0.0.1", "1.2.3.4", 0) == "10.0.0.1"
    assert client_address("10.0.0.1", "6.6.6.6, 1.2.3.4", 1) == "1.2.3.4"
    assert client_address("10.0.0.1", "6.6.6.6, 1.2.3.4, 10.0.0.9", 2) == "1.2.3.4"
    assert client_address("10.0.0.1", "1.2.3.4", 3) == "1.2.3.4"
    assert client_address(None, None, 1) == "unknown"


def test_login_buckets_carry_the_tenant_and_hide_the_username() -> None:
    settings = GatewaySettings()
    buckets = login_buckets("hexi", "Zhang.San", "1.2.3.4", settings)
    names = list(buckets)
    assert names[0] == "ip:1.2.3.4:login"
    assert names[1].startswith("t:hexi:login:")
    assert "zhang" not in names[1].lower()
    assert list(login_buckets("nowhere", "x", "ip", settings))[1].startswith("t:unknown:")
    assert list(login_buckets("hexi", None, "ip", settings)) == ["ip:ip:login"]


def test_user_buckets_are_the_users_and_the_tenants() -> None:
    settings = GatewaySettings()
    buckets = user_buckets(principal("hexi"), settings)
    assert buckets == {"t:hexi:u:u": settings.user_limit, "t:hexi:all": settings.tenant_limit}


def test_login_fields_are_read_from_json_or_a_form() -> None:
    json_body = b'{"tenant": "hexi", "username": "zhang"}'
    assert login_fields(json_body, b"application/json", None) == ("hexi", "zhang")
    form = b"tenant=hexi&username=li"
    assert login_fields(form, b"application/x-www-form-urlencoded", None) == ("hexi", "li")
    assert login_fields(b'{"username": "w"}', b"application/json", "heping") == ("heping", "w")
    assert login_fields(b"not json", b"application/json", "heping") == ("heping", None)
    assert login_fields(b'{"username": 5}', b"", None) == (None, None)
    assert login_fields(b'{"username": "' + b"x" * 200 + b'"}', b"", None)[1] == "x" * 128


def test_settings_validate_upstreams() -> None:
    settings = GatewaySettings(upstreams={"tasks": "http://tasks:8080/"})
    assert settings.upstreams == {"tasks": "http://tasks:8080"}
    with pytest.raises(ValidationError):
        GatewaySettings(upstreams={"Tasks/../x": "http://t"})
    with pytest.raises(ValidationError):
        GatewaySettings(upstreams={"tasks": "ftp://t"})


def test_common_settings_are_read_from_the_shared_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XBT_REDIS_URL", "redis://shared:6379/0")
    monkeypatch.setenv("XBT_GATEWAY_UPSTREAMS", '{"identity": "http://identity"}')
    settings = GatewaySettings()
    assert settings.redis_url == "redis://shared:6379/0"
    assert settings.upstreams == {"identity": "http://identity"}
    monkeypatch.setenv("XBT_GATEWAY_REDIS_URL", "redis://own:6379/0")
    assert GatewaySettings().redis_url == "redis://own:6379/0"


def test_prod_needs_no_database_or_bus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XBT_ENVIRONMENT", "prod")
    monkeypatch.setenv("XBT_REDIS_URL", "redis://redis:6379/0")
    settings = GatewaySettings()
    assert settings.environment == "prod"
    monkeypatch.delenv("XBT_REDIS_URL")
    with pytest.raises(ValidationError):  # the one backing service it uses must be real
        GatewaySettings()
