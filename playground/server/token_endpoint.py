"""The token endpoint: RFC 6749 §3.2, §4.1.3, §5, §6 and RFC 7636 §4.5-§4.6.

Client authentication per the client's `authMethods` (RFC 6749 §2.3.1: `client_secret_basic`,
`client_secret_post`; `none` for public clients). Errors are RFC 6749 §5.2 JSON with
`Cache-Control: no-store`; a failed Basic authentication answers 401 with `WWW-Authenticate`.
The body is `application/x-www-form-urlencoded` (§4.1.3) or, for the seed's browser code, JSON
(accepted with a lint finding).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from playground.core.errors import (
    InvalidGrant,
    InvalidRequest,
    InvalidScope,
    UnauthorizedClient,
    UnsupportedGrantType,
)
from playground.server import pkce_rules
from playground.server.client_auth import authenticate, read_params
from playground.server.clients import Client
from playground.server.context import ServerContext
from playground.server.http import Params, json_response
from playground.server.store import CodeRecord, Grant, RefreshRecord
from playground.server.trace import TraceBuilder


async def token(request: Request, ctx: ServerContext, trace: TraceBuilder) -> Response:
    await ctx.faults.before_token(trace)
    params = await read_params(request, ctx, trace)
    client, method = authenticate(request, params, ctx, trace)
    grant_type = params.get("grant_type")
    trace.require("grant_type is present", grant_type is not None,
                  InvalidRequest("grant_type is missing", rfc="RFC 6749 §4.1.3"))
    trace.require("grant_type is supported", grant_type in ("authorization_code", "refresh_token"),
                  UnsupportedGrantType(f"grant_type {grant_type!r} is not supported; use "
                                       "authorization_code or refresh_token",
                                       rfc="RFC 6749 §5.2"))
    assert grant_type is not None
    _grant_allowed(client, grant_type, trace)
    if grant_type == "authorization_code":
        body = await _authorization_code(params, ctx, client, trace)
    else:
        body = await _refresh(params, ctx, client, method, trace)
    trace.outcome = f"tokens issued ({', '.join(k for k in body if k.endswith('token'))})"
    return json_response(body)


def _grant_allowed(client: Client, grant_type: str, trace: TraceBuilder) -> None:
    trace.require(f"client may use the {grant_type} grant", client.allows_grant(grant_type),
                  UnauthorizedClient(f"the client is not registered for {grant_type}",
                                     rfc="RFC 6749 §5.2"))
    if grant_type not in client.grantTypes:
        trace.finding("refresh-grant-implied", "grantTypes lacks refresh_token; allowed because "
                      "the client is registered for offline_access", "RFC 6749 §6",
                      "add 'refresh_token' to the client's grantTypes", "info")


async def _authorization_code(params: Params, ctx: ServerContext, client: Client,
                        trace: TraceBuilder) -> dict[str, Any]:
    code = params.get("code")
    trace.require("code is present", code is not None,
                  InvalidRequest("code is missing", rfc="RFC 6749 §4.1.3"))
    assert code is not None
    if "scope" in params:
        trace.lint("token-scope-ignored", "scope is not a parameter of the authorization_code "
                   "token request; ignored")
    name = "code is known, unused and unexpired"

    def validate(record: CodeRecord) -> None:
        trace.check(name, True, "", "RFC 6749 §4.1.2")
        _bindings(record, params, ctx, client, trace)

    with trace.guard(name):
        record = ctx.store.redeem_code(code, validate)
    return await _issue(ctx, record.grant, trace, code_record=record)


def _bindings(record: CodeRecord, params: Params, ctx: ServerContext, client: Client,
              trace: TraceBuilder) -> None:
    """RFC 6749 §4.1.3 and RFC 7636 §4.6: the code's client, redirect URI and challenge."""
    trace.require("code was issued to this client", record.grant.client_id == client.id,
                  InvalidGrant("the code was issued to another client", rfc="RFC 6749 §4.1.3"))
    given = params.get("redirect_uri")
    trace.require("redirect_uri is present if it was in the authorization request",
                  given is not None or not record.redirect_uri_given,
                  InvalidGrant("redirect_uri is required: it was in the authorization request",
                               rfc="RFC 6749 §4.1.3"))
    trace.require("redirect_uri is identical to the authorization request's",
                  given is None or given == record.redirect_uri,
                  InvalidGrant(f"redirect_uri {given!r} differs from the authorization "
                               f"request's {record.redirect_uri!r}", rfc="RFC 6749 §4.1.3"))
    pkce_rules.check_verifier(record, params.get("code_verifier"), ctx, trace)


async def _refresh(params: Params, ctx: ServerContext, client: Client, method: str,
             trace: TraceBuilder) -> dict[str, Any]:
    token = params.get("refresh_token")
    trace.require("refresh_token is present", token is not None,
                  InvalidRequest("refresh_token is missing", rfc="RFC 6749 §6"))
    assert token is not None
    rotate = method == "none"
    requested = tuple(dict.fromkeys((params.get("scope") or "").split()))
    name = "refresh token is known, unused and unexpired"

    def validate(record: RefreshRecord) -> None:
        trace.check(name, True, "rotated (public client)" if rotate
                    else "kept (confidential client)", "RFC 6749 §6, RFC 9700 §4.14.2")
        wider = [s for s in requested if s not in record.grant.scopes]
        trace.require("scope is within the original grant", not wider, InvalidScope(
            f"scope(s) {' '.join(wider)} exceed the original grant", rfc="RFC 6749 §6"))

    with trace.guard(name):
        record = ctx.store.use_refresh(token, client.id, rotate, validate)
    grant = record.grant
    requested = requested or grant.scopes
    narrowed = Grant(grant.client_id, grant.sub, requested, grant.auth_time, None)
    return await _issue(ctx, narrowed, trace, family=record.family,
                  refresh_grant=grant if rotate else None)


async def _issue(ctx: ServerContext, grant: Grant, trace: TraceBuilder, *,
           code_record: CodeRecord | None = None, family: str | None = None,
           refresh_grant: Grant | None = None) -> dict[str, Any]:
    """RFC 6749 §5.1; refresh tokens only when `offline_access` was granted (OIDC Core §11)."""
    tokens = await ctx.tokens.issue(grant, nonce=code_record is not None)
    body: dict[str, Any] = {"access_token": tokens.access_token, "token_type": "Bearer",
                            "expires_in": ctx.config.access_token_ttl,
                            "scope": " ".join(grant.scopes)}
    if tokens.id_token is not None:
        body["id_token"] = tokens.id_token
    if code_record is not None and "offline_access" in grant.scopes:
        body["refresh_token"], family = ctx.store.issue_refresh(grant)
    elif refresh_grant is not None and family is not None:
        body["refresh_token"], _ = ctx.store.issue_refresh(refresh_grant, family)
    if family is not None:
        ctx.store.attach_to_family(family, tokens.jti)
    if code_record is not None:
        ctx.store.attach_to_code(code_record, tokens.jti, family)
    trace.check("refresh token issued only with offline_access", True,
                "issued" if "refresh_token" in body else "not issued", "OIDC Core §11")
    ctx.faults.alter_tokens(body, ctx.keys, ctx.clock.now(), trace)
    return body
