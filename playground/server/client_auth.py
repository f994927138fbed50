"""Client authentication at the token, revocation and introspection endpoints.

RFC 6749 §2.3: a client uses one authentication method per request; §2.3.1 defines
`client_secret_basic` (HTTP Basic with form-urlencoded id and secret, RFC 7617) and
`client_secret_post`; JWT assertions (`client_secret_jwt`, `private_key_jwt`, RFC 7523 §2.2) are
checked in playground.server.client_assertion; public clients (`none`) send only `client_id`
(§3.2.1). Secrets are compared in constant time. A failed Basic authentication answers 401 with
`WWW-Authenticate` (§5.2); other 401s carry no Basic challenge. The request body is
`application/x-www-form-urlencoded` (§4.1.3), or JSON for the seed's browser code (accepted with
a lint finding).
"""

from __future__ import annotations

import base64
import binascii
import hmac
from urllib.parse import unquote

from starlette.requests import Request

from playground.core.errors import InvalidClient, InvalidRequest
from playground.server.client_assertion import authenticate_assertion, has_assertion
from playground.server.clients import Client
from playground.server.context import ServerContext
from playground.server.http import Params, read_body, route_path
from playground.server.trace import TraceBuilder

BASIC_CHALLENGE = 'Basic realm="oauth-playground", charset="UTF-8"'


class BasicAuthFailed(InvalidClient):
    """RFC 6749 §5.2: 401 with WWW-Authenticate when the client used the Authorization header."""


async def read_params(request: Request, ctx: ServerContext, trace: TraceBuilder) -> Params:
    body = await read_body(request, ctx.config.max_body)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "application/json":
        trace.check("body is form-urlencoded (or the seed's JSON)", True,
                    "JSON body accepted, with a lint warning", "RFC 6749 §4.1.3")
        trace.lint("token-json-body", "the request body is JSON; RFC 6749 §4.1.3 says "
                   "application/x-www-form-urlencoded")
        params = Params.from_json(body)
        trace.check("request parsed", True, params.describe(), "RFC 6749 §3.2")
        return params
    trace.require("body is form-urlencoded (or the seed's JSON)",
                  ctype == "application/x-www-form-urlencoded",
                  InvalidRequest(f"Content-Type {ctype or '(none)'!r} is not supported; send "
                                 "application/x-www-form-urlencoded", rfc="RFC 6749 §4.1.3"))
    params = Params.from_form(body)
    trace.check("request parsed", True, params.describe(), "RFC 6749 §3.2")
    trace.require("no parameter is repeated", not params.duplicates,
                  InvalidRequest(f"parameter(s) {', '.join(params.duplicates)} repeated",
                                 rfc="RFC 6749 §3.2"))
    return params


def _basic_credentials(header: str) -> tuple[str, str]:
    """RFC 6749 §2.3.1: Basic with form-urlencoded client_id and client_secret."""
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BasicAuthFailed("the Basic credentials are not valid base64",
                              rfc="RFC 7617 §2") from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise BasicAuthFailed("the Basic credentials have no ':'", rfc="RFC 7617 §2")
    return unquote(client_id.replace("+", " ")), unquote(secret.replace("+", " "))


async def authenticate(request: Request, params: Params, ctx: ServerContext,
                       trace: TraceBuilder) -> tuple[Client, str]:
    """The authenticated client and its method (RFC 6749 §2.3, RFC 7523 §2.2)."""
    header = request.headers.get("authorization", "")
    basic = header[:6].lower() == "basic "
    body_secret = params.get("client_secret")
    if has_assertion(params):
        trace.require("one client authentication method", not (basic or body_secret),
                      InvalidRequest("a client_assertion must be the only client "
                                     "authentication: no Authorization header or client_secret "
                                     "with it", rfc="RFC 6749 §2.3"))
        return await authenticate_assertion(params, route_path(request), ctx, trace)
    trace.require("one client authentication method", not (basic and body_secret),
                  InvalidRequest("use either the Authorization header or client_secret in the "
                                 "body, not both", rfc="RFC 6749 §2.3"))
    if basic:
        client_id, secret = _basic_credentials(header)
        method = "client_secret_basic"
        body_id = params.get("client_id")
        trace.require("client_id in the body matches the Basic user", body_id in (None, client_id),
                      InvalidRequest("client_id in the body differs from the Authorization "
                                     "header", rfc="RFC 6749 §2.3.1"))
    else:
        client_id = params.get("client_id") or ""
        secret = body_secret or ""
        method = "client_secret_post" if body_secret else "none"
    trace.client_id = client_id or None
    client = _check_client(client_id, secret, method, ctx, trace)
    return client, method


def _check_client(client_id: str, secret: str, method: str, ctx: ServerContext,
                  trace: TraceBuilder) -> Client:
    error = BasicAuthFailed if method == "client_secret_basic" else InvalidClient
    trace.require("client_id is present", bool(client_id),
                  error("client authentication failed: no client_id", rfc="RFC 6749 §3.2.1"))
    client = ctx.clients.get(client_id)
    trace.require("client is registered", client is not None,
                  error(f"client {client_id!r} is not registered", rfc="RFC 6749 §2.2"))
    assert client is not None
    trace.require(f"client may authenticate with {method}", method in client.authMethods,
                  error(f"client authentication {method!r} is not allowed for this client; "
                        f"registered: {', '.join(client.authMethods)}", rfc="RFC 6749 §2.3"))
    if method != "none":
        ok = hmac.compare_digest(secret.encode("utf-8"), client.secret.encode("utf-8"))
        trace.require("client secret is correct", ok,
                      error("client authentication failed: wrong secret", rfc="RFC 6749 §2.3.1"))
    return client


