"""Media rules: byte ranges, signed links, ETags, the media id in a resource's URL."""

from __future__ import annotations

import pytest

from xbt_catalog.media.domain import (
    LINK_GRID_SECONDS,
    ByteRange,
    Link,
    LinkRefused,
    RangeNotSatisfiable,
    byte_range,
    etag_matches,
    link_expiring,
    media_id_in,
    media_id_of,
    verified_link,
)

KEY = b"k1"
MID = media_id_of(b"hello")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-0", ByteRange(0, 0, 100)),
        ("bytes=10-19", ByteRange(10, 19, 100)),
        ("bytes=90-", ByteRange(90, 99, 100)),
        ("bytes=-10", ByteRange(90, 99, 100)),
        ("bytes=-500", ByteRange(0, 99, 100)),
        ("bytes=50-1000", ByteRange(50, 99, 100)),
        ("bytes= 5 - 6", ByteRange(5, 6, 100)),
        ("items=0-5", None),
    ],
)
def test_ranges(header: str | None, expected: ByteRange | None) -> None:
    assert byte_range(header, 100) == expected


@pytest.mark.parametrize(
    "header",
    [
        "bytes=100-",
        "bytes=100-200",
        "bytes=9-3",
        "bytes=-",
        "bytes=-0",
        "bytes=a-b",
        "bytes=0-1,3-4",
        "bytes",
    ],
)
def test_unsatisfiable_ranges(header: str) -> None:
    with pytest.raises(RangeNotSatisfiable):
        byte_range(header, 100)


def test_content_range() -> None:
    part = ByteRange(10, 19, 100)
    assert part.length == 10 and part.content_range == "bytes 10-19/100"


def test_etags() -> None:
    assert etag_matches(f'"{MID}"', MID)
    assert etag_matches(f'W/"{MID}", "x"', MID)
    assert etag_matches("*", MID)
    assert not etag_matches('"other"', MID) and not etag_matches(None, MID)


def test_links_expire_on_a_grid_and_verify() -> None:
    link = link_expiring(MID, "heping", now=1_000_000.0, lifetime=3600)
    assert link.expires % LINK_GRID_SECONDS == 0 and link.expires >= 1_000_000 + 3600
    # the same reader a minute later gets the same link (the browser's copy is reused)
    assert link_expiring(MID, "heping", now=1_000_060.0, lifetime=3600) == link
    signature = link.signature(KEY)
    ok = verified_link(
        MID, owner="heping", expires=link.expires, signature=signature, keys=(KEY,), now=1e6
    )
    assert ok == link
    # a replaced key still accepts what the previous one signed
    assert verified_link(
        MID, owner="heping", expires=link.expires, signature=signature, keys=(b"new", KEY), now=1e6
    )
    assert link.path(KEY, prefix="/api/catalog").startswith(f"/api/catalog/v1/media/{MID}?owner=")


@pytest.mark.parametrize(
    ("owner", "media_id", "key", "expired"),
    [
        ("hexi", MID, KEY, False),
        ("heping", media_id_of(b"other"), KEY, False),
        ("heping", MID, b"wrong key", False),
    ],
)
def test_altered_links_are_refused(owner: str, media_id: str, key: bytes, expired: bool) -> None:
    signed = Link(MID, "heping", 2_000_000).signature(KEY)
    with pytest.raises(LinkRefused) as refused:
        verified_link(
            media_id, owner=owner, expires=2_000_000, signature=signed, keys=(key,), now=1e6
        )
    assert refused.value.expired is expired


def test_expired_and_missing_links_are_refused() -> None:
    link = Link(MID, "city", 1_000)
    with pytest.raises(LinkRefused) as refused:
        verified_link(
            MID, owner="city", expires=1_000, signature=link.signature(KEY), keys=(KEY,), now=1_000
        )
    assert refused.value.expired
    with pytest.raises(LinkRefused):
        verified_link(MID, owner=None, expires=None, signature=None, keys=(KEY,), now=0)


def test_media_id_in_a_resource_url() -> None:
    assert media_id_in(f"http://127.0.0.1:8000/api/catalog/v1/media/{MID}") == MID
    assert media_id_in(f"/api/catalog/v1/media/{MID}?owner=city") == MID
    assert media_id_in("https://media.xuebuting.example/resources/res-00001.mp4") is None
    assert media_id_in(None) is None
