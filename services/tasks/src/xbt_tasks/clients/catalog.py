"""The catalog, as the tasks service reads it: resources a task attaches and question items
with their answer keys.

Called inside the cluster, straight at the catalog (not through the gateway). When a teacher
is acting, their own token is passed on: the catalog then answers exactly what that teacher
may see — the same content their classes see, school-level resources included — and gives
keys, since teachers hold them. Where no teacher acts (a pupil's practice), the service's own
token is used (client credentials at identity, scope `bank.keys`), naming the pupil's tenant.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

import httpx

from xbt_shared.errors import Problem, ServiceUnavailable
from xbt_shared.mongo import Doc

KEYS_SCOPE = "bank.keys"


class CatalogUnavailable(ServiceUnavailable):
    """The catalog did not answer: nothing is written, the client may retry."""


class ServiceToken:
    """This service's access token from identity, fetched when first needed and again a
    little before it expires; concurrent callers share one fetch."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        token_url: str,
        client_id: str,
        client_secret: str,
        scope: str = KEYS_SCOPE,
        refresh_margin: float = 30.0,
    ) -> None:
        self._http = http
        self._token_url = token_url
        self._auth = (client_id, client_secret)
        self._scope = scope
        self._margin = refresh_margin
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> str:
        if self._token is not None and time.monotonic() < self._expires_at - self._margin:
            return self._token
        async with self._lock:
            if self._token is not None and time.monotonic() < self._expires_at - self._margin:
                return self._token
            try:
                resp = await self._http.post(
                    self._token_url,
                    data={"grant_type": "client_credentials", "scope": self._scope},
                    auth=self._auth,
                )
            except httpx.HTTPError as exc:
                raise CatalogUnavailable("identity did not answer for a service token") from exc
            if resp.status_code != 200:
                raise CatalogUnavailable(f"identity refused a service token ({resp.status_code})")
            body = resp.json()
            self._token = str(body["access_token"])
            self._expires_at = time.monotonic() + float(body.get("expires_in", 60))
            return self._token


TREE_TTL_SECONDS = 300.0


class CatalogClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        service_token: ServiceToken | None,
        *,
        tree_ttl: float = TREE_TTL_SECONDS,
    ) -> None:
        self._http = http
        self._service_token = service_token
        self._tree_ttl = tree_ttl
        # (tenant, subject, stage) -> (read at, tree): the same for every reader of a district.
        self._trees: dict[tuple[str, str, str], tuple[float, list[Doc]]] = {}

    async def knowledge_point_tree(self, *, subject: str, stage: str, tenant: str) -> list[Doc]:
        """The knowledge-point tree of a subject and stage as the district reads it (the
        city's points with the district's), with the service's token; kept five minutes."""
        key = (tenant, subject, stage)
        hit = self._trees.get(key)
        if hit is not None and time.monotonic() - hit[0] < self._tree_ttl:
            return hit[1]
        if self._service_token is None:
            raise ValueError("reading knowledge points needs the service token")
        token = await self._service_token.get()
        headers = {"Authorization": f"Bearer {token}", "X-Xbt-Tenant": tenant}
        try:
            resp = await self._http.get(
                "/v1/knowledge-points",
                params={"subject": subject, "stage": stage},
                headers=headers,
            )
        except httpx.HTTPError as exc:
            raise CatalogUnavailable("the catalog did not answer; try again") from exc
        if resp.status_code != 200:
            raise CatalogUnavailable(f"the catalog answered {resp.status_code} for its tree")
        try:
            tree = list(resp.json()["tree"])
        except (ValueError, KeyError, TypeError) as exc:
            raise CatalogUnavailable("the catalog answered a tree tasks cannot read") from exc
        self._trees[key] = (time.monotonic(), tree)
        return tree

    async def _get(self, path: str, headers: dict[str, str]) -> Doc | None:
        try:
            resp = await self._http.get(path, headers=headers)
        except httpx.HTTPError as exc:
            raise CatalogUnavailable("the catalog did not answer; try again") from exc
        if resp.status_code == 404:
            return None
        if resp.status_code >= 500:
            raise CatalogUnavailable(f"the catalog failed ({resp.status_code}); try again")
        if resp.status_code != 200:
            # 401/403/422 for the caller's own request: theirs to see, with the catalog's words.
            detail = resp.json().get("detail") if resp.content else None
            raise Problem(detail or "the catalog refused", status=resp.status_code)
        body: Doc = resp.json()
        return body

    async def resources(self, ids: Sequence[str], *, bearer: str) -> dict[str, Doc | None]:
        """Each resource as the bearer sees it, or None where it does not exist for them."""
        headers = {"Authorization": f"Bearer {bearer}"}
        found = await asyncio.gather(*(self._get(f"/v1/resources/{i}", headers) for i in ids))
        return dict(zip(ids, found, strict=True))

    async def items(
        self, ids: Sequence[str], *, bearer: str | None = None, tenant: str | None = None
    ) -> dict[str, Doc | None]:
        """Each question item with its key, as the bearer (a teacher) sees it, or with the
        service's token acting in `tenant`."""
        if bearer is not None:
            headers = {"Authorization": f"Bearer {bearer}"}
        else:
            if self._service_token is None or tenant is None:
                raise ValueError("items without a bearer need the service token and a tenant")
            token = await self._service_token.get()
            headers = {"Authorization": f"Bearer {token}", "X-Xbt-Tenant": tenant}
        found = await asyncio.gather(*(self._get(f"/v1/items/{i}", headers) for i in ids))
        return dict(zip(ids, found, strict=True))

    async def select_items(self, params: dict[str, Any], *, tenant: str) -> Doc:
        """A page of items chosen by knowledge point or textbook progress, with keys."""
        if self._service_token is None:
            raise ValueError("selecting items needs the service token")
        token = await self._service_token.get()
        headers = {"Authorization": f"Bearer {token}", "X-Xbt-Tenant": tenant}
        try:
            resp = await self._http.get("/v1/items", params=params, headers=headers)
        except httpx.HTTPError as exc:
            raise CatalogUnavailable("the catalog did not answer; try again") from exc
        if resp.status_code >= 500:
            raise CatalogUnavailable(f"the catalog failed ({resp.status_code}); try again")
        if resp.status_code != 200:
            body = resp.json() if resp.content else {}
            raise Problem(
                body.get("detail") or "the catalog refused the selection",
                status=resp.status_code if resp.status_code < 500 else 502,
                errors=body.get("errors", []),
            )
        page: Doc = resp.json()
        return page
