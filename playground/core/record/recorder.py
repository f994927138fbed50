"""Record every HTTP exchange at the transport (httpx "transports"; event hooks see unread bodies).

`RecordingTransport` wraps any `httpx.AsyncBaseTransport`: it reads the request body, sends it,
reads the response body to the last byte, and appends one immutable `Exchange` to an
`ExchangeLog`: ordered headers with duplicates kept (two Set-Cookie headers are two entries),
the exact body bytes, status, timings, the step that made it and — when the response carries
`X-Playground-Trace` — the embedded server's `DecisionTrace` from the injected `trace_lookup`.
Redirects are never followed here; the user agent follows them hop by hop, so each is a record.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from typing import cast, overload

import httpx

from playground.core.protocol import lint
from playground.core.record.exchange import Exchange, Headers
from playground.core.trace import TRACE_HEADER, DecisionTrace

TraceLookup = Callable[[str], DecisionTrace | None]
ExchangeObserver = Callable[[Exchange], None]


class ExchangeLog:
    """The ordered exchanges of a session; observers hear of each one as it is appended."""

    def __init__(self) -> None:
        self._items: list[Exchange] = []
        self._observers: list[ExchangeObserver] = []
        self._lock = threading.Lock()

    def next_seq(self) -> int:
        with self._lock:
            return len(self._items) + 1

    def append(self, exchange: Exchange) -> None:
        with self._lock:
            self._items.append(exchange)
        for observer in list(self._observers):
            observer(exchange)

    def subscribe(self, observer: ExchangeObserver) -> Callable[[], None]:
        """Call `observer(exchange)` for every new exchange; returns the unsubscribe function."""
        self._observers.append(observer)
        return lambda: self._observers.remove(observer) if observer in self._observers else None

    def for_step(self, step: str) -> list[Exchange]:
        return [e for e in self._items if e.step == step]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Exchange]:
        return iter(list(self._items))

    @overload
    def __getitem__(self, index: int) -> Exchange: ...
    @overload
    def __getitem__(self, index: slice) -> list[Exchange]: ...
    def __getitem__(self, index: int | slice) -> Exchange | list[Exchange]:
        return self._items[index]


class RecordingTransport(httpx.AsyncBaseTransport):
    """Wraps a transport; `step` names the flow step the next requests belong to."""

    def __init__(
        self,
        log: ExchangeLog,
        inner: httpx.AsyncBaseTransport | None = None,
        *,
        trace_lookup: TraceLookup | None = None,
        verify: Callable[[], ssl.SSLContext] | None = None,
    ) -> None:
        self.log = log
        self.step = ""
        self._verify = verify  # the TLS trust (playground.core.protocol.tls), made on first use
        self.trace_lookup = trace_lookup
        self._inner = inner
        self._making_inner = asyncio.Lock()

    async def _transport(self) -> httpx.AsyncBaseTransport:
        """The wrapped transport, made on first use and on a worker thread: httpx builds its TLS
        context (the CA bundle, 15-35 ms) in the constructor, which would otherwise sit on the
        app's start-up path, stall the UI's event loop and count in the first exchange's time."""
        async with self._making_inner:
            if self._inner is None:
                self._inner = await asyncio.to_thread(self._make_transport)
        return self._inner

    def _make_transport(self) -> httpx.AsyncHTTPTransport:
        if self._verify is None:
            return httpx.AsyncHTTPTransport()
        return httpx.AsyncHTTPTransport(verify=self._verify())

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        inner = await self._transport()
        started, t0 = time.time(), time.perf_counter()
        try:
            response = await inner.handle_async_request(request)
            raw = await _read_raw(response)
        except httpx.HTTPError as exc:
            self._record(request, body, None, b"", started, t0, error=_describe(exc))
            raise
        self._record(request, body, response, raw, started, t0)
        return httpx.Response(
            response.status_code,
            headers=response.headers.raw,
            stream=httpx.ByteStream(raw),
            extensions=response.extensions,
            request=request,
        )

    def _record(
        self,
        request: httpx.Request,
        body: bytes,
        response: httpx.Response | None,
        raw: bytes,
        started: float,
        t0: float,
        error: str | None = None,
    ) -> None:
        headers = _pairs(response.headers.raw) if response is not None else ()
        exchange = Exchange(
            seq=self.log.next_seq(),
            step=self.step,
            method=request.method,
            url=str(request.url),
            request_headers=_pairs(request.headers.raw),
            request_body=body,
            status=response.status_code if response is not None else None,
            response_headers=headers,
            response_body=raw,
            started_at=started,
            duration_ms=(time.perf_counter() - t0) * 1000,
            error=error,
            trace=self._lookup(headers),
            findings=lint.lint(
                request.method, str(request.url), _pairs(request.headers.raw), body
            ),
        )
        self.log.append(exchange)

    def _lookup(self, headers: Headers) -> DecisionTrace | None:
        lowered = TRACE_HEADER.lower()
        trace_id = next((v for k, v in headers if k.lower() == lowered), None)
        if trace_id is None or self.trace_lookup is None:
            return None
        return self.trace_lookup(trace_id)

    async def aclose(self) -> None:
        if self._inner is not None:
            await self._inner.aclose()


async def _read_raw(response: httpx.Response) -> bytes:
    """The body bytes exactly as the server sent them (no content decoding)."""
    try:
        stream = cast(httpx.AsyncByteStream, response.stream)
        return b"".join([chunk async for chunk in stream])
    finally:
        await response.aclose()


def _pairs(raw: list[tuple[bytes, bytes]]) -> Headers:
    return tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in raw)


def _describe(exc: httpx.HTTPError) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
