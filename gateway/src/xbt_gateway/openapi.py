"""One OpenAPI 3.1 document for the whole suite, merged from every service's /openapi.json
(and one AsyncAPI 3.0 document of its events, from every service's /asyncapi.json).

Per service: its `/v<n>/...` paths get the public prefix `/api/<service>`, its component
names get the prefix `<service>__` (every `$ref` rewritten to match), operation ids too, and
its tags read `<service>: <tag>`. Security schemes are the exception: every service takes
the same access token from identity, so each one's HTTP bearer scheme becomes the one
`bearer` scheme of the suite, and "Authorize" in the docs once applies to every operation.
A service that does not answer is left out and named in `x-xbt-unavailable`; the rest is
still documented. The result is cached (a minute when complete, a few seconds when a service
was missing, so it comes back soon).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

import aiohttp

from xbt_shared import asyncapi

log = logging.getLogger("xbt.gateway.openapi")

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
ROUTABLE = re.compile(r"^/v[0-9]+(/|$)")
COMPONENT_REF = "#/components/"
PARTIAL_CACHE_SECONDS = 5.0
BEARER = "bearer"
BEARER_SCHEME: dict[str, Any] = {
    "type": "http",
    "scheme": "bearer",
    "bearerFormat": "JWT",
    "description": "An access token from identity (`POST /api/identity/v1/auth/login`, "
    "`access_token`); one token serves every service.",
}


def component_name(service: str, name: str) -> str:
    return f"{service}__{name}"


def _rewrite_ref(ref: str, service: str) -> str:
    if not ref.startswith(COMPONENT_REF):
        return ref
    kind, sep, name = ref[len(COMPONENT_REF) :].partition("/")
    if not sep or not name:
        return ref
    return f"{COMPONENT_REF}{kind}/{component_name(service, name)}"


def rewrite_refs(node: Any, service: str) -> Any:
    """A copy of `node` with every component reference pointing at the prefixed name."""
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                out[key] = _rewrite_ref(value, service)
            elif key == "discriminator" and isinstance(value, dict):
                disc = dict(value)
                mapping = disc.get("mapping")
                if isinstance(mapping, dict):
                    disc["mapping"] = {
                        k: _rewrite_ref(v, service) if isinstance(v, str) else v
                        for k, v in mapping.items()
                    }
                out[key] = disc
            else:
                out[key] = rewrite_refs(value, service)
        return out
    if isinstance(node, list):
        return [rewrite_refs(item, service) for item in node]
    return node


def is_bearer(scheme: Any) -> bool:
    return (
        isinstance(scheme, dict)
        and scheme.get("type") == "http"
        and str(scheme.get("scheme", "")).lower() == "bearer"
    )


def scheme_names(service: str, doc: Mapping[str, Any]) -> dict[str, str]:
    """A service's security scheme names as merged: its HTTP bearer schemes are `bearer`."""
    schemes = (doc.get("components") or {}).get("securitySchemes") or {}
    if not isinstance(schemes, dict):
        return {}
    return {
        name: BEARER if is_bearer(scheme) else component_name(service, name)
        for name, scheme in schemes.items()
    }


def _security(requirements: Any, service: str, names: Mapping[str, str]) -> Any:
    if not isinstance(requirements, list):
        return requirements
    return [
        {names.get(k, component_name(service, k)): v for k, v in req.items()}
        if isinstance(req, dict)
        else req
        for req in requirements
    ]


def _tag(service: str, tag: str) -> str:
    return f"{service}: {tag}"


def prefix_document(service: str, doc: Mapping[str, Any]) -> dict[str, Any]:
    """One service's paths, components and tags, renamed for the merged document."""
    doc_security = doc.get("security")
    names = scheme_names(service, doc)
    paths: dict[str, Any] = {}
    for path, item in (doc.get("paths") or {}).items():
        if not ROUTABLE.match(path) or not isinstance(item, dict):
            continue  # /livez, /metrics, ... are not reachable through the gateway
        new_item = rewrite_refs(item, service)
        for method, op in new_item.items():
            if method not in HTTP_METHODS or not isinstance(op, dict):
                continue
            if "operationId" in op:
                op["operationId"] = component_name(service, str(op["operationId"]))
            op["tags"] = [_tag(service, t) for t in op.get("tags") or []] or [service]
            if "security" in op:
                op["security"] = _security(op["security"], service, names)
            elif doc_security is not None:
                op["security"] = _security(doc_security, service, names)
        paths[f"/api/{service}{path}"] = new_item

    components: dict[str, dict[str, Any]] = {}
    for kind, entries in (doc.get("components") or {}).items():
        if not isinstance(entries, dict):
            continue
        if kind == "securitySchemes":
            components[kind] = {
                names[name]: BEARER_SCHEME if names[name] == BEARER else value
                for name, value in entries.items()
            }
            continue
        components[kind] = {
            component_name(service, name): rewrite_refs(value, service)
            for name, value in entries.items()
        }

    tags = []
    for tag in doc.get("tags") or []:
        if isinstance(tag, dict) and "name" in tag:
            tags.append({**tag, "name": _tag(service, str(tag["name"]))})
    return {"paths": paths, "components": components, "tags": tags}


def merge_documents(
    docs: Mapping[str, Mapping[str, Any]],
    *,
    unavailable: list[str],
    title: str,
    version: str = "1.0.0",
) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    components: dict[str, dict[str, Any]] = {}
    tags: list[dict[str, Any]] = []
    services: dict[str, Any] = {}
    for service in sorted(docs):
        doc = docs[service]
        part = prefix_document(service, doc)
        paths.update(part["paths"])
        for kind, entries in part["components"].items():
            components.setdefault(kind, {}).update(entries)
        tags.extend(part["tags"])
        info = doc.get("info") or {}
        services[service] = {"title": info.get("title"), "version": info.get("version")}
    description = (
        "All public routes of the suite, as reached through the gateway: "
        "`/api/<service>/v1/...`. Send `Authorization: Bearer <access token>` (in these "
        'docs: "Authorize" once, with the `access_token` of `POST '
        "/api/identity/v1/auth/login`; it serves every service). Errors are RFC 9457 "
        "`application/problem+json`, in Chinese when `Accept-Language` prefers it."
    )
    merged: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": description},
        "paths": dict(sorted(paths.items())),
        "components": components,
        "tags": tags,
        "x-xbt-services": services,
        "x-xbt-unavailable": sorted(unavailable),
    }
    return merged


Merge = Callable[[Mapping[str, Mapping[str, Any]], list[str]], dict[str, Any]]


class DocumentAggregator:
    """Fetches every service's document at `path`, merges and caches the result."""

    def __init__(
        self,
        *,
        path: str,
        merge: Merge,
        is_document: Callable[[Any], bool],
        cache_seconds: float,
        fetch_timeout: float,
    ) -> None:
        self.path = path
        self.merge = merge
        self.is_document = is_document
        self.cache_seconds = cache_seconds
        self.fetch_timeout = fetch_timeout
        self._body: bytes | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()

    def invalidate(self) -> None:
        self._body = None
        self._expires = 0.0

    async def document(self, session: aiohttp.ClientSession, upstreams: Mapping[str, str]) -> bytes:
        """The merged document as JSON bytes (cached)."""
        if self._body is not None and time.monotonic() < self._expires:
            return self._body
        async with self._lock:  # one refresh at a time; the others get its result
            if self._body is not None and time.monotonic() < self._expires:
                return self._body
            names = sorted(upstreams)
            results = await asyncio.gather(
                *(self._fetch(session, upstreams[name]) for name in names)
            )
            docs: dict[str, dict[str, Any]] = {}
            unavailable: list[str] = []
            for name, result in zip(names, results, strict=True):
                if isinstance(result, dict):
                    docs[name] = result
                else:
                    log.warning("no document at %s from %s: %s", self.path, name, result)
                    unavailable.append(name)
            merged = self.merge(docs, unavailable)
            body = json.dumps(merged, ensure_ascii=False, separators=(",", ":")).encode()
            ttl = self.cache_seconds
            if unavailable:
                ttl = min(ttl, PARTIAL_CACHE_SECONDS)
            self._body, self._expires = body, time.monotonic() + ttl
            return body

    async def _fetch(self, session: aiohttp.ClientSession, base: str) -> dict[str, Any] | str:
        try:
            async with session.get(
                f"{base}{self.path}", timeout=aiohttp.ClientTimeout(total=self.fetch_timeout)
            ) as resp:
                if resp.status != 200:
                    return f"status {resp.status}"
                doc = await resp.json(content_type=None)
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            return f"{type(exc).__name__}: {exc}"
        if not isinstance(doc, dict) or not self.is_document(doc):
            return "not a document of the expected kind"
        return doc


class OpenApiAggregator(DocumentAggregator):
    """The suite's OpenAPI 3.1 document, from every service's `/openapi.json`."""

    def __init__(self, *, title: str, cache_seconds: float, fetch_timeout: float) -> None:
        super().__init__(
            path="/openapi.json",
            merge=lambda docs, unavailable: merge_documents(
                docs, unavailable=unavailable, title=title
            ),
            is_document=lambda doc: isinstance(doc.get("paths"), dict),
            cache_seconds=cache_seconds,
            fetch_timeout=fetch_timeout,
        )


class AsyncApiAggregator(DocumentAggregator):
    """The suite's AsyncAPI 3.0 document of every event, from every service's `/asyncapi.json`
    (a service that is down is named in `x-xbt-unavailable`, as in the OpenAPI document)."""

    def __init__(self, *, title: str, cache_seconds: float, fetch_timeout: float) -> None:
        def merge(docs: Mapping[str, Mapping[str, Any]], unavailable: list[str]) -> dict[str, Any]:
            merged = asyncapi.merge(docs, title=title)
            merged["x-xbt-unavailable"] = sorted(unavailable)
            return merged

        super().__init__(
            path="/asyncapi.json",
            merge=merge,
            is_document=lambda doc: str(doc.get("asyncapi", "")).startswith("3."),
            cache_seconds=cache_seconds,
            fetch_timeout=fetch_timeout,
        )
