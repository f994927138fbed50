"""The recording transport: one immutable Exchange per request, exactly as on the wire."""

from __future__ import annotations

import asyncio
import dataclasses
import threading

import httpx
import pytest

from playground.core.record.exchange import Exchange
from playground.core.record.recorder import ExchangeLog, RecordingTransport
from playground.core.trace import DecisionTrace
from playground.server import EmbeddedServer

TRACE = DecisionTrace(
    id="t-1", at=0.0, method="GET", path="/x", endpoint="x", status=200, outcome="ok"
)


def handler(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        201,
        headers=[("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("X-Playground-Trace", "t-1")],
        content=b'{"ok":true}',
    )


def record(request: httpx.Request, **kwargs: object) -> tuple[ExchangeLog, httpx.Response]:
    log = ExchangeLog()
    transport = RecordingTransport(log, httpx.MockTransport(handler), **kwargs)  # type: ignore[arg-type]
    transport.step = "token"

    async def main() -> httpx.Response:
        async with httpx.AsyncClient(transport=transport) as client:
            response = await client.send(request)
            await response.aread()
            return response

    return log, asyncio.run(main())


def test_exchange_keeps_order_duplicates_body_and_step() -> None:
    request = httpx.Request(
        "POST",
        "http://op/token?x=1",
        headers=[("X-A", "1"), ("X-A", "2")],
        content=b"grant_type=authorization_code",
    )
    log, response = record(request, trace_lookup={"t-1": TRACE}.get)
    (exchange,) = log
    assert exchange.seq == 1 and exchange.step == "token"
    assert (exchange.method, exchange.url, exchange.status) == ("POST", "http://op/token?x=1", 201)
    assert [v for k, v in exchange.request_headers if k == "X-A"] == ["1", "2"]
    assert exchange.request_body == b"grant_type=authorization_code"
    assert [v for k, v in exchange.response_headers if k == "Set-Cookie"] == ["a=1", "b=2"]
    assert exchange.response_body == b'{"ok":true}'
    assert exchange.trace is TRACE and exchange.duration_ms >= 0
    assert response.json() == {"ok": True}


def test_exchange_is_immutable() -> None:
    log, _ = record(httpx.Request("GET", "http://op/"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        log[0].status = 500  # type: ignore[misc]


def test_no_lookup_means_no_trace() -> None:
    log, _ = record(httpx.Request("GET", "http://op/"))
    assert log[0].trace is None and log[0].response_header("x-playground-trace") == "t-1"


def test_transport_failure_is_recorded_then_raised() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    log = ExchangeLog()
    transport = RecordingTransport(log, httpx.MockTransport(refuse))

    async def main() -> None:
        async with httpx.AsyncClient(transport=transport) as client:
            await client.get("http://op/")

    with pytest.raises(httpx.ConnectError):
        asyncio.run(main())
    assert log[0].status is None and log[0].error == "ConnectError: refused"


def test_log_notifies_observers_until_unsubscribed() -> None:
    seen: list[Exchange] = []
    log = ExchangeLog()
    unsubscribe = log.subscribe(seen.append)
    exchange = Exchange(1, "s", "GET", "http://x/", (), b"", 200, (), b"", 0.0, 1.0)
    log.append(exchange)
    unsubscribe()
    log.append(dataclasses.replace(exchange, seq=2))
    assert seen == [exchange] and len(log) == 2
    assert log.for_step("s") == [exchange, dataclasses.replace(exchange, seq=2)]
    assert log[0:1] == [exchange]


def test_its_own_transport_is_made_once_off_the_event_loop(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx's transport builds a TLS context (15-35 ms): on a worker thread, once, and before
    the first exchange's clock starts, against the real embedded server."""
    made: list[threading.Thread] = []
    real = httpx.AsyncHTTPTransport

    def transport_factory() -> httpx.AsyncHTTPTransport:
        made.append(threading.current_thread())
        return real()

    log = ExchangeLog()
    transport = RecordingTransport(log)
    monkeypatch.setattr(httpx, "AsyncHTTPTransport", transport_factory)

    async def fetch_twice(issuer: str) -> list[int]:
        async with httpx.AsyncClient(transport=transport) as client:
            responses = await asyncio.gather(client.get(f"{issuer}/oauth2/jwks"),
                                             client.get(f"{issuer}/oauth2/jwks"))
        return [r.status_code for r in responses]

    with EmbeddedServer() as server:
        assert asyncio.run(fetch_twice(server.issuer)) == [200, 200]
    assert len(made) == 1 and made[0] is not threading.main_thread()
    assert [e.status for e in log] == [200, 200]
