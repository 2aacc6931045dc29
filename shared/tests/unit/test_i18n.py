"""Problems a person can read: Chinese for a reader who prefers it, the public `instance`."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Annotated

import httpx
import pytest
from fastapi import FastAPI, Query
from pydantic import BaseModel, Field

from xbt_shared import errors
from xbt_shared.errors import (
    Conflict,
    NotFound,
    Problem,
    install_problem_handlers,
    invalid,
    problem_body,
)
from xbt_shared.i18n import EN, ZH, catalogue, field_message, negotiate

ROOT = Path(__file__).resolve().parents[3]
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Functions taking (status, slug, ...) positionally.
SLUG_CALLS = {"problem_response", "problem_body", "_answer_and_close"}


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        (None, EN),
        ("", EN),
        ("zh", ZH),
        ("zh-CN", ZH),
        ("zh-Hans-CN,zh;q=0.9", ZH),
        ("ZH-hans", ZH),
        ("en-US,en;q=0.9", EN),
        ("en-US,en;q=0.9,zh-CN;q=0.8", EN),
        ("zh-CN,zh;q=0.9,en;q=0.8", ZH),
        ("en;q=0.5, zh-CN;q=0.8", ZH),
        ("fr-FR, de", EN),
        ("fr, zh;q=0.3", ZH),
        ("*", EN),
        ("zh;q=0", EN),
        ("zh;q=abc, en;q=0.1", EN),  # a malformed q-value: the range is left out
        ("zh;q=2", EN),
        ("en, zh", EN),  # a tie: the first listed
        ("zh, en", ZH),
        ("zh-TW", ZH),
    ],
)
def test_accept_language_is_negotiated_by_q_value(header: str | None, lang: str) -> None:
    assert negotiate(header) == lang


def _slugs(tree: ast.AST) -> set[str]:
    """Every problem slug a module names: `slug="..."` arguments, `slug = ...` and
    `status, slug, title = ...` assignments, `(status, "slug", ...)` tuples and calls,
    and `/problems/<slug>` literals."""
    found: set[str] = set()

    def text(node: ast.AST) -> str | None:
        is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
        return node.value if is_text and SLUG.fullmatch(node.value) else None  # type: ignore[attr-defined]

    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "slug":
            found.add(text(node.value) or "")
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id == "slug" and node.value:
                    found.add(text(node.value) or "")
                elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                    for name, value in zip(target.elts, node.value.elts, strict=False):
                        if isinstance(name, ast.Name) and name.id == "slug":
                            found.add(text(value) or "")
        elif isinstance(node, ast.Tuple) and len(node.elts) >= 2:
            status, slug = node.elts[0], node.elts[1]
            is_status = isinstance(status, ast.Constant) and isinstance(status.value, int)
            if is_status and 400 <= status.value <= 599:  # type: ignore[attr-defined]
                found.add(text(slug) or "")
        elif isinstance(node, ast.Call) and len(node.args) >= 2:
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in SLUG_CALLS:
                found.add(text(node.args[1]) or "")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value.startswith("/problems/")
        ):
            found.add(node.value.removeprefix("/problems/"))
    return found - {""}


def used_slugs() -> dict[str, str]:
    """slug -> the first file naming it, over services/*/src, shared/src and gateway/src."""
    files = sorted(
        path
        for pattern in ("services/*/src/**/*.py", "shared/src/**/*.py", "gateway/src/**/*.py")
        for path in ROOT.glob(pattern)
    )
    assert len(files) > 50, "the scan must see the repository's sources"
    used: dict[str, str] = {}
    for path in files:
        for slug in _slugs(ast.parse(path.read_text("utf-8"))):
            used.setdefault(slug, str(path.relative_to(ROOT)))
    for slug, _title in errors._HTTP_SLUGS.values():
        used.setdefault(slug, "shared/src/xbt_shared/errors.py")
    used.setdefault("http-error", "shared/src/xbt_shared/errors.py")
    return used


def test_every_slug_used_in_the_code_has_a_chinese_title() -> None:
    used = used_slugs()
    # the scan finds the kinds of declaration the code uses
    assert {"not-found", "task-closed", "roster-import-running", "headers-too-large"} <= set(used)
    assert {"username-taken", "internal-error", "not-ready"} <= set(used)
    book = catalogue()
    missing = {slug: where for slug, where in used.items() if slug not in book.problems}
    assert missing == {}, f"add these to xbt_shared/problems_zh.toml: {missing}"
    for slug, entry in book.problems.items():
        assert entry.title.strip() and errors.is_chinese(entry.title), slug


def test_the_field_catalogue_fills_its_limits() -> None:
    assert field_message("string_too_long", {"max_length": 64}) == "最多 64 个字符"
    assert field_message("greater_than_equal", {"ge": 1.0}) == "应不小于 1"
    assert field_message("enum", {"expected": "'a', 'b' or 'c'"}) == "应为以下之一：'a', 'b'、'c'"
    assert field_message("string_too_long", {}) == "取值无效"  # a limit missing
    assert field_message("no_such_type", None) == "取值无效"


class Thing(BaseModel):
    title: str = Field(max_length=64)
    count: int
    grade: int = Field(ge=1, le=12)


def make_app(*, forwarded_prefix: bool = True) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app, forwarded_prefix=forwarded_prefix)

    @app.get("/v1/things/{thing_id}")
    async def read(thing_id: str) -> None:
        raise NotFound(f"no thing {thing_id!r}")

    @app.get("/v1/generic")
    async def generic() -> None:
        raise NotFound()

    @app.get("/v1/told")
    async def told() -> None:
        raise Conflict("the thing changed meanwhile", zh="内容刚被改动，请刷新。", slug="stale")

    @app.get("/v1/named")
    async def named() -> None:
        raise invalid("body.code", "code taken by school x", zh="学校 x 已使用此编号")

    @app.get("/v1/uncatalogued")
    async def uncatalogued() -> None:
        raise Problem("odd", status=409, slug="not-in-the-catalogue")

    @app.post("/v1/things")
    async def create(thing: Thing, size: Annotated[int, Query(le=50)] = 10) -> None:
        return None

    return app


async def _get(
    app: FastAPI, path: str, *, method: str = "GET", json: object = None, **headers: str
) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        return await client.request(method, path, json=json, headers=headers)


async def test_english_by_default_with_language_headers() -> None:
    resp = await _get(make_app(), "/v1/things/42")
    body = resp.json()
    assert resp.status_code == 404
    assert (body["title"], body["detail"]) == ("Not found", "no thing '42'")
    assert "detail_en" not in body
    assert body["instance"] == "/v1/things/42"
    assert resp.headers["content-language"] == "en"
    assert "Accept-Language" in resp.headers["vary"]


async def test_chinese_title_and_catalogue_detail_keep_the_english_detail() -> None:
    resp = await _get(make_app(), "/v1/things/42", **{"Accept-Language": "zh-CN,zh;q=0.9"})
    body = resp.json()
    assert body["type"] == "/problems/not-found"
    assert body["title"] == "未找到"
    assert body["detail"] == catalogue().problems["not-found"].detail
    assert body["detail_en"] == "no thing '42'"
    assert resp.headers["content-language"] == "zh-CN"
    assert resp.headers["vary"] == "Accept-Language"

    generic = (await _get(make_app(), "/v1/generic", **{"Accept-Language": "zh"})).json()
    assert generic["title"] == "未找到" and "detail_en" not in generic


async def test_a_problem_may_carry_its_own_chinese_detail() -> None:
    zh = (await _get(make_app(), "/v1/told", **{"Accept-Language": "zh-Hans"})).json()
    assert (zh["title"], zh["detail"]) == ("内容已被改动", "内容刚被改动，请刷新。")
    assert zh["detail_en"] == "the thing changed meanwhile"
    en = (await _get(make_app(), "/v1/told", **{"Accept-Language": "en"})).json()
    assert en["detail"] == "the thing changed meanwhile" and "detail_en" not in en

    named = (await _get(make_app(), "/v1/named", **{"Accept-Language": "zh"})).json()
    assert named["detail"] == "学校 x 已使用此编号"
    assert named["errors"] == [
        {
            "field": "body.code",
            "code": "invalid",
            "message": "学校 x 已使用此编号",
            "message_en": "code taken by school x",
        }
    ]
    english = (await _get(make_app(), "/v1/named")).json()
    assert english["errors"] == [
        {"field": "body.code", "code": "invalid", "message": "code taken by school x"}
    ]


async def test_a_slug_without_an_entry_gets_its_status_title() -> None:
    body = (await _get(make_app(), "/v1/uncatalogued", **{"Accept-Language": "zh"})).json()
    assert body["title"] == "与当前状态冲突"
    assert (body["detail"], body["detail_en"]) == ("与当前状态冲突", "odd")


async def test_validation_errors_carry_a_code_a_location_and_a_chinese_message() -> None:
    thing = {"title": "长" * 65, "count": "many", "grade": 0}
    resp = await _get(
        make_app(),
        "/v1/things?size=99",
        method="POST",
        json=thing,
        **{"Accept-Language": "zh-CN"},
    )
    assert resp.status_code == 422
    body = resp.json()
    assert body["title"] == "提交的内容有误"
    assert body["detail"].startswith("以下字段有误：")
    assert body["detail_en"].startswith("invalid fields: ")
    errors_by_field = {e["field"]: e for e in body["errors"]}
    assert set(errors_by_field) == {"body.title", "body.count", "body.grade", "query.size"}
    title = errors_by_field["body.title"]
    assert (title["code"], title["type"]) == ("string_too_long", "string_too_long")
    assert title["loc"] == ["body", "title"]
    assert title["message"] == "最多 64 个字符"
    assert title["message_en"].startswith("String should have at most 64")
    assert "ctx" not in title
    assert errors_by_field["body.count"]["code"] == "int_parsing"
    assert errors_by_field["body.count"]["message"] == "应为整数"
    assert errors_by_field["body.grade"]["message"] == "应不小于 1"
    assert errors_by_field["query.size"]["message"] == "应不大于 50"

    missing = await _get(
        make_app(), "/v1/things", method="POST", json={}, **{"Accept-Language": "zh"}
    )
    codes = {e["field"]: (e["code"], e["message"]) for e in missing.json()["errors"]}
    assert codes["body.title"] == ("missing", "必填")

    english = await _get(make_app(), "/v1/things", method="POST", json=thing)
    error = next(e for e in english.json()["errors"] if e["field"] == "body.title")
    assert error["code"] == "string_too_long"
    assert error["message"].startswith("String should have at most 64")
    assert "message_en" not in error


async def test_instance_is_the_public_path_behind_the_gateway() -> None:
    prefixed = await _get(make_app(), "/v1/things/7", **{"X-Forwarded-Prefix": "/api/tasks"})
    assert prefixed.json()["instance"] == "/api/tasks/v1/things/7"
    unknown = await _get(make_app(), "/v1/nowhere", **{"X-Forwarded-Prefix": "/api/tasks"})
    assert unknown.status_code == 404
    assert unknown.json()["instance"] == "/api/tasks/v1/nowhere"
    for bad in ("api/tasks", "/api/../x", "/api/tasks/", "//evil.example", "/a b", "/" + "a" * 200):
        resp = await _get(make_app(), "/v1/things/7", **{"X-Forwarded-Prefix": bad})
        assert resp.json()["instance"] == "/v1/things/7", bad
    ignored = await _get(
        make_app(forwarded_prefix=False), "/v1/things/7", **{"X-Forwarded-Prefix": "/api/x"}
    )
    assert ignored.json()["instance"] == "/v1/things/7"


def test_a_service_detail_already_in_chinese_is_kept_as_it_is() -> None:
    body = problem_body(403, "wrong-password", "Forbidden", "当前密码不正确。", lang=ZH)
    assert (body["title"], body["detail"]) == ("当前密码不正确", "当前密码不正确。")
    assert "detail_en" not in body
