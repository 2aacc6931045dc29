"""Fixtures for the tasks service's tests: the tasks app and, in the same process, the real
catalog app it calls (over httpx's ASGI transport), on isolated databases, with a small
catalog of resources and question items."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from xbt_catalog.main import create_app as create_catalog_app
from xbt_catalog.settings import CatalogSettings
from xbt_shared.mongo import Doc, Mongo
from xbt_shared.tenancy import Tenant
from xbt_shared.testing import TokenFactory, client_of, running
from xbt_tasks.main import create_app
from xbt_tasks.settings import TasksSettings

ISSUER = "http://testserver/identity"
BASE = datetime(2020, 2, 1, tzinfo=UTC)
SCHOOL = "hp-sy-zx"
CLASS = "hp-sy-zx-7-1"
OTHER_CLASS = "hp-sy-zx-7-2"


@pytest.fixture
def tokens() -> TokenFactory:
    return TokenFactory(issuer=ISSUER)


@pytest.fixture
async def catalog_app(isolated_env: dict[str, Any], tokens: TokenFactory) -> AsyncIterator[FastAPI]:
    app = create_catalog_app(CatalogSettings(**isolated_env, jwt_issuer=ISSUER))
    async with app.router.lifespan_context(app):
        tokens.install(app.state.verifier)
        yield app


@pytest.fixture
async def tasks_app(
    isolated_env: dict[str, Any], tokens: TokenFactory, catalog_app: FastAPI
) -> AsyncIterator[FastAPI]:
    app = create_app(
        TasksSettings(**isolated_env, jwt_issuer=ISSUER),
        catalog_transport=httpx.ASGITransport(app=catalog_app),
    )
    async with running(app, tokens):
        yield app


@pytest.fixture
def mongo(tasks_app: FastAPI) -> Mongo:
    """The tasks app's databases (one per tenant)."""
    found: Mongo = tasks_app.state.runtime.mongo
    return found


@pytest.fixture
async def client(tasks_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_of(tasks_app) as c:
        yield c


# --- the catalog's content -------------------------------------------------------------------

CITY = {"level": "city", "tenant": "city", "school_id": None, "name": "天津市教委"}
HEPING = {"level": "district", "tenant": "heping", "school_id": None, "name": "和平区"}
HEPING_SCHOOL = {"level": "school", "tenant": "heping", "school_id": SCHOOL, "name": "实验中学"}
HEXI = {"level": "district", "tenant": "hexi", "school_id": None, "name": "河西区"}


def resource(rid: str, title: str, provider: Doc) -> Doc:
    return {
        "_id": rid,
        "title": title,
        "description": "",
        "kind": "recording",
        "subject": "数学",
        "stage": "初中",
        "grades": [7],
        "textbook_node_ids": [],
        "media": {"url": f"https://media.example/{rid}.mp4", "duration_s": 1200},
        "provider": provider,
        "tags": [],
        "guest_visible": False,
        "status": "published",
        "views": 0,
        "created_by": "seed",
        "created_at": BASE,
        "updated_at": BASE,
        "published_at": BASE,
    }


OPTIONS = [{"key": k, "text": t} for k, t in zip("ABCD", ["1", "2", "3", "4"], strict=True)]


def item(
    iid: str,
    kind: str,
    answer: Any,
    provider: Doc = CITY,
    *,
    kps: list[str] | None = None,
    nodes: list[str] | None = None,
    difficulty: int = 2,
) -> Doc:
    """A published bank item (on kp-sys unless `kps` says otherwise)."""
    return {
        "_id": iid,
        "type": kind,
        "stem": f"第 {iid} 题",
        "options": OPTIONS if kind in ("single", "multiple") else [],
        "answer": answer,
        "explanation": f"{iid} 的解析",
        "difficulty": difficulty,
        "knowledge_point_ids": ["kp-sys"] if kps is None else kps,
        "textbook_node_ids": nodes or [],
        "subject": "数学",
        "stage": "初中",
        "grades": [7],
        "provider": provider,
        "status": "published",
        "created_at": BASE,
        "updated_at": BASE,
    }


RESOURCES = [
    resource("r-city-1", "解二元一次方程组 课堂实录", CITY),
    resource("r-hp-1", "和平区 二元一次方程 专题复习", HEPING),
    resource("r-hp-school", "实验中学 校本练习", HEPING_SCHOOL),
    resource("r-hx-1", "河西区 名师讲解", HEXI),
]
ITEMS = [
    item("it-single", "single", "B"),
    item("it-multi", "multiple", ["A", "C"]),
    item("it-tf", "true_false", True),
    item("it-fill", "fill", [["x=2"]]),
    item("it-short", "short", "言之成理即可"),
    item("it-hx", "single", "A", HEXI),
]


@pytest.fixture
async def catalog_content(catalog_app: FastAPI) -> None:
    mongo: Mongo = catalog_app.state.runtime.mongo
    for doc in RESOURCES:
        await mongo.for_tenant(Tenant(doc["provider"]["tenant"]))["resources"].insert_one(dict(doc))
    for doc in ITEMS:
        await mongo.for_tenant(Tenant(doc["provider"]["tenant"]))["items"].insert_one(dict(doc))


# --- who ---------------------------------------------------------------------------------------


def teacher(
    tokens: TokenFactory,
    *,
    sub: str = "t-li",
    classes: tuple[str, ...] = (CLASS,),
    tenant: str = "heping",
    school: str = SCHOOL,
) -> dict[str, str]:
    return tokens.headers(
        tenant=tenant,
        roles=["teacher"],
        sub=sub,
        school=school,
        classes=list(classes),
        name="李老师",
    )


def pupil(
    tokens: TokenFactory,
    *,
    sub: str = "p-wang",
    cls: str = CLASS,
    tenant: str = "heping",
    school: str = SCHOOL,
) -> dict[str, str]:
    return tokens.headers(
        tenant=tenant, roles=["student"], sub=sub, school=school, classes=[cls], name="王小明"
    )
