"""Times people give and times identity answers: Beijing time unless an offset says else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from xbt_identity.accounts.domain import BEIJING, GuestWindow, as_utc, in_beijing
from xbt_identity.accounts.schemas import GuestAccessRequest


def test_a_naive_time_is_beijing_time_and_kept_in_utc() -> None:
    assert as_utc(datetime(2026, 3, 9, 15, 0)) == datetime(2026, 3, 9, 7, 0, tzinfo=UTC)
    assert as_utc(datetime(2026, 3, 9, 7, 0, tzinfo=UTC)).tzinfo is UTC
    plus_two = timezone(timedelta(hours=2))
    assert as_utc(datetime(2026, 3, 9, 9, 0, tzinfo=plus_two)) == datetime(
        2026, 3, 9, 7, 0, tzinfo=UTC
    )


def test_answers_carry_the_beijing_offset() -> None:
    shown = in_beijing(datetime(2026, 3, 9, 7, 0, tzinfo=UTC))
    assert shown is not None and shown.isoformat() == "2026-03-09T15:00:00+08:00"
    assert in_beijing(None) is None
    stored_naive = in_beijing(datetime(2026, 3, 9, 7, 0))  # a store's naive UTC
    assert stored_naive is not None and stored_naive.isoformat() == "2026-03-09T15:00:00+08:00"


def test_the_guest_request_reads_naive_times_as_beijing_time() -> None:
    body = GuestAccessRequest.model_validate(
        {"enabled": True, "valid_from": "2026-03-09 15:00", "valid_until": "2026-03-10"}
    )
    assert body.valid_from == datetime(2026, 3, 9, 7, 0, tzinfo=UTC)
    assert body.valid_until == datetime(2026, 3, 9, 16, 0, tzinfo=UTC)  # midnight in Beijing
    with pytest.raises(ValidationError):
        GuestAccessRequest.model_validate({"enabled": True, "valid_until": "1999-12-31T23:00"})


def test_an_open_window_says_until_when() -> None:
    start = datetime(2026, 3, 9, 0, 0, tzinfo=UTC)
    window = GuestWindow(enabled=True, valid_from=start, valid_until=start + timedelta(hours=8))
    assert window.open_until(start - timedelta(seconds=1)) is None
    assert window.open_until(start) == start + timedelta(hours=8)
    assert window.open_until(start + timedelta(hours=8)) is None  # closed at its end
    closed = GuestWindow(enabled=False, valid_until=start + timedelta(hours=8))
    assert closed.open_until(start) is None
    assert BEIJING.utcoffset(None) == timedelta(hours=8)
