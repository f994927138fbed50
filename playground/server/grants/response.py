"""The successful token response every grant ends with (RFC 6749 §5.1)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from playground.core.errors import InvalidTarget
from playground.server import behaviours, dpop
from playground.server.context import ServerContext
from playground.server.http import Params
from playground.server.store import CodeRecord, Grant
from playground.server.tokens import OPAQUE, IssuedTokens
from playground.server.trace import TraceBuilder


async def token_response(ctx: ServerContext, grant: Grant, trace: TraceBuilder, *,
                         code_record: CodeRecord | None = None, family: str | None = None,
                         refresh_grant: Grant | None = None,
                         id_token: bool = True) -> dict[str, Any]:
    """RFC 6749 §5.1; refresh tokens only when `offline_access` was granted (OIDC Core §11).

    A code's tokens are attached to the code (a replay revokes them, §4.1.2); a refresh's to
    its family (reuse of a rotated token revokes the family, RFC 9700 §4.14.2)."""
    binding = dpop.current()
    access_grant, refresh_grant = _bind(grant, refresh_grant, binding)
    extra = await behaviours.apply(
        ctx.behaviours.take(grant, behaviours.current_grant_type()), trace)
    tokens = await ctx.tokens.issue(access_grant, nonce=code_record is not None, id_token=id_token,
                                    extra=extra)
    _trace_form(tokens, trace)
    body: dict[str, Any] = {"access_token": tokens.access_token,
                            "token_type": "DPoP" if binding else "Bearer",  # RFC 9449 §5
                            "expires_in": ctx.config.access_token_ttl,
                            "scope": " ".join(grant.scopes)}
    if tokens.id_token is not None:
        body["id_token"] = tokens.id_token
    if code_record is not None and "offline_access" in grant.scopes:
        body["refresh_token"], family = ctx.store.issue_refresh(refresh_grant or grant)
    elif refresh_grant is not None and family is not None:
        body["refresh_token"], _ = ctx.store.issue_refresh(refresh_grant, family)
    if family is not None:
        ctx.store.attach_to_family(family, tokens.jti)
    if code_record is not None:
        ctx.store.attach_to_code(code_record, tokens.jti, family)
    if code_record is None and family is None:
        ctx.store.hold_access(tokens.jti)
    trace.check("refresh token issued only with offline_access", True,
                "issued" if "refresh_token" in body else "not issued", "OIDC Core §11")
    ctx.faults.alter_tokens(body, ctx.keys, ctx.clock.now(), trace, opaque=ctx.tokens.opaque)
    return body


def _trace_form(tokens: IssuedTokens, trace: TraceBuilder) -> None:
    """Which form of access token was issued: the client's `accessTokenFormat`."""
    if tokens.format == OPAQUE:
        trace.check("access token form (the client's accessTokenFormat)", True,
                    "opaque: a random string, its claims held by the server (introspect it, "
                    "RFC 7662)", "RFC 6749 §1.4")
    else:
        trace.check("access token form (the client's accessTokenFormat)", True,
                    "JWT (typ at+jwt, ES256)", "RFC 9068 §2")


def _bind(grant: Grant, refresh_grant: Grant | None,
          binding: dpop.Binding | None) -> tuple[Grant, Grant | None]:
    """RFC 9449 §6.1: a proof's key goes into the access token's `cnf`; §5: refresh tokens of
    public clients are bound to it too (those of confidential clients are not)."""
    if binding is None:
        return grant, refresh_grant
    access = replace(grant, jkt=binding.jkt)
    if not binding.public:  # a code bound by dpop_jkt (§10) leaves its refresh token unbound
        return access, replace(refresh_grant or grant, jkt=None)
    return access, replace(refresh_grant or grant, jkt=binding.jkt)


def target_audience(params: Params, ctx: ServerContext, trace: TraceBuilder) -> str | None:
    """Whom the token is for: `audience` (RFC 8693 §2.1: a registered client's id or a
    configured resource) or `resource` (RFC 8707 §2: an absolute URI without a fragment, one of
    the configured resources); anything else is `invalid_target`. None: this server."""
    resource, audience = params.get("resource"), params.get("audience")
    if resource is not None:
        parts = urlsplit(resource) if resource.isascii() else None
        trace.require("resource is an absolute URI without a fragment",
                      parts is not None and bool(parts.scheme) and bool(parts.netloc)
                      and not parts.fragment,
                      InvalidTarget(f"resource {resource!r} is not an absolute URI without a "
                                    "fragment", rfc="RFC 8707 §2"))
    for name, value in (("resource", resource), ("audience", audience)):
        if value is not None:
            _known_target(name, value, ctx, trace)
    target = audience or resource
    trace.check("audience of the new token", True, target or "(this server, as usual)",
                "RFC 8707 §2, RFC 8693 §2.1")
    return target


def _known_target(name: str, value: str, ctx: ServerContext, trace: TraceBuilder) -> None:
    resources = ctx.config.resources
    known = value in resources or (name == "audience" and ctx.clients.get(value) is not None)
    kinds = "a configured resource" + (" or a registered client id" if name == "audience" else "")
    trace.require(f"{name} is {kinds}", known, InvalidTarget(
        f"{name} {value!r} is not {kinds}; the resources here: {', '.join(resources) or 'none'}",
        rfc="RFC 8707 §2, RFC 8693 §2.2.2"))

