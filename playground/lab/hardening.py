"""Lab scenarios of the modern hardening: DPoP (RFC 9449), PAR (RFC 9126), JWT client
authentication (RFC 7523) and signed request objects (RFC 9101).

Each crafts the one message a careless or hostile client would send — a replayed proof, a proof
for another URL, an assertion for another server, an unsigned request object — through a
session's recording client (so the verdict lists the exchanges with the server's decision
traces), and expects the error the RFC names. The proofs and assertions are built here with
PyJWT, not by the client engine: the lab shows what the server refuses, whoever sent it.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt as pyjwt

from playground.core.flow.session import FlowSession
from playground.core.flows import AUTH_CODE_PKCE, CLIENT_CREDENTIALS
from playground.core.jose import dpop, jwk
from playground.lab.model import LabContext, Result, Scenario
from playground.server.clients import Client

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
Run = Callable[[LabContext], Awaitable[Result]]


# -- messages ---------------------------------------------------------------------------------
def proof(key: jwk.SigningJwk, htm: str, htu: str, now: float, *, access_token: str | None = None,
          **claims: Any) -> str:
    """A DPoP proof (RFC 9449 §4.2); `claims` override the defaults (to break one)."""
    body: dict[str, Any] = {"jti": secrets.token_urlsafe(12), "htm": htm, "htu": htu,
                            "iat": int(now)}
    if access_token is not None:
        body["ath"] = dpop.ath(access_token)
    body.update(claims)
    header = {"typ": "dpop+jwt", "jwk": dict(jwk.public_members(key.key))}
    return pyjwt.encode(body, key.key, algorithm=key.alg, headers=header)


def assertion(client_id: str, key: Any, alg: str, aud: str, now: float,
              kid: str | None = None) -> str:
    """A client assertion (RFC 7523 §3): iss = sub = client_id, one aud, jti, exp."""
    claims = {"iss": client_id, "sub": client_id, "aud": aud, "jti": secrets.token_urlsafe(12),
              "iat": int(now), "exp": int(now) + 60}
    return pyjwt.encode(claims, key, algorithm=alg, headers={"kid": kid} if kid else None)


def demo_key() -> jwk.SigningJwk:
    """The bundled key of the demo client `playground-fapi` (its public part is registered)."""
    text = jwk.demo_key_text("playground-fapi")
    assert text is not None, "the demo client's key ships with the package"
    return jwk.load_private_key(text)


def _error(response: httpx.Response) -> str | None:
    """The RFC error code of an answer: a JSON body, or a redirect's `error` parameter."""
    location = response.headers.get("location")
    if location:
        found = parse_qs(urlsplit(location).query).get("error")
        return found[0] if found else None
    try:
        data = response.json()
    except ValueError:
        return None
    error = data.get("error") if isinstance(data, dict) else None
    return error if isinstance(error, str) else None


def _happened(response: httpx.Response) -> str:
    error = _error(response)
    return f"answered {response.status_code} {error}" if error \
        else f"answered {response.status_code} without an error"


def _endpoint(ctx: LabContext, path: str) -> str:
    return f"{ctx.server.issuer}{path}"


def _client(ctx: LabContext, predicate: Callable[[Client], bool]) -> Client:
    return next(c for c in ctx.server.clients.list() if predicate(c))


def _service(ctx: LabContext) -> Client:
    """A confidential machine client that is not DPoP-bound (client_secret_basic)."""
    return _client(ctx, lambda c: "client_credentials" in c.grantTypes and not c.dpopBound
                   and "client_secret_basic" in c.authMethods)


def _recorder(ctx: LabContext) -> FlowSession:
    return ctx.session(spec=CLIENT_CREDENTIALS, redirect_uri=None)


async def _machine_token(ctx: LabContext, session: FlowSession, dpop: str | None,
                         ) -> httpx.Response:
    client = _service(ctx)
    headers = {"DPoP": dpop} if dpop else {}
    return await session.http.post(
        _endpoint(ctx, "/oauth2/token"), data={"grant_type": "client_credentials"},
        auth=(client.id, client.secret), headers=headers)


# -- DPoP at the token endpoint ---------------------------------------------------------------
def dpop_refused(**changes: Any) -> Run:
    """A client credentials request whose one proof has `broken` claims; expect
    invalid_dpop_proof (RFC 9449 §5)."""
    async def run(ctx: LabContext) -> Result:
        session = _recorder(ctx)
        key = jwk.generate("ES256")
        broken = dict(changes)
        htm = broken.pop("htm", "POST")
        htu = _endpoint(ctx, "/oauth2/token") + broken.pop("htu_suffix", "")
        now = ctx.server.clock.now() + broken.pop("iat_offset", 0)
        response = await _machine_token(ctx, session, proof(key, htm, htu, now, **broken))
        return Result(_error(response) == "invalid_dpop_proof", _happened(response))
    return run


async def _replayed_proof(ctx: LabContext) -> Result:
    session = _recorder(ctx)
    sent = proof(jwk.generate("ES256"), "POST", _endpoint(ctx, "/oauth2/token"),
                 ctx.server.clock.now())
    first = await _machine_token(ctx, session, sent)
    if first.status_code != 200:
        return Result(False, f"the first use of the proof already failed: {_happened(first)}")
    again = await _machine_token(ctx, session, sent)
    return Result(_error(again) == "invalid_dpop_proof",
                  f"first use answered 200 (token_type {first.json().get('token_type')}); the "
                  f"replay {_happened(again)}")


async def _bound_client_without_proof(ctx: LabContext) -> Result:
    """playground-fapi is dpopBound: a token request without a proof must fail (§5.2)."""
    session = _recorder(ctx)
    client = _client(ctx, lambda c: c.dpopBound and "private_key_jwt" in c.authMethods)
    key = demo_key()
    token_endpoint = _endpoint(ctx, "/oauth2/token")
    response = await session.http.post(token_endpoint, data={
        "grant_type": "client_credentials", "client_id": client.id,
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": assertion(client.id, key.key, key.alg, ctx.server.issuer,
                                      ctx.server.clock.now(), key.kid)})
    return Result(_error(response) == "invalid_dpop_proof", _happened(response))


# -- DPoP at the resource (userinfo) ----------------------------------------------------------
async def _user_token(ctx: LabContext, key: jwk.SigningJwk) -> tuple[FlowSession, str]:
    """Run the code flow as the seed's public client up to the callback, then redeem the code
    with a DPoP proof of `key`: a user's access token bound to `key`."""
    session = ctx.session(spec=AUTH_CODE_PKCE)
    for step in ("discovery", "pkce", "authorize_url", "user_agent", "callback"):
        done = await session.run(step)
        if done.error:
            raise RuntimeError(f"the {step} step failed: {done.error}")
    code = session.outcome("callback").response.code
    token_endpoint = _endpoint(ctx, "/oauth2/token")
    response = await session.http.post(token_endpoint, data={
        "grant_type": "authorization_code", "code": code,
        "redirect_uri": session.outcome("authorize_url").redirect_uri,
        "code_verifier": session.outcome("pkce").verifier, "client_id": session.config.client_id,
    }, headers={"DPoP": proof(key, "POST", token_endpoint, ctx.server.clock.now())})
    if response.status_code != 200:
        raise RuntimeError(f"the DPoP token request failed: {_happened(response)}")
    return session, str(response.json()["access_token"])


async def _proof_of_other_key(ctx: LabContext) -> Result:
    session, token = await _user_token(ctx, jwk.generate("ES256"))
    userinfo = _endpoint(ctx, "/oauth2/userinfo")
    other = proof(jwk.generate("ES256"), "GET", userinfo, ctx.server.clock.now(),
                  access_token=token)
    response = await session.http.get(userinfo, headers={"Authorization": f"DPoP {token}",
                                                          "DPoP": other})
    challenge = response.headers.get("www-authenticate", "")
    return Result(response.status_code == 401 and "invalid_dpop_proof" in challenge,
                  f"answered {response.status_code} with WWW-Authenticate {challenge or '(none)'}")


async def _bound_token_as_bearer(ctx: LabContext) -> Result:
    session, token = await _user_token(ctx, jwk.generate("ES256"))
    response = await session.http.get(_endpoint(ctx, "/oauth2/userinfo"),
                                      headers={"Authorization": f"Bearer {token}"})
    challenge = response.headers.get("www-authenticate", "")
    return Result(response.status_code == 401 and challenge.startswith("DPoP")
                  and "invalid_token" in challenge,
                  f"answered {response.status_code} with WWW-Authenticate {challenge or '(none)'}")


# -- PAR --------------------------------------------------------------------------------------
async def _push(ctx: LabContext, session: FlowSession) -> str:
    """Push the seed client's authorization request (a public client sends its client_id)."""
    for step in ("discovery", "pkce"):
        await session.run(step)
    params = {p.name: p.value for p in session.authorize_params() if p.enabled}
    response = await session.http.post(_endpoint(ctx, "/oauth2/par"), data=params)
    if response.status_code != 201:
        raise RuntimeError(f"the push failed: {_happened(response)}")
    return str(response.json()["request_uri"])


async def _visit(ctx: LabContext, session: FlowSession, request_uri: str) -> httpx.Response:
    return await session.http.get(
        _endpoint(ctx, "/oauth2/authorize"), headers={"Accept": "application/json"},
        params={"client_id": session.config.client_id, "request_uri": request_uri})


async def _request_uri_reused(ctx: LabContext) -> Result:
    session = ctx.session(spec=AUTH_CODE_PKCE)
    request_uri = await _push(ctx, session)
    first = await _visit(ctx, session, request_uri)
    if first.status_code != 302:
        return Result(False, f"the first visit already failed: {_happened(first)}")
    again = await _visit(ctx, session, request_uri)
    return Result(_error(again) == "invalid_request_uri",
                  f"the first visit started the sign-in; the second {_happened(again)}")


async def _request_uri_expired(ctx: LabContext) -> Result:
    session = ctx.session(spec=AUTH_CODE_PKCE)
    request_uri = await _push(ctx, session)
    ctx.server.clock.advance(ctx.server.config.par_ttl + 1)
    response = await _visit(ctx, session, request_uri)
    return Result(_error(response) == "invalid_request_uri",
                  f"{ctx.server.config.par_ttl + 1} s after the push, the visit "
                  f"{_happened(response)}")


async def _par_required(ctx: LabContext) -> Result:
    """playground-fapi is registered requirePushedAuthorizationRequests (RFC 9126 §6)."""
    client = _client(ctx, lambda c: c.requirePushedAuthorizationRequests)
    session = ctx.session(spec=AUTH_CODE_PKCE, client_id=client.id,
                          redirect_uri=client.redirect[0])
    for step in ("discovery", "pkce", "authorize_url"):
        await session.run(step)
    response = await session.http.get(session.outcome("authorize_url").url,
                                      headers={"Accept": "application/json"})
    return Result(_error(response) == "invalid_request", _happened(response))


# -- JWT client authentication ----------------------------------------------------------------
def _jwt_client(ctx: LabContext) -> Client:
    return _client(ctx, lambda c: "client_secret_jwt" in c.authMethods
                   and "client_credentials" in c.grantTypes)


async def _assertion_token(ctx: LabContext, session: FlowSession, client: Client,
                           signed: str) -> httpx.Response:
    return await session.http.post(_endpoint(ctx, "/oauth2/token"), data={
        "grant_type": "client_credentials", "client_id": client.id,
        "client_assertion_type": ASSERTION_TYPE, "client_assertion": signed})


async def _assertion_replayed(ctx: LabContext) -> Result:
    session, client = _recorder(ctx), _jwt_client(ctx)
    signed = assertion(client.id, client.secret.encode(), "HS256", ctx.server.issuer,
                       ctx.server.clock.now())
    first = await _assertion_token(ctx, session, client, signed)
    if first.status_code != 200:
        return Result(False, f"the first use already failed: {_happened(first)}")
    again = await _assertion_token(ctx, session, client, signed)
    return Result(_error(again) == "invalid_client",
                  f"the first use answered 200; the replay {_happened(again)}")


def assertion_refused(aud: str | None = None, wrong_key: bool = False) -> Run:
    async def run(ctx: LabContext) -> Result:
        session, client = _recorder(ctx), _jwt_client(ctx)
        secret = b"not-the-client-secret" * 2 if wrong_key else client.secret.encode()
        signed = assertion(client.id, secret, "HS256", aud or ctx.server.issuer,
                           ctx.server.clock.now())
        response = await _assertion_token(ctx, session, client, signed)
        return Result(_error(response) == "invalid_client", _happened(response))
    return run


# -- request objects --------------------------------------------------------------------------
async def _unsigned_request_object(ctx: LabContext) -> Result:
    session = ctx.session(spec=AUTH_CODE_PKCE)
    for step in ("discovery", "pkce"):
        await session.run(step)
    params = {p.name: p.value for p in session.authorize_params() if p.enabled}
    claims = {**params, "iss": session.config.client_id, "aud": ctx.server.issuer}
    unsigned = pyjwt.encode(claims, "", algorithm="none")
    response = await session.http.get(_endpoint(ctx, "/oauth2/authorize"), params={
        "client_id": session.config.client_id, "response_type": "code",
        "scope": params.get("scope", "openid"), "request": unsigned},
        headers={"Accept": "application/json"})
    return Result(_error(response) == "invalid_request_object", _happened(response))


def _scenario(name: str, title: str, description: str, expected: str, rule: str, why: str,
              run: Run) -> Scenario:
    return Scenario(name, title, description, expected, rule, why, run)


SCENARIOS: tuple[Scenario, ...] = (
    _scenario("dpop-replayed-proof", "DPoP proof replayed",
              "A client credentials request with a DPoP proof succeeds; the same proof is sent "
              "again.", "the replay refused with invalid_dpop_proof", "RFC 9449 §11.1",
              "a proof is single use: the server remembers each jti for as long as the proof's "
              "iat would be accepted", _replayed_proof),
    _scenario("dpop-wrong-htu", "DPoP proof for another URL (a trailing slash)",
              "The proof's htu is the token endpoint with a trailing slash.",
              "refused with invalid_dpop_proof", "RFC 9449 §4.3 (9)",
              "htu must equal the target URI without query and fragment; '/oauth2/token/' is "
              "another resource", dpop_refused(htu_suffix="/")),
    _scenario("dpop-wrong-htm", "DPoP proof for another method",
              "The proof says htm GET, but the token request is a POST.",
              "refused with invalid_dpop_proof", "RFC 9449 §4.3 (8)",
              "a proof covers one method on one URI, so it cannot be reused for another request",
              dpop_refused(htm="GET")),
    _scenario("dpop-stale-iat", "DPoP proof made five minutes ago",
              "The proof's iat is 300 s in the past.", "refused with invalid_dpop_proof",
              "RFC 9449 §4.3 (11), §11.1",
              "proofs are accepted only within a short window around the server's clock; an "
              "old proof is a captured one", dpop_refused(iat_offset=-300)),
    _scenario("dpop-other-key", "A DPoP-bound token with a proof from another key",
              "A user's access token is bound to key A; userinfo gets it with a proof signed by "
              "key B.", "401 with WWW-Authenticate: DPoP error=invalid_dpop_proof",
              "RFC 9449 §7.1, §6.1",
              "the token's cnf.jkt names the one key whose proofs it accepts: a stolen token "
              "is useless without the private key", _proof_of_other_key),
    _scenario("dpop-as-bearer", "A DPoP-bound token sent as a Bearer token",
              "The DPoP-bound access token is sent with 'Authorization: Bearer'.",
              "401 with WWW-Authenticate: DPoP error=invalid_token", "RFC 9449 §7.1",
              "a bound token must never be downgraded to a bearer token, else binding protects "
              "nothing", _bound_token_as_bearer),
    _scenario("dpop-bound-client-no-proof", "A dpopBound client asks for a token without a proof",
              "playground-fapi (registered dpopBound) authenticates with private_key_jwt but "
              "sends no DPoP header.", "refused with invalid_dpop_proof", "RFC 9449 §5.2",
              "dpop_bound_access_tokens means every token of this client is sender-constrained",
              _bound_client_without_proof),
    _scenario("par-request-uri-reused", "PAR request_uri used twice",
              "The request is pushed; the browser visits the authorize URL with the request_uri "
              "twice.", "the second visit refused with invalid_request_uri", "RFC 9126 §4",
              "a request_uri stands for one authorization request: single use, so a leaked URL "
              "cannot start a second sign-in", _request_uri_reused),
    _scenario("par-request-uri-expired", "PAR request_uri after it expired",
              "The request is pushed; the visit comes after expires_in.",
              "refused with invalid_request_uri", "RFC 9126 §2.2",
              "a pushed request lives briefly (expires_in, here 60 s): the browser is expected "
              "right away", _request_uri_expired),
    _scenario("par-required", "A PAR-only client sends a plain authorization request",
              "playground-fapi is registered requirePushedAuthorizationRequests; its request "
              "comes in the query string.", "refused with invalid_request", "RFC 9126 §6",
              "a client that must push cannot be impersonated by someone who builds the URL "
              "by hand", _par_required),
    _scenario("assertion-replayed", "Client assertion replayed",
              "playground-jwt authenticates with a client_secret_jwt assertion; the same "
              "assertion is sent again.", "the replay refused with invalid_client",
              "RFC 7523 §3 (7)", "the jti makes an assertion single use: a captured assertion "
              "cannot authenticate anyone else's request", _assertion_replayed),
    _scenario("assertion-wrong-aud", "Client assertion for another server",
              "The assertion's aud is https://other-as.example/token.",
              "refused with invalid_client", "RFC 7523 §3 (3)",
              "aud names the server the assertion is for (its issuer, or its token endpoint), "
              "so an assertion made for one server cannot be replayed at another",
              assertion_refused(aud="https://other-as.example/token")),
    _scenario("assertion-wrong-key", "Client assertion signed with the wrong secret",
              "The HS256 assertion is signed with a key that is not the client secret.",
              "refused with invalid_client", "RFC 7523 §3 (9), OIDC Core §9",
              "the signature is what authenticates the client", assertion_refused(wrong_key=True)),
    _scenario("request-object-none", "A request object with alg: none",
              "The authorization parameters come as an unsigned request object.",
              "refused with invalid_request_object", "RFC 9101 §6.1, RFC 8725 §3.1",
              "an unsigned request object proves nothing about who made it; this server accepts "
              "signed ones only", _unsigned_request_object),
)
