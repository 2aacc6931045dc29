"""Media rules without I/O: content-addressed ids, what a format is served as, byte ranges
(RFC 9110 §14), and the signed links a browser's `<video src>` or `<a href>` can follow
without a bearer token.

A media file is immutable: its id is the SHA-256 of its bytes (the first 128 bits, hex), so
the same recording stored twice is one file, and its id is its strong ETag. Who may read it
is decided when a link is made (the reader may see the resource that holds it); the link
names the file, the tenant whose database holds it and an expiry, and is signed with HMAC.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

MEDIA_ID = re.compile(r"[0-9a-f]{32}")
MEDIA_ID_PATTERN = "^[0-9a-f]{32}$"

# What each stored format is served as.
CONTENT_TYPES: dict[str, str] = {
    "mp4": "video/mp4",
    "mp3": "audio/mpeg",
    "pdf": "application/pdf",
    "h5": "text/html; charset=utf-8",
    "jpg": "image/jpeg",
    "png": "image/png",
}
# HTML is served sandboxed: it runs in an origin of its own, never the portal's (where the
# signed-in reader's tokens live), and loads nothing from anywhere.
HTML_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"

# Links expire on a grid, so the same reader opening the same lesson again within a few
# minutes gets the same URL, and the browser's copy of the file is reused.
LINK_GRID_SECONDS = 900


def media_id_of(data: bytes) -> str:
    """The content address of a file: its SHA-256, first 128 bits, hex."""
    return hashlib.sha256(data).hexdigest()[:32]


def etag_of(media_id: str) -> str:
    return f'"{media_id}"'


def etag_matches(if_none_match: str | None, media_id: str) -> bool:
    """Whether `If-None-Match` names this file (weak comparison, `*` included)."""
    if not if_none_match:
        return False
    wanted = etag_of(media_id)
    for tag in if_none_match.split(","):
        tag = tag.strip()
        if tag == "*" or tag.removeprefix("W/") == wanted:
            return True
    return False


# byte ranges ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ByteRange:
    """Bytes `start` to `end` inclusive, of a file of `size` bytes."""

    start: int
    end: int
    size: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    @property
    def content_range(self) -> str:
        return f"bytes {self.start}-{self.end}/{self.size}"


class RangeNotSatisfiable(ValueError):
    """The `Range` header cannot be served for this file (answered 416)."""


_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def byte_range(header: str | None, size: int) -> ByteRange | None:
    """The one range a `Range` header asks for, or None for the whole file.

    `bytes=a-b`, `bytes=a-` and `bytes=-n` (the last n bytes) are served; an end past the
    file is cut to it. Other units are ignored (the whole file, as RFC 9110 allows). A range
    that starts past the end, one that ends before it starts, several ranges at once or a
    header that cannot be read raise `RangeNotSatisfiable`."""
    if header is None:
        return None
    header = header.strip()
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes":
        return None
    found = _RANGE.fullmatch("bytes=" + spec.replace(" ", ""))
    if found is None:
        raise RangeNotSatisfiable(f"cannot serve the range {header!r}")
    first, last = found.groups()
    if not first and not last:
        raise RangeNotSatisfiable(f"cannot serve the range {header!r}")
    if not first:
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable("an empty suffix range")
        return ByteRange(max(0, size - suffix), size - 1, size)
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size or end < start:
        raise RangeNotSatisfiable(f"bytes {start}-{last} of a file of {size} bytes")
    return ByteRange(start, min(end, size - 1), size)


# signed links -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Link:
    """A signed link to one file in one tenant's database, valid until `expires`."""

    media_id: str
    owner: str
    expires: int  # Unix seconds

    def signature(self, key: bytes) -> str:
        message = f"xbt-media-v1\n{self.media_id}\n{self.owner}\n{self.expires}".encode()
        digest = hmac.new(key, message, hashlib.sha256).digest()[:18]
        return base64.urlsafe_b64encode(digest).decode()

    def query(self, key: bytes) -> str:
        return urlencode(
            {"owner": self.owner, "expires": self.expires, "signature": self.signature(key)}
        )

    def path(self, key: bytes, *, prefix: str = "") -> str:
        return f"{prefix}/v1/media/{self.media_id}?{self.query(key)}"

    @property
    def expires_at(self) -> datetime:
        return datetime.fromtimestamp(self.expires, UTC)

    def max_age(self, now: float) -> int:
        return max(0, self.expires - math.floor(now))


def link_expiring(media_id: str, owner: str, *, now: float, lifetime: int) -> Link:
    """A link for `lifetime` seconds at least, its expiry rounded up to the grid."""
    expires = math.ceil((now + lifetime) / LINK_GRID_SECONDS) * LINK_GRID_SECONDS
    return Link(media_id=media_id, owner=owner, expires=int(expires))


class LinkRefused(ValueError):
    """A media request whose link is missing, forged or altered (`expired` is False) or
    out of date (True)."""

    def __init__(self, why: str, *, expired: bool = False) -> None:
        super().__init__(why)
        self.expired = expired


def verified_link(
    media_id: str,
    *,
    owner: str | None,
    expires: int | None,
    signature: str | None,
    keys: tuple[bytes, ...],
    now: float,
) -> Link:
    """The link a request follows, if one of `keys` signed it and it has not expired (the
    first key signs; the others are still accepted, so a key can be replaced without
    breaking links already handed out)."""
    if owner is None or expires is None or signature is None:
        raise LinkRefused("a media file is read through a signed link")
    link = Link(media_id=media_id, owner=owner, expires=expires)
    if not any(hmac.compare_digest(link.signature(key), signature) for key in keys):
        raise LinkRefused("the link's signature does not match it")
    if expires <= now:
        raise LinkRefused("the link has expired", expired=True)
    return link


# media in a resource ----------------------------------------------------------------------------


def media_id_in(url: Any) -> str | None:
    """The id of the stored file a resource's `media.url` names (`.../v1/media/<id>`)."""
    if not isinstance(url, str):
        return None
    path = url.split("?", 1)[0].rstrip("/")
    tail = path.rsplit("/", 2)
    if len(tail) == 3 and tail[1] == "media" and MEDIA_ID.fullmatch(tail[2]):
        return tail[2]
    return None
