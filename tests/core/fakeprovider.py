"""An in-memory OpenID provider behind `httpx.MockTransport`, for session tests without sockets.

It speaks the embedded server's HTTP surface (docs/architecture.md) just enough to run the
flow, and each fault is a flag, so a test can break one thing and watch the engine catch it.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode

import httpx
import jwt as pyjwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from playground.core.jose.jwt import at_hash
from playground.core.protocol import pkce

ISSUER = "https://op.example"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    return {**jwk, "kid": kid, "use": "sig", "alg": "RS256"}


JWKS = {"keys": [public_jwk(KEY, "k1")]}


def sign(claims: dict[str, Any], *, key: Any = KEY, kid: str = "k1", typ: str | None = None) -> str:
    headers: dict[str, Any] = {"kid": kid}
    if typ:
        headers["typ"] = typ
    return pyjwt.encode(claims, key, algorithm="RS256", headers=headers)


@dataclass
class FakeProvider:
    issuer: str = ISSUER
    iss_in_response: bool = True
    wrong_iss: str | None = None
    wrong_state: bool = False
    omit_iss: bool = False
    token_status: int = 200
    token_error: str | None = None
    html_metadata: bool = False
    id_token_claims: dict[str, Any] = field(default_factory=dict)
    id_token_key: Any = KEY
    received: list[httpx.Request] = field(default_factory=list)
    _pending: dict[str, str] = field(default_factory=dict)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.received.append(request)
        path = request.url.path
        route = {
            "/.well-known/openid-configuration": self.metadata,
            "/jwks": lambda r: httpx.Response(200, json=JWKS),
            "/authorize": self.authorize,
            "/interaction/1": self.interaction,
            "/interaction/1/login": self.login,
            "/interaction/1/consent": self.consent,
            "/token": self.token,
            "/userinfo": self.userinfo,
        }.get(path)
        if route is None:
            return httpx.Response(404, text="not found")
        return route(request)

    def metadata(self, request: httpx.Request) -> httpx.Response:
        if self.html_metadata:
            return httpx.Response(200, html="<html><body>Welcome</body></html>")
        return httpx.Response(
            200,
            json={
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "userinfo_endpoint": f"{self.issuer}/userinfo",
                "code_challenge_methods_supported": ["S256"],
                "authorization_response_iss_parameter_supported": self.iss_in_response,
            },
        )

    def authorize(self, request: httpx.Request) -> httpx.Response:
        self._pending = dict(parse_qsl(request.url.query.decode()))
        return httpx.Response(302, headers={"Location": "/interaction/1", "Set-Cookie": "ua=1"})

    def interaction(self, request: httpx.Request) -> httpx.Response:
        logged_in = "user" in self._pending
        return httpx.Response(
            200,
            json={
                "uid": "1",
                "prompt": "consent" if logged_in else "login",
                "action": "/interaction/1/" + ("consent" if logged_in else "login"),
                "csrf": "tok",
                "client": {"id": self._pending.get("client_id"), "firstParty": False},
                "scopes": [{"name": s, "description": s} for s in self._pending["scope"].split()],
                "users": [{"sub": "alice", "name": "Alice"}],
                "user": None,
            },
        )

    def login(self, request: httpx.Request) -> httpx.Response:
        self._pending["user"] = parse_qs(request.content.decode())["user"][0]
        return httpx.Response(303, headers={"Location": "/interaction/1"})

    def consent(self, request: httpx.Request) -> httpx.Response:
        form = parse_qs(request.content.decode())
        params = {"state": self._pending["state"] + ("x" if self.wrong_state else "")}
        if form["decision"] == ["allow"]:
            params = {"code": "the-code", **params}
        else:
            params = {"error": "access_denied", "error_description": "the user said no", **params}
        if self.iss_in_response and not self.omit_iss:
            params["iss"] = self.wrong_iss or self.issuer
        return httpx.Response(
            303, headers={"Location": f"{self._pending['redirect_uri']}?{urlencode(params)}"}
        )

    def token(self, request: httpx.Request) -> httpx.Response:
        if self.token_status != 200:
            return httpx.Response(
                self.token_status,
                json={"error": self.token_error or "server_error", "error_description": "boom"},
            )
        form = dict(parse_qsl(request.content.decode()))
        if not pkce.verify(form["code_verifier"], self._pending["code_challenge"], "S256"):
            return httpx.Response(
                400,
                json={"error": "invalid_grant", "error_description": "PKCE verification failed"},
            )
        return httpx.Response(200, json=self.tokens(), headers={"Cache-Control": "no-store"})

    def tokens(self) -> dict[str, Any]:
        now = int(time.time())
        client_id = self._pending["client_id"]
        access = sign(
            {
                "iss": self.issuer,
                "sub": "alice",
                "aud": self.issuer,
                "exp": now + 300,
                "iat": now,
                "jti": "j",
                "client_id": client_id,
            },
            typ="at+jwt",
        )
        claims = {
            "iss": self.issuer,
            "sub": "alice",
            "aud": client_id,
            "exp": now + 300,
            "iat": now,
            "nonce": self._pending.get("nonce"),
            "at_hash": at_hash(access, "RS256"),
            **self.id_token_claims,
        }
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": sign(claims, key=self.id_token_key),
            "scope": self._pending["scope"],
        }

    def userinfo(self, request: httpx.Request) -> httpx.Response:
        if not request.headers.get("authorization", "").startswith("Bearer "):
            return httpx.Response(401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        return httpx.Response(200, json={"sub": "alice", "name": "Alice"})
