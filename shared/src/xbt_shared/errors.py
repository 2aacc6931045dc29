"""One error family rendered as RFC 9457 problem+json by one set of handlers.

Business outcomes raise a `Problem` subclass; payload validation is 422 with the fields named;
anything unexpected is a 500 problem carrying the request id (and is logged), never a stack
trace in the response.

A reader whose `Accept-Language` prefers Chinese gets the problem in Chinese (`i18n.py`): the
title from the catalogue by slug, the detail a `Problem` was given in Chinese (`zh=`) or else
the catalogue's, with the English detail kept in `detail_en`; every field error a Chinese
`message` (its English one in `message_en`) and a stable `code`, pydantic's error type.
Every answer says `Content-Language` and `Vary: Accept-Language`.

Behind the gateway `instance` is the public path: the gateway sends the public prefix of the
service as `X-Forwarded-Prefix` (`/api/tasks`), which is put before the service's own path.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from xbt_shared.context import request_id_var
from xbt_shared.i18n import EN, ZH, catalogue, field_message, negotiate

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("xbt.errors")
# A public prefix as the gateway sends it: one or more plain path segments, nothing else.
FORWARDED_PREFIX = re.compile(r"(?:/[A-Za-z0-9_~-][A-Za-z0-9._~-]*){1,8}")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


class Problem(Exception):
    """An error with an HTTP status and a stable problem type."""

    status: int = 400
    slug: str = "bad-request"
    title: str = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        status: int | None = None,
        slug: str | None = None,
        title: str | None = None,
        zh: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        """`detail` in English; `zh` the same in Chinese, for readers who prefer it (else
        the catalogue's text for the slug is shown to them)."""
        super().__init__(detail or self.title)
        if status is not None:
            self.status = status
        if slug is not None:
            self.slug = slug
        if title is not None:
            self.title = title
        self.detail = detail
        self.zh = zh
        self.headers = headers or {}
        self.extra = extra

    def body(self, instance: str | None = None, *, lang: str = EN) -> dict[str, Any]:
        return problem_body(
            self.status,
            self.slug,
            self.title,
            self.detail,
            instance=instance,
            lang=lang,
            zh=self.zh,
            **self.extra,
        )


class BadRequest(Problem):
    status, slug, title = 400, "bad-request", "Bad request"


class Unauthorized(Problem):
    status, slug, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str | None = None, **kw: Any) -> None:
        kw.setdefault("headers", {"WWW-Authenticate": 'Bearer realm="xbt"'})
        super().__init__(detail, **kw)


class Forbidden(Problem):
    status, slug, title = 403, "forbidden", "Forbidden"


class NotFound(Problem):
    status, slug, title = 404, "not-found", "Not found"


class MethodNotAllowed(Problem):
    status, slug, title = 405, "method-not-allowed", "Method not allowed"


class Conflict(Problem):
    status, slug, title = 409, "conflict", "Conflict"


class PayloadTooLarge(Problem):
    status, slug, title = 413, "payload-too-large", "Payload too large"


class Unprocessable(Problem):
    status, slug, title = 422, "validation-error", "Invalid request"


def invalid(field: str, message: str, *, zh: str | None = None) -> Unprocessable:
    """A 422 naming the one field that is wrong, as payload validation names its fields
    (`zh`: the message in Chinese)."""
    error: dict[str, Any] = {"field": field, "message": message, "code": "invalid"}
    if zh:
        error["message_zh"] = zh
    return Unprocessable(message, zh=zh, errors=[error])


class TooManyRequests(Problem):
    status, slug, title = 429, "rate-limited", "Too many requests"

    def __init__(self, detail: str | None = None, *, retry_after: int, **kw: Any) -> None:
        retry_after = max(1, int(retry_after))
        kw.setdefault("headers", {"Retry-After": str(retry_after)})
        super().__init__(detail, retry_after=retry_after, **kw)


class ServiceUnavailable(Problem):
    status, slug, title = 503, "service-unavailable", "Service unavailable"


def problem_body(
    status: int,
    slug: str,
    title: str,
    detail: str | None = None,
    *,
    instance: str | None = None,
    lang: str = EN,
    zh: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The problem's members in `lang` (`i18n.ZH` or `EN`); `zh` is its detail in Chinese."""
    body: dict[str, Any] = {"type": f"/problems/{slug}", "title": title, "status": status}
    if lang == ZH:
        _chinese(body, slug, status, detail, zh)
    elif detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    rid = request_id_var.get()
    if rid:
        body["request_id"] = rid
    errors = extra.get("errors")
    if isinstance(errors, list):
        extra = {**extra, "errors": [field_error(e, lang) for e in errors]}
    body.update(extra)
    return body


def is_chinese(text: str) -> bool:
    return _CJK.search(text) is not None


def _chinese(
    body: dict[str, Any], slug: str, status: int, detail: str | None, zh: str | None
) -> None:
    book = catalogue()
    body["title"] = book.title(slug, status)
    if detail and is_chinese(detail):
        zh = zh or detail  # a service that answers in Chinese already
    entry = book.problems.get(slug)
    generic = entry.detail if entry is not None else None
    text = zh or generic or (body["title"] if detail else None)
    if text:
        body["detail"] = text
    if detail and detail != text:
        body["detail_en"] = detail


def field_error(error: Any, lang: str = EN) -> Any:
    """One entry of `errors` as the reader gets it: `code` (pydantic's error type, or
    `invalid`) and, for a Chinese reader, a Chinese `message` with the English one in
    `message_en`. An entry that is not a field error (no `field`, no `message`) is kept."""
    if not isinstance(error, Mapping) or "field" not in error or "message" not in error:
        return error
    out = {k: v for k, v in error.items() if k not in ("message_zh", "ctx")}
    code = str(error.get("code") or error.get("type") or "invalid")
    out["code"] = code
    if lang == ZH:
        english = str(error["message"])
        zh = error.get("message_zh") or (english if is_chinese(english) else None)
        out["message"] = zh or field_message(code, error.get("ctx"))
        if english != out["message"]:
            out["message_en"] = english
    return out


def language_headers(lang: str, headers: Mapping[str, str] | None = None) -> dict[str, str]:
    """`headers` with `Content-Language` and `Vary: Accept-Language` (added to a `Vary`)."""
    out = dict(headers or {})
    vary = next((k for k in out if k.lower() == "vary"), None)
    if vary is None:
        out["Vary"] = "Accept-Language"
    elif "accept-language" not in out[vary].lower():
        out[vary] = f"{out[vary]}, Accept-Language"
    out["Content-Language"] = lang
    return out


def problem_response(
    status: int,
    slug: str,
    title: str,
    detail: str | None = None,
    *,
    headers: dict[str, str] | None = None,
    lang: str = EN,
    **extra: Any,
) -> JSONResponse:
    return JSONResponse(
        problem_body(status, slug, title, detail, lang=lang, **extra),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=language_headers(lang, headers),
    )


_HTTP_SLUGS = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorized", "Authentication required"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    409: ("conflict", "Conflict"),
    413: ("payload-too-large", "Payload too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    429: ("rate-limited", "Too many requests"),
}


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        code = err.get("type") or "invalid"
        errors.append(
            {
                "field": ".".join(loc),
                "loc": loc,
                "code": code,
                "type": code,
                "message": err.get("msg", ""),
                "ctx": err.get("ctx") or {},  # the limit, for the Chinese message; not sent
            }
        )
    return errors


def public_path(request: Request, *, forwarded_prefix: bool = True) -> str:
    """The request's path as its client named it: behind the gateway, the public prefix it
    sends (`X-Forwarded-Prefix: /api/tasks`, only a plain path) before the service's path."""
    path = request.url.path
    if not forwarded_prefix:
        return path
    prefix = request.headers.get("x-forwarded-prefix")
    if prefix and len(prefix) <= 128 and FORWARDED_PREFIX.fullmatch(prefix):
        return prefix + path
    return path


def install_problem_handlers(app: FastAPI, *, forwarded_prefix: bool = True) -> None:
    """The handlers rendering every error as a problem. `forwarded_prefix=False` for an app
    whose paths are already public (the gateway's own routes): `X-Forwarded-Prefix` is then
    ignored, as a client may have sent it."""

    def where(request: Request) -> tuple[str, str]:
        lang = negotiate(request.headers.get("accept-language"))
        return public_path(request, forwarded_prefix=forwarded_prefix), lang

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        instance, lang = where(request)
        return JSONResponse(
            exc.body(instance=instance, lang=lang),
            status_code=exc.status,
            media_type=PROBLEM_JSON,
            headers=language_headers(lang, exc.headers),
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        instance, lang = where(request)
        errors = _field_errors(exc)
        fields = [e["field"] for e in errors]
        return problem_response(
            422,
            "validation-error",
            "Invalid request",
            f"invalid fields: {', '.join(fields)}",
            zh=f"以下字段有误：{'、'.join(fields)}",
            instance=instance,
            lang=lang,
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        instance, lang = where(request)
        slug, title = _HTTP_SLUGS.get(exc.status_code, ("http-error", "HTTP error"))
        return problem_response(
            exc.status_code,
            slug,
            title,
            str(exc.detail) if exc.detail else None,
            headers=dict(exc.headers or {}),
            instance=instance,
            lang=lang,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        instance, lang = where(request)
        return problem_response(
            500, "internal-error", "Internal error", instance=instance, lang=lang
        )
