"""Issuers under paths (tenants, an issuer with a path), over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from playground.core.protocol import pkce
from playground.server import EmbeddedServer, ServerConfig
from playground.server.clients import client_from_dict
from playground.server.config import Tenant
from playground.server.users import make_user

APP = {"id": "tenant-app", "redirect": ["http://localhost:3000/cb"], "firstParty": True,
       "grantTypes": ["authorization_code"], "responseTypes": ["code"], "authMethods": ["none"],
       "scopes": ["openid", "profile"]}


SERVICE_SECRET = "service-secret-7d3b9a1e5c2f4086b1d4e8a0c6f2b9d3"


@pytest.fixture(scope="module")
def server() -> Iterator[EmbeddedServer]:
    tenant_a = ServerConfig(clients=[client_from_dict(APP)],
                            users=[make_user("frank", {"name": "Frank", "groups": ["a"]})])
    tenant_b = ServerConfig(consent="auto-approve", auto_user="bob")
    config = ServerConfig(control_api=True, tenants=(Tenant("/tenant-a", tenant_a),
                                                     Tenant("/tenant-b", tenant_b)))
    with EmbeddedServer(config) as srv:
        yield srv


@pytest.fixture
def http(server: EmbeddedServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.issuer, follow_redirects=False, timeout=10) as client:
        yield client


def _sign_in(http: httpx.Client, issuer: str, client_id: str, redirect: str,
             user: str | None = None) -> dict[str, Any]:
    """Authorize → (login → consent, by the pages' JSON views) → code → tokens."""
    meta = http.get(f"{issuer}/.well-known/openid-configuration").json()
    verifier = pkce.generate_verifier()
    step = http.get(meta["authorization_endpoint"], params={
        "client_id": client_id, "response_type": "code", "redirect_uri": redirect,
        "scope": "openid profile", "state": "s", "code_challenge": pkce.s256(verifier),
        "code_challenge_method": "S256"})
    while not step.headers["location"].startswith(redirect):
        view = http.get(step.headers["location"], headers={"Accept": "application/json"}).json()
        form = {"csrf": view["csrf"], "user": user} if view["prompt"] == "login" \
            else {"csrf": view["csrf"], "decision": "allow"}
        step = http.post(view["action"], data=form)
    code = parse_qs(urlsplit(step.headers["location"]).query)["code"][0]
    return dict(http.post(meta["token_endpoint"], data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect,
        "client_id": client_id, "code_verifier": verifier}).json())


@pytest.mark.parametrize("path", ["/tenant-a/.well-known/openid-configuration",
                                  "/tenant-a/.well-known/oauth-authorization-server",
                                  "/.well-known/oauth-authorization-server/tenant-a",
                                  "/.well-known/openid-configuration/tenant-a"])
def test_discovery_at_the_path_both_ways(http: httpx.Client, server: EmbeddedServer,
                                         path: str) -> None:
    meta = http.get(path).json()
    assert meta["issuer"] == f"{server.issuer}/tenant-a"
    assert meta["token_endpoint"] == f"{server.issuer}/tenant-a/oauth2/token"


def test_each_tenant_has_its_own_keys_clients_and_users(http: httpx.Client) -> None:
    kids = [{k["kid"] for k in http.get(f"{p}/oauth2/jwks").json()["keys"]}
            for p in ("", "/tenant-a", "/tenant-b")]
    assert not kids[0] & kids[1] and not kids[1] & kids[2]
    clients = http.get("/tenant-a/_playground/clients").json()["clients"]
    assert clients == ["tenant-app"]
    assert [u["sub"] for u in http.get("/tenant-a/_playground/users").json()["users"]] == \
        ["frank"]


def test_a_whole_flow_with_pages_and_cookies_under_the_tenant(http: httpx.Client,
                                                             server: EmbeddedServer) -> None:
    issuer = f"{server.issuer}/tenant-a"
    tokens = _sign_in(http, issuer, "tenant-app", "http://localhost:3000/cb", user="frank")
    key = jwt.PyJWKClient(f"{issuer}/oauth2/jwks", cooldown_duration=0) \
        .get_signing_key_from_jwt(tokens["id_token"])
    claims = jwt.decode(tokens["id_token"], key, algorithms=["RS256"], audience="tenant-app")
    assert claims["iss"] == issuer and claims["groups"] == ["a"]
    cookies = [c for c in http.cookies.jar if c.name.startswith("pg_session")]
    assert [(c.name, c.path) for c in cookies] == [("pg_session_tenant_a", "/tenant-a")]


def test_a_tenant_token_is_refused_by_another_tenant(http: httpx.Client,
                                                     server: EmbeddedServer) -> None:
    token = http.post("/tenant-b/_playground/tokens", json={}).json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert http.get("/tenant-b/oauth2/userinfo", headers=bearer).status_code == 200
    assert http.get("/tenant-a/oauth2/userinfo", headers=bearer).status_code == 401
    assert http.get("/oauth2/userinfo", headers=bearer).status_code == 401


def test_auto_approve_in_one_tenant_only(http: httpx.Client, server: EmbeddedServer) -> None:
    tokens = _sign_in(http, f"{server.issuer}/tenant-b", "playground-spa",
                      "http://localhost:5173/callback")
    assert jwt.decode(tokens["id_token"], options={"verify_signature": False})["sub"] == "bob"
    journal = http.get("/tenant-b/_playground/requests", params={"endpoint": "authorize"})
    entry = journal.json()["requests"][-1]
    assert any("auto-approve" in c["name"] for c in entry["decision"]["checks"])
    assert entry["path"] == "/tenant-b/oauth2/authorize"


def test_a_path_under_no_issuer_names_the_issuers() -> None:
    config = ServerConfig(issuer="/idp", tenants=(Tenant("/tenant-a", ServerConfig()),))
    with EmbeddedServer(config) as srv:
        origin = srv.issuer.removesuffix("/idp")
        answer = httpx.get(f"{origin}/oauth2/token")
        meta = httpx.get(f"{origin}/.well-known/oauth-authorization-server/idp").json()
    assert answer.status_code == 404
    assert f"{origin}/idp" in answer.json()["error_description"]
    assert meta["issuer"] == f"{origin}/idp"


def test_the_dpop_htu_includes_the_tenant_path(
        http: httpx.Client, server: EmbeddedServer) -> None:
    from playground.core.jose.dpop import DPoPKey

    issuer = f"{server.issuer}/tenant-b"
    key = DPoPKey.generate()
    now = server.clock.now()
    wrong = key.proof("POST", f"{server.issuer}/oauth2/token", now=now)
    right = key.proof("POST", f"{issuer}/oauth2/token", now=now)
    answers = [http.post(f"{issuer}/oauth2/token", headers={"DPoP": proof},
                         data={"grant_type": "client_credentials"},
                         auth=("playground-service", SERVICE_SECRET))
               for proof in (wrong, right)]
    assert answers[0].json()["error"] == "invalid_dpop_proof", answers[0].text
    assert "htu" in answers[0].json()["error_description"]
    assert answers[1].status_code == 200, answers[1].text


@pytest.mark.parametrize(("audience", "accepted"), [("/tenant-b", True),
                                                    ("/tenant-b/oauth2/token", True),
                                                    ("", False), ("/oauth2/token", False)])
def test_a_client_assertion_names_the_tenant(http: httpx.Client, server: EmbeddedServer,
                                             audience: str, accepted: bool) -> None:
    from playground.core.jose import assertion

    secret = "jwt-secret-5f1e9c3a7d2b4e6f8a0c1b3d5e7f9a2c4b6d8e0f"
    signed = assertion.client_secret_jwt("playground-jwt", server.issuer + audience, secret,
                                         now=server.clock.now())
    answer = http.post(f"{server.issuer}/tenant-b/oauth2/introspect", data={
        "token": "x", "client_assertion": signed,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"})
    assert (answer.status_code == 200) is accepted, answer.text
