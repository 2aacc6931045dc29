"""Benchmark 3: catalog reads through the gateway, and search over 50,000 resources.

Before catalog starts (it builds its search indexes from MongoDB at start-up) the demo data
is seeded (`xbt_catalog.seed.seed`, about 5,000 resources) and 45,000 more published
resources are written into the bench's `catalog_city`: copies of the demo's city resources
with ids `bench-<n>` and varied titles, tags, dates and view counts.

Readers are the bench's heping pupils (school hp-sy-zx): they see city content and
heping's district content. Measured through the gateway (JWT check, tenant, rate limiter,
aiohttp hop to catalog):

- cached reads: a resource list (browse by subject and grade) and a resource detail, a few
  distinct URLs round-robin, each warmed first so every measured request is a cache hit. The
  detail also counts a view (one Redis HINCRBY per request) — part of its real cost.
- search `?q=`: ~50 realistic Chinese queries round-robin, once with the cache defeated
  (every request a (page, size) pair not asked before, so the index is searched, the page is
  built from the entries the index keeps in memory and the answer is written to the cache
  and to the gateway's edge copy) — the honest figure
  for the p99 target — and once cached (the same queries at one page size, warmed).
"""

from __future__ import annotations

import copy
import random
from collections.abc import Sequence
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import aiohttp

from tests.bench.load import LoadSpec, Request, RequestFactory, Scenario
from xbt_catalog.seed import seed as seed_catalog
from xbt_catalog.seed.loader import resources as demo_resources
from xbt_shared.mongo import Doc, Mongo
from xbt_shared.tenancy import CITY, Tenant

PREFIX = "/api/catalog/v1"
TOTAL_RESOURCES = 50_000
EXTRA_RESOURCES = 45_000
BATCH = 1_000

# Browse pages a pupil opens (default page size 20).
LIST_QUERIES: tuple[dict[str, Any], ...] = (
    {"subject": "数学", "grade": 8, "size": 20},
    {"subject": "语文", "grade": 7, "size": 20},
    {"subject": "英语", "grade": 9, "size": 20},
    {"subject": "物理", "grade": 8, "size": 20},
    {"subject": "数学", "grade": 5, "size": 20},
    {"subject": "化学", "grade": 9, "size": 20},
)
DETAIL_COUNT = 6

# What pupils, parents and teachers type into the search box.
SEARCH_QUERIES: tuple[str, ...] = (
    "二元一次方程",
    "一元二次方程",
    "光的反射",
    "光的折射",
    "古诗",
    "古诗词鉴赏",
    "围棋",
    "书法 楷书",
    "机器人",
    "编程",
    "勾股定理",
    "三角形",
    "分数加减法",
    "小数乘法",
    "函数",
    "一次函数",
    "二次函数图像",
    "相似三角形",
    "概率",
    "圆的面积",
    "文言文",
    "阅读理解",
    "作文",
    "议论文写作",
    "朱自清 背影",
    "唐诗",
    "宋词",
    "英语语法",
    "现在完成时",
    "英语听力",
    "单词",
    "电路",
    "欧姆定律",
    "牛顿第一定律",
    "浮力",
    "化学方程式",
    "酸碱盐",
    "氧气",
    "细胞",
    "光合作用",
    "生态系统",
    "中国地理",
    "地球和地图",
    "中国古代史",
    "抗日战争",
    "道德与法治",
    "心理健康",
    "体育 跳绳",
    "美术 剪纸",
    "音乐 合唱",
    "科学实验",
    "复习",
)
# Uncached search: (page, size) pairs; each request uses a pair not used before for its query
# (52 queries × 163 pairs = 8,476 distinct URLs before one repeats). Shallow pages only, so
# every answer has a full page of documents to read (deep pages of rare queries are empty).
UNCACHED_SIZES = tuple(range(10, 51))
UNCACHED_PAGES = tuple(range(1, 5))
CACHED_SEARCH_SIZE = 20

VARIANTS = (
    "第二课时",
    "拓展提升",
    "复习巩固",
    "区级精选",
    "名师示范",
    "2021版",
    "同步精讲",
    "重难点突破",
    "微课",
    "课后延伸",
)
EXTRA_TAGS = ("精品课", "线上教学", "停课不停学", "名师", "分层作业", "微课", "专题", "示范")


def generated_resources(count: int, seed: int = 2026) -> list[Doc]:
    """`count` published city resources varied from the demo's city resources."""
    rng = random.Random(seed)
    base = [
        d
        for d in demo_resources()
        if d["status"] == "published" and (d.get("provider") or {}).get("level") == "city"
    ]
    docs: list[Doc] = []
    for n in range(count):
        src = base[n % len(base)]
        doc = copy.deepcopy(src)
        variant = VARIANTS[(n // len(base)) % len(VARIANTS)]
        doc["_id"] = f"bench-{n:05d}"
        doc["title"] = f"{src['title']}（{variant}·{n % 97 + 1}）"
        doc["tags"] = [*src.get("tags", []), variant, rng.choice(EXTRA_TAGS)]
        shift = timedelta(days=rng.randint(0, 900), minutes=rng.randint(0, 1440))
        for when in ("created_at", "updated_at", "published_at"):
            if doc.get(when) is not None:
                doc[when] = doc[when] + shift
        doc["views"] = rng.randint(0, 5000)
        doc["status"] = "published"
        doc["history"] = []
        doc.pop("tv_slot_id", None)
        docs.append(doc)
    return docs


async def prepare(env: dict[str, Any]) -> dict[str, int]:
    """Seed the demo catalog and the generated resources into the bench's databases."""
    mongo = Mongo(env["mongodb_uri"], service="catalog", db_prefix=env["db_prefix"])
    try:
        created = await seed_catalog(mongo)
        resources = mongo.for_tenant(Tenant(CITY))["resources"]
        extra = generated_resources(EXTRA_RESOURCES)
        for start in range(0, len(extra), BATCH):
            await resources.insert_many(extra[start : start + BATCH], ordered=False)
        created["bench_resources"] = len(extra)
        return created
    finally:
        await mongo.close()


def detail_ids() -> list[str]:
    """Published city resources (visible to every pupil) for the detail reads."""
    city = [
        d["_id"]
        for d in demo_resources()
        if d["status"] == "published" and (d.get("provider") or {}).get("level") == "city"
    ]
    step = len(city) // DETAIL_COUNT
    return [city[i * step] for i in range(DETAIL_COUNT)]


def _url(gateway: str, path: str, params: dict[str, Any] | None = None) -> str:
    query = f"?{urlencode(params)}" if params else ""
    return f"{gateway}{PREFIX}{path}{query}"


def list_urls(gateway: str) -> list[str]:
    return [_url(gateway, "/resources", q) for q in LIST_QUERIES]


def detail_urls(gateway: str) -> list[str]:
    return [_url(gateway, f"/resources/{rid}") for rid in detail_ids()]


def cached_search_urls(gateway: str) -> list[str]:
    return [
        _url(gateway, "/resources", {"q": q, "size": CACHED_SEARCH_SIZE}) for q in SEARCH_QUERIES
    ]


def _round_robin(urls: Sequence[str], tokens: Sequence[str]) -> RequestFactory:
    headers = [{"Authorization": f"Bearer {t}"} for t in tokens]

    def make(n: int) -> Request:
        return Request("GET", urls[n % len(urls)], headers[n % len(headers)])

    return make


def cached_scenario(
    name: str, urls: Sequence[str], tokens: Sequence[str], spec: LoadSpec
) -> Scenario:
    return Scenario(name, _round_robin(urls, tokens), spec)


def uncached_search(gateway: str, tokens: Sequence[str], spec: LoadSpec) -> Scenario:
    """Every request a (query, page, size) not asked before in this run: a cache miss."""
    headers = [{"Authorization": f"Bearer {t}"} for t in tokens]
    combos = [(p, s) for p in UNCACHED_PAGES for s in UNCACHED_SIZES]
    # size=CACHED_SEARCH_SIZE on page 1 is what the cached scenario warms: skip it.
    combos.remove((1, CACHED_SEARCH_SIZE))
    rng = random.Random(7)
    rng.shuffle(combos)
    queries = len(SEARCH_QUERIES)

    def make(n: int) -> Request:
        q = SEARCH_QUERIES[n % queries]
        # Wraps (and then hits the cache) only after queries × combos requests.
        page, size = combos[(n // queries) % len(combos)]
        url = _url(gateway, "/resources", {"q": q, "page": page, "size": size})
        return Request("GET", url, headers[n % len(headers)])

    return Scenario("catalog search ?q=, uncached (50k resources)", make, spec)


async def warm(urls: Sequence[str], token: str) -> None:
    """Ask each URL once (as the bench tenant's pupil) so the measured reads are cache hits."""
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession() as session:
        for url in urls:
            async with session.get(url, headers=headers) as resp:
                body = await resp.read()
                if resp.status != 200:
                    raise RuntimeError(f"warming {url}: {resp.status} {body[:300]!r}")
