"""A request built by a sans-I/O function, the one runner that sends it, and the body reader.

Build functions (token.py, discovery.py, userinfo.py) return an `HttpRequest`; `send` is the
only place that touches the network, through the session's recording client, and turns
transport failures into a `FlowError` with one clear line. `json_object` reads a JSON body and
says exactly what came instead (an HTML page where JSON was expected is the usual culprit).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from playground.core.flowerrors import FlowError, TransportError
from playground.core.protocol import tls

Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class HttpRequest:
    method: str
    url: str
    headers: Headers = ()
    body: bytes = b""
    fields: tuple[tuple[str, str], ...] = field(default=())

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)


async def send(client: httpx.AsyncClient, request: HttpRequest) -> httpx.Response:
    """Send one request; connection errors and timeouts become `TransportError`."""
    try:
        return await client.request(
            request.method, request.url, headers=list(request.headers), content=request.body or None
        )
    except httpx.TimeoutException:
        raise TransportError(f"{request.method} {request.url}: no answer (timed out)") from None
    except httpx.HTTPError as exc:
        raise TransportError(f"{request.method} {request.url}: {_reason(exc)}") from None


def _reason(exc: httpx.HTTPError) -> str:
    text = str(exc) or type(exc).__name__
    if (problem := tls.certificate_problem(text)) is not None:
        return problem
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect ({text})"
    return text


def json_object(
    body: bytes, content_type: str | None, *, what: str, error: type[FlowError] = FlowError
) -> dict[str, Any]:
    """Parse a JSON object body; anything else is an `error` naming what arrived instead."""
    try:
        value = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise error(f"{what} is not JSON: got {_describe(body, content_type)}") from None
    if not isinstance(value, dict):
        raise error(f"{what} is not a JSON object: got {type(value).__name__}")
    return value


def _describe(body: bytes, content_type: str | None) -> str:
    if not body:
        return "an empty body"
    kind = (content_type or "no Content-Type").split(";")[0].strip()
    if kind == "text/html" or body.lstrip()[:1] == b"<":
        return f"an HTML page ({kind}) starting {_snippet(body)!r}"
    return f"{kind} starting {_snippet(body)!r}"


def _snippet(body: bytes, limit: int = 60) -> str:
    text = body.decode("utf-8", "replace").strip().replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"
