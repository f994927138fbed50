"""DPoP (RFC 9449) at the token endpoint, UserInfo and introspection, over loopback."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.core.jose.jwk import SigningJwk, b64url, generate, public_members
from playground.core.trace import TRACE_HEADER
from playground.server import EmbeddedServer, ServerConfig, client_from_dict
from playground.server.dpop import ath

from .conftest import SPA_ID, WEB_ID, WEB_REDIRECT, WEB_SECRET, Flow

KEY = generate("ES256")
OTHER = generate("ES256")
BOUND_ID = "dpop-bound-web"
GARBAGE = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                   suppress_health_check=[HealthCheck.too_slow,
                                          HealthCheck.function_scoped_fixture])


def proof(server: EmbeddedServer, path: str = "/oauth2/token", *, key: SigningJwk = KEY,
          method: str = "POST", header: dict[str, Any] | None = None, **claims: Any) -> str:
    """A DPoP proof (RFC 9449 §4.2) for `path` on `server`, with `claims` overriding."""
    body: dict[str, Any] = {"jti": secrets.token_urlsafe(12), "htm": method,
                            "htu": server.issuer + path, "iat": int(server.clock.now())}
    body.update(claims)
    head = {"typ": "dpop+jwt", "jwk": public_members(key.key), **(header or {})}
    return jwt.encode({k: v for k, v in body.items() if v is not None}, key.key,
                      algorithm=key.alg, headers=head)


def _code(http: httpx.Client, client_id: str = SPA_ID) -> tuple[Flow, str]:
    flow = Flow(http, client_id=client_id)
    return flow, flow.code()


def _redeem(http: httpx.Client, flow: Flow, code: str, dpop: str | None,
            **extra: str) -> httpx.Response:
    data = {"grant_type": "authorization_code", "code": code, "client_id": flow.client_id,
            "code_verifier": flow.verifier, **extra}
    headers = {"DPoP": dpop} if dpop is not None else {}
    return http.post("/oauth2/token", data=data, headers=headers)


def _error(response: httpx.Response, error: str, status: int = 400) -> str:
    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    return str(response.json()["error_description"])


def _bound_tokens(http: httpx.Client, server: EmbeddedServer,
                  key: SigningJwk = KEY) -> dict[str, Any]:
    flow, code = _code(http)
    response = _redeem(http, flow, code, proof(server, key=key))
    assert response.status_code == 200, response.text
    return dict(response.json())


def _userinfo(http: httpx.Client, scheme: str, token: str,
              dpop: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"{scheme} {token}", **({"DPoP": dpop} if dpop else {})}
    return http.get("/oauth2/userinfo", headers=headers)


# -- the token endpoint (§5) ---------------------------------------------------------------------
def test_a_proof_gets_a_dpop_token_bound_to_the_key(http: httpx.Client,
                                                    server: EmbeddedServer) -> None:
    body = _bound_tokens(http, server)
    assert body["token_type"] == "DPoP"
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["cnf"] == {"jkt": KEY.thumbprint}


def test_without_a_proof_the_token_stays_bearer(http: httpx.Client) -> None:
    flow, code = _code(http)
    body = _redeem(http, flow, code, None).json()
    assert body["token_type"] == "Bearer"
    assert "cnf" not in jwt.decode(body["access_token"], options={"verify_signature": False})


def test_a_replayed_proof_is_refused(http: httpx.Client, server: EmbeddedServer) -> None:
    once = proof(server)
    flow, code = _code(http)
    assert _redeem(http, flow, code, once).status_code == 200
    flow, code = _code(http)
    assert "replayed" in _error(_redeem(http, flow, code, once), "invalid_dpop_proof")


def test_htu_with_a_trailing_slash_is_refused(http: httpx.Client, server: EmbeddedServer) -> None:
    flow, code = _code(http)
    response = _redeem(http, flow, code, proof(server, htu=server.issuer + "/oauth2/token/"))
    text = _error(response, "invalid_dpop_proof")
    assert f"expected '{server.issuer}/oauth2/token'" in text
    trace = server.trace(response.headers[TRACE_HEADER])
    assert trace is not None and "RFC 9449 §4.3 step 9" in [c.rfc for c in trace.checks]


def test_htu_is_compared_after_normalisation(http: httpx.Client, server: EmbeddedServer) -> None:
    flow, code = _code(http)
    htu = server.issuer.replace("http://", "HTTP://") + "/oauth2/%74oken?x=1#f"
    assert _redeem(http, flow, code, proof(server, htu=htu)).status_code == 200


def test_wrong_htm_is_refused(http: httpx.Client, server: EmbeddedServer) -> None:
    flow, code = _code(http)
    assert "htm" in _error(_redeem(http, flow, code, proof(server, htm="GET")),
                           "invalid_dpop_proof")


def test_stale_iat_is_refused_saying_how_far_off(http: httpx.Client,
                                                 server: EmbeddedServer) -> None:
    flow, code = _code(http)
    text = _error(_redeem(http, flow, code, proof(server, iat=int(server.clock.now()) - 600)),
                  "invalid_dpop_proof")
    assert re.search(r"60[01] s in the past; at most 60 s", text)


@pytest.mark.parametrize("header", [{"alg": "none"}, {"alg": "HS256"}, {"typ": "JWT"}])
def test_bad_alg_or_typ_is_refused(http: httpx.Client, server: EmbeddedServer,
                                   header: dict[str, str]) -> None:
    good = proof(server).split(".")
    head = {"typ": "dpop+jwt", "alg": "ES256", "jwk": public_members(KEY.key), **header}
    forged = ".".join((b64url(json.dumps(head).encode()), good[1], good[2]))
    flow, code = _code(http)
    _error(_redeem(http, flow, code, forged), "invalid_dpop_proof")


def test_an_hs256_proof_is_refused(http: httpx.Client, server: EmbeddedServer) -> None:
    body = {"jti": "x1", "htm": "POST", "htu": server.issuer + "/oauth2/token",
            "iat": int(server.clock.now())}
    forged = jwt.encode(body, "k" * 32, algorithm="HS256",
                        headers={"typ": "dpop+jwt", "jwk": {"kty": "oct", "k": "aw"}})
    flow, code = _code(http)
    assert "HS256" in _error(_redeem(http, flow, code, forged), "invalid_dpop_proof")


def test_a_private_key_in_the_jwk_is_refused(http: httpx.Client, server: EmbeddedServer) -> None:
    flow, code = _code(http)
    leaked = proof(server, header={"jwk": KEY.private_jwk()})
    assert "private" in _error(_redeem(http, flow, code, leaked), "invalid_dpop_proof")


def test_a_proof_signed_by_another_key_is_refused(http: httpx.Client,
                                                  server: EmbeddedServer) -> None:
    flow, code = _code(http)
    lying = proof(server, key=OTHER, header={"jwk": public_members(KEY.key)})
    assert "signature" in _error(_redeem(http, flow, code, lying), "invalid_dpop_proof")


def test_two_dpop_headers_are_refused(http: httpx.Client, server: EmbeddedServer) -> None:
    flow, code = _code(http)
    response = http.post("/oauth2/token", data={
        "grant_type": "authorization_code", "code": code, "client_id": SPA_ID,
        "code_verifier": flow.verifier}, headers=[("DPoP", proof(server)), ("DPoP", proof(server))])
    _error(response, "invalid_dpop_proof")


@pytest.fixture
def bound_client(server: EmbeddedServer) -> Iterator[str]:
    server.clients.replace(client_from_dict({
        "id": BOUND_ID, "secret": WEB_SECRET, "redirect": [WEB_REDIRECT], "firstParty": True,
        "grantTypes": ["authorization_code", "refresh_token"], "responseTypes": ["code"],
        "authMethods": ["client_secret_basic"], "scopes": ["openid", "email", "offline_access"],
        "dpopBound": True}))
    yield BOUND_ID
    server.clients.remove(BOUND_ID)


def test_a_dpop_bound_client_needs_a_proof(http: httpx.Client, server: EmbeddedServer,
                                           bound_client: str) -> None:
    flow = Flow(http, client_id=bound_client, scope="openid email")
    data = {"grant_type": "authorization_code", "code_verifier": flow.verifier,
            "redirect_uri": WEB_REDIRECT}
    code = flow.code(redirect_uri=WEB_REDIRECT)
    refused = http.post("/oauth2/token", data={**data, "code": code},
                        auth=(bound_client, WEB_SECRET))
    assert "must be DPoP-bound" in _error(refused, "invalid_dpop_proof")
    code = flow.code(redirect_uri=WEB_REDIRECT)
    ok = http.post("/oauth2/token", data={**data, "code": code}, auth=(bound_client, WEB_SECRET),
                   headers={"DPoP": proof(server)})
    assert ok.status_code == 200 and ok.json()["token_type"] == "DPoP"


# -- refresh tokens of public clients are bound (§5) ---------------------------------------------
def _refresh(http: httpx.Client, token: str, dpop: str | None) -> httpx.Response:
    return http.post("/oauth2/token", data={
        "grant_type": "refresh_token", "refresh_token": token, "client_id": SPA_ID},
        headers={"DPoP": dpop} if dpop else {})


def test_a_public_clients_refresh_token_is_bound_to_the_key(http: httpx.Client,
                                                            server: EmbeddedServer) -> None:
    refresh = _bound_tokens(http, server)["refresh_token"]
    assert "another DPoP key" in _error(_refresh(http, refresh, proof(server, key=OTHER)),
                                        "invalid_dpop_proof")
    assert "DPoP-bound" in _error(_refresh(http, refresh, None), "invalid_dpop_proof")
    again = _refresh(http, refresh, proof(server))
    assert again.status_code == 200, again.text
    assert again.json()["token_type"] == "DPoP"
    rotated = again.json()["refresh_token"]
    _error(_refresh(http, rotated, proof(server, key=OTHER)), "invalid_dpop_proof")


def test_a_confidential_clients_refresh_token_is_not_bound(http: httpx.Client,
                                                           server: EmbeddedServer) -> None:
    flow = Flow(http, client_id=WEB_ID)
    code = flow.code(redirect_uri=WEB_REDIRECT)
    first = http.post("/oauth2/token", auth=(WEB_ID, WEB_SECRET), headers={"DPoP": proof(server)},
                      data={"grant_type": "authorization_code", "code": code,
                            "redirect_uri": WEB_REDIRECT, "code_verifier": flow.verifier})
    assert first.json()["token_type"] == "DPoP"
    again = http.post("/oauth2/token", auth=(WEB_ID, WEB_SECRET),
                      data={"grant_type": "refresh_token",
                            "refresh_token": first.json()["refresh_token"]})
    assert again.status_code == 200 and again.json()["token_type"] == "Bearer"


# -- UserInfo (§7) and introspection (§6.2) ------------------------------------------------------
def _ui_proof(server: EmbeddedServer, token: str, key: SigningJwk = KEY, **claims: Any) -> str:
    claims.setdefault("ath", ath(token))
    return proof(server, "/oauth2/userinfo", key=key, method="GET", **claims)


def test_userinfo_accepts_a_dpop_token_with_its_proof(http: httpx.Client,
                                                      server: EmbeddedServer) -> None:
    token = _bound_tokens(http, server)["access_token"]
    response = _userinfo(http, "DPoP", token, _ui_proof(server, token))
    assert response.status_code == 200, response.text
    assert response.json()["sub"]


def test_userinfo_refuses_a_proof_from_another_key(http: httpx.Client,
                                                   server: EmbeddedServer) -> None:
    token = _bound_tokens(http, server)["access_token"]
    response = _userinfo(http, "DPoP", token, _ui_proof(server, token, key=OTHER))
    assert "another key" in _error(response, "invalid_dpop_proof", 401)
    assert response.headers["www-authenticate"].startswith('DPoP error="invalid_dpop_proof"')


def test_userinfo_refuses_a_proof_without_ath(http: httpx.Client,
                                              server: EmbeddedServer) -> None:
    token = _bound_tokens(http, server)["access_token"]
    response = _userinfo(http, "DPoP", token, _ui_proof(server, token, ath=None))
    assert "ath" in _error(response, "invalid_dpop_proof", 401)


def test_a_bound_token_sent_as_bearer_is_refused(http: httpx.Client,
                                                 server: EmbeddedServer) -> None:
    token = _bound_tokens(http, server)["access_token"]
    response = _userinfo(http, "Bearer", token)
    _error(response, "invalid_token", 401)
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith('DPoP error="invalid_token", error_description="')
    assert 'algs="ES256' in challenge


def test_a_bearer_token_keeps_working(http: httpx.Client) -> None:
    flow, code = _code(http)
    token = _redeem(http, flow, code, None).json()["access_token"]
    assert _userinfo(http, "Bearer", token).status_code == 200


def test_introspection_shows_the_binding(http: httpx.Client, server: EmbeddedServer) -> None:
    flow = Flow(http, client_id=WEB_ID)
    code = flow.code(redirect_uri=WEB_REDIRECT)
    token = http.post("/oauth2/token", auth=(WEB_ID, WEB_SECRET), headers={"DPoP": proof(server)},
                      data={"grant_type": "authorization_code", "code": code,
                            "redirect_uri": WEB_REDIRECT, "code_verifier": flow.verifier},
                      ).json()["access_token"]
    info = http.post("/oauth2/introspect", auth=(WEB_ID, WEB_SECRET), data={"token": token}).json()
    assert info["active"] is True
    assert info["token_type"] == "DPoP"
    assert info["cnf"] == {"jkt": KEY.thumbprint}


# -- server nonces (§8, §9) ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def nonce_server() -> Iterator[EmbeddedServer]:
    with EmbeddedServer(ServerConfig(dpop_nonce=True)) as srv:
        yield srv


def test_nonce_mode_asks_for_a_nonce_then_accepts_it(nonce_server: EmbeddedServer) -> None:
    with httpx.Client(base_url=nonce_server.issuer, timeout=10) as http:
        flow, code = _code(http)
        first = _redeem(http, flow, code, proof(nonce_server))
        _error(first, "use_dpop_nonce")
        nonce = first.headers["dpop-nonce"]
        wrong = _redeem(http, flow, code, proof(nonce_server, nonce="stale"))
        _error(wrong, "use_dpop_nonce")
        retry = _redeem(http, flow, code, proof(nonce_server, nonce=nonce))
        assert retry.status_code == 200, retry.text
        token = retry.json()["access_token"]
        refused = _userinfo(http, "DPoP", token, _ui_proof(nonce_server, token))
        _error(refused, "use_dpop_nonce", 401)
        nonce = refused.headers["dpop-nonce"]
        ok = _userinfo(http, "DPoP", token, _ui_proof(nonce_server, token, nonce=nonce))
        assert ok.status_code == 200, ok.text


# -- garbage never gives a 5xx ------------------------------------------------------------------
ASCII = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=300)
JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | ASCII,
                       lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(ASCII, inner, max_size=3), max_leaves=8)


def _segment(value: Any) -> str:
    return b64url(json.dumps(value).encode())


@GARBAGE
@given(value=ASCII.map(str.strip).filter(bool))
def test_garbage_dpop_headers_never_fail_the_server(http: httpx.Client, value: str) -> None:
    response = http.post("/oauth2/token", headers={"DPoP": value}, data={
        "grant_type": "refresh_token", "refresh_token": "x", "client_id": SPA_ID})
    assert response.status_code < 500, response.text
    ui = http.get("/oauth2/userinfo", headers={"DPoP": value, "Authorization": "DPoP x.y.z"})
    assert ui.status_code < 500, ui.text


@GARBAGE
@given(header=st.dictionaries(st.sampled_from(("typ", "alg", "jwk", "kid")), JSONISH),
       jwk=st.dictionaries(st.sampled_from(("kty", "crv", "x", "y", "n", "e", "d")), JSONISH),
       claims=JSONISH)
def test_garbage_proof_members_never_fail_the_server(
        http: httpx.Client, header: dict[str, Any], jwk: dict[str, Any], claims: Any) -> None:
    head = {"typ": "dpop+jwt", "alg": "ES256", "jwk": jwk, **header}
    value = f"{_segment(head)}.{_segment(claims)}.{b64url(b'sig')}"
    response = http.post("/oauth2/token", headers={"DPoP": value}, data={
        "grant_type": "refresh_token", "refresh_token": "x", "client_id": SPA_ID})
    assert response.status_code == 400, response.text


# -- the authorization code bound to a key (§10) ---------------------------------------------------
def test_dpop_jkt_binds_the_code_to_that_key(http: httpx.Client, server: EmbeddedServer) -> None:
    flow = Flow(http, client_id=SPA_ID)
    code = flow.code(dpop_jkt=KEY.thumbprint)
    assert "the token request has no DPoP proof" in _error(
        _redeem(http, flow, code, None), "invalid_dpop_proof")
    flow = Flow(http, client_id=SPA_ID)
    code = flow.code(dpop_jkt=KEY.thumbprint)
    described = _error(_redeem(http, flow, code, proof(server, key=OTHER)), "invalid_dpop_proof")
    assert f"proves key {OTHER.thumbprint}" in described
    flow = Flow(http, client_id=SPA_ID)
    code = flow.code(dpop_jkt=KEY.thumbprint)
    answer = _redeem(http, flow, code, proof(server, key=KEY))
    assert answer.status_code == 200, answer.text
    assert jwt.decode(answer.json()["access_token"], options={"verify_signature": False})[
        "cnf"] == {"jkt": KEY.thumbprint}


def test_a_malformed_dpop_jkt_is_invalid_request(http: httpx.Client) -> None:
    location = Flow(http, client_id=SPA_ID).authorize(dpop_jkt="not-a-thumbprint")
    assert location.status_code == 302
    assert "error=invalid_request" in location.headers["location"]


def test_a_proof_on_the_pushed_request_binds_the_code(http: httpx.Client,
                                                      server: EmbeddedServer) -> None:
    flow = Flow(http, client_id=SPA_ID)
    pushed = http.post("/oauth2/par", data=flow.params(redirect_uri=None),
                       headers={"DPoP": proof(server, "/oauth2/par", key=KEY)})
    assert pushed.status_code == 201, pushed.text
    flow_params = {"client_id": SPA_ID, "request_uri": pushed.json()["request_uri"]}
    start = http.get("/oauth2/authorize", params=flow_params)
    assert start.status_code == 302, start.text
    redirect = flow.login(start.headers["location"])
    consent = redirect.headers["location"]
    if "code=" not in consent:
        consent = flow.consent(consent).headers["location"]
    code = re.search(r"code=([^&]+)", consent)
    assert code is not None
    refused = _redeem(http, flow, code.group(1), proof(server, key=OTHER))
    assert "(dpop_jkt)" in _error(refused, "invalid_dpop_proof")


def test_dpop_jkt_must_match_the_proof_on_the_pushed_request(http: httpx.Client,
                                                             server: EmbeddedServer) -> None:
    flow = Flow(http, client_id=SPA_ID)
    pushed = http.post("/oauth2/par", data=flow.params(dpop_jkt=OTHER.thumbprint),
                       headers={"DPoP": proof(server, "/oauth2/par", key=KEY)})
    assert "differs from the DPoP proof's key" in _error(pushed, "invalid_dpop_proof")
