"""JWT client authentication (RFC 7523 §2.2, §3; OIDC Core §9) and per-client id_token algorithms
(OIDC Registration §2), over real HTTP."""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any

import httpx
import jwt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.core.jose.jwk import SigningJwk, generate, load_private_key
from playground.core.trace import TRACE_HEADER
from playground.server import EmbeddedServer
from playground.server.client_assertion import JWT_BEARER
from playground.server.clients import client_from_dict

from .conftest import Flow

FAPI_KEY = load_private_key(
    resources.files("playground.assets").joinpath("client-keys/playground-fapi.jwk").read_text())
JWT_ID, JWT_SECRET = "playground-jwt", "jwt-secret-5f1e9c3a7d2b4e6f8a0c1b3d5e7f9a2c4b6d8e0f"
PKJ_ID = "t-private-key-jwt"
URI_ID = "t-jwks-uri"
REDIRECT = "http://127.0.0.1/callback"


def _machine(client_id: str, **extra: Any) -> dict[str, Any]:
    return {"id": client_id, "secret": None, "redirect": [], "firstParty": False,
            "grantTypes": ["client_credentials"], "authMethods": ["private_key_jwt"],
            "scopes": ["api:read"], **extra}


class _JwksServer:
    """A client's jwks_uri: a tiny HTTP server on loopback serving a mutable JWK Set."""

    def __init__(self) -> None:
        self.jwks: dict[str, Any] = {"keys": []}
        self.hits = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.hits += 1
                body = json.dumps(outer.jwks).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return None

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/jwks"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def jwks_server() -> Iterator[_JwksServer]:
    srv = _JwksServer()
    yield srv
    srv.close()


@pytest.fixture(scope="module", autouse=True)
def _clients(server: EmbeddedServer, jwks_server: _JwksServer) -> None:
    server.clients.replace(client_from_dict(_machine(PKJ_ID, jwks=FAPI_KEY.jwks)))
    server.clients.replace(client_from_dict(_machine(URI_ID, jwksUri=jwks_server.url)))
    for alg in ("RS256", "ES256", "PS256", "EdDSA"):
        server.clients.replace(client_from_dict({
            "id": f"t-id-{alg}", "secret": None, "redirect": [REDIRECT], "firstParty": True,
            "grantTypes": ["authorization_code"], "responseTypes": ["code"],
            "authMethods": ["none"], "scopes": ["openid", "profile"],
            "idTokenSignedResponseAlg": alg}))


def _claims(server: EmbeddedServer, client_id: str, **overrides: Any) -> dict[str, Any]:
    now = int(server.clock.now())
    claims: dict[str, Any] = {"iss": client_id, "sub": client_id,
                              "aud": f"{server.issuer}/oauth2/token", "iat": now,
                              "exp": now + 60, "jti": secrets.token_urlsafe(12)}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _signed(claims: dict[str, Any], key: SigningJwk = FAPI_KEY) -> str:
    return jwt.encode(claims, key.key, algorithm=key.alg, headers={"kid": key.kid})


def _hs256(claims: dict[str, Any], secret: str = JWT_SECRET) -> str:
    return jwt.encode(claims, secret, algorithm="HS256")


def _token(http: httpx.Client, assertion: str, **extra: str) -> httpx.Response:
    data = {"grant_type": "client_credentials", "scope": "api:read",
            "client_assertion_type": JWT_BEARER, "client_assertion": assertion, **extra}
    return http.post("/oauth2/token", data=data)


def _refused(response: httpx.Response, *words: str) -> str:
    assert response.status_code == 401, response.text
    body = response.json()
    assert body["error"] == "invalid_client"
    assert "www-authenticate" not in response.headers  # the Basic challenge is for Basic only
    for word in words:
        assert word in body["error_description"], body["error_description"]
    return str(body["error_description"])


def test_private_key_jwt_with_the_demo_key(http: httpx.Client, server: EmbeddedServer) -> None:
    response = _token(http, _signed(_claims(server, PKJ_ID)))
    assert response.status_code == 200, response.text
    assert response.json()["token_type"].lower() in ("bearer", "dpop")


def test_private_key_jwt_may_name_the_client_and_use_the_issuer_as_aud(
        http: httpx.Client, server: EmbeddedServer) -> None:
    assertion = _signed(_claims(server, PKJ_ID, aud=[server.issuer, "https://else.example"]))
    assert _token(http, assertion, client_id=PKJ_ID).status_code == 200


def test_playground_fapi_authenticates_with_the_demo_key(http: httpx.Client,
                                                         server: EmbeddedServer) -> None:
    """playground-fapi is DPoP-bound, so without a proof the request may still be refused, but
    never for its client authentication."""
    response = _token(http, _signed(_claims(server, "playground-fapi")))
    assert response.status_code == 200 or response.json()["error"] != "invalid_client", \
        response.text


def test_client_secret_jwt(http: httpx.Client, server: EmbeddedServer) -> None:
    response = _token(http, _hs256(_claims(server, JWT_ID)))
    assert response.status_code == 200, response.text


def test_client_secret_jwt_with_a_wrong_secret(http: httpx.Client,
                                               server: EmbeddedServer) -> None:
    _refused(_token(http, _hs256(_claims(server, JWT_ID), "not-the-secret-" * 3)), "signature")


def test_a_replayed_assertion_is_refused(http: httpx.Client, server: EmbeddedServer) -> None:
    assertion = _signed(_claims(server, PKJ_ID))
    assert _token(http, assertion).status_code == 200
    response = _token(http, assertion)
    _refused(response, "already used")
    trace = server.trace(response.headers[TRACE_HEADER])
    assert trace is not None
    failed = [c for c in trace.checks if not c.passed]
    assert [(c.name, c.rfc) for c in failed] == [("assertion jti is not replayed",
                                                  "RFC 7523 §3 (7)")]
    assert {"assertion signature is valid", "assertion aud names this server"} <= {
        c.name for c in trace.checks if c.passed}


def test_wrong_aud_says_what_was_expected(http: httpx.Client, server: EmbeddedServer) -> None:
    text = _refused(_token(http, _signed(_claims(server, PKJ_ID, aud="https://other.example"))),
                    "aud must be the issuer", f"{server.issuer}/oauth2/token")
    assert server.issuer in text


def test_expired_assertion(http: httpx.Client, server: EmbeddedServer) -> None:
    now = int(server.clock.now())
    _refused(_token(http, _signed(_claims(server, PKJ_ID, iat=now - 120, exp=now - 60))),
             "expired")


def test_exp_too_far_ahead(http: httpx.Client, server: EmbeddedServer) -> None:
    now = int(server.clock.now())
    _refused(_token(http, _signed(_claims(server, PKJ_ID, exp=now + 7200))), "at most 3660")


def test_missing_exp_and_jti(http: httpx.Client, server: EmbeddedServer) -> None:
    _refused(_token(http, _signed(_claims(server, PKJ_ID, exp=None))), "exp")
    _refused(_token(http, _signed(_claims(server, PKJ_ID, jti=None))), "jti")


def test_iat_in_the_future(http: httpx.Client, server: EmbeddedServer) -> None:
    now = int(server.clock.now())
    _refused(_token(http, _signed(_claims(server, PKJ_ID, iat=now + 120))), "iat")


def test_iss_differs_from_sub(http: httpx.Client, server: EmbeddedServer) -> None:
    assertion = _signed(_claims(server, PKJ_ID, iss="someone-else"))
    _refused(_token(http, assertion, client_id=PKJ_ID), "iss must be the client_id")


def test_alg_none_is_refused(http: httpx.Client, server: EmbeddedServer) -> None:
    assertion = jwt.encode(_claims(server, PKJ_ID), None, algorithm="none")  # type: ignore[arg-type]
    _refused(_token(http, assertion), "'none'")


def test_hs256_assertion_for_a_private_key_jwt_client(http: httpx.Client,
                                                      server: EmbeddedServer) -> None:
    _refused(_token(http, _hs256(_claims(server, PKJ_ID), "guess" * 8)), "client_secret_jwt",
             "private_key_jwt")


def test_unknown_kid(http: httpx.Client, server: EmbeddedServer) -> None:
    key = generate("ES256", kid="not-registered")
    _refused(_token(http, _signed(_claims(server, PKJ_ID), key)), "not-registered")


def test_wrong_key_with_the_registered_kid(http: httpx.Client, server: EmbeddedServer) -> None:
    key = SigningJwk(generate("ES256").key, "ES256", FAPI_KEY.kid)
    _refused(_token(http, _signed(_claims(server, PKJ_ID), key)), "signature does not match")


def test_alg_other_than_the_registered_one(http: httpx.Client, server: EmbeddedServer) -> None:
    """playground-fapi registered tokenEndpointAuthSigningAlg ES256."""
    key = generate("EdDSA", kid=FAPI_KEY.kid)
    _refused(_token(http, _signed(_claims(server, "playground-fapi"), key)), "'EdDSA'", "ES256")


def test_wrong_assertion_type_and_two_methods(http: httpx.Client, server: EmbeddedServer) -> None:
    assertion = _signed(_claims(server, PKJ_ID))
    _refused(_token(http, assertion, client_assertion_type="urn:x"), "client_assertion_type")
    response = _token(http, _signed(_claims(server, PKJ_ID)), client_secret="x")
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def test_a_private_key_jwt_client_cannot_use_a_secret(http: httpx.Client) -> None:
    response = http.post("/oauth2/token", data={"grant_type": "client_credentials"},
                         auth=(PKJ_ID, "guess"))
    assert response.status_code == 401
    assert "private_key_jwt" in response.json()["error_description"]


def test_assertion_at_revocation_and_introspection(http: httpx.Client,
                                                   server: EmbeddedServer) -> None:
    token = _token(http, _signed(_claims(server, PKJ_ID))).json()["access_token"]
    for path in ("/oauth2/introspect", "/oauth2/revoke"):
        assertion = _signed(_claims(server, PKJ_ID, aud=server.issuer + path))
        response = http.post(path, data={"token": token, "client_assertion_type": JWT_BEARER,
                                         "client_assertion": assertion})
        assert response.status_code == 200, response.text


def test_jwks_uri_with_a_rotated_key(http: httpx.Client, server: EmbeddedServer,
                                     jwks_server: _JwksServer) -> None:
    first, second = generate("ES256", kid="k1"), generate("PS256", kid="k2")
    jwks_server.jwks = first.jwks
    assert _token(http, _signed(_claims(server, URI_ID), first)).status_code == 200
    hits = jwks_server.hits
    assert _token(http, _signed(_claims(server, URI_ID), first)).status_code == 200
    assert jwks_server.hits == hits  # cached
    jwks_server.jwks = {"keys": [second.public_jwk]}
    response = _token(http, _signed(_claims(server, URI_ID), second))
    assert response.status_code == 200, response.text  # a new kid refetches the set
    assert jwks_server.hits == hits + 1
    _refused(_token(http, _signed(_claims(server, URI_ID), generate("ES256", kid="k3"))), "k3")


@pytest.mark.parametrize("alg", ["RS256", "ES256", "PS256", "EdDSA"])
def test_id_token_signed_with_the_clients_alg(http: httpx.Client, server: EmbeddedServer,
                                              alg: str) -> None:
    flow = Flow(http, client_id=f"t-id-{alg}", scope="openid profile")
    response = flow.redeem(flow.code())
    assert response.status_code == 200, response.text
    id_token = response.json()["id_token"]
    header = jwt.get_unverified_header(id_token)
    assert header["alg"] == alg
    jwks = jwt.PyJWKSet.from_dict(http.get("/oauth2/jwks").json())
    key = jwks[header["kid"]]
    assert key.algorithm_name == alg
    claims = jwt.decode(id_token, key.key, algorithms=[alg], audience=flow.client_id,
                        issuer=server.issuer)
    assert claims["azp"] == flow.client_id
    access_kid = jwt.get_unverified_header(response.json()["access_token"])["kid"]
    assert access_kid != header["kid"]
    # this server's own check (e.g. a logout's id_token_hint) accepts every id key
    assert server.context.tokens.verify_id_token(id_token)["sub"] == claims["sub"]


junk = st.one_of(st.text(max_size=300), st.binary(max_size=200).map(lambda b: b.hex()),
                 st.builds(lambda h, p, s: f"{h}.{p}.{s}", st.text(max_size=40),
                           st.text(max_size=40), st.text(max_size=20)),
                 st.dictionaries(st.text(max_size=8), st.one_of(
                     st.integers(), st.text(max_size=20), st.none(), st.floats()),
                     max_size=6).map(lambda c: jwt.encode(c, "k" * 32, algorithm="HS256")))


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(assertion=junk, client_id=st.sampled_from([None, PKJ_ID, JWT_ID, "nope"]))
def test_garbage_assertions_never_5xx(http: httpx.Client, assertion: str,
                                      client_id: str | None) -> None:
    data = {"grant_type": "client_credentials", "client_assertion_type": JWT_BEARER,
            "client_assertion": assertion}
    if client_id:
        data["client_id"] = client_id
    response = http.post("/oauth2/token", data=data)
    assert response.status_code in (400, 401), response.text
