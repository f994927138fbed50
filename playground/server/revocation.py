"""Token revocation (RFC 7009) and introspection (RFC 7662).

RFC 7009 §2.1: the client authenticates and sends `token` (and optionally `token_type_hint`);
revoking a refresh token also revokes the access tokens of its grant (here: its family). §2.2:
the answer is 200 whether or not the token was valid, so a client learns nothing it did not know.
RFC 7662 §2.2: `{"active": false}` for anything unusable, otherwise the token's metadata. A client
may only introspect and revoke its own tokens. An opaque access token (RFC 6749 §1.4) is
introspected with every claim the server holds for it — a resource server has no other way to
read them; a JWT with the usual ones. Both forms are revoked by their `jti`.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from playground.core.errors import InvalidRequest, OAuthError
from playground.server.client_auth import authenticate, read_params
from playground.server.clients import Client
from playground.server.context import ServerContext
from playground.server.http import NO_STORE, Params, json_response
from playground.server.tokens import OPAQUE, form_of
from playground.server.trace import TraceBuilder

# RFC 7662 §2.2: what introspecting a JWT access token shows (an opaque one shows every claim)
KEPT = ("scope", "client_id", "sub", "aud", "iss", "exp", "iat", "jti", "auth_time", "cnf")


async def _token_param(request: Request, ctx: ServerContext,
                       trace: TraceBuilder) -> tuple[Client, str, Params]:
    params = await read_params(request, ctx, trace)
    client, _ = await authenticate(request, params, ctx, trace)
    token = params.get("token")
    trace.require("token is present", token is not None,
                  InvalidRequest("token is missing", rfc="RFC 7009 §2.1"))
    assert token is not None
    return client, token, params


async def revoke(request: Request, ctx: ServerContext, trace: TraceBuilder) -> Response:
    """POST /oauth2/revoke (RFC 7009 §2.1)."""
    client, token, _ = await _token_param(request, ctx, trace)
    if ctx.store.revoke_refresh(token, client.id):
        trace.outcome = "refresh token revoked with its token family"
    else:
        claims = _own_access_token(ctx, token, client)
        if claims is not None:
            ctx.store.revoke_access(str(claims.get("jti")))
            trace.outcome = f"{form_of(token)} access token revoked (by its jti)"
        else:
            trace.outcome = "unknown, invalid or foreign token: nothing to revoke (still 200)"
    trace.check("answered 200 regardless of the token's validity", True, "", "RFC 7009 §2.2")
    return Response(b"", 200, NO_STORE)


async def introspect(request: Request, ctx: ServerContext, trace: TraceBuilder) -> Response:
    """POST /oauth2/introspect (RFC 7662 §2.1)."""
    client, token, _ = await _token_param(request, ctx, trace)
    body = _refresh_info(ctx, token, client) or _access_info(ctx, token, client)
    active = body is not None
    trace.check("token is active and belongs to the client", active, _form(body, token),
                "RFC 7662 §2.2")
    trace.outcome = "token is active" if active else "token is not active"
    return json_response(body or {"active": False})


def _form(body: dict[str, Any] | None, token: str) -> str:
    """The form of an active token, for the trace (RFC 6749 §1.4 for an opaque one)."""
    if body is None:
        return ""
    if body["token_type"] == "refresh_token":
        return "a refresh token"
    return ("an opaque access token (RFC 6749 §1.4): its claims as held here"
            if form_of(token) == OPAQUE else "a JWT access token (RFC 9068)")


def _refresh_info(ctx: ServerContext, token: str, client: Client) -> dict[str, Any] | None:
    record = ctx.store.active_refresh(token)
    if record is None or record.grant.client_id != client.id:
        return None
    return {"active": True, "token_type": "refresh_token", "client_id": client.id,
            "sub": record.grant.sub, "scope": " ".join(record.grant.scopes),
            "exp": int(record.expires_at), "iss": ctx.issuer}


def _own_access_token(ctx: ServerContext, token: str, client: Client) -> dict[str, Any] | None:
    try:
        claims = ctx.tokens.verify_access_token(token)
    except OAuthError:
        return None
    return claims if claims.get("client_id") == client.id else None


def _access_info(ctx: ServerContext, token: str, client: Client) -> dict[str, Any] | None:
    claims = _own_access_token(ctx, token, client)
    if claims is None or ctx.store.is_revoked(str(claims.get("jti"))):
        return None
    token_type = "DPoP" if "cnf" in claims else "Bearer"  # RFC 9449 §6.2
    shown = claims if form_of(token) == OPAQUE else KEPT
    return {"active": True, "token_type": token_type,
            **{k: claims[k] for k in shown if k in claims and k not in ("active", "token_type")}}
