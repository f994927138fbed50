"""The pushed authorization request endpoint: RFC 9126.

§2.1: the client POSTs the authorization request parameters form-encoded, authenticating as at
the token endpoint (a public client sends just `client_id`); `request_uri` is not allowed in the
body; a signed `request` object may be (§3). The server checks them as the authorization
endpoint would (§2.1: "the AS MUST validate the request the same way as at the authorization
endpoint"). §2.2: success is 201 with a single-use `request_uri` and `expires_in`; §2.3: errors
are JSON as at the token endpoint, never a redirect.
"""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import Response

from playground.core.errors import InvalidDPoPProof, InvalidRequest, OAuthError
from playground.server import dpop, request_object
from playground.server.authorize import PageError, RedirectError, validate
from playground.server.client_auth import authenticate, read_params
from playground.server.clients import Client
from playground.server.context import ServerContext
from playground.server.http import Params, json_response
from playground.server.request_object import REQUEST_URI_PREFIX, PushedRequest
from playground.server.trace import TraceBuilder

# RFC 6749 §2.3 / RFC 7523 §2.2: client authentication, not part of the authorization request.
AUTH_PARAMS = frozenset({"client_secret", "client_assertion", "client_assertion_type"})


async def par(request: Request, ctx: ServerContext, trace: TraceBuilder) -> Response:
    """POST /oauth2/par (RFC 9126 §2.1)."""
    params = await read_params(request, ctx, trace)
    client, method = await authenticate(request, params, ctx, trace)
    trace.check("client authenticated", True, f"{client.id} with {method}", "RFC 9126 §2.1")
    trace.require("body client_id is the authenticated client",
                  params.get("client_id") in (None, client.id),
                  InvalidRequest("client_id in the body differs from the authenticated client",
                                 rfc="RFC 9126 §2.1"))
    trace.require("no request_uri in the pushed request", "request_uri" not in params,
                  InvalidRequest("request_uri must not be pushed", rfc="RFC 9126 §2.1"))
    pushed = _authorization_params(params, client)
    if "request" in pushed:
        pushed = await request_object.unpack(pushed, client, ctx, trace)
    pushed = _dpop_binding(request, pushed, ctx, trace)
    _validate(pushed, ctx, trace)
    uri = REQUEST_URI_PREFIX + secrets.token_urlsafe(32)
    ctx.pushed_requests.put(uri, PushedRequest(client.id, pushed))
    trace.outcome = f"request pushed by {client.id}; request_uri valid {ctx.config.par_ttl} s"
    return json_response({"request_uri": uri, "expires_in": ctx.config.par_ttl}, 201)


def _dpop_binding(request: Request, pushed: Params, ctx: ServerContext,
                  trace: TraceBuilder) -> Params:
    """RFC 9449 §10.1: a DPoP proof on the pushed request binds the code to its key, as
    `dpop_jkt` would; both present must name the same key."""
    if not dpop.has_proof(request):
        return pushed
    jkt = dpop.check_proof(request, ctx, trace)
    given = pushed.get("dpop_jkt")
    trace.require("dpop_jkt, if sent, names the proof's key", given in (None, jkt),
                  InvalidDPoPProof(f"dpop_jkt {given} differs from the DPoP proof's key {jkt}",
                                   rfc="RFC 9449 §10.1"))
    if given is None:
        return Params([*pushed.pairs, ("dpop_jkt", jkt)] if pushed.pairs
                      else [*pushed.values.items(), ("dpop_jkt", jkt)])
    return pushed


def _authorization_params(params: Params, client: Client) -> Params:
    """The body less client authentication, with the authenticated `client_id` (it may have
    come in the Authorization header or an assertion, RFC 6749 §2.3.1, RFC 7523 §3)."""
    pairs = [(n, v) for n, v in params.pairs if n not in AUTH_PARAMS and n != "client_id"]
    if not params.pairs:  # a JSON body (client_auth.read_params) fills only `values`
        pairs = [(n, v) for n, v in params.values.items()
                 if n not in AUTH_PARAMS and n != "client_id"]
    return Params([("client_id", client.id), *pairs])


def _validate(params: Params, ctx: ServerContext, trace: TraceBuilder) -> None:
    """The authorization endpoint's checks (RFC 9126 §2.1); an error is JSON (§2.3)."""
    error: OAuthError
    try:
        validate(params, ctx, trace, pushed=True)
    except PageError as exc:
        error = exc.error
    except RedirectError as exc:
        error = exc.error
    else:
        return
    raise error
