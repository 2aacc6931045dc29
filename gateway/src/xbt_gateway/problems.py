"""problem+json answers sent straight over ASGI (the proxy path has no FastAPI handlers).

The body is the kit's `problem_body`, so it reads exactly like a service's problem,
request id included, and in Chinese for a client whose `Accept-Language` prefers it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from starlette.types import Send

from xbt_shared.errors import PROBLEM_JSON, Problem, language_headers
from xbt_shared.i18n import negotiate

_CONTENT_TYPE = (b"content-type", PROBLEM_JSON.encode())


class UpstreamUnavailable(Problem):
    status, slug, title = 503, "upstream-unavailable", "Service unavailable"


class Overloaded(Problem):
    status, slug, title = 503, "overloaded", "Service overloaded"


class UpstreamTimeout(Problem):
    status, slug, title = 504, "upstream-timeout", "Gateway timeout"


class BadGateway(Problem):
    status, slug, title = 502, "bad-gateway", "Bad gateway"


class UnknownService(Problem):
    status, slug, title = 404, "unknown-service", "Unknown service"


class LimiterUnavailable(Problem):
    status, slug, title = 503, "rate-limiter-unavailable", "Service unavailable"


def accept_language(raw_headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    for name, value in raw_headers:
        if name == b"accept-language":
            return value.decode("latin-1")
    return None


async def send_problem(
    send: Send,
    problem: Problem,
    *,
    instance: str | None = None,
    request_headers: Iterable[tuple[bytes, bytes]] = (),
) -> None:
    """`problem` as the answer, in the language the request's `Accept-Language` prefers."""
    lang = negotiate(accept_language(request_headers))
    body = json.dumps(problem.body(instance=instance, lang=lang), ensure_ascii=False).encode()
    headers = [_CONTENT_TYPE, (b"content-length", str(len(body)).encode())]
    for name, value in language_headers(lang, problem.headers).items():
        headers.append((name.lower().encode("latin-1"), value.encode("latin-1")))
    await send({"type": "http.response.start", "status": problem.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
