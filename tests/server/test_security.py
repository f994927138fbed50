"""Host header (DNS rebinding), CORS for public clients only, body cap, methods."""

from __future__ import annotations

import httpx
import pytest

from playground.core.trace import TRACE_HEADER
from playground.server import EmbeddedServer, ServerConfig

from .conftest import SEED_ID, Flow

SEED_ORIGIN = "http://client.server.com"


@pytest.mark.parametrize("path", ["/oauth2/token", "/oauth2/authorize", "/oauth2/jwks"])
def test_foreign_host_header_is_rejected(http: httpx.Client, server: EmbeddedServer,
                                         path: str) -> None:
    response = http.get(path, headers={"host": f"evil.example:{server.port}"})
    assert response.status_code == 400
    trace = server.trace(response.headers[TRACE_HEADER])
    assert trace is not None and trace.failed_check is not None
    assert trace.failed_check.name == "Host header is the issuer's"


def test_localhost_alias_is_not_the_issuer(http: httpx.Client, server: EmbeddedServer) -> None:
    response = http.get("/oauth2/jwks", headers={"host": f"localhost:{server.port}"})
    assert response.status_code == 400


def test_allowed_hosts_extends_the_check() -> None:
    with EmbeddedServer(ServerConfig(allowed_hosts=("auth.test",))) as srv, \
            httpx.Client(base_url=srv.issuer) as http:
        assert http.get("/oauth2/jwks", headers={"host": "auth.test"}).status_code == 200


def test_cors_preflight_for_the_seed_origin(http: httpx.Client) -> None:
    response = http.options("/oauth2/token", headers={
        "origin": SEED_ORIGIN, "access-control-request-method": "POST",
        "access-control-request-headers": "content-type"})
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == SEED_ORIGIN
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "Content-Type" in response.headers["access-control-allow-headers"]


def test_cors_on_the_actual_token_response(flow: Flow, http: httpx.Client) -> None:
    code = flow.code()
    response = http.post("/oauth2/token", json={
        "code": code, "client_id": SEED_ID, "grant_type": "authorization_code",
        "code_verifier": flow.verifier}, headers={"origin": SEED_ORIGIN})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == SEED_ORIGIN
    assert TRACE_HEADER in response.headers["access-control-expose-headers"]


@pytest.mark.parametrize("origin", ["http://evil.example", "http://localhost:8080"])
def test_cors_refused_for_other_and_confidential_origins(http: httpx.Client, origin: str) -> None:
    preflight = http.options("/oauth2/token", headers={"origin": origin,
                                                       "access-control-request-method": "POST"})
    assert preflight.status_code == 403
    assert "access-control-allow-origin" not in preflight.headers
    actual = http.post("/oauth2/token", data={}, headers={"origin": origin})
    assert "access-control-allow-origin" not in actual.headers


def test_cors_never_on_the_authorization_endpoint(http: httpx.Client) -> None:
    # CORS is on token, userinfo, revoke, and (for browser OIDC libraries, tests/server/
    # test_interop.py) the metadata and the JWKS; never on the pages the user interacts with.
    response = http.get("/oauth2/authorize", headers={"origin": SEED_ORIGIN})
    assert "access-control-allow-origin" not in response.headers
    assert http.options("/oauth2/authorize", headers={"origin": SEED_ORIGIN}).status_code == 405


@pytest.mark.parametrize("path", ["/oauth2/token", "/oauth2/userinfo"])
def test_a_browser_client_may_send_dpop_and_read_the_nonce(http: httpx.Client,
                                                          path: str) -> None:
    """RFC 9449 §8-9 from a browser: the preflight allows the DPoP header, and the answer
    exposes DPoP-Nonce (a Chromium SPA found both missing)."""
    preflight = http.options(path, headers={
        "origin": SEED_ORIGIN, "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type,dpop"})
    assert preflight.status_code == 204
    assert "dpop" in preflight.headers["access-control-allow-headers"].lower()
    answer = http.post("/oauth2/token", data={"grant_type": "x"}, headers={"origin": SEED_ORIGIN})
    assert "DPoP-Nonce" in answer.headers["access-control-expose-headers"]


def test_userinfo_preflight_allowed(http: httpx.Client) -> None:
    response = http.options("/oauth2/userinfo", headers={
        "origin": SEED_ORIGIN, "access-control-request-method": "GET"})
    assert response.status_code == 204


def test_body_cap_by_content_length(http: httpx.Client, server: EmbeddedServer) -> None:
    response = http.post("/oauth2/token", content=b"a=" + b"x" * (64 * 1024),
                         headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    assert response.json()["error"] == "invalid_request"


def test_body_cap_when_streamed(http: httpx.Client) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(20):
            yield b"x" * 8192

    response = http.post("/oauth2/token", content=chunks(),
                         headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413


def test_unknown_path_is_traced_404(http: httpx.Client, server: EmbeddedServer) -> None:
    response = http.get("/nope")
    assert response.status_code == 404
    assert server.trace(response.headers[TRACE_HEADER]) is not None


def test_binds_loopback_by_default(server: EmbeddedServer) -> None:
    assert server.issuer == f"http://127.0.0.1:{server.port}"


def test_cors_follows_the_live_registry(http: httpx.Client, server: EmbeddedServer) -> None:
    from playground.server import client_from_dict

    origin = "http://spa.example:3000"
    preflight = {"origin": origin, "access-control-request-method": "POST"}
    assert http.options("/oauth2/token", headers=preflight).status_code == 403
    server.clients.replace(client_from_dict({
        "id": "live-spa", "secret": "", "firstParty": False,
        "redirect": [f"{origin}/cb"], "grantTypes": ["authorization_code"],
        "responseTypes": ["code"], "responseModes": ["query"], "authMethods": ["none"],
        "scopes": ["openid"],
    }))
    assert http.options("/oauth2/token", headers=preflight).status_code == 204
