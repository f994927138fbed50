"""Signed request objects (RFC 9101) at the authorization endpoint and inside PAR (RFC 9126 §3)."""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any

import httpx
import jwt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.core.jose import jwk
from playground.server import EmbeddedServer, client_from_dict

from .conftest import SEED_ID, WEB_ID, WEB_REDIRECT, WEB_SECRET, Flow, query

JAR_ID = "t-jar"
JAR_REDIRECT = "http://jar.example/cb"
KEY = jwk.generate("ES256")
OTHER_KEY = jwk.generate("ES256", kid=KEY.kid)


@pytest.fixture(autouse=True)
def _clients(server: EmbeddedServer) -> None:
    server.clients.replace(client_from_dict({
        "id": JAR_ID, "secret": None, "firstParty": True, "redirect": [JAR_REDIRECT],
        "grantTypes": ["authorization_code"], "responseTypes": ["code"],
        "responseModes": ["query"], "authMethods": ["none"],
        "scopes": ["openid", "email", "profile"], "jwks": KEY.jwks,
    }))


def claims(server: EmbeddedServer, flow: Flow, **overrides: Any) -> dict[str, Any]:
    now = int(server.clock.now())
    body: dict[str, Any] = {**flow.params(), "iss": flow.client_id, "aud": server.issuer,
                            "iat": now, "exp": now + 60, "jti": secrets.token_urlsafe(8)}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def signed(body: dict[str, Any], key: jwk.SigningJwk = KEY) -> str:
    return jwt.encode(body, key.key, algorithm=key.alg, headers={"kid": key.kid})


def unsigned(body: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(body)}."


def send(flow: Flow, request: str, **query_params: Any) -> httpx.Response:
    params = {"client_id": flow.client_id, "request": request, **query_params}
    return flow.http.get("/oauth2/authorize", params=params,
                         headers={"Accept": "application/json"})


@pytest.fixture
def jar(http: httpx.Client) -> Flow:
    return Flow(http, client_id=JAR_ID, scope="openid email")


def _error(response: httpx.Response) -> str:
    assert response.status_code == 400, response.text
    assert "location" not in response.headers
    return str(response.json()["error"])


def test_signed_request_object_starts_an_interaction_and_wins(
    jar: Flow, server: EmbeddedServer
) -> None:
    token = signed(claims(server, jar, scope="openid", state="from-object"))
    start = send(jar, token, scope="openid email profile", state="from-query")
    assert start.status_code == 302, start.text
    trace = server.trace(start.headers["x-playground-trace"])
    assert trace is not None
    overridden = next(c for c in trace.checks if "override" in c.name)
    assert overridden.detail == "scope, state"
    response = jar.login(start.headers["location"])
    result = query(response.headers["location"])
    assert result["state"] == "from-object"
    token_response = jar.redeem(result["code"])
    assert token_response.status_code == 200, token_response.text
    assert token_response.json()["scope"] == "openid"


def test_unsigned_request_object_is_refused(jar: Flow, server: EmbeddedServer) -> None:
    response = send(jar, unsigned(claims(server, jar)))
    assert _error(response) == "invalid_request_object"
    assert "unsigned" in response.json()["error_description"]


def test_unsigned_request_object_shows_a_page(jar: Flow, server: EmbeddedServer) -> None:
    response = jar.http.get("/oauth2/authorize", params={
        "client_id": JAR_ID, "request": unsigned(claims(server, jar))})
    assert response.status_code == 400
    assert "location" not in response.headers
    assert "invalid_request_object" in response.text


@pytest.mark.parametrize("overrides", [
    {"aud": "https://other.example"},
    {"iss": SEED_ID},
    {"client_id": SEED_ID},
    {"exp": 1},
    {"exp": 10**10},
    {"exp": "soon"},
    {"nbf": 10**10},
    {"request_uri": "urn:ietf:params:oauth:request_uri:x"},
    {"request": "x.y.z"},
])
def test_bad_claims_are_invalid_request_object(
    jar: Flow, server: EmbeddedServer, overrides: dict[str, Any]
) -> None:
    assert _error(send(jar, signed(claims(server, jar, **overrides)))) == "invalid_request_object"


def test_expired_after_the_clock_moves(jar: Flow, server: EmbeddedServer) -> None:
    token = signed(claims(server, jar))
    server.clock.advance(120)
    assert _error(send(jar, token)) == "invalid_request_object"


def test_bad_signature(jar: Flow, server: EmbeddedServer) -> None:
    response = send(jar, signed(claims(server, jar), OTHER_KEY))
    assert _error(response) == "invalid_request_object"
    assert "signature" in response.json()["error_description"]


def test_jti_is_single_use(jar: Flow, server: EmbeddedServer) -> None:
    token = signed(claims(server, jar))
    assert send(jar, token).status_code == 302
    assert _error(send(jar, token)) == "invalid_request_object"


def test_client_id_is_required_with_request(jar: Flow, server: EmbeddedServer) -> None:
    response = jar.http.get("/oauth2/authorize", params={"request": signed(claims(server, jar))},
                            headers={"Accept": "application/json"})
    assert _error(response) == "invalid_request"


def test_hs256_request_object_with_the_client_secret(http: httpx.Client,
                                                     server: EmbeddedServer) -> None:
    flow = Flow(http, client_id=WEB_ID)
    token = jwt.encode(claims(server, flow, redirect_uri=WEB_REDIRECT), WEB_SECRET,
                       algorithm="HS256")
    start = send(flow, token)
    assert start.status_code == 302, start.text
    assert start.headers["location"].startswith("/interaction/")


def test_request_object_inside_par(jar: Flow, server: EmbeddedServer) -> None:
    token = signed(claims(server, jar, state="pushed-jar"))
    pushed = jar.http.post("/oauth2/par", data={"client_id": JAR_ID, "request": token})
    assert pushed.status_code == 201, pushed.text
    start = jar.http.get("/oauth2/authorize", params={
        "client_id": JAR_ID, "request_uri": pushed.json()["request_uri"]})
    assert start.status_code == 302, start.text
    result = query(jar.login(start.headers["location"]).headers["location"])
    assert result["state"] == "pushed-jar"
    assert jar.redeem(result["code"]).status_code == 200


def test_bad_request_object_inside_par_is_json(jar: Flow, server: EmbeddedServer) -> None:
    response = jar.http.post("/oauth2/par", data={
        "client_id": JAR_ID, "request": unsigned(claims(server, jar))})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request_object"


GARBAGE = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["a.b.c", "eyJhbGciOiJub25lIn0.e30.", "eyJ.eyJ.x", "...", ".", "e30.e30.e30",
                     "urn:ietf:params:oauth:request_uri:", "urn:ietf:params:oauth:request_uri:x",
                     "\x00", "%ff", "9" * 5000]),
)


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(["request", "request_uri"]), value=GARBAGE,
       client=st.sampled_from([SEED_ID, JAR_ID, WEB_ID, "", "unknown"]), post=st.booleans())
def test_garbage_request_and_request_uri_never_5xx(
    http: httpx.Client, name: str, value: str, client: str, post: bool
) -> None:
    params = {"client_id": client, name: value}
    if post:
        response = http.post("/oauth2/par", data={**params, "client_secret": WEB_SECRET})
        assert response.status_code in (400, 401), response.text
    else:
        response = http.get("/oauth2/authorize", params=params)
        assert response.status_code < 500, response.text
