"""Practice checks of fill-in items mark with the item's stem: `x = ____` takes `x=2`."""

from __future__ import annotations

from typing import Any

import httpx

from xbt_catalog.resources.service import Resources
from xbt_shared.tenancy import Tenant
from xbt_shared.testing import TokenFactory

from ...conftest import pupil
from .test_bank import item

EQUATION = item(
    "item-eq",
    "fill",
    stem="解方程：2x + 1 = 5，x = ____",
    answer=[["2"]],
    kps=["kp-lin"],
)
AREA = item("item-area", "fill", stem="面积是____平方厘米。", answer=[["40"]], kps=["kp-lin"])


async def _check(client: httpx.AsyncClient, headers: dict[str, str], iid: str, answer: Any) -> Any:
    resp = await client.post(f"/v1/items/{iid}/check", headers=headers, json={"answer": answer})
    assert resp.status_code == 200, resp.text
    return resp.json()


async def test_a_fill_in_is_marked_knowing_its_stem(
    client: httpx.AsyncClient, tokens: TokenFactory, catalog: Resources
) -> None:
    await catalog.mongo.for_tenant(Tenant("city"))["items"].insert_many([EQUATION, AREA])
    me = pupil(tokens)
    assert (await _check(client, me, "item-eq", ["x=2"]))["blanks"] == [True]
    assert (await _check(client, me, "item-eq", "ｘ ＝ ２"))["correct"] is True
    assert (await _check(client, me, "item-eq", ["y=2"]))["correct"] is False
    assert (await _check(client, me, "item-area", ["40.0"]))["correct"] is True
    assert (await _check(client, me, "item-area", ["４０"]))["correct"] is True
    assert (await _check(client, me, "item-area", ["40。"]))["correct"] is True
    assert (await _check(client, me, "item-area", ["4"]))["correct"] is False
