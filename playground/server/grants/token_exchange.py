"""The token exchange grant: RFC 8693, a token this server issued traded for a new one.

§2.1: `subject_token` and `subject_token_type` are required; `actor_token` needs its
`actor_token_type`; `audience` and `resource` (RFC 8707 §2: an absolute URI, no fragment) say
whom the new token is for; `scope` may only narrow. §2.2.2: an invalid or unacceptable subject
or actor token is `invalid_request`, an unacceptable target `invalid_target`. §2.2.1: the answer
names the `issued_token_type`. §4.1: with an actor the new token carries `act` (the actor's
`sub`, earlier actors nested inside), which is delegation; without one it is impersonation.
An access token may be a JWT or opaque (RFC 6749 §1.4); an opaque one is not of the `jwt` type.
The new token has the form the requesting client registered (`accessTokenFormat`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from playground.core.errors import InvalidRequest, InvalidScope, OAuthError
from playground.server.clients import Client
from playground.server.context import ServerContext
from playground.server.grants.response import target_audience, token_response
from playground.server.http import Params
from playground.server.store import Grant
from playground.server.tokens import OPAQUE, form_of, trace_verified
from playground.server.trace import TraceBuilder

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:token-exchange"
TYPE = "urn:ietf:params:oauth:token-type:"
ACCESS_TOKEN, REFRESH_TOKEN, ID_TOKEN, JWT = (f"{TYPE}{t}" for t in
                                              ("access_token", "refresh_token", "id_token", "jwt"))
TOKEN_TYPES = (ACCESS_TOKEN, REFRESH_TOKEN, ID_TOKEN, JWT)


class TokenExchangeGrant:
    grant_type: ClassVar[str] = GRANT_TYPE

    async def issue(self, params: Params, ctx: ServerContext, client: Client, method: str,
                    trace: TraceBuilder) -> dict[str, Any]:
        subject = _token_claims(params, "subject", ctx, trace)
        actor = _token_claims(params, "actor", ctx, trace) if "actor_token" in params else None
        requested = params.get("requested_token_type") or ACCESS_TOKEN
        trace.require("requested_token_type is one this server issues", requested == ACCESS_TOKEN,
                      InvalidRequest(f"requested_token_type {requested!r} is not issued here; "
                                     f"ask for {ACCESS_TOKEN}", rfc="RFC 8693 §2.1"))
        grant = Grant(client.id, str(subject["sub"]), _scopes(params, subject, trace),
                      int(subject.get("auth_time") or 0),
                      audience=target_audience(params, ctx, trace),
                      act=_act(subject, actor, trace))
        body = await token_response(ctx, grant, trace, id_token=False)
        body["issued_token_type"] = ACCESS_TOKEN
        return body


def _token_claims(params: Params, role: str, ctx: ServerContext,
                  trace: TraceBuilder) -> dict[str, Any]:
    """The claims of the `role` (subject or actor) token, which this server must have issued
    and not revoked; its `*_token_type` says what it is."""
    token, kind = params.get(f"{role}_token"), params.get(f"{role}_token_type")
    trace.require(f"{role}_token is present", token is not None,
                  InvalidRequest(f"{role}_token is missing", rfc="RFC 8693 §2.1"))
    trace.require(f"{role}_token_type is a token type", kind in TOKEN_TYPES, InvalidRequest(
        f"{role}_token_type {kind!r} is not one of {', '.join(TOKEN_TYPES)}",
        rfc="RFC 8693 §3"))
    assert token is not None and kind is not None
    name = f"{role}_token was issued by this server and is active"
    with trace.guard(name):
        claims = _verify(token, kind, ctx, trace)
    trace.check(name, True, f"sub {claims.get('sub')!r}", "RFC 8693 §2.1")
    return claims


def _verify(token: str, kind: str, ctx: ServerContext, trace: TraceBuilder) -> dict[str, Any]:
    try:
        if kind == REFRESH_TOKEN:
            return _refresh_claims(token, ctx)
        if kind == ID_TOKEN:
            return _id_claims(token, ctx)
        claims = _access_or_id(token, kind, ctx, trace)
    except OAuthError as exc:
        raise InvalidRequest(f"the token is not acceptable: {exc.description}",
                             rfc="RFC 8693 §2.2.2") from None
    return claims


def _access_or_id(token: str, kind: str, ctx: ServerContext,
                  trace: TraceBuilder) -> dict[str, Any]:
    """An access token of either form (not revoked), or for the generic `jwt` type (RFC 8693
    §3: a JWT) an id_token as well, but not an opaque access token."""
    if kind == JWT and form_of(token) == OPAQUE:
        raise InvalidRequest("the token is not a JWT; an opaque access token is of type "
                             f"{ACCESS_TOKEN}", rfc="RFC 8693 §3")
    try:
        claims = ctx.tokens.verify_access_token(token)
    except OAuthError:
        if kind != JWT:
            raise
        return _id_claims(token, ctx)
    trace_verified(trace, token)
    if ctx.store.is_revoked(str(claims.get("jti"))):
        raise InvalidRequest("the access token was revoked", rfc="RFC 7009 §2.2")
    return claims


def _id_claims(token: str, ctx: ServerContext) -> dict[str, Any]:
    """An id_token proves a sign-in, not a grant: it stands for the `openid` scope only."""
    return {**ctx.tokens.verify_id_token(token), "scope": "openid"}


def _refresh_claims(token: str, ctx: ServerContext) -> dict[str, Any]:
    record = ctx.store.active_refresh(token)
    if record is None:
        raise InvalidRequest("the refresh token is unknown, used, revoked or expired",
                             rfc="RFC 8693 §2.2.2")
    grant = record.grant
    return {"sub": grant.sub, "scope": " ".join(grant.scopes), "auth_time": grant.auth_time}


def _scopes(params: Params, subject: dict[str, Any], trace: TraceBuilder) -> tuple[str, ...]:
    """At most the subject token's scopes (without offline_access: no refresh token comes)."""
    held = tuple(s for s in str(subject.get("scope") or "").split() if s != "offline_access")
    asked = tuple(dict.fromkeys((params.get("scope") or "").split())) or held
    wider = [s for s in asked if s not in held]
    trace.require("scope is within the subject token's", not wider, InvalidScope(
        f"scope(s) {' '.join(wider)} exceed the subject token's ({' '.join(held) or 'none'})",
        rfc="RFC 8693 §2.1, RFC 6749 §3.3"))
    return asked


def _act(subject: dict[str, Any], actor: dict[str, Any] | None,
         trace: TraceBuilder) -> dict[str, Any] | None:
    """RFC 8693 §4.1: the current actor's `sub`, with earlier actors nested under `act`."""
    earlier = subject.get("act") if isinstance(subject.get("act"), dict) else None
    if actor is None:
        trace.check("no actor_token: impersonation", True, "no act claim added", "RFC 8693 §1.1")
        return earlier
    act = {"sub": actor.get("sub"), **({"act": earlier} if earlier else {})}
    trace.check("actor_token: delegation", True, f"act.sub is {actor.get('sub')!r}",
                "RFC 8693 §4.1")
    return act
