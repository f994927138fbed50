"""Fixtures: one real threaded server for the module, an httpx client, and flow helpers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from playground.core.protocol import pkce
from playground.server import EmbeddedServer, ServerConfig

SEED_ID = "c02d5bf5-993e-4c6a-a248-6c307cc7681b"
SEED_REDIRECT = "http://client.server.com/callback"
SPA_ID, SPA_REDIRECT = "playground-spa", "http://localhost:5173/callback"
WEB_ID, WEB_REDIRECT = "playground-web", "http://localhost:8080/callback"
WEB_SECRET = "web-secret-2a1f0c9e7b4d4f3a8e6c5b1d9f0a7c3e"
NATIVE_ID = "playground-native"
SCOPES = "openid email profile offline_access"


@pytest.fixture(scope="module")
def server() -> Iterator[EmbeddedServer]:
    with EmbeddedServer(ServerConfig()) as srv:
        yield srv


@pytest.fixture(autouse=True)
def _reset(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "server" in request.fixturenames:
        srv = request.getfixturevalue("server")
        srv.clock.reset()
        srv.compat_seed = False


@pytest.fixture
def http(server: EmbeddedServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.issuer, follow_redirects=False, timeout=10) as client:
        yield client


def query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


@dataclass
class Flow:
    """Drives the authorize → login → consent walk the way a browser would."""

    http: httpx.Client
    client_id: str = SEED_ID
    scope: str = SCOPES
    verifier: str = ""

    def __post_init__(self) -> None:
        self.verifier = self.verifier or pkce.generate_verifier()

    def params(self, **extra: Any) -> dict[str, Any]:
        params = {
            "client_id": self.client_id, "response_type": "code", "state": "st-123",
            "scope": self.scope, "code_challenge": pkce.s256(self.verifier),
            "code_challenge_method": "S256",
        }
        params.update(extra)
        return {k: v for k, v in params.items() if v is not None}

    def authorize(self, **extra: Any) -> httpx.Response:
        return self.http.get("/oauth2/authorize", params=self.params(**extra))

    def pending(self, location: str) -> dict[str, Any]:
        response = self.http.get(location, headers={"Accept": "application/json"})
        assert response.status_code == 200, response.text
        return dict(response.json())

    def login(self, location: str, user: str = "alice") -> httpx.Response:
        view = self.pending(location)
        assert view["prompt"] == "login"
        return self.http.post(view["action"], data={"csrf": view["csrf"], "user": user})

    def consent(self, location: str, decision: str = "allow",
                scopes: list[str] | None = None) -> httpx.Response:
        view = self.pending(location)
        assert view["prompt"] == "consent"
        data: dict[str, Any] = {"csrf": view["csrf"], "decision": decision}
        if scopes is not None:
            data["scope"] = scopes
        return self.http.post(view["action"], data=data)

    def callback(self, user: str = "alice", scopes: list[str] | None = None,
                 **extra: Any) -> dict[str, str]:
        """Authorize, sign in and allow; the redirect's query (code, state, iss)."""
        start = self.authorize(**extra)
        assert start.status_code == 302, start.text
        location = start.headers["location"]
        response = self.login(location, user)
        assert response.status_code == 303, response.text
        if response.headers["location"] == location:
            response = self.consent(location, scopes=scopes)
            assert response.status_code == 303, response.text
        return query(response.headers["location"])

    def code(self, **extra: Any) -> str:
        return self.callback(**extra)["code"]

    def redeem(self, code: str, /, **extra: Any) -> httpx.Response:
        data = {"grant_type": "authorization_code", "code": code, "client_id": self.client_id,
                "code_verifier": self.verifier}
        data.update(extra)
        return self.http.post("/oauth2/token",
                              data={k: v for k, v in data.items() if v is not None})


@pytest.fixture
def flow(http: httpx.Client) -> Flow:
    return Flow(http)
