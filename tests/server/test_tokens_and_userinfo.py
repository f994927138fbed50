"""Tokens (RFC 9068, OIDC Core §2), userinfo (OIDC Core §5.3), discovery and JWKS."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import httpx
import jwt
import pytest

from playground.server import EmbeddedServer

from .conftest import Flow


def _keys(http: httpx.Client) -> jwt.PyJWKSet:
    return jwt.PyJWKSet.from_dict(http.get("/oauth2/jwks").json())


def _header(token: str) -> dict[str, Any]:
    return dict(jwt.get_unverified_header(token))


def test_jwks_publishes_rsa_and_ec_keys_with_kid(http: httpx.Client) -> None:
    response = http.get("/oauth2/jwks")
    rsa_key, ec_key, es_id, ps_id, ed_id = response.json()["keys"]
    assert (rsa_key["kty"], rsa_key["alg"], rsa_key["use"]) == ("RSA", "RS256", "sig")
    assert (ec_key["kty"], ec_key["crv"], ec_key["alg"]) == ("EC", "P-256", "ES256")
    assert (es_id["kty"], es_id["crv"], es_id["alg"]) == ("EC", "P-256", "ES256")
    assert (ps_id["kty"], ps_id["alg"]) == ("RSA", "PS256")
    assert (ed_id["kty"], ed_id["crv"], ed_id["alg"]) == ("OKP", "Ed25519", "EdDSA")
    keys = [rsa_key, ec_key, es_id, ps_id, ed_id]
    assert all(k["kid"] and k["use"] == "sig" for k in keys)
    assert len({k["kid"] for k in keys}) == 5
    assert not {"d", "p"} & {member for k in keys for member in k}


def test_access_token_is_rfc9068(flow: Flow, http: httpx.Client, server: EmbeddedServer) -> None:
    body = flow.redeem(flow.code()).json()
    header = _header(body["access_token"])
    assert header["typ"] == "at+jwt"
    assert header["alg"] == "ES256"
    key = _keys(http)[header["kid"]]
    claims = jwt.decode(body["access_token"], key.key, algorithms=["ES256"],
                        audience=server.issuer, issuer=server.issuer)
    assert {"iss", "exp", "aud", "sub", "client_id", "iat", "jti", "scope",
            "auth_time"} <= set(claims)
    assert claims["client_id"] == flow.client_id
    assert claims["sub"] == "alice"


def test_id_token_claims(flow: Flow, http: httpx.Client, server: EmbeddedServer) -> None:
    body = flow.redeem(flow.code(nonce="n-0S6_WzA2Mj")).json()
    header = _header(body["id_token"])
    key = _keys(http)[header["kid"]]
    claims = jwt.decode(body["id_token"], key.key, algorithms=["RS256"],
                        audience=flow.client_id, issuer=server.issuer)
    assert claims["nonce"] == "n-0S6_WzA2Mj"
    assert claims["azp"] == flow.client_id
    assert claims["sub"] == "alice"
    assert claims["email"] == "alice@example.com"
    assert claims["name"] == "Alice Example"
    assert isinstance(claims["auth_time"], int)
    digest = hashlib.sha256(body["access_token"].encode()).digest()
    assert claims["at_hash"] == base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def test_id_token_releases_only_granted_scope_claims(flow: Flow, http: httpx.Client) -> None:
    body = flow.redeem(flow.code(scope="openid email")).json()
    claims = jwt.decode(body["id_token"], options={"verify_signature": False})
    assert "email" in claims
    assert "name" not in claims


def test_never_alg_none(flow: Flow) -> None:
    body = flow.redeem(flow.code()).json()
    for token in (body["access_token"], body["id_token"]):
        assert _header(token)["alg"] != "none"


def test_userinfo_get_and_post(flow: Flow, http: httpx.Client) -> None:
    token = flow.redeem(flow.code(scope="openid profile")).json()["access_token"]
    for method in ("GET", "POST"):
        response = http.request(method, "/oauth2/userinfo",
                                headers={"authorization": f"Bearer {token}"})
        assert response.status_code == 200
        assert response.json()["sub"] == "alice"
        assert response.json()["name"] == "Alice Example"
        assert "email" not in response.json()


def test_userinfo_without_token_is_401_bearer(http: httpx.Client) -> None:
    response = http.get("/oauth2/userinfo")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="oauth-playground"'


@pytest.mark.parametrize("token", ["garbage", "a.b.c"])
def test_userinfo_with_bad_token(http: httpx.Client, token: str) -> None:
    response = http.get("/oauth2/userinfo", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_userinfo_refuses_an_id_token(flow: Flow, http: httpx.Client) -> None:
    id_token = flow.redeem(flow.code()).json()["id_token"]
    response = http.get("/oauth2/userinfo", headers={"authorization": f"Bearer {id_token}"})
    assert response.status_code == 401


def test_userinfo_refuses_alg_none(flow: Flow, http: httpx.Client) -> None:
    token = flow.redeem(flow.code()).json()["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "at+jwt"}).encode())
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode())
    forged = f"{header.decode().rstrip('=')}.{payload.decode().rstrip('=')}."
    response = http.get("/oauth2/userinfo", headers={"authorization": f"Bearer {forged}"})
    assert response.status_code == 401


def test_userinfo_expired_token(flow: Flow, http: httpx.Client, server: EmbeddedServer) -> None:
    token = flow.redeem(flow.code()).json()["access_token"]
    server.clock.advance(3601)
    response = http.get("/oauth2/userinfo", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert "expired" in response.headers["www-authenticate"]


def test_userinfo_needs_openid_scope(http: httpx.Client) -> None:
    flow = Flow(http, scope="email")
    token = flow.redeem(flow.code()).json()["access_token"]
    response = http.get("/oauth2/userinfo", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]


@pytest.mark.parametrize("path", ["/.well-known/openid-configuration",
                                  "/.well-known/oauth-authorization-server"])
def test_discovery_metadata(http: httpx.Client, server: EmbeddedServer, path: str) -> None:
    meta = http.get(path).json()
    issuer = server.issuer
    assert meta["issuer"] == issuer
    assert meta["authorization_endpoint"] == f"{issuer}/oauth2/authorize"
    assert meta["token_endpoint"] == f"{issuer}/oauth2/token"
    assert meta["jwks_uri"] == f"{issuer}/oauth2/jwks"
    assert meta["userinfo_endpoint"] == f"{issuer}/oauth2/userinfo"
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["authorization_response_iss_parameter_supported"] is True
    assert meta["id_token_signing_alg_values_supported"] == ["RS256", "ES256", "PS256", "EdDSA"]
    methods = {"none", "client_secret_basic", "client_secret_post", "client_secret_jwt",
               "private_key_jwt"}
    for endpoint in ("token", "revocation", "introspection"):
        assert set(meta[f"{endpoint}_endpoint_auth_methods_supported"]) == methods
        algs = meta[f"{endpoint}_endpoint_auth_signing_alg_values_supported"]
        assert {"RS256", "PS256", "ES256", "EdDSA", "HS256"} <= set(algs)
        assert "none" not in algs
    assert "HS256" in meta["request_object_signing_alg_values_supported"]
    assert "none" not in meta["request_object_signing_alg_values_supported"]
    assert meta["request_parameter_supported"] is True
    assert meta["request_uri_parameter_supported"] is False
    assert meta["pushed_authorization_request_endpoint"] == f"{issuer}/oauth2/par"
    assert meta["require_pushed_authorization_requests"] is False
    assert {"ES256", "RS256", "PS256", "EdDSA"} <= set(meta["dpop_signing_alg_values_supported"])
    assert not {"none", "HS256"} & set(meta["dpop_signing_alg_values_supported"])
