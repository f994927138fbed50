"""The device authorization endpoint: RFC 8628 §3.1 (the request) and §3.2 (the answer).

§3.1: the device posts `client_id` and an optional `scope`, form-encoded; "the client
authentication requirements of Section 3.2.1 of [RFC6749] apply", so a public client sends its
`client_id` alone and a confidential one its secret, as at the token endpoint. The client must
be registered for the device_code grant, and the scope is at most the client's (RFC 6749 §3.3;
none asked: all of them). §3.2: `device_code`, `user_code`, `verification_uri`,
`verification_uri_complete` (the URI with the code in it, for a QR code), `expires_in` and
`interval`; errors are the token endpoint's (RFC 6749 §5.2).
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from playground.core.errors import InvalidScope, UnauthorizedClient
from playground.server.client_auth import authenticate, read_params
from playground.server.clients import Client
from playground.server.context import ServerContext
from playground.server.grants.device_code import GRANT_TYPE
from playground.server.http import Params, json_response
from playground.server.trace import TraceBuilder

VERIFICATION_PATH = "/device"


async def device_authorization(request: Request, ctx: ServerContext,
                               trace: TraceBuilder) -> Response:
    """POST /oauth2/device_authorization."""
    params = await read_params(request, ctx, trace)
    client, _method = await authenticate(request, params, ctx, trace)
    trace.require("client may use the device_code grant", client.allows_grant(GRANT_TYPE),
                  UnauthorizedClient(f"the client is not registered for {GRANT_TYPE}",
                                     rfc="RFC 8628 §3.1, RFC 6749 §5.2"))
    record = ctx.devices.issue(client.id, _scopes(params, client, trace))
    uri = ctx.issuer + VERIFICATION_PATH
    trace.outcome = f"device code issued to {client.id}; user code {record.shown_code}"
    return json_response({
        "device_code": record.device_code, "user_code": record.shown_code,
        "verification_uri": uri,
        "verification_uri_complete": f"{uri}?{urlencode({'user_code': record.shown_code})}",
        "expires_in": int(ctx.devices.ttl), "interval": record.interval,
    })


def _scopes(params: Params, client: Client, trace: TraceBuilder) -> tuple[str, ...]:
    asked = tuple(dict.fromkeys((params.get("scope") or "").split())) or client.scopes
    unknown = [s for s in asked if s not in client.scopes]
    trace.require("every scope is one the client may ask for", not unknown, InvalidScope(
        f"scope(s) {' '.join(unknown)} are not registered for this client; it may ask for "
        f"{' '.join(client.scopes)}", rfc="RFC 8628 §3.1, RFC 6749 §3.3"))
    return asked
