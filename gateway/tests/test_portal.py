"""The portal's files as the gateway serves them: caching, compression, the app's pages,
its CSP, and nothing outside the built folder."""

from __future__ import annotations

import gzip
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from xbt_gateway.portal import CSP, IMMUTABLE, REVALIDATE, Portal
from xbt_shared.app import HeadAsGet
from xbt_shared.errors import install_problem_handlers

SCRIPT = b"console.log('\xe5\xad\xa6\xe4\xb8\x8d\xe5\x81\x9c');" * 200


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>学不停</title>", encoding="utf-8")
    (tmp_path / "assets" / "index-3f9a1c.js").write_bytes(SCRIPT)
    (tmp_path / "sw.js").write_text("self.addEventListener('fetch', () => {})")
    (tmp_path / "manifest.webmanifest").write_text('{"name": "学不停"}', encoding="utf-8")
    return tmp_path


def client(root: Path) -> httpx.AsyncClient:
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(HeadAsGet)  # as every app of the suite (xbt_shared.app.build_app)
    app.include_router(Portal(root).router())
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://portal")


async def test_index_is_revalidated_and_carries_the_portal_csp(dist: Path) -> None:
    async with client(dist) as http:
        page = await http.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "学不停" in page.text
    assert page.headers["cache-control"] == REVALIDATE
    assert page.headers["content-security-policy"] == CSP
    assert "'unsafe-inline'" not in CSP and "'unsafe-eval'" not in CSP


async def test_a_page_of_the_app_is_the_index(dist: Path) -> None:
    async with client(dist) as http:
        index = await http.get("/")
        page = await http.get("/tasks/t-1", params={"tab": "items"})
    assert page.status_code == 200
    assert page.content == index.content


async def test_hashed_assets_are_cached_for_a_year_and_sent_compressed(dist: Path) -> None:
    async with client(dist) as http:
        plain = await http.get("/assets/index-3f9a1c.js", headers={"Accept-Encoding": "identity"})
        packed = await http.get("/assets/index-3f9a1c.js", headers={"Accept-Encoding": "gzip"})
    assert plain.status_code == packed.status_code == 200
    assert plain.headers["cache-control"] == IMMUTABLE
    assert plain.headers["content-type"].startswith("application/javascript")
    assert "content-encoding" not in plain.headers
    assert plain.content == SCRIPT
    assert packed.headers["content-encoding"] == "gzip"
    # httpx inflates it: the same bytes, far fewer on the wire
    assert packed.content == SCRIPT
    assert int(packed.headers["content-length"]) < len(SCRIPT) / 10


async def test_a_known_copy_is_not_sent_again(dist: Path) -> None:
    async with client(dist) as http:
        first = await http.get("/sw.js")
        again = await http.get("/sw.js", headers={"If-None-Match": first.headers["etag"]})
    assert first.headers["cache-control"] == REVALIDATE
    assert again.status_code == 304
    assert again.content == b""


async def test_head_answers_like_get_without_a_body(dist: Path) -> None:
    async with client(dist) as http:
        head = await http.head("/assets/index-3f9a1c.js")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["cache-control"] == IMMUTABLE


@pytest.mark.parametrize(
    "path", ["/assets/index-000000.js", "/favicon.png", "/api/nothing/here", "/metrics"]
)
async def test_a_missing_file_is_a_problem_not_the_app(dist: Path, path: str) -> None:
    async with client(dist) as http:
        missing = await http.get(path)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert "门户中没有文件" in missing.json()["detail"]


@pytest.mark.parametrize(
    "path", ["/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/assets/..%2F..%2Fpyproject.toml"]
)
async def test_nothing_outside_the_built_folder_is_served(dist: Path, path: str) -> None:
    (dist.parent / "pyproject.toml").write_text("secret = true")
    async with client(dist) as http:
        answer = await http.get(path)
    assert b"secret" not in answer.content and b"root:" not in answer.content
    assert answer.status_code in (200, 404)  # the app's page, or nothing


async def test_an_unbuilt_portal_says_how_to_build_it(tmp_path: Path) -> None:
    async with client(tmp_path / "dist") as http:
        page = await http.get("/")
    assert page.status_code == 503
    assert "make run" in page.text
    assert page.headers["cache-control"] == "no-store"


def test_gzip_copies_inflate_to_the_file(dist: Path) -> None:
    asset = Portal(dist).assets["/assets/index-3f9a1c.js"]
    assert asset.gzipped is not None
    assert gzip.decompress(asset.gzipped) == SCRIPT
