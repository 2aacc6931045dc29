"""Fixtures for the catalog's tests: an app on isolated names, tokens, a small corpus."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from xbt_catalog.main import create_app
from xbt_catalog.resources.service import Resources
from xbt_catalog.resources.store import ResourceStore
from xbt_catalog.settings import CatalogSettings
from xbt_shared.mongo import Doc
from xbt_shared.tenancy import Tenant
from xbt_shared.testing import TokenFactory, client_of, running

ISSUER = "http://testserver/identity"
BASE = datetime(2020, 2, 1, tzinfo=UTC)


@pytest.fixture
def tokens() -> TokenFactory:
    return TokenFactory(issuer=ISSUER)


@pytest.fixture
def catalog_settings(isolated_env: dict[str, Any]) -> CatalogSettings:
    return CatalogSettings(**isolated_env, jwt_issuer=ISSUER, index_follow_seconds=0.2)


@pytest.fixture
async def catalog_app(
    catalog_settings: CatalogSettings, tokens: TokenFactory
) -> AsyncIterator[FastAPI]:
    async with running(create_app(catalog_settings), tokens) as app:
        yield app


@pytest.fixture
def catalog(catalog_app: FastAPI) -> Resources:
    """The resources use cases (their Mongo, cache, view counter and search index)."""
    service: Resources = catalog_app.state.resources
    return service


@pytest.fixture
async def client(catalog_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_of(catalog_app) as c:
        yield c


def resource(
    rid: str,
    title: str,
    *,
    level: str = "city",
    tenant: str = "city",
    school: str | None = None,
    days: int = 0,
    **extra: Any,
) -> Doc:
    when = BASE + timedelta(days=days)
    return {
        "_id": rid,
        "title": title,
        "description": extra.pop("description", ""),
        "kind": extra.pop("kind", "recording"),
        "subject": extra.pop("subject", "数学"),
        "stage": extra.pop("stage", "初中"),
        "grades": extra.pop("grades", [7]),
        "textbook_node_ids": [],
        "media": {
            "url": f"https://media.example/{rid}.mp4",
            "duration_s": 2400,
            "size_bytes": 1,
            "format": "mp4",
        },
        "provider": {"level": level, "tenant": tenant, "school_id": school, "name": tenant},
        "tags": extra.pop("tags", []),
        "guest_visible": extra.pop("guest_visible", False),
        "status": extra.pop("status", "published"),
        "views": extra.pop("views", 0),
        "created_by": "seed",
        "created_at": when,
        "updated_at": when,
        "published_at": when,
        **extra,
    }


CORPUS: list[Doc] = [
    resource(
        "r-city-1",
        "《解二元一次方程组》第1课时 课堂实录",
        tags=["一师一优课"],
        days=1,
        guest_visible=True,
    ),
    resource("r-city-2", "一元一次方程的应用", days=2, views=50),
    resource("r-city-3", "光的反射", subject="物理", grades=[8], days=3),
    resource(
        "r-city-4",
        "围棋入门 吃子技巧",
        kind="enrichment",
        subject=None,
        stage=None,
        grades=[3, 4, 5],
        category="棋类",
        enrichment_kind="资源素材",
        days=4,
    ),
    resource("r-hp-1", "和平区 二元一次方程 专题复习", level="district", tenant="heping", days=5),
    resource(
        "r-hp-school",
        "实验中学 校本 二元一次方程 练习",
        level="school",
        tenant="heping",
        school="hp-sy-zx",
        kind="exercise",
        days=6,
    ),
    resource("r-hx-1", "河西区 二元一次方程 名师讲解", level="district", tenant="hexi", days=7),
    resource(
        "r-draft", "草稿 二元一次方程", level="district", tenant="heping", status="draft", days=8
    ),
]

TEXTBOOK: Doc = {
    "_id": "tb-math-g7-2",
    "edition": "人教版",
    "stage": "初中",
    "grade": 7,
    "subject": "数学",
    "volume": "下册",
    "title": "人教版 七年级下册 数学",
    "tree": [
        {
            "id": "tb-math-g7-2.u8",
            "title": "第八章 二元一次方程组",
            "kind": "unit",
            "children": [
                {"id": "tb-math-g7-2.u8.l1", "title": "8.1 二元一次方程组", "kind": "lesson"},
                {
                    "id": "tb-math-g7-2.u8.l2",
                    "title": "8.2 消元——解二元一次方程组",
                    "kind": "lesson",
                },
            ],
        },
    ],
    "provider": {"level": "city", "tenant": "city", "school_id": None, "name": "天津市教委"},
    "status": "published",
    "guest_visible": True,
    "published_at": BASE,
    "created_at": BASE,
    "updated_at": BASE,
}


@pytest.fixture
async def corpus(catalog: Resources) -> list[Doc]:
    by_tenant: dict[str, list[Doc]] = {}
    for doc in CORPUS:
        by_tenant.setdefault(doc["provider"]["tenant"], []).append(doc)
    for tenant, docs in by_tenant.items():
        await ResourceStore(catalog.mongo.for_tenant(Tenant(tenant))).insert_resources(
            [dict(d) for d in docs]
        )
    await ResourceStore(catalog.mongo.for_tenant(Tenant("city"))).insert_textbooks([dict(TEXTBOOK)])
    await catalog.index.build()  # type: ignore[attr-defined]
    return CORPUS


def pupil(
    tokens: TokenFactory, tenant: str = "heping", school: str | None = "hp-sy-zx"
) -> dict[str, str]:
    return tokens.headers(tenant=tenant, roles=["student"], school=school)


def undocumented(served: Any, documented: Any, path: str = "$") -> list[str]:
    """The paths of fields in `served` that `documented` (its model's dump) lacks."""
    if isinstance(served, dict) and isinstance(documented, dict):
        return [
            found
            for key, value in served.items()
            for found in (
                [f"{path}.{key}"]
                if key not in documented
                else undocumented(value, documented[key], f"{path}.{key}")
            )
        ]
    if isinstance(served, list) and isinstance(documented, list):
        return [
            found
            for n, (a, b) in enumerate(zip(served, documented, strict=True))
            for found in undocumented(a, b, f"{path}[{n}]")
        ]
    return []


def assert_documented(model: type[BaseModel], body: Any) -> None:
    """`body` (a served JSON answer) is what `model` documents: it validates, and it has no
    field the model leaves out (validation alone would ignore those)."""
    dumped = model.model_validate(body).model_dump(mode="json", by_alias=True, exclude_unset=True)
    assert undocumented(body, dumped) == [], f"{model.__name__} misses fields"
