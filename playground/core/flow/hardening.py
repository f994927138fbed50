"""The client's hardening options, applied around the steps' requests: DPoP (RFC 9449), PAR
(RFC 9126), JWT client authentication (RFC 7523 §2.2, OIDC Core §9) and request objects
(RFC 9101).

The builders are pure (playground.core.jose.dpop, .assertion, .request_object; protocol.par);
this module picks the key, the time and the audience from the step context, keeps the session's
one DPoP key and its latest server nonce, and retries a request once when the server demands a
nonce (RFC 9449 §8, §9).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import httpx

from playground.core.checks import CheckResult
from playground.core.flowerrors import FlowError
from playground.core.jose import assertion, jwk, request_object
from playground.core.jose.dpop import DPoPKey
from playground.core.protocol import par, token
from playground.core.protocol.wire import HttpRequest, send

if TYPE_CHECKING:
    from playground.core.flow.stepinfo import ClientConfig
    from playground.core.flow.steps import StepContext

NONCE_ERROR = "use_dpop_nonce"  # RFC 9449 §8 (authorization server), §9 (resource server)


@dataclass
class DPoPState:
    """The session's DPoP key, made once and used for token, refresh and UserInfo, and the
    latest `DPoP-Nonce` a server sent (RFC 9449 §8.2: use it in the next proofs)."""

    key: DPoPKey
    nonce: str | None = None


def token_options(config: ClientConfig) -> dict[str, Any]:
    """The token step's hardening inputs (the window toggles them)."""
    return {"dpop": config.dpop, "client_key": config.client_key,
            "assertion_audience": config.assertion_audience}


def authorize_options(config: ClientConfig) -> dict[str, Any]:
    """The authorize step's hardening inputs."""
    return {"par": config.par, "request_object": config.request_object}


# -- DPoP (RFC 9449) ------------------------------------------------------------------------
def dpop_on(ctx: StepContext) -> bool:
    return bool(ctx.inputs("token").get("dpop"))


def dpop_state(ctx: StepContext) -> DPoPState:
    """The one DPoP key of this run (§4.1: the same key proves every request)."""
    return ctx.keep("dpop", lambda: DPoPState(DPoPKey.generate()))


def with_proof(ctx: StepContext, request: HttpRequest, access_token: str | None = None
               ) -> HttpRequest:
    """`request` with a fresh `DPoP` proof header (§4.1; `ath` for a resource, §7.1)."""
    state = dpop_state(ctx)
    proof = state.key.proof(request.method, request.url, now=ctx.now(),
                            access_token=access_token, nonce=state.nonce)
    headers = tuple((k, v) for k, v in request.headers if k.lower() != "dpop")
    return replace(request, headers=(*headers, ("DPoP", proof)))


def binding_checks(ctx: StepContext, claims: Mapping[str, Any]) -> tuple[CheckResult, ...]:
    """§6.1: a DPoP-bound JWT access token names the key's thumbprint in `cnf.jkt`."""
    if not dpop_on(ctx):
        return ()
    cnf = claims.get("cnf")
    jkt = cnf.get("jkt") if isinstance(cnf, dict) else None
    mine, rule = dpop_state(ctx).key.thumbprint, "RFC 9449 §6.1"
    if jkt is None:
        return (CheckResult("cnf.jkt", "skip", "the access token names no cnf.jkt: not bound "
                            "to the DPoP key, or opaque", rule),)
    if jkt == mine:
        return (CheckResult("cnf.jkt", "pass", "bound to this client's DPoP key", rule),)
    return (CheckResult("cnf.jkt", "fail", f"cnf.jkt is {jkt!r}, the DPoP key's thumbprint is "
                        f"{mine!r}", rule),)


async def send_with_nonce(ctx: StepContext, request: HttpRequest,
                          access_token: str | None = None) -> tuple[HttpRequest, httpx.Response]:
    """Send; when a DPoP request is answered `use_dpop_nonce` (§8 at the authorization server,
    §9 at a resource), retry once with the server's `DPoP-Nonce`. Returns what was last sent."""
    response = await send(ctx.http, request)
    if request.header("DPoP") is None:
        return request, response
    fresh = remember_nonce(ctx, response)
    if not (fresh and demands_nonce(response.status_code, response.headers, response.content)):
        return request, response
    retry = with_proof(ctx, _fresh_assertion(ctx, request), access_token)
    response = await send(ctx.http, retry)
    remember_nonce(ctx, response)
    return retry, response


def _fresh_assertion(ctx: StepContext, request: HttpRequest) -> HttpRequest:
    """The retry re-signs its client assertion: a server may refuse a `jti` seen before
    (RFC 7523 §3 item 7)."""
    rows = list(request.fields)
    if not any(name == "client_assertion" for name, _ in rows):
        return request
    inputs = ctx.inputs("token")
    auth = with_assertion(ctx, token.ClientAuth(
        client_id=dict(rows).get("client_id") or str(inputs["client_id"]),
        client_secret=inputs.get("client_secret"), method=inputs.get("auth_method") or "none"))
    rows = [(k, auth.assertion or v if k == "client_assertion" else v) for k, v in rows]
    body = json.dumps(dict(rows)).encode() if request.header("content-type") == \
        "application/json" else urlencode(rows).encode()
    return replace(request, body=body, fields=tuple(rows))


def remember_nonce(ctx: StepContext, response: httpx.Response) -> bool:
    """§8.2: keep the latest `DPoP-Nonce`; True when one came."""
    nonce = response.headers.get("dpop-nonce")
    if nonce:
        dpop_state(ctx).nonce = nonce
    return bool(nonce)


def demands_nonce(status: int, headers: Mapping[str, str], body: bytes) -> bool:
    """§8: 400 `{"error": "use_dpop_nonce"}`; §9: 401 with `WWW-Authenticate: DPoP
    error="use_dpop_nonce"`."""
    if status == 401:
        return NONCE_ERROR in (headers.get("www-authenticate") or "")
    if status != 400:
        return False
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(data, dict) and data.get("error") == NONCE_ERROR


# -- client authentication with a JWT (RFC 7523 §2.2, OIDC Core §9) --------------------------
def with_assertion(ctx: StepContext, auth: token.ClientAuth) -> token.ClientAuth:
    """`auth` with its signed client assertion, for the JWT methods; else `auth` unchanged."""
    if auth.method not in token.JWT_METHODS:
        return auth
    inputs, now = ctx.inputs("token"), ctx.now()
    audience = _audience(ctx, inputs)
    if auth.method == "client_secret_jwt":
        if not auth.client_secret:
            raise FlowError("client_secret_jwt needs the client secret", rfc="OIDC Core §9")
        signed = assertion.client_secret_jwt(auth.client_id, audience, auth.client_secret,
                                             now=now)
    else:
        key = signing_key(inputs)
        if key is None:
            raise FlowError("private_key_jwt needs the client's private key (--key)",
                            rfc="RFC 7523 §2.2")
        signed = assertion.private_key_jwt(auth.client_id, audience, key, now=now)
    return replace(auth, assertion=signed)


def _audience(ctx: StepContext, inputs: Mapping[str, Any]) -> str:
    """RFC 7523 §3 item 3: the issuer by default, or the token endpoint URL."""
    meta = ctx.outcome("discovery")
    if meta is None:
        raise FlowError("run discovery first: the assertion's audience is the issuer")
    wanted = inputs.get("assertion_audience")
    return str(meta.token_endpoint if wanted == "token_endpoint" else meta.issuer)


def signing_key(inputs: Mapping[str, Any]) -> jwk.SigningJwk | None:
    """The client's private key from the `client_key` input (PEM or JWK text, or a key)."""
    value = inputs.get("client_key")
    if value is None or isinstance(value, jwk.SigningJwk):
        return value
    try:
        return jwk.load_private_key(str(value))
    except jwk.JwkError as exc:
        raise FlowError(f"the client key cannot be used: {exc}", rfc="RFC 7517 §4") from None


# -- request objects (RFC 9101) and PAR (RFC 9126) -------------------------------------------
def wrap_request_object(ctx: StepContext, client_id: str, params: Sequence[tuple[str, str]]
                        ) -> tuple[str, list[tuple[str, str]]]:
    """RFC 9101 §4, §5.1: the signed request object and the parameters that carry it."""
    inputs = ctx.inputs("token")
    key = signing_key(inputs)
    secret = inputs.get("client_secret")
    if key is None and not secret:
        raise FlowError("a request object is signed with the client's key or secret: give "
                        "one", rfc="RFC 9101 §4")
    audience = str(ctx.outcome("discovery").issuer)
    signed = request_object.build(params, client_id, audience, now=ctx.now(), key=key,
                                  secret=None if key else str(secret))
    return signed, request_object.outer_params(params, client_id, signed)


async def push(ctx: StepContext, params: Sequence[tuple[str, str]], auth: token.ClientAuth
               ) -> tuple[HttpRequest, par.PushedRequest]:
    """RFC 9126 §2.1: post the parameters (with a DPoP proof when on, RFC 9449 §10.1)."""
    endpoint = ctx.outcome("discovery").pushed_authorization_request_endpoint
    if endpoint is None:
        raise FlowError("the provider's metadata has no pushed_authorization_request_endpoint",
                        rfc="RFC 9126 §5")
    request = par.build_par_request(endpoint, params, auth)
    if dpop_on(ctx):
        request = with_proof(ctx, request)
    sent, response = await send_with_nonce(ctx, request)
    pushed = par.parse_par_response(
        response.status_code, response.headers.get("content-type"), response.content)
    return sent, pushed
