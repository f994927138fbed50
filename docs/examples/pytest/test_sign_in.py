"""Tests of an app's "Sign in with …" against oauth-playground's pytest fixture.

Install `oauth-playground` (it brings the fixture) and run `pytest`. The app here is a few lines
of httpx: a confidential web client doing the authorization code flow with PKCE, and a resource
server that checks access tokens against the JWKS (PyJWT's `PyJWKClient` caches it).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

CLIENT_ID = "playground-web"  # one of the default clients, as in `oauth-playground serve`
SECRET = "web-secret-2a1f0c9e7b4d4f3a8e6c5b1d9f0a7c3e"
REDIRECT = "http://localhost:8080/callback"

# No pages to click through: the server signs the user in and approves (login_hint picks who).
pytestmark = pytest.mark.oauth_server(consent="auto-approve")


def sign_in(issuer: str, login_hint: str | None = None) -> dict[str, str]:
    """The app's sign-in: discovery, authorize (PKCE S256), callback, code exchange."""
    meta = httpx.get(f"{issuer}/.well-known/openid-configuration").json()
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(
        hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    params = {"client_id": CLIENT_ID, "response_type": "code", "redirect_uri": REDIRECT,
              "scope": "openid profile email", "state": secrets.token_urlsafe(16),
              "code_challenge": challenge, "code_challenge_method": "S256"}
    if login_hint:
        params["login_hint"] = login_hint
    answer = httpx.get(meta["authorization_endpoint"], params=params)
    callback = parse_qs(urlsplit(answer.headers["location"]).query)
    assert callback["state"] == [params["state"]]
    tokens = httpx.post(meta["token_endpoint"], auth=(CLIENT_ID, SECRET), data={
        "grant_type": "authorization_code", "code": callback["code"][0],
        "redirect_uri": REDIRECT, "code_verifier": verifier})
    tokens.raise_for_status()
    return dict(tokens.json())


def claims_of(token: str) -> dict[str, object]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def test_enqueued_claims_reach_the_tokens(oauth_server):
    oauth_server.enqueue(claims={"acr": "Level4"}, client_id=CLIENT_ID)

    tokens = sign_in(oauth_server.issuer)

    assert claims_of(tokens["id_token"])["acr"] == "Level4"
    assert claims_of(tokens["access_token"])["acr"] == "Level4"
    assert "acr" not in claims_of(sign_in(oauth_server.issuer)["id_token"])  # consumed


def test_the_journal_shows_what_the_app_sent(oauth_server):
    sign_in(oauth_server.issuer, login_hint="bob")

    authorize, = oauth_server.find_requests(endpoint="authorize")
    token, = oauth_server.find_requests(endpoint="token")
    assert authorize.params["code_challenge_method"] == "S256"
    assert authorize.params["login_hint"] == "bob"
    assert token.params["code_verifier"] and token.status == 200
    assert token.decision["error"] is None


def test_login_hint_picks_the_user(oauth_server):
    oauth_server.add_user("dave", name="Dave", groups=["admins"])

    tokens = sign_in(oauth_server.issuer, login_hint="dave")

    id_token = claims_of(tokens["id_token"])
    assert id_token["sub"] == "dave" and id_token["groups"] == ["admins"]


def test_an_enqueued_error_is_what_the_app_gets(oauth_server):
    oauth_server.enqueue(error="invalid_grant", description="the user was disabled")

    with pytest.raises(httpx.HTTPStatusError) as refused:
        sign_in(oauth_server.issuer)

    assert refused.value.response.json()["error"] == "invalid_grant"
    assert oauth_server.requests[-1].decision["error"] == "invalid_grant"


def test_the_resource_server_survives_a_key_rotation(oauth_server):
    # Caches the JWKS, and refetches it for an unfamiliar kid (OIDC Core §10.1.1). PyJWT 2.11+
    # waits `cooldown_duration` (30 s) after a fetch before it refetches: with that default,
    # tokens signed in the 30 s after a rotation would be refused, which this test catches.
    jwks = jwt.PyJWKClient(oauth_server.jwks_uri, cooldown_duration=0)

    def verify(token: str) -> dict[str, object]:
        key = jwks.get_signing_key_from_jwt(token)
        return dict(jwt.decode(token, key, algorithms=["ES256"], audience=oauth_server.issuer))

    before = oauth_server.issue_token(sub="alice", claims={"roles": ["reader"]})
    assert verify(before)["roles"] == ["reader"]

    oauth_server.rotate_keys(grace_seconds=300)

    after = oauth_server.issue_token(sub="alice")  # a new kid: PyJWKClient refetches
    assert verify(after)["sub"] == "alice"
    assert verify(before)["sub"] == "alice"  # the old key is still published


def test_tokens_expire_on_the_server_clock(oauth_server):
    token = oauth_server.issue_token(sub="carol", expires_in=60)
    userinfo = f"{oauth_server.issuer}/oauth2/userinfo"
    assert httpx.get(userinfo, headers={"Authorization": f"Bearer {token}"}).status_code == 200

    oauth_server.clock.advance(120)

    answer = httpx.get(userinfo, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_token"
