"""Media through the API: the signed link a reader gets for a resource's file, and the file
behind it — whole, by byte range (206 / 416), revalidated (304), HEAD — with the resource's
visibility deciding who gets a link, and seeding storing each file once."""

from __future__ import annotations

import io
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import av
import httpx
import pytest
from fastapi import FastAPI

from xbt_catalog.courses.store import CourseStore
from xbt_catalog.media.domain import media_id_of
from xbt_catalog.media.service import MediaLibrary
from xbt_catalog.media.store import CHUNK_BYTES, MediaStore
from xbt_catalog.resources.service import Resources
from xbt_catalog.resources.store import ResourceStore
from xbt_catalog.seed.common import MEDIA_BASE
from xbt_catalog.seed.media import Renderer, seed_media
from xbt_shared.mongo import Doc
from xbt_shared.tenancy import Tenant
from xbt_shared.testing import TokenFactory

from ...conftest import TEXTBOOK, pupil, resource
from ..courses.test_courses import course

# One renderer for the whole run: each template's file is made once, then reused.
RENDERER = Renderer(cache_dir=None)


def demo(rid: str, fmt: str = "mp4", **kw: Any) -> Doc:
    doc = resource(rid, f"《测试》{rid}", **kw)
    suffix = "/index.html" if fmt == "h5" else f".{fmt}"
    doc["media"] = {
        "url": f"{MEDIA_BASE}/resources/{rid}{suffix}",
        "duration_s": 2400 if fmt == "mp4" else None,
        "size_bytes": 1,
        "format": fmt,
    }
    return doc


DEMO = [
    demo("m-city-1", tags=["一师一优课"]),
    demo("m-city-2", tags=["一师一优课"]),
    demo("m-city-ex", "pdf", kind="exercise"),
    demo("m-city-h5", "h5", kind="courseware"),
    demo("m-hp-1", level="district", tenant="heping", tags=["区级优课"]),
    demo("m-hp-draft", level="district", tenant="heping", status="draft"),
]


@pytest.fixture
async def seeded(catalog: Resources) -> AsyncIterator[dict[str, int]]:
    for tenant in ("city", "heping"):
        docs = [dict(d) for d in DEMO if d["provider"]["tenant"] == tenant]
        await ResourceStore(catalog.mongo.for_tenant(Tenant(tenant))).insert_resources(docs)
    yield await seed_media(catalog.mongo, renderer=RENDERER, tenants=("city", "heping"))


def library(app: FastAPI) -> MediaLibrary:
    media: MediaLibrary = app.state.media
    return media


async def link(client: httpx.AsyncClient, rid: str, headers: dict[str, str]) -> Doc:
    resp = await client.get(f"/v1/resources/{rid}/media-link", headers=headers)
    assert resp.status_code == 200, resp.text
    assert resp.headers["cache-control"] == "private, no-store"
    body: Doc = resp.json()
    return body


async def stored_bytes(catalog: Resources, tenant: str, media_id: str) -> bytes:
    store = MediaStore(catalog.mongo.for_tenant(Tenant(tenant)))
    found = await store.file(media_id)
    assert found is not None
    return b"".join([part async for part in store.read(media_id, start=0, length=found.size)])


async def test_seeding_twice_stores_one_copy(
    seeded: dict[str, int], catalog: Resources, catalog_app: FastAPI
) -> None:
    # city: one lesson video for both recordings, one PDF, one page; heping: the district
    # recording's video and the (untagged) draft's lesson video.
    assert seeded == {
        "media files": 5,
        "resources with media": 6,
        "textbooks with media": 0,
        "courses with media": 0,
    }
    again = await seed_media(catalog.mongo, renderer=RENDERER, tenants=("city", "heping"))
    assert not any(again.values())
    city = catalog.mongo.for_tenant(Tenant("city"))
    assert await MediaStore(city).count() == 3
    assert await MediaStore(catalog.mongo.for_tenant(Tenant("heping"))).count() == 2
    one, two = [await ResourceStore(city).resource(r) for r in ("m-city-1", "m-city-2")]
    assert one is not None and two is not None
    assert one.details["media"] == two.details["media"]
    media = one.details["media"]
    settings = library(catalog_app).settings
    assert media["url"].startswith(settings.public_url + "/api/catalog/v1/media/")
    assert media["format"] == "mp4" and media["duration_s"] == 12
    assert 10_000 < media["size_bytes"] < 1_000_000
    # the resource view names the route, not a host that does not exist
    assert not media["url"].startswith(MEDIA_BASE)


async def test_a_reader_plays_the_video_through_its_link(
    seeded: dict[str, int], client: httpx.AsyncClient, tokens: TokenFactory, catalog: Resources
) -> None:
    got = await link(client, "m-city-1", pupil(tokens))
    assert got["url"].startswith(f"/v1/media/{got['media_id']}?")
    assert got["content_type"] == "video/mp4" and got["duration_s"] == 12
    # the browser sends no token
    resp = await client.get(got["url"])
    assert resp.status_code == 200, resp.text
    data = resp.content
    assert resp.headers["content-type"] == "video/mp4"
    assert resp.headers["content-length"] == str(len(data)) == str(got["size_bytes"])
    assert resp.headers["accept-ranges"] == "bytes"
    assert resp.headers["etag"] == f'"{got["media_id"]}"'
    assert "immutable" in resp.headers["cache-control"]
    assert media_id_of(data) == got["media_id"]
    assert data == await stored_bytes(catalog, "city", got["media_id"])
    # a real MP4: H.264 and AAC, 12 s, its index before the media data (faststart)
    with av.open(io.BytesIO(data)) as container:
        assert container.duration is not None and 11.5 < container.duration / 1e6 < 12.5
        assert sorted(s.codec_context.name for s in container.streams) == ["aac", "h264"]
    assert 0 <= data.find(b"moov") < data.find(b"mdat")


async def test_ranges_are_answered_exactly(
    seeded: dict[str, int], client: httpx.AsyncClient, tokens: TokenFactory, catalog: Resources
) -> None:
    got = await link(client, "m-city-1", pupil(tokens))
    data = await stored_bytes(catalog, "city", got["media_id"])
    size = len(data)
    for asked, start, end in (
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, size - 1),
        ("bytes=-50", size - 50, size - 1),
        (f"bytes=10-{size + 500}", 10, size - 1),
        ("bytes=7-7", 7, 7),
    ):
        resp = await client.get(got["url"], headers={"Range": asked})
        assert resp.status_code == 206, asked
        assert resp.content == data[start : end + 1], asked
        assert resp.headers["content-range"] == f"bytes {start}-{end}/{size}"
        assert resp.headers["content-length"] == str(end - start + 1)
    # another unit than bytes is ignored: the whole file
    resp = await client.get(got["url"], headers={"Range": "items=0-1"})
    assert resp.status_code == 200 and resp.content == data
    # If-Range naming another version: the whole file
    resp = await client.get(got["url"], headers={"Range": "bytes=0-9", "If-Range": '"other"'})
    assert resp.status_code == 200 and len(resp.content) == size


async def test_unsatisfiable_ranges_are_416(
    seeded: dict[str, int], client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    got = await link(client, "m-city-1", pupil(tokens))
    size = got["size_bytes"]
    for asked in (f"bytes={size}-", "bytes=50-10", "bytes=0-1,5-6", "bytes=abc", "bytes=-0"):
        resp = await client.get(got["url"], headers={"Range": asked})
        assert resp.status_code == 416, asked
        assert resp.headers["content-type"].startswith("application/problem+json")
        assert resp.headers["content-range"] == f"bytes */{size}"
        assert resp.json()["type"] == "/problems/range-not-satisfiable"


async def test_ranges_across_gridfs_chunks(
    catalog_app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory, catalog: Resources
) -> None:
    """A file of several chunks: a range starting in one chunk and ending in another."""
    data = os.urandom(CHUNK_BYTES * 2 + 1234)
    media_id = media_id_of(data)
    store = MediaStore(catalog.mongo.for_tenant(Tenant("city")))
    meta = {"content_type": "video/mp4", "format": "mp4", "duration_s": 1}
    assert await store.put(media_id, data, filename="big.mp4", metadata=meta)
    doc = resource("m-big", "大文件")
    doc["media"] = {
        "url": library(catalog_app).settings.media_url(media_id),
        "duration_s": 1,
        "size_bytes": len(data),
        "format": "mp4",
    }
    await ResourceStore(catalog.mongo.for_tenant(Tenant("city"))).insert_resources([doc])
    got = await link(client, "m-big", pupil(tokens))
    start, end = CHUNK_BYTES - 10, 2 * CHUNK_BYTES + 5
    resp = await client.get(got["url"], headers={"Range": f"bytes={start}-{end}"})
    assert resp.status_code == 206
    assert resp.content == data[start : end + 1]
    whole = await client.get(got["url"])
    assert whole.content == data


async def test_if_none_match_and_head(
    seeded: dict[str, int], client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    got = await link(client, "m-city-1", pupil(tokens))
    etag = f'"{got["media_id"]}"'
    resp = await client.get(got["url"], headers={"If-None-Match": etag})
    assert resp.status_code == 304 and resp.content == b""
    assert resp.headers["etag"] == etag
    resp = await client.get(got["url"], headers={"If-None-Match": '"something-else"'})
    assert resp.status_code == 200
    head = await client.head(got["url"])
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(got["size_bytes"])
    assert head.headers["content-type"] == "video/mp4"
    assert head.headers["accept-ranges"] == "bytes" and head.headers["etag"] == etag
    head = await client.head(got["url"], headers={"Range": "bytes=0-9"})
    assert head.status_code == 206 and head.headers["content-length"] == "10"


async def test_another_district_gets_no_link_and_links_cannot_be_altered(
    seeded: dict[str, int], client: httpx.AsyncClient, tokens: TokenFactory, catalog_app: FastAPI
) -> None:
    heping = pupil(tokens)
    hexi = pupil(tokens, tenant="hexi", school=None)
    got = await link(client, "m-hp-1", heping)
    assert parse_qs(urlsplit(got["url"]).query)["owner"] == ["heping"]
    # a reader of another district cannot see the resource, so gets no link to its file
    resp = await client.get("/v1/resources/m-hp-1/media-link", headers=hexi)
    assert resp.status_code == 404
    # nor a draft, nor a resource without a kept file
    assert (
        await client.get("/v1/resources/m-hp-draft/media-link", headers=heping)
    ).status_code == 404
    # city content is everyone's
    assert (await client.get("/v1/resources/m-city-1/media-link", headers=hexi)).status_code == 200
    # the link names its database: pointing it at another one breaks the signature
    path, query = got["url"].split("?")
    params = parse_qs(query)
    for changed in (
        {**params, "owner": ["hexi"]},
        {**params, "owner": ["city"]},
        {**params, "expires": [str(int(params["expires"][0]) + 900)]},
        {**params, "signature": ["A" * 24]},
        {k: v for k, v in params.items() if k != "signature"},
    ):
        resp = await client.get(path, params={k: v[0] for k, v in changed.items()})
        assert resp.status_code == 403, changed
        assert resp.json()["type"] == "/problems/media-link-invalid"
    assert (await client.get(path)).status_code == 403
    # with a bearer token but no link: still no file
    assert (await client.get(path, headers=heping)).status_code == 403
    # the same file id in another district's database is not there
    media = library(catalog_app)
    assert await media.store("hexi").file(got["media_id"]) is None


async def test_an_expired_link_is_refused(
    seeded: dict[str, int], client: httpx.AsyncClient, tokens: TokenFactory, catalog_app: FastAPI
) -> None:
    got = await link(client, "m-city-1", pupil(tokens))
    media = library(catalog_app)
    real = media.clock
    media.clock = lambda: real() + media.settings.link_seconds + 3600
    try:
        resp = await client.get(got["url"])
    finally:
        media.clock = real
    assert resp.status_code == 403
    assert resp.json()["type"] == "/problems/media-link-expired"


async def test_documents_are_readable(
    seeded: dict[str, int], client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    pdf = await link(client, "m-city-ex", pupil(tokens))
    resp = await client.get(pdf["url"])
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/pdf" and pdf["format"] == "pdf"
    assert resp.content.startswith(b"%PDF-")
    page = await link(client, "m-city-h5", pupil(tokens))
    resp = await client.get(page["url"])
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "text/html; charset=utf-8"
    # served sandboxed: the page cannot reach the portal's origin or load anything
    assert resp.headers["content-security-policy"].startswith("sandbox;")
    assert "<script" not in resp.text and "互动课件" in resp.text


async def test_guests_need_a_guest_marked_resource(
    seeded: dict[str, int], client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    guest = tokens.headers(tenant="heping", roles=["guest"])
    assert (await client.get("/v1/resources/m-city-1/media-link", headers=guest)).status_code == 404


def test_the_renderer_caches_on_disk(tmp_path: Path) -> None:
    from xbt_catalog.seed.media import TEMPLATES

    template = TEMPLATES["html.exercise"]
    first = Renderer(cache_dir=tmp_path)
    made = first.file(template)
    assert (tmp_path / first.source(template)).read_bytes() == made.data
    again = Renderer(cache_dir=tmp_path)
    assert again.file(template) == made and again.seconds == 0.0


def placeholder_course(cid: str, **kw: Any) -> Doc:
    doc = course(cid, f"课程 {cid}", durations=(600, 700), **kw)
    doc["cover_url"] = f"{MEDIA_BASE}/courses/{cid}/cover.jpg"
    for lesson in doc["lessons"]:
        lesson["media"]["url"] = f"{MEDIA_BASE}/courses/{cid}/{lesson['index']:03d}.mp4"
    return doc


@pytest.fixture
async def books_and_courses(catalog: Resources) -> dict[str, int]:
    city = catalog.mongo.for_tenant(Tenant("city"))
    book = {
        **TEXTBOOK,
        "read_url": f"{MEDIA_BASE}/textbooks/{TEXTBOOK['_id']}/reader",
        "download_url": f"{MEDIA_BASE}/textbooks/{TEXTBOOK['_id']}.pdf",
        "cover_url": f"{MEDIA_BASE}/textbooks/{TEXTBOOK['_id']}/cover.jpg",
    }
    await ResourceStore(city).insert_textbooks([book])
    await CourseStore(city).insert_courses([placeholder_course("c-city")])
    heping = catalog.mongo.for_tenant(Tenant("heping"))
    await CourseStore(heping).insert_courses(
        [placeholder_course("c-hp", level="district", tenant="heping")]
    )
    return await seed_media(catalog.mongo, renderer=RENDERER, tenants=("city", "heping"))


async def test_textbooks_and_courses_get_their_files(
    books_and_courses: dict[str, int],
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    catalog: Resources,
) -> None:
    assert books_and_courses["textbooks with media"] == 1
    assert books_and_courses["courses with media"] == 2
    reader = pupil(tokens)
    book = (await client.get(f"/v1/textbooks/{TEXTBOOK['_id']}", headers=reader)).json()
    for field in ("read_url", "download_url", "cover_url"):
        assert "/api/catalog/v1/media/" in book[field] and MEDIA_BASE not in book[field]
    # the reading page is the book's own table of contents
    page = (await client.get(f"/v1/textbooks/{TEXTBOOK['_id']}/media-link", headers=reader)).json()
    resp = await client.get(page["url"])
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/html")
    assert "第八章 二元一次方程组" in resp.text and "8.2 消元——解二元一次方程组" in resp.text
    pdf = await client.get(
        f"/v1/textbooks/{TEXTBOOK['_id']}/media-link", params={"part": "download"}, headers=reader
    )
    assert (await client.get(pdf.json()["url"])).content.startswith(b"%PDF-")
    # a cover is public: an <img src> reads it as named, without a link
    cover = await client.get(book["cover_url"].removeprefix("http://127.0.0.1:8000/api/catalog"))
    assert cover.status_code == 200 and cover.headers["content-type"] == "image/jpeg"
    assert cover.headers["cache-control"] == "public, max-age=31536000, immutable"
    # every lesson of a course plays the course video
    lesson = await client.get("/v1/courses/c-city/lessons/c-city.l1/media-link", headers=reader)
    assert lesson.status_code == 200, lesson.text
    video = await client.get(lesson.json()["url"], headers={"Range": "bytes=0-3"})
    assert video.status_code == 206 and len(video.content) == 4
    # a district's course is its district's only
    hexi = pupil(tokens, tenant="hexi", school=None)
    lost = await client.get("/v1/courses/c-hp/lessons/c-hp.l1/media-link", headers=hexi)
    assert lost.status_code == 404
    found = await client.get("/v1/courses/c-hp/lessons/c-hp.l1/media-link", headers=reader)
    assert found.status_code == 200
    assert (
        await client.get("/v1/courses/c-city/lessons/nope/media-link", headers=reader)
    ).status_code == 404
    # a file that is not public needs its link even with the owner named
    video_id = lesson.json()["media_id"]
    assert (await client.get(f"/v1/media/{video_id}", params={"owner": "city"})).status_code == 403
