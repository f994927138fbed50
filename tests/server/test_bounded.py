"""Bounded state: thousands of complete flows over simulated hours leave every store bounded.

Each flow makes the store calls the endpoints make (authorize → interaction, sign-in → login
session, consent → code, token → redeem + refresh token + access token, refresh → rotation),
plus an abandoned authorization and the decision traces of its requests, on the stores of a real
`ServerContext`, with the server's injected clock moved forward between flows (and the lab's
+1 h jumps). Sizes are counted, nothing is timed.
"""

from __future__ import annotations

from playground.core.clock import AdjustableClock
from playground.server.authorize import AuthorizationRequest
from playground.server.clients import ClientRegistry, default_clients
from playground.server.config import ServerConfig
from playground.server.context import ServerContext
from playground.server.sessions import MAX_SESSIONS, SESSION_TTL
from playground.server.store import MAX_REFRESH_TOKENS, REPLAY_GRACE, Grant

FLOWS = 3000
STEP = 20.0  # simulated seconds between flows: 3,000 flows over ~17 hours, plus the jumps


def _context() -> ServerContext:
    config = ServerConfig(clock=AdjustableClock())
    return ServerContext.create(config, "http://127.0.0.1:9", ClientRegistry(default_clients()))


def _request(ctx: ServerContext) -> AuthorizationRequest:
    client = ctx.clients.list()[0]
    return AuthorizationRequest(client, client.redirect[0], False, "st",
                                ("openid", "offline_access"), None, None, None, frozenset(),
                                None)


def _accept(_: object) -> None:
    pass


def _trace(ctx: ServerContext, endpoint: str) -> None:
    ctx.traces.publish(ctx.traces.begin("GET", f"/{endpoint}", endpoint).build(200))


def _flow(ctx: ServerContext, auth: AuthorizationRequest, n: int) -> None:
    ctx.interactions.create(auth)  # abandoned: never signed in
    item = ctx.interactions.create(auth)
    ctx.sessions.create("alice", int(ctx.clock.now()))
    assert ctx.interactions.finish(item)
    grant = Grant(auth.client.id, "alice", auth.scopes, 0)
    code = ctx.store.issue_code(grant, auth.redirect_uri, False, None, None)
    record = ctx.store.redeem_code(code, _accept)
    refresh, family = ctx.store.issue_refresh(grant)
    ctx.store.attach_to_family(family, f"at-{n}")
    ctx.store.attach_to_code(record, f"at-{n}", family)
    used = ctx.store.use_refresh(refresh, auth.client.id, True, _accept)
    ctx.store.issue_refresh(used.grant, used.family)
    ctx.store.attach_to_family(used.family, f"at-{n}-refreshed")
    for endpoint in ("authorize", "interaction", "login", "consent", "token", "token"):
        _trace(ctx, endpoint)


def _sizes(ctx: ServerContext) -> dict[str, int]:
    return {**ctx.store.sizes(), "interactions": len(ctx.interactions.items),
            "sessions": len(ctx.sessions.items), "traces": len(ctx.traces.traces)}


def _bounds(ctx: ServerContext) -> dict[str, float]:
    """What each store may hold: what its lifetime spans at this pace, or its cap."""
    config = ctx.config
    return {
        "codes": (config.code_ttl + REPLAY_GRACE) / STEP + 1,
        "refresh_tokens": MAX_REFRESH_TOKENS,
        "families": MAX_REFRESH_TOKENS,
        "access_tokens": 2 * (config.access_token_ttl / STEP + 1),
        "interactions": 2 * (config.interaction_ttl / STEP + 1),
        "sessions": min(MAX_SESSIONS, SESSION_TTL / STEP + 1),
        "traces": config.trace_limit,
    }


def test_every_store_stays_bounded_over_thousands_of_flows() -> None:
    ctx = _context()
    auth = _request(ctx)
    bounds, peak = _bounds(ctx), dict.fromkeys(_bounds(ctx), 0)
    for n in range(FLOWS):
        _flow(ctx, auth, n)
        ctx.clock.advance(3600 if n % 500 == 499 else STEP)
        for name, size in _sizes(ctx).items():
            peak[name] = max(peak[name], size)
    assert all(peak[name] <= bounds[name] for name in bounds), (peak, bounds)
    assert peak["refresh_tokens"] == MAX_REFRESH_TOKENS  # 6,000 issued: the cap held


def test_the_newest_flow_still_works_after_thousands() -> None:
    ctx = _context()
    auth = _request(ctx)
    for n in range(FLOWS):
        _flow(ctx, auth, n)
        ctx.clock.advance(STEP)
    assert not ctx.store.is_revoked(f"at-{FLOWS - 1}-refreshed")
    assert ctx.store.is_revoked("at-0")  # expired long ago: no longer held
