"""Signed request objects (RFC 9101) and pushed request URIs (RFC 9126 §4), resolved into the
plain parameters that `authorize.validate` checks.

RFC 9101 §4: the `request` parameter is a JWT whose claims are the authorization request
parameters; §6.1-§6.2: it must be signed by the client (`alg: none` is refused, RFC 8725 §3.1)
and verified with the client's registered keys (or its secret for HS*); §5: `client_id` must
also be sent outside the object and equal its `client_id` claim. `iss` must be the client and
`aud` this issuer (RFC 9101 §10.2, FAPI 2.0); `exp`, `nbf` and a single-use `jti` are checked
(§10.8). The object's parameters win over the query's (RFC 9101 §6.3, OIDC Core §6.1).

Errors about a request object or a request_uri are shown as a page, never redirected: the
`redirect_uri` and `state` may come from the object (or the pushed request) itself, which cannot
be trusted before it is verified (RFC 6749 §4.1.2.1 forbids redirecting to an unverified URI).
At the PAR endpoint they are JSON (RFC 9126 §2.3).
"""

from __future__ import annotations

import json
import numbers
from dataclasses import dataclass
from typing import Any

import jwt

from playground.core.errors import (
    InvalidRequest,
    InvalidRequestObject,
    InvalidRequestUri,
    OAuthError,
)
from playground.core.jose.jwk import ASYMMETRIC_ALGORITHMS, SYMMETRIC_ALGORITHMS
from playground.server import authorize
from playground.server.clients import Client
from playground.server.context import ASSERTION_MAX_LIFETIME, ServerContext
from playground.server.http import Params
from playground.server.trace import TraceBuilder

REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:"  # RFC 9126 §2.2
ALGORITHMS = ASYMMETRIC_ALGORITHMS + SYMMETRIC_ALGORITHMS
# Claims of the JWT itself (RFC 7519 §4.1), not authorization request parameters.
JWT_CLAIMS = frozenset({"iss", "aud", "exp", "nbf", "iat", "jti", "sub"})
CLOCK_SKEW = 5.0  # seconds allowed on `nbf`


class RequestUriNotSupported(OAuthError):
    """OIDC Core §3.1.2.6 / RFC 9101 §10.2: this server only takes its own PAR request_uris."""

    error = "request_uri_not_supported"


@dataclass(frozen=True, slots=True)
class PushedRequest:
    """What RFC 9126 §2.1 stored: the authenticated client and its (resolved) parameters."""

    client_id: str
    params: Params


@dataclass(frozen=True, slots=True)
class Resolved:
    """The authorization request as plain parameters, and whether it was pushed (RFC 9126 §4)."""

    params: Params
    pushed: bool


async def resolve(params: Params, ctx: ServerContext, trace: TraceBuilder) -> Resolved:
    """The authorization endpoint's pre-step: `request_uri` (RFC 9126 §4), then `request`
    (RFC 9101 §5); a plain request passes unchanged. Raises `OAuthError` (shown as a page)."""
    if "request_uri" in params:
        return Resolved(_pushed(params, ctx, trace), True)
    if "request" in params:
        client = _query_client(params, ctx, trace)
        return Resolved(await unpack(params, client, ctx, trace), False)
    return Resolved(params, False)


def _query_client(params: Params, ctx: ServerContext, trace: TraceBuilder) -> Client:
    client_id = params.get("client_id")
    trace.require("client_id is sent with the request object", client_id is not None,
                  InvalidRequest("client_id is required alongside request (RFC 9101 §5)",
                                 rfc="RFC 9101 §5"))
    assert client_id is not None
    return authorize.registered_client(client_id, ctx, trace)


def _pushed(params: Params, ctx: ServerContext, trace: TraceBuilder) -> Params:
    """RFC 9126 §4: the pushed parameters are the request; `client_id` must match."""
    uri = params.get("request_uri") or ""
    client_id = params.get("client_id")
    trace.require("request_uri is sent once", "request_uri" not in params.duplicates,
                  InvalidRequest("request_uri is repeated", rfc="RFC 6749 §3.1"))
    trace.require("client_id is sent with request_uri", client_id is not None
                  and "client_id" not in params.duplicates,
                  InvalidRequest("client_id is required (once) alongside request_uri",
                                 rfc="RFC 9126 §4"))
    trace.client_id = client_id
    trace.require("request_uri is one this server issued (PAR)",
                  uri.startswith(REQUEST_URI_PREFIX), RequestUriNotSupported(
                      "only request_uris from this server's pushed authorization request "
                      f"endpoint ({REQUEST_URI_PREFIX}…) are accepted", rfc="RFC 9101 §10.2"),
                  detail=uri[:80])
    stored = ctx.pushed_requests.get(uri)
    trace.require("request_uri is known, unexpired and unused", isinstance(stored, PushedRequest),
                  InvalidRequestUri("the request_uri is unknown, expired or already used; push "
                                    "the request again", rfc="RFC 9126 §4"))
    assert isinstance(stored, PushedRequest)
    trace.require("client_id matches the pushing client", stored.client_id == client_id,
                  InvalidRequestUri("the request_uri was pushed by another client",
                                    rfc="RFC 9126 §4"), detail=stored.client_id)
    trace.require("request_uri is used once", ctx.pushed_requests.pop(uri) is not None,
                  InvalidRequestUri("the request_uri was already used", rfc="RFC 9126 §4"))
    ignored = sorted({name for name, _ in params.pairs} - {"client_id", "request_uri"})
    trace.check("query parameters besides client_id and request_uri are ignored", True,
                ", ".join(ignored) or "(none)", "RFC 9126 §4")
    return stored.params


async def unpack(params: Params, client: Client, ctx: ServerContext,
                 trace: TraceBuilder) -> Params:
    """RFC 9101 §6: verify the `request` JWS and merge its claims over `params` (§6.3)."""
    token = params.get("request") or ""
    trace.require("request is sent once", "request" not in params.duplicates,
                  InvalidRequestObject("request is repeated", rfc="RFC 6749 §3.1"))
    trace.require("request object is signed (not alg none)", _alg(token) != "none",
                  InvalidRequestObject("unsigned request objects (alg 'none') are not accepted",
                                       rfc="RFC 9101 §6.1, RFC 8725 §3.1"))
    with trace.guard("request object signature is valid"):
        signed = await ctx.client_keys.verify(token, client, ALGORITHMS, InvalidRequestObject,
                                              "RFC 9101 §6.2", "request object")
    trace.check("request object signature is valid", True,
                f"{signed.header.get('alg')} key {signed.key_id or '(client secret)'}",
                "RFC 9101 §6.2")
    _check_claims(signed.claims, client, params.get("client_id"), ctx, trace)
    return _merge(params, signed.claims, trace)


def _alg(token: str) -> str | None:
    """The `alg` of a compact JWS header, read without trusting it (None: unreadable)."""
    try:
        return str(jwt.get_unverified_header(token).get("alg"))
    except jwt.PyJWTError:
        return None


def _check_claims(claims: dict[str, Any], client: Client, client_id: str | None,
                  ctx: ServerContext, trace: TraceBuilder) -> None:
    trace.require("request object iss is the client", claims.get("iss") == client.id,
                  InvalidRequestObject(f"the request object's iss {claims.get('iss')!r} is not "
                                       f"the client {client.id!r}", rfc="RFC 9101 §10.2"))
    aud = claims.get("aud")
    auds = aud if isinstance(aud, list) else [aud]
    trace.require("request object aud is this issuer", ctx.issuer in auds,
                  InvalidRequestObject(f"the request object's aud {aud!r} is not this issuer "
                                       f"{ctx.issuer!r}", rfc="RFC 9101 §10.2"))
    trace.require("request object client_id equals the request's client_id",
                  claims.get("client_id") == client_id == client.id,
                  InvalidRequestObject("the request object's client_id claim differs from the "
                                       "client_id sent with it", rfc="RFC 9101 §5"))
    trace.require("request object holds no request or request_uri",
                  "request" not in claims and "request_uri" not in claims,
                  InvalidRequestObject("a request object must not contain request or "
                                       "request_uri", rfc="RFC 9101 §4"))
    _check_times(claims, ctx.clock.now(), trace)
    _check_jti(claims, client.id, ctx, trace)


def _number(claims: dict[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidRequestObject(f"the request object's {name} is not a NumericDate",
                                   rfc="RFC 7519 §2")
    return float(value)


def _check_times(claims: dict[str, Any], now: float, trace: TraceBuilder) -> None:
    with trace.guard("request object exp and nbf are numbers"):
        exp, nbf = _number(claims, "exp"), _number(claims, "nbf")
    trace.require("request object has not expired", exp is None or exp > now,
                  InvalidRequestObject("the request object has expired (exp is past)",
                                       rfc="RFC 9101 §10.8, RFC 7519 §4.1.4"))
    trace.require("request object lifetime is bounded",
                  exp is None or exp <= now + ASSERTION_MAX_LIFETIME,
                  InvalidRequestObject(f"the request object's exp is more than "
                                       f"{int(ASSERTION_MAX_LIFETIME)} s ahead",
                                       rfc="RFC 9101 §10.8"))
    trace.require("request object is already valid (nbf)", nbf is None or nbf <= now + CLOCK_SKEW,
                  InvalidRequestObject("the request object is not valid yet (nbf is future)",
                                       rfc="RFC 7519 §4.1.5"))


def _check_jti(claims: dict[str, Any], client_id: str, ctx: ServerContext,
               trace: TraceBuilder) -> None:
    jti = claims.get("jti")
    if jti is None:
        return
    key = (client_id, str(jti))
    trace.require("request object jti is not replayed", ctx.request_object_jtis.get(key) is None,
                  InvalidRequestObject("the request object's jti was already used",
                                       rfc="RFC 9101 §10.8"), detail=str(jti)[:80])
    ctx.request_object_jtis.put(key, True)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return json.dumps(value, separators=(",", ":"))


def _merge(params: Params, claims: dict[str, Any], trace: TraceBuilder) -> Params:
    """RFC 9101 §6.3, OIDC Core §6.1: the object's parameters win over the query's."""
    inner = {name: _text(value) for name, value in claims.items()
             if name not in JWT_CLAIMS and value is not None}
    overridden = sorted({name for name, _ in params.pairs} & set(inner) - {"client_id"})
    trace.check("request object parameters override the query's", True,
                ", ".join(overridden) or "(none overridden)", "RFC 9101 §6.3")
    outer = [(name, value) for name, value in params.pairs
             if name not in inner and name != "request"]
    return Params(outer + list(inner.items()))
