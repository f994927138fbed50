"""Revocation (RFC 7009) and introspection (RFC 7662)."""

from __future__ import annotations

import httpx

from .conftest import SEED_ID, SPA_ID, WEB_ID, WEB_REDIRECT, WEB_SECRET, Flow


def _tokens(flow: Flow) -> dict[str, str]:
    return dict(flow.redeem(flow.code()).json())


def _userinfo(http: httpx.Client, token: str) -> int:
    return http.get("/oauth2/userinfo", headers={"authorization": f"Bearer {token}"}).status_code


def test_revoking_a_refresh_token_revokes_its_family(flow: Flow, http: httpx.Client) -> None:
    tokens = _tokens(flow)
    response = http.post("/oauth2/revoke", data={"token": tokens["refresh_token"],
                                                 "client_id": SEED_ID})
    assert response.status_code == 200
    assert _userinfo(http, tokens["access_token"]) == 401
    refreshed = http.post("/oauth2/token", data={
        "grant_type": "refresh_token", "client_id": SEED_ID,
        "refresh_token": tokens["refresh_token"]})
    assert refreshed.json()["error"] == "invalid_grant"


def test_revoking_an_access_token(flow: Flow, http: httpx.Client) -> None:
    tokens = _tokens(flow)
    http.post("/oauth2/revoke", data={"token": tokens["access_token"], "client_id": SEED_ID,
                                      "token_type_hint": "access_token"})
    assert _userinfo(http, tokens["access_token"]) == 401


def test_unknown_or_foreign_tokens_still_get_200(flow: Flow, http: httpx.Client) -> None:
    tokens = _tokens(flow)
    assert http.post("/oauth2/revoke", data={"token": "junk",
                                             "client_id": SEED_ID}).status_code == 200
    foreign = http.post("/oauth2/revoke", data={"token": tokens["access_token"],
                                                "client_id": SPA_ID})
    assert foreign.status_code == 200
    assert _userinfo(http, tokens["access_token"]) == 200


def test_revocation_needs_client_authentication(http: httpx.Client) -> None:
    response = http.post("/oauth2/revoke", data={"token": "x", "client_id": WEB_ID})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_introspection(http: httpx.Client) -> None:
    flow = Flow(http, client_id=WEB_ID)
    code = flow.code(redirect_uri=WEB_REDIRECT)
    tokens = http.post("/oauth2/token", auth=(WEB_ID, WEB_SECRET), data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": WEB_REDIRECT,
        "code_verifier": flow.verifier}).json()
    access = http.post("/oauth2/introspect", auth=(WEB_ID, WEB_SECRET),
                       data={"token": tokens["access_token"]}).json()
    assert access["active"] is True
    assert access["client_id"] == WEB_ID
    assert access["sub"] == "alice"
    refresh = http.post("/oauth2/introspect", auth=(WEB_ID, WEB_SECRET),
                        data={"token": tokens["refresh_token"]}).json()
    assert refresh["active"] is True
    assert refresh["token_type"] == "refresh_token"
    junk = http.post("/oauth2/introspect", auth=(WEB_ID, WEB_SECRET), data={"token": "junk"})
    assert junk.json() == {"active": False}


def test_introspection_of_another_clients_token_is_inactive(flow: Flow,
                                                            http: httpx.Client) -> None:
    tokens = _tokens(flow)
    response = http.post("/oauth2/introspect", auth=(WEB_ID, WEB_SECRET),
                         data={"token": tokens["access_token"]})
    assert response.json() == {"active": False}
