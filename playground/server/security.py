"""Request-level protections: Host header, CORS, and the headers every HTML page carries.

- DNS rebinding: a page on an attacker's domain that resolves to 127.0.0.1 reaches the server
  with its own Host header; only the issuer's `host:port` is accepted (RFC 9110 §7.2, RFC 8252
  §8.3 on loopback servers).
- CORS (Fetch standard): only the token, userinfo and revocation endpoints, the metadata and the
  JWKS answer cross-origin requests (a browser OIDC library starts with discovery), and only for
  origins of a public client's registered redirect URIs (browser-based apps, RFC 9700 §2.1; the
  seed's client calls the token endpoint with `fetch`). Never the authorization endpoint or pages.
- Pages: `frame-ancestors 'none'` against clickjacking (RFC 6749 §10.13, RFC 9700 §4.16).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from playground.server.clients import ClientRegistry
from playground.server.trace import TraceBuilder

PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
# RFC 9449 §8-9: a browser client reads the server's DPoP-Nonce and sends its DPoP proof.
EXPOSED = "X-Playground-Trace, WWW-Authenticate, DPoP-Nonce"
ALLOWED_HEADERS = "Authorization, Content-Type, Accept, DPoP"


def check_host(request: Request, allowed: frozenset[str], trace: TraceBuilder) -> bool:
    host = request.headers.get("host", "").lower()
    ok = host in allowed
    return trace.check(
        "Host header is the issuer's", ok,
        f"Host {host!r}" + ("" if ok else f"; expected {' or '.join(sorted(allowed))}"),
        "RFC 8252 §8.3 (DNS rebinding)",
    )


def origin_of(uri: str) -> str | None:
    parts = urlsplit(uri)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


class CorsPolicy:
    """Allowed origins, recomputed only when the client registry changes."""

    def __init__(self, clients: ClientRegistry) -> None:
        self._clients = clients
        self._version = -1
        self._origins: frozenset[str] = frozenset()

    def origins(self) -> frozenset[str]:
        if self._version != self._clients.version:
            self._version = self._clients.version
            self._origins = frozenset(
                origin
                for client in self._clients.list() if client.is_public
                for uri in client.redirect
                if (origin := origin_of(uri)) is not None
            )
        return self._origins

    def allows(self, origin: str) -> bool:
        return origin.lower() in self.origins()

    def preflight(self, request: Request, methods: str, trace: TraceBuilder) -> Response:
        """Answer an OPTIONS preflight: 204 with the CORS headers, or 403 for other origins."""
        origin = request.headers.get("origin", "")
        if not trace.check("Origin is a public client's redirect origin", self.allows(origin),
                           f"Origin {origin!r}", "Fetch §3.2 (CORS)"):
            trace.fail("cors_rejected", f"origin {origin!r} is not allowed")
            return Response(b"", 403)
        trace.outcome = f"CORS preflight allowed for {origin}"
        return Response(b"", 204, {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": methods,
            "Access-Control-Allow-Headers": ALLOWED_HEADERS,
            "Access-Control-Max-Age": "600",
            "Vary": "Origin",
        })

    def decorate(self, request: Request, response: Response) -> None:
        """Add CORS headers to an actual response when the Origin is allowed."""
        origin = request.headers.get("origin")
        if origin and self.allows(origin):
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Expose-Headers"] = EXPOSED
            response.headers["Vary"] = "Origin"
