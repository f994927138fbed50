"""The token endpoint: RFC 6749 §3.2, §5, and each grant of `playground.server.grants`.

Client authentication per the client's `authMethods` (RFC 6749 §2.3.1: `client_secret_basic`,
`client_secret_post`; `none` for public clients). Errors are RFC 6749 §5.2 JSON with
`Cache-Control: no-store`; a failed Basic authentication answers 401 with `WWW-Authenticate`.
The body is `application/x-www-form-urlencoded` (§4.1.3) or, for the seed's browser code, JSON
(accepted with a lint finding).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from playground.core.errors import (
    InvalidDPoPProof,
    InvalidRequest,
    UnauthorizedClient,
    UnsupportedGrantType,
)
from playground.server import behaviours, dpop
from playground.server.client_auth import authenticate, read_params
from playground.server.clients import Client
from playground.server.context import ServerContext
from playground.server.grants import GRANTS
from playground.server.http import json_response
from playground.server.trace import TraceBuilder


async def token(request: Request, ctx: ServerContext, trace: TraceBuilder) -> Response:
    await ctx.faults.before_token(trace)
    params = await read_params(request, ctx, trace)
    client, method = await authenticate(request, params, ctx, trace)
    grant_type = params.get("grant_type")
    trace.require("grant_type is present", grant_type is not None,
                  InvalidRequest("grant_type is missing", rfc="RFC 6749 §4.1.3"))
    assert grant_type is not None
    grant = GRANTS.get(grant_type)
    trace.require("grant_type is supported", grant is not None, UnsupportedGrantType(
        f"grant_type {grant_type!r} is not supported; use one of {', '.join(GRANTS)}",
        rfc="RFC 6749 §5.2"))
    assert grant is not None
    _grant_allowed(client, grant_type, trace)
    with dpop.bound(_proof(request, ctx, client, trace)), behaviours.grant_type(grant_type):
        body = await grant.issue(params, ctx, client, method, trace)
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


def _proof(request: Request, ctx: ServerContext, client: Client,
           trace: TraceBuilder) -> dpop.Binding | None:
    """RFC 9449 §5: a DPoP proof binds the tokens to its key; a `dpopBound` client must send
    one (§5.2 `dpop_bound_access_tokens`)."""
    if not dpop.has_proof(request):
        trace.require("a DPoP proof when the client's tokens must be DPoP-bound",
                      not client.dpopBound, InvalidDPoPProof(
                          "this client's tokens must be DPoP-bound: send a DPoP proof header",
                          rfc="RFC 9449 §5.2"))
        return None
    return dpop.Binding(dpop.check_proof(request, ctx, trace), client.is_public)
