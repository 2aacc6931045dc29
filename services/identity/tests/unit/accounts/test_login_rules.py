"""The rules of failed logins, the client's address and the sealed grace pair, without I/O."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag

from xbt_identity.accounts.domain import (
    LoginPolicy,
    LoginRecord,
    TokenPair,
    client_address,
    login_state,
    open_pair,
    seal_pair,
    unsafe_name,
)

POLICY = LoginPolicy()  # 5 per client, 15 min; delays from the 5th, 1 s doubling to 300 s
NOW = 1_800_000_000_000


def test_the_client_is_the_entry_the_gateway_appended() -> None:
    # The client wrote the first entry itself; the gateway appended what it saw.
    assert client_address("1.2.3.4, 203.0.113.7", "10.0.0.9", hops=1) == "203.0.113.7"
    assert client_address("1.2.3.4, 203.0.113.7, 10.1.1.1", None, hops=2) == "203.0.113.7"
    assert client_address("203.0.113.7", None, hops=3) == "203.0.113.7"
    assert client_address(None, "10.0.0.9", hops=1) == "10.0.0.9"
    assert client_address(" , ", None, hops=1) == "unknown"


def test_delays_double_from_the_fifth_failure_up_to_the_cap() -> None:
    assert [POLICY.delay_ms(n) for n in (1, 4, 5, 6, 7, 9)] == [0, 0, 1_000, 2_000, 4_000, 16_000]
    assert POLICY.delay_ms(14) == 300_000 and POLICY.delay_ms(10**6) == 300_000


def test_a_clean_client_is_never_gated() -> None:
    # The account is under attack (its delay running, another client locked)...
    record = LoginRecord(failures=20, last_failure_ms=NOW, locked_until_ms=NOW + 900_000)
    # ...yet this client failed nothing: its password is checked.
    assert POLICY.gate(record, NOW + 1) is None


def test_a_client_that_failed_waits_out_the_account_delay() -> None:
    record = LoginRecord(failures=6, last_failure_ms=NOW, client_failures=1)
    refusal = POLICY.gate(record, NOW + 500)
    assert refusal is not None and refusal.kind == "throttled"
    assert refusal.retry_after_ms == 1_500 and refusal.retry_after_seconds == 2
    assert POLICY.gate(record, NOW + 2_000) is None


def test_a_locked_client_is_refused_before_its_password_is_checked() -> None:
    record = LoginRecord(failures=5, client_failures=5, client_locked_until_ms=NOW + 900_000)
    refusal = POLICY.gate(record, NOW)
    assert refusal is not None and refusal.kind == "locked"
    assert refusal.retry_after_seconds == 900


def test_what_the_admin_sees() -> None:
    assert login_state(POLICY, None, NOW) is None
    record = LoginRecord(failures=5, last_failure_ms=NOW, locked_until_ms=NOW + 900_000)
    state = login_state(POLICY, record, NOW)
    assert state is not None and state.failures == 5
    assert state.locked_until is not None
    assert state.locked_until.timestamp() * 1000 == NOW + 900_000
    quiet = login_state(POLICY, LoginRecord(failures=2, last_failure_ms=NOW), NOW + 1)
    assert quiet is not None and quiet.locked_until is None


def test_the_admins_are_told_from_the_lockout_on() -> None:
    assert not POLICY.alarming(LoginRecord(failures=4, client_failures=4), NOW)
    assert POLICY.alarming(LoginRecord(failures=5), NOW)


def test_the_grace_pair_opens_only_with_the_token_that_sealed_it() -> None:
    pair = TokenPair("access.jwt", "heping.next", 900)
    sealed = seal_pair("the-old-secret", pair)
    assert "access.jwt" not in sealed and "next" not in sealed
    assert open_pair("the-old-secret", sealed) == pair
    with pytest.raises(InvalidTag):
        open_pair("another-secret", sealed)


@pytest.mark.parametrize(
    ("name", "unsafe"),
    [("李明", False), ("阿依古丽-买买提", False), ("=1+1", True), ("@A1", True), ("李\n明", True)],
)
def test_unsafe_names(name: str, unsafe: bool) -> None:
    assert unsafe_name(name) is unsafe


def test_a_login_names_its_district_by_id_or_chinese_name() -> None:
    from xbt_identity.accounts.domain import tenant_named
    from xbt_shared.tenancy import TENANT_NAMES, Tenant

    for tenant_id, name in TENANT_NAMES.items():
        assert tenant_named(tenant_id) == Tenant(tenant_id)
        assert tenant_named(name) == Tenant(tenant_id)
    assert tenant_named("和平") == Tenant("heping")
    assert tenant_named("滨海") == tenant_named("滨海新区") == Tenant("binhai")
    assert tenant_named("天津") == Tenant("city")
    assert tenant_named(" HePing ") == Tenant("heping")
    assert tenant_named("和平区 ") == Tenant("heping")
    assert tenant_named("ｈｅｐｉｎｇ") == Tenant("heping")  # full-width letters
    for unknown in ("", "和平县", "atlantis", "区", "新区", "市", "和", "heping.", "河"):
        assert tenant_named(unknown) is None, unknown
