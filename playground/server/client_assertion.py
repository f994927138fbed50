"""JWT client authentication: `client_secret_jwt` and `private_key_jwt`.

RFC 7521 §4.2: the client sends `client_assertion_type`
(`urn:ietf:params:oauth:client-assertion-type:jwt-bearer`, RFC 7523 §2.2) and `client_assertion`,
one JWT; OIDC Core §9 names the two methods: an HMAC with the client secret (`client_secret_jwt`,
HS*) or a signature with a private key whose public part the client registered
(`private_key_jwt`). RFC 7523 §3 lists the claims checked here: `iss` and `sub` are the
client_id (1, 2), `aud` names this server (3), `exp` is present and not past (4), `nbf`/`iat`
are not in the future (5, 6), and `jti` is used once (7). The assertion may live at most
`ASSERTION_MAX_LIFETIME` seconds, the time its `jti` is remembered. Every failure is
`invalid_client` (401, RFC 6749 §5.2), with no `WWW-Authenticate: Basic` challenge.
"""

from __future__ import annotations

from typing import Any

import jwt
from jwt.exceptions import PyJWTError

from playground.core.errors import InvalidClient
from playground.core.jose.jwk import SYMMETRIC_ALGORITHMS
from playground.server.clients import ASSERTION_ALGORITHMS, Client
from playground.server.context import ASSERTION_MAX_LIFETIME, ServerContext
from playground.server.http import Params
from playground.server.trace import TraceBuilder

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
LEEWAY = 5.0  # seconds of clock skew allowed on exp, nbf and iat
TOKEN_PATH = "/oauth2/token"


def has_assertion(params: Params) -> bool:
    """RFC 7521 §4.2: the request uses assertion-based client authentication."""
    return "client_assertion" in params or "client_assertion_type" in params


async def authenticate_assertion(params: Params, path: str, ctx: ServerContext,
                                 trace: TraceBuilder) -> tuple[Client, str]:
    """The client a JWT assertion authenticates, and its method (RFC 7523 §2.2, §3)."""
    assertion_type = params.get("client_assertion_type")
    trace.require("client_assertion_type is jwt-bearer", assertion_type == JWT_BEARER,
                  InvalidClient(f"client_assertion_type must be {JWT_BEARER!r}, got "
                                f"{assertion_type!r}", rfc="RFC 7523 §2.2"))
    token = params.get("client_assertion") or ""
    trace.require("client_assertion is present", bool(token),
                  InvalidClient("client_assertion is missing or empty", rfc="RFC 7521 §4.2"))
    unverified = _unverified(token)
    client = _find_client(params, unverified, ctx, trace)
    alg = str(_unverified_header(token).get("alg"))
    method = "client_secret_jwt" if alg in SYMMETRIC_ALGORITHMS else "private_key_jwt"
    trace.require(f"client may authenticate with {method}", method in client.authMethods,
                  InvalidClient(f"a {alg} assertion means {method}, which is not allowed for "
                                f"this client; registered: {', '.join(client.authMethods)}",
                                rfc="OIDC Core §9"))
    allowed = ((client.tokenEndpointAuthSigningAlg,) if client.tokenEndpointAuthSigningAlg
               else ASSERTION_ALGORITHMS[method])
    trace.require("assertion alg is allowed", alg in allowed,
                  InvalidClient(f"the client assertion is signed with alg {alg!r}; allowed for "
                                f"this client: {', '.join(allowed)} ('none' never, RFC 8725 "
                                "§3.1)", rfc="OIDC Registration §2"))
    with trace.guard("assertion signature is valid"):
        signed = await ctx.client_keys.verify(token, client, allowed, InvalidClient,
                                              "RFC 7523 §3 (9)", "client assertion")
    trace.check("assertion signature is valid", True,
                f"{alg}" + (f", key {signed.key_id}" if signed.key_id else ""), "RFC 7523 §3 (9)")
    _check_claims(signed.claims, client.id, path, ctx, trace)
    return client, method


def _unverified(token: str) -> dict[str, Any]:
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except (PyJWTError, ValueError, TypeError) as exc:
        raise InvalidClient(f"the client assertion is not a JWT ({exc})",
                            rfc="RFC 7523 §3") from None
    if not isinstance(claims, dict):
        raise InvalidClient("the client assertion's payload is not a JSON object",
                            rfc="RFC 7519 §7.2")
    return claims


def _unverified_header(token: str) -> dict[str, Any]:
    try:
        return dict(jwt.get_unverified_header(token))
    except (PyJWTError, ValueError, TypeError) as exc:
        raise InvalidClient(f"the client assertion's header is unreadable ({exc})",
                            rfc="RFC 7515 §4") from None


def _find_client(params: Params, claims: dict[str, Any], ctx: ServerContext,
                 trace: TraceBuilder) -> Client:
    """The body's `client_id` if sent (RFC 7521 §4.2), else the assertion's `iss`/`sub`, read
    without checking the signature only to find whose keys to check it with."""
    body_id = params.get("client_id")
    claimed = body_id or claims.get("sub") or claims.get("iss")
    client_id = claimed if isinstance(claimed, str) else ""
    trace.client_id = client_id or None
    trace.require("client_id is known from the request or the assertion", bool(client_id),
                  InvalidClient("no client_id in the body and no iss/sub in the assertion",
                                rfc="RFC 7521 §4.2"))
    client = ctx.clients.get(client_id)
    trace.require("client is registered", client is not None,
                  InvalidClient(f"client {client_id!r} is not registered", rfc="RFC 6749 §2.2"))
    assert client is not None
    return client


def audiences(ctx: ServerContext, path: str) -> tuple[str, ...]:
    """RFC 7523 §3 (3): the issuer, the token endpoint, or the endpoint being called."""
    return tuple(dict.fromkeys((ctx.issuer, ctx.issuer + TOKEN_PATH, ctx.issuer + path)))


def _check_claims(claims: dict[str, Any], client_id: str, path: str, ctx: ServerContext,
                  trace: TraceBuilder) -> None:
    trace.require("assertion iss is the client_id", claims.get("iss") == client_id,
                  InvalidClient(f"iss must be the client_id {client_id!r}, got "
                                f"{claims.get('iss')!r}", rfc="RFC 7523 §3 (1)"))
    trace.require("assertion sub is the client_id", claims.get("sub") == client_id,
                  InvalidClient(f"sub must be the client_id {client_id!r}, got "
                                f"{claims.get('sub')!r}", rfc="RFC 7523 §3 (2)"))
    _check_audience(claims.get("aud"), path, ctx, trace)
    _check_times(claims, ctx, trace)
    _check_jti(claims.get("jti"), client_id, ctx, trace)


def _check_audience(aud: Any, path: str, ctx: ServerContext, trace: TraceBuilder) -> None:
    values = aud if isinstance(aud, list) else [aud]
    expected = audiences(ctx, path)
    ok = any(isinstance(v, str) and v in expected for v in values)
    others = " or ".join(expected[2:]) if len(expected) > 2 else ""
    trace.require("assertion aud names this server", ok,
                  InvalidClient(f"aud must be the issuer {expected[0]} or the token endpoint "
                                f"{expected[1]}" + (f" or {others}" if others else "")
                                + f"; got {aud!r}", rfc="RFC 7523 §3 (3)"))


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
        else None


def _check_times(claims: dict[str, Any], ctx: ServerContext, trace: TraceBuilder) -> None:
    now = ctx.clock.now()
    exp = _number(claims.get("exp"))
    trace.require("assertion has a numeric exp", exp is not None,
                  InvalidClient("the client assertion has no numeric exp", rfc="RFC 7523 §3 (4)"))
    assert exp is not None
    trace.require("assertion has not expired", exp + LEEWAY > now,
                  InvalidClient(f"the client assertion expired {now - exp:.0f} s ago",
                                rfc="RFC 7523 §3 (4)"))
    trace.require("assertion exp is not too far ahead",
                  exp <= now + ASSERTION_MAX_LIFETIME + LEEWAY,
                  InvalidClient(f"the client assertion's exp is {exp - now:.0f} s ahead; at most "
                                f"{ASSERTION_MAX_LIFETIME:.0f} s is accepted (its jti is "
                                "remembered that long)", rfc="RFC 7523 §3 (4)"))
    for name, item in (("nbf", "RFC 7523 §3 (5)"), ("iat", "RFC 7523 §3 (6)")):
        if name not in claims:
            continue
        value = _number(claims[name])
        trace.require(f"assertion {name} is not in the future",
                      value is not None and value <= now + LEEWAY,
                      InvalidClient(f"the client assertion's {name} {claims[name]!r} is not a "
                                    "time at or before now", rfc=item))


def _check_jti(jti: Any, client_id: str, ctx: ServerContext, trace: TraceBuilder) -> None:
    trace.require("assertion has a jti", isinstance(jti, str) and bool(jti),
                  InvalidClient("the client assertion has no jti", rfc="RFC 7523 §3 (7)"))
    assert isinstance(jti, str)
    key = (client_id, jti)
    trace.require("assertion jti is not replayed", ctx.assertion_jtis.get(key) is None,
                  InvalidClient(f"the assertion's jti {jti!r} was already used",
                                rfc="RFC 7523 §3 (7)"))
    ctx.assertion_jtis.put(key, True)
