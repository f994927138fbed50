"""Who talks to whom: each recorded exchange as an arrow between the parties of OAuth.

RFC 6749 §1.1 names the roles: the resource owner's user agent, the client, the authorization
server and the resource server. A request the flow's browser made (the `user_agent` and device
sign-in steps) starts at the user agent; every other one at the client. A request to UserInfo
(OIDC Core §5.3, a protected resource) goes to the resource server; anything else to the
authorization server. A user-agent response that redirects away from the server (the
authorization response, RFC 6749 §4.1.2) adds the hop back to the client. Pure data, for the
sequence diagram (playground.ui.sequence_diagram) and its tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from playground.core.record.exchange import Exchange

USER_AGENT, CLIENT, AUTHORIZATION_SERVER, RESOURCE_SERVER = range(4)
LANES = ("User agent", "Client", "Authorization server", "Resource server")
BROWSER_STEPS = frozenset({"user_agent", "device_user", "browser", "logout_browser"})
RESOURCE_PATHS = ("/userinfo",)


@dataclass(frozen=True, slots=True)
class Arrow:
    """One request (or the redirect hop back) and its answer, as drawn."""

    seq: int  # the exchange's, so a click opens it in the inspector
    source: int  # lane index
    target: int
    label: str  # "GET /oauth2/authorize"
    answer: str  # "302", "200 OK" or the transport error
    failed: bool
    redirect: bool = False  # the authorization response's hop to the client (no request)


def arrows(exchanges: list[Exchange]) -> list[Arrow]:
    """The diagram's arrows, in the order the exchanges happened."""
    drawn: list[Arrow] = []
    for exchange in exchanges:
        drawn.append(_request(exchange))
        hop = _redirect_to_client(exchange)
        if hop is not None:
            drawn.append(hop)
    return drawn


def _request(exchange: Exchange) -> Arrow:
    parts = urlsplit(exchange.url)
    source = USER_AGENT if exchange.step in BROWSER_STEPS else CLIENT
    target = RESOURCE_SERVER if parts.path.endswith(RESOURCE_PATHS) else AUTHORIZATION_SERVER
    failed = exchange.error is not None or (exchange.status or 0) >= 400
    answer = exchange.error or str(exchange.status)
    return Arrow(exchange.seq, source, target, f"{exchange.method} {_short(parts.path)}",
                 answer, failed)


def _redirect_to_client(exchange: Exchange) -> Arrow | None:
    """RFC 6749 §4.1.2: the server sends the user agent to the client's redirect URI."""
    location = exchange.response_header("location") if exchange.status in (302, 303) else None
    if location is None or exchange.step not in BROWSER_STEPS:
        return None
    target = urlsplit(location)
    if not target.netloc or target.netloc == urlsplit(exchange.url).netloc:
        return None  # a hop within the server's own pages
    query = dict(p.partition("=")[::2] for p in target.query.split("&") if p)
    failed = "error" in query
    what = f"error={query['error']}" if failed else ("code" if "code" in query else "redirect")
    return Arrow(exchange.seq, USER_AGENT, CLIENT, f"{exchange.status} → {_short(target.path)}",
                 what, failed, redirect=True)


def _short(path: str, limit: int = 42) -> str:
    return path if len(path) <= limit else f"{path[:limit - 1]}…"
