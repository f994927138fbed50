"""The one runner: transport failures become one clear FlowError."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from playground.core.flowerrors import TransportError
from playground.core.protocol.wire import HttpRequest, json_object, send


def run_with(handler: object) -> httpx.Response:
    async def main() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:  # type: ignore[arg-type]
            return await send(client, HttpRequest("GET", "http://op/x"))

    return asyncio.run(main())


def test_send_returns_the_response() -> None:
    assert run_with(lambda r: httpx.Response(204)).status_code == 204


@pytest.mark.parametrize(
    ("exc", "message"),
    [
        (httpx.ConnectError("refused"), "GET http://op/x: cannot connect (refused)"),
        (httpx.ReadTimeout("slow"), "GET http://op/x: no answer (timed out)"),
    ],
)
def test_transport_errors_become_flow_errors(exc: Exception, message: str) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise exc

    with pytest.raises(TransportError) as info:
        run_with(fail)
    assert str(info.value) == message


def test_json_object_describes_what_came_instead() -> None:
    with pytest.raises(Exception, match="got text/plain starting 'hello'"):
        json_object(b"hello", "text/plain; charset=utf-8", what="x")
