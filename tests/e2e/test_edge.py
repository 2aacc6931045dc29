"""The public port against slow and oversized requests, over raw sockets, with a gateway
process of its own started the way every gateway is (`xbt_gateway.server.UVICORN_ARGS`)
with short timeouts from the environment; and HEAD, CORS, challenges and metrics there.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from xbt_gateway.server import UVICORN_ARGS
from xbt_shared.testing import as_environment, free_port

from ..conftest import BIN, Suite, _wait_ready

HEADER_TIMEOUT = 1.0
BODY_IDLE = 1.0
# What the loop, the scheduler and a busy machine may add to a timeout.
MARGIN = 1.5
PORTAL = "https://portal.example"


@dataclass
class Edge:
    port: int
    metrics_port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture(scope="module")
def edge(suite: Suite) -> Iterator[Edge]:
    port, metrics_port = free_port(), free_port()
    env = {
        **os.environ,
        **as_environment(suite.env),
        "XBT_JWT_ISSUER": suite.issuer,
        "XBT_JWKS_URL": f"{suite.identity}/v1/.well-known/jwks.json",
        "XBT_GATEWAY_UPSTREAMS": json.dumps(
            {"identity": suite.identity, "catalog": suite.catalog, "tasks": suite.tasks}
        ),
        "XBT_GATEWAY_HEADER_TIMEOUT_SECONDS": str(HEADER_TIMEOUT),
        "XBT_GATEWAY_BODY_IDLE_TIMEOUT_SECONDS": str(BODY_IDLE),
        "XBT_GATEWAY_METRICS_PORT": str(metrics_port),
        "XBT_GATEWAY_METRICS_HOST": "127.0.0.1",
        "XBT_GATEWAY_CORS_ORIGINS": json.dumps([PORTAL]),
    }
    log = suite.logs / "edge-gateway.log"
    proc = subprocess.Popen(
        [
            str(BIN / "uvicorn"),
            "xbt_gateway.main:app",
            *UVICORN_ARGS,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
        ],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_ready(f"http://127.0.0.1:{port}/readyz", proc, log)
        yield Edge(port, metrics_port)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


async def connect(edge: Edge) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", edge.port)


async def until_closed(reader: asyncio.StreamReader, limit: float) -> bytes:
    """Everything the gateway sends until it closes the connection (fails after `limit`)."""
    received = b""
    async with asyncio.timeout(limit):
        while chunk := await reader.read(65536):
            received += chunk
    return received


async def trickle(writer: asyncio.StreamWriter, data: bytes, every: float) -> None:
    """One byte every `every` seconds, until the gateway hangs up."""
    try:
        for byte in data:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(every)
    except (ConnectionError, OSError):
        pass


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def problem_of(response: bytes) -> dict[str, object]:
    head, _, body = response.partition(b"\r\n\r\n")
    assert b"content-type: application/problem+json" in head.lower()
    problem: dict[str, object] = json.loads(body)
    return problem


async def request(edge: Edge, raw: bytes) -> bytes:
    reader, writer = await connect(edge)
    writer.write(raw)
    await writer.drain()
    try:
        return await until_closed(reader, 10)
    finally:
        writer.close()


# slow heads ------------------------------------------------------------------------------


async def test_a_head_sent_one_byte_at_a_time_is_cut_off_at_the_header_timeout(
    edge: Edge,
) -> None:
    reader, writer = await connect(edge)
    started = time.monotonic()
    sender = asyncio.create_task(
        trickle(writer, b"GET /livez HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100, 0.2)
    )
    response = await until_closed(reader, HEADER_TIMEOUT + MARGIN)
    took = time.monotonic() - started
    sender.cancel()
    writer.close()
    assert HEADER_TIMEOUT * 0.9 <= took <= HEADER_TIMEOUT + MARGIN
    assert status_of(response) == 408
    assert problem_of(response)["type"] == "/problems/request-timeout"


async def test_a_silent_connection_is_closed_at_the_header_timeout(edge: Edge) -> None:
    reader, writer = await connect(edge)
    assert await until_closed(reader, HEADER_TIMEOUT + MARGIN) == b""
    writer.close()


async def test_two_hundred_slow_heads_are_all_closed(edge: Edge) -> None:
    connections = [await connect(edge) for _ in range(200)]
    senders = [
        asyncio.create_task(trickle(writer, b"GET /livez HTTP/1.1\r\nX-A: " + b"b" * 50, 0.3))
        for _, writer in connections
    ]
    responses = await asyncio.gather(
        *(until_closed(reader, HEADER_TIMEOUT + 2 * MARGIN) for reader, _ in connections)
    )
    for task in senders:
        task.cancel()
    for _, writer in connections:
        writer.close()
    assert {status_of(r) for r in responses} == {408}
    # the gateway still answers at once
    assert b"200 OK" in await request(
        edge, b"GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )


# slow bodies -----------------------------------------------------------------------------


async def test_a_login_body_sent_one_byte_at_a_time_is_a_408(edge: Edge) -> None:
    body = json.dumps({"tenant": "heping", "username": "student1", "password": "x" * 40})
    reader, writer = await connect(edge)
    writer.write(
        b"POST /api/identity/v1/auth/login HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/json\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n"
    )
    started = time.monotonic()
    sender = asyncio.create_task(trickle(writer, body.encode(), 0.3))
    response = await until_closed(reader, BODY_IDLE + 2 * MARGIN)
    sender.cancel()
    writer.close()
    assert time.monotonic() - started <= BODY_IDLE + 2 * MARGIN
    assert status_of(response) == 408
    problem = problem_of(response)
    assert problem["type"] == "/problems/request-timeout"
    assert "太慢" in str(problem["detail"])


async def test_a_streamed_body_that_stalls_frees_the_upstream(edge: Edge) -> None:
    # Over 64 KiB: streamed to the service as it arrives, so the service is being held.
    length = 300_000
    reader, writer = await connect(edge)
    writer.write(
        b"POST /api/tasks/v1/uploads HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/octet-stream\r\n"
        b"Content-Length: " + str(length).encode() + b"\r\n\r\n" + b"x" * 100_000
    )
    await writer.drain()
    started = time.monotonic()
    await until_closed(reader, BODY_IDLE + 2 * MARGIN)
    writer.close()
    assert time.monotonic() - started <= BODY_IDLE + 2 * MARGIN
    deadline = time.monotonic() + 5
    while 'xbt_gateway_upstream_inflight{service="tasks"} 0.0' not in scrape(edge):
        assert time.monotonic() < deadline, "the upstream request was still in flight"
        await asyncio.sleep(0.1)


async def test_a_stalled_body_after_an_early_answer_gets_no_second_answer(edge: Edge) -> None:
    # There is no such route: tasks answers 404 without reading the body, which then stalls.
    reader, writer = await connect(edge)
    writer.write(
        b"POST /api/tasks/v1/uploads HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/octet-stream\r\n"
        b"Content-Length: 300000\r\n\r\n" + b"x" * 100
    )
    await writer.drain()
    started = time.monotonic()
    response = await until_closed(reader, BODY_IDLE + 2 * MARGIN)
    writer.close()
    assert time.monotonic() - started <= BODY_IDLE + 2 * MARGIN
    assert status_of(response) == 404
    assert response.count(b"HTTP/1.1 ") == 1  # no 408 after it


async def test_a_body_at_a_steady_pace_still_arrives(edge: Edge) -> None:
    body = json.dumps({"tenant": "heping", "username": "student1", "password": "wrong"})
    reader, writer = await connect(edge)
    writer.write(
        b"POST /api/identity/v1/auth/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Content-Type: application/json\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n"
    )
    half = len(body) // 2
    writer.write(body[:half].encode())
    await asyncio.sleep(BODY_IDLE / 2)  # a pause shorter than the idle timeout
    writer.write(body[half:].encode())
    response = await until_closed(reader, 10)
    writer.close()
    assert status_of(response) == 401  # identity's answer: the request went through


# header size and count -------------------------------------------------------------------


@pytest.mark.parametrize("size", [20 * 1024, 1024 * 1024])
async def test_a_big_header_is_a_431(edge: Edge, size: int) -> None:
    response = await request(
        edge, b"GET /livez HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * size + b"\r\n\r\n"
    )
    assert status_of(response) == 431
    assert problem_of(response)["type"] == "/problems/headers-too-large"


@pytest.mark.parametrize("count", [150, 10_000])
async def test_many_headers_are_a_431(edge: Edge, count: int) -> None:
    headers = b"".join(b"X-H%d: v\r\n" % i for i in range(count))
    response = await request(edge, b"GET /livez HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
    assert status_of(response) == 431
    assert "请求头" in str(problem_of(response)["detail"])


async def test_ordinary_heads_pass(edge: Edge) -> None:
    headers = b"".join(b"X-H%d: v\r\n" % i for i in range(50))
    token = b"Authorization: Bearer " + b"t" * 2000 + b"\r\n"
    response = await request(
        edge,
        b"GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + headers + token + b"\r\n",
    )
    assert status_of(response) == 200


# HEAD, CORS, challenges, metrics through the live gateway --------------------------------


async def test_head_on_livez(edge: Edge) -> None:
    response = await request(edge, b"HEAD /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    head, _, body = response.partition(b"\r\n\r\n")
    assert status_of(response) == 200
    assert b"content-length: 15" in head.lower()
    assert body == b""


async def test_a_configured_origins_preflight_is_answered(edge: Edge) -> None:
    preflight = (
        b"OPTIONS /api/tasks/v1/my/tasks HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Origin: %s\r\nAccess-Control-Request-Method: GET\r\n"
        b"Access-Control-Request-Headers: authorization,if-none-match\r\n\r\n"
    )
    allowed = await request(edge, preflight % PORTAL.encode())
    assert status_of(allowed) == 200
    assert f"access-control-allow-origin: {PORTAL}".encode() in allowed.lower()
    refused = await request(edge, preflight % b"https://evil.example")
    assert status_of(refused) == 403
    assert b"access-control-" not in refused.lower()


async def test_a_refused_token_is_named_in_the_challenge(edge: Edge) -> None:
    response = await request(
        edge,
        b"GET /api/tasks/v1/my/tasks HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Authorization: Bearer garbage\r\n\r\n",
    )
    assert status_of(response) == 401
    assert b'www-authenticate: bearer realm="xbt", error="invalid_token"' in response.lower()


def scrape(edge: Edge) -> str:
    url = f"http://127.0.0.1:{edge.metrics_port}/metrics"
    with urllib.request.urlopen(url, timeout=5) as resp:
        return str(resp.read().decode())


@pytest.mark.parametrize(
    "path",
    [
        b"/metrics",
        b"/api/catalog/metrics",
        b"/api/catalog/v1/../../metrics",
        b"/api/catalog/v1/%2e%2e/%2e%2e/metrics",
        b"/api/identity/v1/..%2F..%2Fmetrics",
    ],
)
async def test_metrics_are_not_public(edge: Edge, path: bytes) -> None:
    response = await request(
        edge, b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    head = response.partition(b"\r\n\r\n")[0].lower()
    # Refused, or (once the web portal answers every other path) the portal's page.
    assert status_of(response) in (400, 404) or b"content-type: text/html" in head
    assert b"xbt_http_requests_total" not in response


async def test_metrics_are_served_on_the_metrics_port(edge: Edge) -> None:
    assert "xbt_gateway_upstream_inflight" in scrape(edge)
