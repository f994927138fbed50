"""One recorded HTTP exchange: an immutable record of a request and its response.

Headers are ordered tuples of pairs with duplicates kept (two Set-Cookie headers are two
entries). Bodies are the exact bytes on the wire. `trace` is the embedded server's decision
trace for this request when the embedded server handled it; `findings` the RFC lint of the
request as sent (playground.core.protocol.lint).
"""

from __future__ import annotations

from dataclasses import dataclass

from playground.core.trace import DecisionTrace, Finding

Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Exchange:
    seq: int
    step: str
    method: str
    url: str
    request_headers: Headers
    request_body: bytes
    status: int | None
    response_headers: Headers
    response_body: bytes
    started_at: float
    duration_ms: float
    error: str | None = None
    trace: DecisionTrace | None = None
    findings: tuple[Finding, ...] = ()  # RFC lint of the request (core/protocol/lint.py)

    def response_header(self, name: str) -> str | None:
        """The first response header called `name` (case-insensitive)."""
        return _first(self.response_headers, name)

    def request_header(self, name: str) -> str | None:
        return _first(self.request_headers, name)


def _first(headers: Headers, name: str) -> str | None:
    lowered = name.lower()
    return next((v for k, v in headers if k.lower() == lowered), None)
