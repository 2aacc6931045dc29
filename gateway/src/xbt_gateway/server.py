"""The gateway's HTTP/1.1 server protocol: uvicorn's httptools protocol with the limits a
public port needs and uvicorn does not have.

Started as `uvicorn xbt_gateway.main:app --http xbt_gateway.server:EdgeHttpProtocol`
(`UVICORN_ARGS`; `make run`, the e2e suite, the image and the cluster all start it so).

uvicorn bounds neither how long a request head may take nor how slowly a body may arrive,
nor (with httptools) how large or how many headers may be: a client sending one byte every
2 s holds its connection, and a request in flight, for ever. Here, per connection:

- the request head (request line and headers) must be complete within
  `header_timeout_seconds` of the connection opening or of the request's first byte:
  a deadline, not an idle timeout, so a trickle cannot extend it. Then `408` and close
  (a connection that sent nothing is just closed).
- at most `max_header_bytes` of request line and headers, at most `max_header_count`
  headers: else `431` and close. Counted as the parser reports them, and on the raw bytes
  of an unfinished head, so one huge header is refused before it is buffered whole.
- a body may pause at most `body_idle_timeout_seconds`, and once it has had that long it
  must average `body_min_bytes_per_second`: else `408` (if no answer has begun) and close.
  The app's `receive` then sees a disconnect, so the proxy drops its upstream request and
  no service is held by a slow client. Time when the server is not reading (the app has
  not yet taken what was buffered, or a `100 Continue` is still owed) is not counted.

The answers are problem+json written straight to the socket: the app never saw the request.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from xbt_gateway.settings import GatewaySettings
from xbt_shared.errors import PROBLEM_JSON, problem_body

UVICORN_ARGS = ("--http", "xbt_gateway.server:EdgeHttpProtocol")
# What a header line costs beyond its name and value: ": " and CRLF.
_LINE_OVERHEAD = 4
# After a refusal the rest of the request is read and dropped for at most this long
# (a "lingering close"): closing a socket with unread bytes in it sends a reset, which
# can destroy the answer before the client reads it.
LINGER_SECONDS = 2.0


@dataclass(frozen=True)
class EdgeLimits:
    header_timeout: float
    max_header_bytes: int
    max_header_count: int
    body_idle_timeout: float
    body_min_rate: float

    @classmethod
    def of(cls, settings: GatewaySettings) -> EdgeLimits:
        return cls(
            header_timeout=settings.header_timeout_seconds,
            max_header_bytes=settings.max_header_bytes,
            max_header_count=settings.max_header_count,
            body_idle_timeout=settings.body_idle_timeout_seconds,
            body_min_rate=settings.body_min_bytes_per_second,
        )


class _Refused(Exception):
    """Raised from a parser callback to stop parsing a request that is refused."""


class EdgeHttpProtocol(HttpToolsProtocol):
    # Read once, at the first connection, from the same XBT_GATEWAY_* environment as the
    # app's settings (not at import: `make run` and the tests import UVICORN_ARGS).
    _limits: ClassVar[EdgeLimits | None] = None

    @property
    def limits(self) -> EdgeLimits:
        if EdgeHttpProtocol._limits is None:
            EdgeHttpProtocol._limits = EdgeLimits.of(GatewaySettings())
        return EdgeHttpProtocol._limits

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None
        self._in_head = True
        self._head_bytes = 0  # raw bytes received while the head is unfinished
        self._header_bytes = 0  # request line and headers as parsed
        self._header_count = 0
        self._refusal: tuple[int, str, str, str] | None = None
        self._body_timer: asyncio.TimerHandle | None = None
        self._body_waiting = False  # headers done, body not yet complete
        self._body_since = 0.0
        self._body_last = 0.0
        self._body_bytes = 0
        self._linger_timer: asyncio.TimerHandle | None = None

    # connection -------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        self._cancel_body_timer()
        if self._linger_timer is not None:
            self._linger_timer.cancel()
            self._linger_timer = None
        super().connection_lost(exc)

    def eof_received(self) -> None:
        if self._linger_timer is not None:
            self.transport.close()  # the client has sent all it will: done lingering

    def data_received(self, data: bytes) -> None:
        if self._linger_timer is not None:
            return  # the rest of a refused request: dropped unparsed
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)
        if self._finished():
            return
        if self._in_head and self._head_bytes > self.limits.max_header_bytes:
            # A head still unfinished past the limit: refused before it grows further.
            self._refuse_too_large(f"请求头过大：最多 {self.limits.max_header_bytes} 字节")
        elif self._body_waiting and self._body_timer is None:
            self._arm_body_timer()

    def _finished(self) -> bool:
        """Closed, or answered and lingering: nothing more to check or answer."""
        return self.transport.is_closing() or self._linger_timer is not None

    # parser callbacks -------------------------------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        self._header_bytes = self._header_count = 0
        if self._head_timer is None:
            self._arm_head_timer()

    def on_url(self, url: bytes) -> None:
        self._header_bytes += len(url)
        self._check_head()
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_bytes += len(name) + len(value) + _LINE_OVERHEAD
        self._header_count += 1
        self._check_head()
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._cancel_head_timer()
        self._in_head = False
        self._head_bytes = 0
        self._body_waiting = True
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        self._body_last = self.loop.time()
        self._body_bytes += len(body)
        super().on_body(body)

    def on_message_complete(self) -> None:
        self._body_waiting = False
        self._cancel_body_timer()
        self._in_head = True
        super().on_message_complete()

    # refusals ---------------------------------------------------------------------------

    def _check_head(self) -> None:
        if self._header_count > self.limits.max_header_count:
            self._refusal = self._too_large(f"请求头过多：最多 {self.limits.max_header_count} 个")
            raise _Refused()
        if self._header_bytes > self.limits.max_header_bytes:
            self._refusal = self._too_large(f"请求头过大：最多 {self.limits.max_header_bytes} 字节")
            raise _Refused()

    @staticmethod
    def _too_large(detail: str) -> tuple[int, str, str, str]:
        return 431, "headers-too-large", "Request header fields too large", detail

    def send_400_response(self, msg: str) -> None:
        # uvicorn answers every parser error with 400; one raised by our callbacks is ours.
        if self._refusal is not None:
            self._answer_and_close(*self._refusal)
        else:
            super().send_400_response(msg)

    def _refuse_too_large(self, detail: str) -> None:
        self._answer_and_close(*self._too_large(detail))

    def _answer_and_close(self, status: int, slug: str, title: str, detail: str) -> None:
        self._cancel_head_timer()
        self._cancel_body_timer()
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            # The app must not answer too, and its `receive` must see the client gone.
            started = cycle.response_started
            cycle.disconnected = True
            cycle.message_event.set()
            if started:
                self.transport.close()
                return
        body = json.dumps(problem_body(status, slug, title, detail), ensure_ascii=False).encode()
        content = [STATUS_LINE[status]]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend(
            [
                b"content-type: " + PROBLEM_JSON.encode() + b"\r\n",
                b"content-length: " + str(len(body)).encode() + b"\r\n",
                b"connection: close\r\n\r\n",
                body,
            ]
        )
        self.transport.write(b"".join(content))
        self._linger()

    def _linger(self) -> None:
        """Close for writing once the answer is out, and drop what the client still sends
        until it closes too or `LINGER_SECONDS` pass."""
        if not self.transport.can_write_eof():
            self.transport.close()
            return
        self.transport.write_eof()
        self.flow.resume_reading()
        self._linger_timer = self.loop.call_later(LINGER_SECONDS, self.transport.close)

    # the head's deadline ----------------------------------------------------------------

    def _arm_head_timer(self) -> None:
        self._head_timer = self.loop.call_later(self.limits.header_timeout, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self._finished():
            return
        busy = self.cycle is not None and not self.cycle.response_complete
        if busy:
            # A pipelined head behind an answer in progress: its clock starts afresh.
            self._arm_head_timer()
        elif self._head_bytes == 0:
            self.transport.close()  # nothing sent: nobody to answer
        else:
            self._answer_and_close(
                408,
                "request-timeout",
                "Request timeout",
                f"请求头没有在 {self.limits.header_timeout:g} 秒内发完",
            )

    # the body's pace --------------------------------------------------------------------

    def _arm_body_timer(self) -> None:
        now = self.loop.time()
        self._body_since = self._body_last = now
        self._body_bytes = 0
        self._body_timer = self.loop.call_later(self.limits.body_idle_timeout, self._body_check)

    def _cancel_body_timer(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def _body_check(self) -> None:
        """Runs at most every idle timeout while a body is awaited (re-armed lazily, so a
        chunk costs no timer of its own)."""
        self._body_timer = None
        if self._finished() or not self._body_waiting:
            return
        limits = self.limits
        now = self.loop.time()
        cycle = self.cycle
        if self.flow.read_paused or (cycle is not None and cycle.waiting_for_100_continue):
            # Not reading, or the client is told to wait: not the client's slowness.
            self._arm_body_timer()
            return
        idle = now - self._body_last
        elapsed = now - self._body_since
        too_slow = (
            limits.body_min_rate > 0
            and elapsed >= limits.body_idle_timeout
            and self._body_bytes / elapsed < limits.body_min_rate
        )
        if idle >= limits.body_idle_timeout or too_slow:
            if cycle is not None and cycle.response_complete:
                # Answered without the body (a 401 before an upload, say): no second answer.
                self.transport.close()
                return
            self._answer_and_close(
                408,
                "request-timeout",
                "Request timeout",
                f"请求正文发送得太慢：停顿不得超过 {limits.body_idle_timeout:g} 秒，"
                f"平均每秒至少 {limits.body_min_rate:g} 字节",
            )
            return
        wait = max(0.01, self._body_last + limits.body_idle_timeout - now)
        self._body_timer = self.loop.call_later(wait, self._body_check)
