"""Opaque access tokens (RFC 6749 §1.4) for clients with `accessTokenFormat: "opaque"`: read by
introspection (RFC 7662), accepted at UserInfo, revoked like JWTs (RFC 7009, RFC 6749 §4.1.2,
RFC 9700 §4.14.2), hashed into the id_token's `at_hash` (OIDC Core §3.1.3.6). Over loopback."""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from playground.core.clock import AdjustableClock
from playground.core.jose.jwk import generate, public_members
from playground.server import (
    ClientsFileError,
    EmbeddedServer,
    ServerConfig,
    client_from_dict,
    default_clients,
    load_clients,
)
from playground.server.clients import ClientRegistry
from playground.server.config import ServerConfig as Config
from playground.server.context import ServerContext
from playground.server.dpop import ath
from playground.server.opaque import OpaqueTokens
from playground.server.signing import at_hash
from playground.server.signing_helpers import ProcessSigner

from .conftest import Flow

OPAQUE_ID, OPAQUE_SECRET = "opaque-web", "opaque-secret-0c4d1f6a9b2e4e7f8a3c5d6b7e8f9a0b"
OPAQUE_REDIRECT = "http://localhost:9090/callback"
OPAQUE_SPA, SPA_REDIRECT = "opaque-spa", "http://localhost:9091/callback"
GATEWAY = ("playground-service", "service-secret-7d3b9a1e5c2f4086b1d4e8a0c6f2b9d3")
EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
TYPE = "urn:ietf:params:oauth:token-type:"
SCOPES = "openid email profile offline_access"
KEY = generate("ES256")


def _client(client_id: str, redirect: str, **extra: Any) -> dict[str, Any]:
    return {"id": client_id, "redirect": [redirect], "firstParty": True,
            "grantTypes": ["authorization_code"], "responseTypes": ["code"],
            "authMethods": ["none"], "scopes": SCOPES.split(),
            "accessTokenFormat": "opaque", **extra}


WEB = _client(OPAQUE_ID, OPAQUE_REDIRECT, secret=OPAQUE_SECRET,
              authMethods=["client_secret_basic"],
              grantTypes=["authorization_code", "client_credentials"])
SPA = _client(OPAQUE_SPA, SPA_REDIRECT)


def _clients() -> list[Any]:
    return [*default_clients(), client_from_dict(WEB), client_from_dict(SPA)]


@pytest.fixture(scope="module")
def server() -> Iterator[EmbeddedServer]:
    with EmbeddedServer(ServerConfig(clients=_clients(), control_api=True)) as srv:
        yield srv


@pytest.fixture(autouse=True)
def _no_faults(server: EmbeddedServer) -> Iterator[None]:
    yield
    server.context.faults.clear()


# -- helpers ------------------------------------------------------------------------------------
def _web_tokens(http: httpx.Client, dpop: str | None = None) -> dict[str, Any]:
    flow = Flow(http, client_id=OPAQUE_ID)
    code = flow.code(redirect_uri=OPAQUE_REDIRECT)
    answer = http.post("/oauth2/token", auth=(OPAQUE_ID, OPAQUE_SECRET),
                       headers={"DPoP": dpop} if dpop else {},
                       data={"grant_type": "authorization_code", "code": code,
                             "redirect_uri": OPAQUE_REDIRECT, "code_verifier": flow.verifier})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _spa_tokens(http: httpx.Client) -> tuple[Flow, str, dict[str, Any]]:
    flow = Flow(http, client_id=OPAQUE_SPA)
    code = flow.code(redirect_uri=SPA_REDIRECT)
    answer = flow.redeem(code, redirect_uri=SPA_REDIRECT)
    assert answer.status_code == 200, answer.text
    return flow, code, dict(answer.json())


def _introspect(http: httpx.Client, token: str) -> dict[str, Any]:
    answer = http.post("/oauth2/introspect", auth=(OPAQUE_ID, OPAQUE_SECRET),
                       data={"token": token})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _userinfo(http: httpx.Client, token: str, scheme: str = "Bearer",
              dpop: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"{scheme} {token}", **({"DPoP": dpop} if dpop else {})}
    return http.get("/oauth2/userinfo", headers=headers)


def _proof(server: EmbeddedServer, path: str, method: str = "POST", **claims: Any) -> str:
    """A DPoP proof (RFC 9449 §4.2) for `path`."""
    body = {"jti": secrets.token_urlsafe(12), "htm": method, "htu": server.issuer + path,
            "iat": int(server.clock.now()), **claims}
    return jwt.encode(body, KEY.key, algorithm=KEY.alg,
                      headers={"typ": "dpop+jwt", "jwk": public_members(KEY.key)})


def _assert_opaque(token: str) -> None:
    assert "." not in token and len(token) >= 43  # 32 random bytes, base64url
    with pytest.raises(jwt.DecodeError):
        jwt.get_unverified_header(token)


# -- issuing and reading ------------------------------------------------------------------------
def test_the_access_token_is_opaque_not_a_jwt(http: httpx.Client) -> None:
    tokens = _web_tokens(http)
    _assert_opaque(tokens["access_token"])
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 3600
    jwt.get_unverified_header(tokens["id_token"])  # the id_token is still a JWT


def test_a_jwt_client_still_gets_a_jwt(http: httpx.Client) -> None:
    flow = Flow(http)
    body = flow.redeem(flow.code()).json()
    assert jwt.get_unverified_header(body["access_token"])["typ"] == "at+jwt"


def test_introspection_is_active_with_the_claims(http: httpx.Client,
                                                 server: EmbeddedServer) -> None:
    enqueued = http.post("/_playground/behaviours", json={
        "match": {"client_id": OPAQUE_ID}, "access_token_claims": {"tier": "gold"}})
    assert enqueued.status_code == 201, enqueued.text
    tokens = _web_tokens(http)
    info = _introspect(http, tokens["access_token"])
    assert info["active"] is True and info["token_type"] == "Bearer"
    assert info["sub"] == "alice" and info["client_id"] == OPAQUE_ID
    assert info["iss"] == server.issuer and info["aud"] == server.issuer
    assert set(info["scope"].split()) == set(SCOPES.split())
    assert info["exp"] - info["iat"] == 3600 and info["jti"]
    assert info["tier"] == "gold"  # an extra claim is held like the JWT would carry it
    assert _introspect(http, "x" + tokens["access_token"][1:]) == {"active": False}


def test_introspection_of_another_clients_opaque_token_is_inactive(http: httpx.Client) -> None:
    _, _, tokens = _spa_tokens(http)
    assert _introspect(http, tokens["access_token"]) == {"active": False}


def test_userinfo_accepts_an_opaque_token(http: httpx.Client) -> None:
    tokens = _web_tokens(http)
    answer = _userinfo(http, tokens["access_token"])
    assert answer.status_code == 200, answer.text
    assert answer.json()["sub"] == "alice" and answer.json()["email"]


def test_a_dpop_bound_opaque_token(http: httpx.Client, server: EmbeddedServer) -> None:
    tokens = _web_tokens(http, dpop=_proof(server, "/oauth2/token"))
    token = tokens["access_token"]
    _assert_opaque(token)
    assert tokens["token_type"] == "DPoP"
    info = _introspect(http, token)
    assert info["token_type"] == "DPoP" and info["cnf"] == {"jkt": KEY.thumbprint}
    assert _userinfo(http, token).status_code == 401  # bound: not as Bearer (RFC 9449 §7.1)
    proof = _proof(server, "/oauth2/userinfo", "GET", ath=ath(token))
    answer = _userinfo(http, token, "DPoP", proof)
    assert answer.status_code == 200, answer.text


def test_at_hash_is_over_the_opaque_string(http: httpx.Client, server: EmbeddedServer) -> None:
    tokens = _web_tokens(http)
    kid = jwt.get_unverified_header(tokens["id_token"])["kid"]
    key = server.context.keys.by_kid(kid)
    assert key is not None
    claims = jwt.decode(tokens["id_token"], key.public_key, algorithms=[key.alg],
                        audience=OPAQUE_ID)
    assert claims["at_hash"] == at_hash(tokens["access_token"])


def test_at_hash_when_a_helper_process_signs(tmp_path: Path) -> None:
    """The signing helper gets the opaque token and hashes it (signing.SigningRequest)."""
    with EmbeddedServer(ServerConfig(clients=_clients(), signers=1)) as srv, \
            httpx.Client(base_url=srv.issuer, timeout=10) as http:
        signer = srv.context.tokens.signer
        assert isinstance(signer, ProcessSigner)
        deadline = time.monotonic() + 10
        while not signer.pids and time.monotonic() < deadline:
            time.sleep(0.01)
        assert signer.pids
        tokens = _web_tokens(http)
        _assert_opaque(tokens["access_token"])
        claims = jwt.decode(tokens["id_token"], options={"verify_signature": False})
        assert claims["at_hash"] == at_hash(tokens["access_token"])


# -- revocation ---------------------------------------------------------------------------------
def test_revoking_makes_it_inactive(http: httpx.Client) -> None:
    tokens = _web_tokens(http)
    answer = http.post("/oauth2/revoke", auth=(OPAQUE_ID, OPAQUE_SECRET),
                       data={"token": tokens["access_token"], "token_type_hint": "access_token"})
    assert answer.status_code == 200
    assert _introspect(http, tokens["access_token"]) == {"active": False}
    refused = _userinfo(http, tokens["access_token"])
    assert refused.status_code == 401 and "revoked" in refused.headers["www-authenticate"]


def test_revoking_the_refresh_token_revokes_the_opaque_access_token(http: httpx.Client) -> None:
    tokens = _web_tokens(http)
    http.post("/oauth2/revoke", auth=(OPAQUE_ID, OPAQUE_SECRET),
              data={"token": tokens["refresh_token"]})
    assert _introspect(http, tokens["access_token"]) == {"active": False}
    assert _userinfo(http, tokens["access_token"]).status_code == 401


def test_refresh_and_reuse_of_a_rotated_token_revokes_the_family(http: httpx.Client) -> None:
    _, _, tokens = _spa_tokens(http)
    data = {"grant_type": "refresh_token", "client_id": OPAQUE_SPA,
            "refresh_token": tokens["refresh_token"]}
    refreshed = http.post("/oauth2/token", data=data).json()
    _assert_opaque(refreshed["access_token"])
    assert refreshed["access_token"] != tokens["access_token"]
    assert _userinfo(http, refreshed["access_token"]).status_code == 200
    reused = http.post("/oauth2/token", data=data)
    assert reused.json()["error"] == "invalid_grant"
    for token in (tokens["access_token"], refreshed["access_token"]):
        assert _userinfo(http, token).status_code == 401


def test_a_code_replay_revokes_the_opaque_token(http: httpx.Client) -> None:
    flow, code, tokens = _spa_tokens(http)
    assert _userinfo(http, tokens["access_token"]).status_code == 200
    replay = flow.redeem(code, redirect_uri=SPA_REDIRECT)
    assert replay.json()["error"] == "invalid_grant"
    assert _userinfo(http, tokens["access_token"]).status_code == 401


def test_client_credentials_gets_an_opaque_token(http: httpx.Client) -> None:
    body = http.post("/oauth2/token", auth=(OPAQUE_ID, OPAQUE_SECRET),
                     data={"grant_type": "client_credentials"}).json()
    _assert_opaque(body["access_token"])
    info = _introspect(http, body["access_token"])
    assert info["active"] is True and info["sub"] == OPAQUE_ID


# -- token exchange, faults, control API --------------------------------------------------------
def test_an_opaque_subject_token_is_exchanged(http: httpx.Client) -> None:
    subject = _web_tokens(http)["access_token"]
    answer = http.post("/oauth2/token", auth=GATEWAY, data={
        "grant_type": EXCHANGE, "subject_token": subject,
        "subject_token_type": f"{TYPE}access_token", "scope": "openid email"})
    assert answer.status_code == 200, answer.text
    claims = jwt.decode(answer.json()["access_token"], options={"verify_signature": False})
    assert claims["sub"] == "alice" and claims["client_id"] == GATEWAY[0]  # its client: a JWT
    as_jwt = http.post("/oauth2/token", auth=GATEWAY, data={
        "grant_type": EXCHANGE, "subject_token": subject, "subject_token_type": f"{TYPE}jwt"})
    assert as_jwt.json()["error"] == "invalid_request"
    assert "not a JWT" in as_jwt.json()["error_description"]


def test_a_revoked_opaque_subject_token_is_refused(http: httpx.Client) -> None:
    subject = _web_tokens(http)["access_token"]
    http.post("/oauth2/revoke", auth=(OPAQUE_ID, OPAQUE_SECRET), data={"token": subject})
    answer = http.post("/oauth2/token", auth=GATEWAY, data={
        "grant_type": EXCHANGE, "subject_token": subject,
        "subject_token_type": f"{TYPE}access_token"})
    assert answer.json()["error"] == "invalid_request"


def test_the_tokens_expired_fault_expires_the_held_record(http: httpx.Client,
                                                          server: EmbeddedServer) -> None:
    server.context.faults.enable("tokens-expired")
    tokens = _web_tokens(http)
    _assert_opaque(tokens["access_token"])
    assert tokens["expires_in"] == 0
    assert _introspect(http, tokens["access_token"]) == {"active": False}
    refused = _userinfo(http, tokens["access_token"])
    assert refused.status_code == 401 and "expired" in refused.headers["www-authenticate"]
    claims = jwt.decode(tokens["id_token"], options={"verify_signature": False})
    assert claims["at_hash"] == at_hash(tokens["access_token"])


def test_the_control_api_mints_an_opaque_token(http: httpx.Client) -> None:
    minted = http.post("/_playground/tokens", json={
        "format": "opaque", "client_id": OPAQUE_ID, "claims": {"roles": ["admin"]}})
    assert minted.status_code == 201, minted.text
    token = minted.json()["access_token"]
    _assert_opaque(token)
    info = _introspect(http, token)
    assert info["active"] is True and info["roles"] == ["admin"]
    assert _userinfo(http, token).status_code == 200
    bad = http.post("/_playground/tokens", json={"format": "xml"})
    assert bad.status_code == 400 and "format" in bad.json()["error_description"]
    listed = http.get("/_playground/").json()["endpoints"]
    assert any("format" in e.get("body", {}) for e in listed if e["path"].endswith("/tokens"))


# -- the registry field and the store -----------------------------------------------------------
def test_the_field_defaults_to_jwt_and_round_trips() -> None:
    plain = client_from_dict({**SPA, "accessTokenFormat": None})
    assert plain.accessTokenFormat == "jwt" and "accessTokenFormat" not in plain.to_dict()
    opaque = client_from_dict(SPA)
    assert opaque.accessTokenFormat == "opaque"
    assert client_from_dict(opaque.to_dict()) == opaque


@pytest.mark.parametrize("value", ["xml", "", 7, "JWT"])
def test_a_clients_file_refuses_an_unknown_format(tmp_path: Path, value: object) -> None:
    path = tmp_path / "clients.json"
    path.write_text(json.dumps([{**SPA, "accessTokenFormat": value}]), encoding="utf-8")
    with pytest.raises(ClientsFileError) as info:
        load_clients(path)
    assert "client [0]" in str(info.value) and "'accessTokenFormat'" in str(info.value)


def test_the_store_is_bounded_keyed_by_hash_and_expires() -> None:
    clock = AdjustableClock()
    store = OpaqueTokens(clock, ttl=60, max_size=5)
    tokens = [store.issue({"jti": str(n)}) for n in range(20)]
    assert len(store) == 5  # the cap held: the oldest evicted first
    assert store.claims(tokens[0]) is None and store.claims(tokens[-1]) == {"jti": "19"}
    held = list(store._records._entries)  # only SHA-256 digests are kept, never a token
    assert held == [hashlib.sha256(t.encode()).digest() for t in tokens[-5:]]
    clock.advance(61)
    assert store.claims(tokens[-1]) is None
    store.issue({"jti": "new"})
    assert len(store) == 1  # a write prunes the expired


def test_the_servers_store_is_capped_and_cleared_by_reset() -> None:
    ctx = ServerContext.create(Config(clock=AdjustableClock()), "http://127.0.0.1:9",
                               ClientRegistry(_clients()))
    assert ctx.tokens.access_format(OPAQUE_ID) == "opaque"
    assert ctx.tokens.access_format("playground-web") == "jwt"
    ctx.tokens.opaque = OpaqueTokens(ctx.clock, 3600, max_size=100)
    for _ in range(300):
        ctx.tokens.opaque.issue({"jti": secrets.token_urlsafe(8)})
    assert len(ctx.tokens.opaque) == 100
    ctx.reset()
    assert len(ctx.tokens.opaque) == 0


def test_health_counts_the_opaque_tokens(http: httpx.Client, server: EmbeddedServer) -> None:
    _web_tokens(http)
    stores = http.get("/_playground/health").json()["stores"]
    assert stores["opaque_access_tokens"] == len(server.context.tokens.opaque) >= 1
