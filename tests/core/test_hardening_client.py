"""The hardened client's builders: DPoP proofs (RFC 9449), client assertions (RFC 7523 §2.2),
request objects (RFC 9101), PAR (RFC 9126), and the DPoP nonce retry (RFC 9449 §8, §9)."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import parse_qsl

import httpx
import jwt as pyjwt
import pytest

from playground.core.flow import hardening, steps
from playground.core.flowerrors import AuthorizeUrlError, FlowError, UserInfoError
from playground.core.jose import assertion, jwk, request_object
from playground.core.jose.dpop import DPoPKey, ath, htu
from playground.core.protocol import par, pkce, token, userinfo
from playground.core.protocol.authorize import Param
from playground.core.protocol.discovery import ProviderMetadata
from playground.core.record import render

T = TypeVar("T")
SECRET = "a-client-secret-of-at-least-32-bytes"
NOW = 1_800_000_000.0
ISSUER = "https://op.example"
META = ProviderMetadata(
    issuer=ISSUER, authorization_endpoint=f"{ISSUER}/authorize",
    token_endpoint=f"{ISSUER}/token", jwks_uri=None, userinfo_endpoint=f"{ISSUER}/me",
    code_challenge_methods=("S256",), iss_in_response=True, raw={},
    pushed_authorization_request_endpoint=f"{ISSUER}/par")


def verify(token_: str, public: dict[str, Any], alg: str) -> dict[str, Any]:
    key = pyjwt.PyJWK.from_dict(public).key
    claims: dict[str, Any] = pyjwt.decode(token_, key, algorithms=[alg],
                                          options={"verify_aud": False, "verify_exp": False,
                                                   "verify_iat": False})
    return claims


# -- DPoP proofs (RFC 9449 §4.2) -------------------------------------------------------------
def test_proof_header_and_claims_verify_with_the_public_jwk() -> None:
    key = DPoPKey.generate()
    proof = key.proof("post", "https://op.example/token?x=1#f", now=NOW)
    header = pyjwt.get_unverified_header(proof)
    assert header["typ"] == "dpop+jwt" and header["alg"] == "ES256"
    assert "d" not in header["jwk"] and header["jwk"]["kty"] == "EC"
    claims = verify(proof, header["jwk"], "ES256")
    assert claims["htm"] == "POST" and claims["htu"] == "https://op.example/token"
    assert claims["iat"] == int(NOW) and len(claims["jti"]) >= 16
    assert "ath" not in claims and "nonce" not in claims
    assert key.thumbprint == jwk.thumbprint(header["jwk"])


def test_each_proof_has_its_own_jti() -> None:
    key = DPoPKey.generate()
    first, second = (pyjwt.decode(key.proof("GET", META.token_endpoint, now=NOW),
                                  options={"verify_signature": False}) for _ in range(2))
    assert first["jti"] != second["jti"]


def test_ath_is_the_base64url_sha256_of_the_access_token() -> None:
    digest = hashlib.sha256(b"at-123").digest()
    assert ath("at-123") == jwk.b64url(digest)
    proof = DPoPKey.generate().proof("GET", META.userinfo_endpoint or "", now=NOW,
                                     access_token="at-123", nonce="n-1")
    claims = pyjwt.decode(proof, options={"verify_signature": False})
    assert claims["ath"] == jwk.b64url(digest) and claims["nonce"] == "n-1"


def test_htu_drops_query_and_fragment() -> None:
    assert htu("https://rs.example/api/me?a=1#top") == "https://rs.example/api/me"


def test_an_rsa_dpop_key_signs_ps256() -> None:
    key = DPoPKey.generate("PS256")
    proof = key.proof("POST", META.token_endpoint, now=NOW)
    assert verify(proof, pyjwt.get_unverified_header(proof)["jwk"], "PS256")["htm"] == "POST"


# -- client assertions (RFC 7523 §2.2, §3; OIDC Core §9) --------------------------------------
def test_private_key_jwt_claims_and_header() -> None:
    key = jwk.generate("ES256", kid="k-1")
    signed = assertion.private_key_jwt("app", ISSUER, key, now=NOW)
    header = pyjwt.get_unverified_header(signed)
    assert header == {"alg": "ES256", "kid": "k-1", "typ": "JWT"}
    claims = verify(signed, key.public_jwk, "ES256")
    assert claims["iss"] == claims["sub"] == "app" and claims["aud"] == ISSUER
    assert claims["exp"] == claims["iat"] + 60 == int(NOW) + 60 and claims["jti"]


def test_client_secret_jwt_is_hs256_with_the_secret() -> None:
    signed = assertion.client_secret_jwt("app", META.token_endpoint, SECRET, now=NOW)
    assert pyjwt.get_unverified_header(signed)["alg"] == "HS256"
    claims = pyjwt.decode(signed, SECRET, algorithms=["HS256"], audience=META.token_endpoint,
                          options={"verify_exp": False, "verify_iat": False})
    assert claims["sub"] == "app"


def test_the_token_request_carries_the_assertion_fields() -> None:
    auth = token.ClientAuth("app", method="private_key_jwt", assertion="a.b.c")
    request = token.build_token_request(META.token_endpoint, [("grant_type", "client_credentials")],
                                        auth)
    assert parse_qsl(request.body.decode()) == [
        ("grant_type", "client_credentials"), ("client_id", "app"),
        ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
        ("client_assertion", "a.b.c")]
    assert request.header("authorization") is None


# -- request objects (RFC 9101 §4, §5.1) ------------------------------------------------------
def test_request_object_claims_and_outer_parameters() -> None:
    key = jwk.generate("ES256")
    params = [("client_id", "app"), ("response_type", "code"), ("scope", "openid"),
              ("state", "s"), ("nonce", "n")]
    signed = request_object.build(params, "app", ISSUER, now=NOW, key=key)
    claims = verify(signed, key.public_jwk, "ES256")
    assert claims["state"] == "s" and claims["nonce"] == "n" and claims["scope"] == "openid"
    assert claims["iss"] == claims["client_id"] == "app" and claims["aud"] == ISSUER
    assert claims["exp"] == int(NOW) + 300 and claims["jti"]
    assert request_object.outer_params(params, "app", signed) == [
        ("client_id", "app"), ("request", signed), ("response_type", "code"),
        ("scope", "openid")]


def test_request_object_with_a_secret_is_hs256() -> None:
    signed = request_object.build([("state", "s")], "app", ISSUER, now=NOW, secret=SECRET)
    assert pyjwt.get_unverified_header(signed)["alg"] == "HS256"


# -- PAR (RFC 9126 §2) -----------------------------------------------------------------------
def test_par_request_and_response() -> None:
    request = par.build_par_request(META.pushed_authorization_request_endpoint or "",
                                    [("client_id", "app"), ("state", "s")],
                                    token.ClientAuth("app"))
    assert request.method == "POST" and dict(request.fields) == {"client_id": "app", "state": "s"}
    body = b'{"request_uri": "urn:ietf:params:oauth:request_uri:abc", "expires_in": 60}'
    pushed = par.parse_par_response(201, "application/json", body)
    assert pushed == par.PushedRequest("urn:ietf:params:oauth:request_uri:abc", 60)


def test_par_error_names_the_code() -> None:
    body = b'{"error": "invalid_client", "error_description": "no such client"}'
    with pytest.raises(AuthorizeUrlError, match=r"invalid_client.*401.*no such client"):
        par.parse_par_response(401, "application/json", body)


# -- the engine around them: a minimal StepContext over httpx.MockTransport -------------------
class Ctx:
    """What runners see, with the inputs and outcomes a test sets (no session, no server)."""

    def __init__(self, handler: Callable[[httpx.Request], httpx.Response],
                 inputs: Mapping[str, Mapping[str, Any]]) -> None:
        self.client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        self._inputs = {k: dict(v) for k, v in inputs.items()}
        self._kept: dict[str, Any] = {}
        self.outcomes: dict[str, Any] = {"discovery": META, "pkce": pkce.derive("v" * 43)}
        self.user_agent: Any = None

    @property
    def http(self) -> httpx.AsyncClient:
        return self.client

    def inputs(self, key: str) -> Mapping[str, Any]:
        return self._inputs.get(key, {})

    def outcome(self, key: str) -> Any:
        return self.outcomes.get(key)

    def now(self) -> float:
        return NOW

    async def sleep(self, seconds: float) -> None:
        return None

    def keep(self, name: str, make: Callable[[], T]) -> T:
        if name not in self._kept:
            self._kept[name] = make()
        kept: T = self._kept[name]
        return kept


TOKEN_INPUTS = {"client_id": "app", "auth_method": "none", "dpop": True}
TOKENS = {"access_token": "at-1", "token_type": "DPoP", "expires_in": 60}


def claims_of(request: httpx.Request) -> dict[str, Any]:
    claims: dict[str, Any] = pyjwt.decode(request.headers["dpop"],
                                          options={"verify_signature": False})
    return claims


def test_token_request_retries_once_with_the_servers_nonce() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if "nonce" not in claims_of(request):
            return httpx.Response(400, json={"error": "use_dpop_nonce"},
                                  headers={"DPoP-Nonce": "n-1"})
        return httpx.Response(200, json=TOKENS, headers={"DPoP-Nonce": "n-2"})

    ctx = Ctx(handler, {"token": TOKEN_INPUTS})
    request = steps.token_request(ctx, [("grant_type", "client_credentials")])
    outcome = asyncio.run(steps.send_token_request(ctx, request))
    assert len(seen) == 2 and claims_of(seen[1])["nonce"] == "n-1"
    assert outcome.response.token_type == "DPoP"
    assert outcome.request.header("DPoP") == seen[1].headers["dpop"]
    assert hardening.dpop_state(ctx).nonce == "n-2"  # the latest, for the next proof
    assert claims_of(seen[0])["jti"] != claims_of(seen[1])["jti"]
    same_key = [pyjwt.get_unverified_header(r.headers["dpop"])["jwk"] for r in seen]
    assert same_key[0] == same_key[1]


def test_a_second_nonce_demand_is_not_retried_again() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(400, json={"error": "use_dpop_nonce"},
                              headers={"DPoP-Nonce": f"n-{len(calls)}"})

    ctx = Ctx(handler, {"token": TOKEN_INPUTS})
    request = steps.token_request(ctx, [("grant_type", "client_credentials")])
    with pytest.raises(FlowError, match="use_dpop_nonce"):
        asyncio.run(steps.send_token_request(ctx, request))
    assert len(calls) == 2


def test_userinfo_sends_dpop_scheme_with_ath_and_retries_on_401() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if "nonce" not in claims_of(request):
            return httpx.Response(401, headers={
                "WWW-Authenticate": 'DPoP error="use_dpop_nonce", algs="ES256"',
                "DPoP-Nonce": "rs-1"})
        return httpx.Response(200, json={"sub": "alice"})

    ctx = Ctx(handler, {"token": TOKEN_INPUTS})
    ctx.outcomes["token"] = steps.TokenOutcome(
        token.build_token_request(META.token_endpoint, [], token.ClientAuth("app")),
        token.parse_token_response(200, "application/json", json.dumps(TOKENS).encode()))
    info = asyncio.run(steps.run_userinfo(ctx))
    assert info is not None and info.claims["sub"] == "alice"
    assert len(seen) == 2 and seen[1].headers["authorization"] == "DPoP at-1"
    assert claims_of(seen[1])["ath"] == ath("at-1") and claims_of(seen[1])["nonce"] == "rs-1"
    assert claims_of(seen[1])["htm"] == "GET"


def test_a_dpop_401_error_code_is_read_from_www_authenticate() -> None:
    with pytest.raises(UserInfoError) as caught:
        userinfo.parse_userinfo(401, None, b"", www_authenticate='DPoP error="invalid_token"')
    assert caught.value.error_code == "invalid_token"


def test_client_auth_signs_an_assertion_for_the_issuer_or_the_token_endpoint() -> None:
    key = jwk.generate("ES256", kid="k-9")
    inputs = {"client_id": "app", "auth_method": "private_key_jwt",
              "client_key": json.dumps(key.private_jwk())}
    auth = steps.client_auth(Ctx(lambda r: httpx.Response(500), {"token": inputs}))
    claims = verify(auth.assertion or "", key.public_jwk, "ES256")
    assert claims["aud"] == ISSUER and pyjwt.get_unverified_header(auth.assertion or "")["kid"] \
        == "k-9"
    inputs["assertion_audience"] = "token_endpoint"
    auth = steps.client_auth(Ctx(lambda r: httpx.Response(500), {"token": inputs}))
    assert verify(auth.assertion or "", key.public_jwk, "ES256")["aud"] == META.token_endpoint


def test_private_key_jwt_without_a_key_is_a_flow_error() -> None:
    ctx = Ctx(lambda r: httpx.Response(500),
              {"token": {"client_id": "app", "auth_method": "private_key_jwt"}})
    with pytest.raises(FlowError, match="private key"):
        steps.client_auth(ctx)


AUTHORIZE: dict[str, Any] = {"client_id": "app", "redirect_uri": "http://c/cb", "scope": "openid",
             "state": "st", "nonce": "no", "response_type": "code", "extra": [], "params": None}


def test_par_pushes_the_parameters_and_the_url_carries_only_the_reference() -> None:
    pushed: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        pushed.append(request)
        return httpx.Response(201, json={"request_uri": "urn:ietf:params:oauth:request_uri:r",
                                         "expires_in": 60})

    ctx = Ctx(handler, {"authorize_url": {**AUTHORIZE, "par": True},
                        "token": {"client_id": "app", "client_secret": "s",
                                  "auth_method": "client_secret_basic"}})
    outcome = asyncio.run(steps.run_authorize_url(ctx))
    assert outcome.url == (f"{ISSUER}/authorize?client_id=app&request_uri="
                           "urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Ar")
    assert outcome.request_uri == "urn:ietf:params:oauth:request_uri:r"
    body = dict(parse_qsl(pushed[0].content.decode()))
    assert body["state"] == "st" and body["code_challenge"] and "client_secret" not in body
    assert pushed[0].headers["authorization"].startswith("Basic ")
    assert outcome.pushed is not None and outcome.state == "st"


def test_request_object_wraps_the_parameters() -> None:
    key = jwk.generate("ES256")
    ctx = Ctx(lambda r: httpx.Response(500),
              {"authorize_url": {**AUTHORIZE, "request_object": True},
               "token": {"client_id": "app", "client_key": key}})
    outcome = asyncio.run(steps.run_authorize_url(ctx))
    assert outcome.request_object is not None
    claims = verify(outcome.request_object, key.public_jwk, "ES256")
    assert claims["state"] == "st" and claims["code_challenge_method"] == "S256"
    assert "state=" not in outcome.url and "request=" in outcome.url
    assert "response_type=code" in outcome.url and outcome.nonce == "no"


def test_the_transcript_decodes_proof_assertion_and_request_object() -> None:
    key = DPoPKey.generate()
    proof = key.proof("POST", META.token_endpoint, now=NOW)
    signed = assertion.client_secret_jwt("app", ISSUER, SECRET, now=NOW)
    body = f"grant_type=client_credentials&client_assertion={signed}".encode()
    lines = render.sent_jwt_lines([("DPoP", proof)], body)
    text = "\n".join(lines)
    assert "decoded DPoP proof (RFC 9449 §4.2):" in text and '"typ": "dpop+jwt"' in text
    assert "decoded client assertion (RFC 7523 §2.2):" in text and '"sub": "app"' in text


def test_authorize_lines_show_the_push() -> None:
    outcome = steps.AuthorizeRequest("https://op/a?client_id=x&request_uri=u",
                                     (Param("client_id", "x"),), None, None, None,
                                     request_uri="urn:r")
    assert "  pushed (RFC 9126 §2): request_uri = urn:r" in render.authorize_lines(outcome)


def test_binding_checks_compare_cnf_jkt_with_the_keys_thumbprint() -> None:
    ctx = Ctx(lambda r: httpx.Response(500), {"token": TOKEN_INPUTS})
    mine = hardening.dpop_state(ctx).key.thumbprint
    assert hardening.binding_checks(ctx, {"cnf": {"jkt": mine}})[0].status == "pass"
    assert hardening.binding_checks(ctx, {"cnf": {"jkt": "other"}})[0].failed
    assert hardening.binding_checks(ctx, {})[0].status == "skip"
    off = Ctx(lambda r: httpx.Response(500), {"token": {"client_id": "app"}})
    assert hardening.binding_checks(off, {}) == ()


def test_with_the_options_off_nothing_changes() -> None:
    ctx = Ctx(lambda r: httpx.Response(500), {"token": {"client_id": "app"}})
    request = steps.token_request(ctx, [("grant_type", "client_credentials")])
    assert request.header("DPoP") is None and "client_assertion" not in dict(request.fields)
    assert not ctx._kept  # no DPoP key made


def test_the_session_keeps_one_dpop_key_until_a_reset() -> None:
    from playground.core.flow.session import FlowSession
    from playground.core.flow.stepinfo import ClientConfig
    from playground.core.flows import AUTH_CODE_PKCE

    session = FlowSession(ClientConfig(ISSUER, dpop=True, par=True), spec=AUTH_CODE_PKCE)
    assert session.inputs("token")["dpop"] is True and session.inputs("authorize_url")["par"]
    first = hardening.dpop_state(session)
    assert hardening.dpop_state(session) is first
    session.reset()
    assert hardening.dpop_state(session) is not first
    assert AUTH_CODE_PKCE.keys == ("discovery", "pkce", "authorize_url", "user_agent",
                                   "callback", "token", "tokens", "userinfo")


def test_the_nonce_retry_re_signs_the_client_assertion() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            return httpx.Response(400, json={"error": "use_dpop_nonce"},
                                  headers={"DPoP-Nonce": "n-1"})
        return httpx.Response(200, json=TOKENS)

    inputs = {**TOKEN_INPUTS, "auth_method": "client_secret_jwt", "client_secret": SECRET}
    ctx = Ctx(handler, {"token": inputs})
    request = steps.token_request(ctx, [("grant_type", "client_credentials")])
    outcome = asyncio.run(steps.send_token_request(ctx, request))
    first, second = (dict(parse_qsl(r.content.decode()))["client_assertion"] for r in seen)
    jtis = [pyjwt.decode(a, options={"verify_signature": False})["jti"] for a in (first, second)]
    assert jtis[0] != jtis[1]
    assert dict(outcome.request.fields)["client_assertion"] == second
    assert list(dict(outcome.request.fields)) == ["grant_type", "client_id",
                                                  "client_assertion_type", "client_assertion"]
