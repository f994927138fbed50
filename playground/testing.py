"""`OAuthServer`: the embedded authorization server as a test's identity provider.

What the pytest fixtures `oauth_server` and `oauth_server_session` give (playground.pytest_plugin),
usable without pytest too::

    with OAuthServer() as idp:
        idp.enqueue(claims={"acr": "Level4"}, client_id="playground-web")
        token = idp.issue_token(sub="alice", claims={"roles": ["admin"]})
        ...
        assert idp.requests[-1].params["grant_type"] == "authorization_code"

It runs `serve`'s server (the same default clients and users, the control API on) on a free
loopback port in a thread of this process, and steers it through the control API over HTTP
(docs/serve.md), the same calls a test in another language makes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from playground.server import EmbeddedServer, ServerConfig
from playground.server.config_file import load_config

CONTROL = "/_playground"


class ControlError(RuntimeError):
    """The control API refused a call; the message is its `error_description`."""


@dataclass(frozen=True, slots=True)
class JournalRequest:
    """One request the server answered: what came in and what it decided."""

    id: str
    method: str
    path: str
    endpoint: str
    params: dict[str, Any]
    status: int
    client_id: str | None
    decision: dict[str, Any]  # outcome, error, failed_check, checks (with their RFC sections)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> JournalRequest:
        return cls(data["id"], data["method"], data["path"], data["endpoint"], data["params"],
                   data["status"], data["client_id"], data["decision"])

    @property
    def error(self) -> str | None:
        return self.decision.get("error")


class Clock:
    """The server's clock: codes, tokens and sessions expire on it."""

    def __init__(self, server: OAuthServer) -> None:
        self._server = server

    def now(self) -> float:
        return float(self._server.control("GET", "/clock")["now"])

    def advance(self, seconds: float) -> float:
        """Move the clock `seconds` forward (negative: back); returns the new time."""
        return float(self._server.control("POST", "/clock", {"advance": seconds})["now"])

    def set(self, epoch: float) -> float:
        return float(self._server.control("POST", "/clock", {"set": epoch})["now"])

    def reset(self) -> float:
        return float(self._server.control("POST", "/clock", {"reset": True})["now"])


class OAuthServer:
    """A running authorization server for tests; start with `with` or `start()`.

    `config` is a `ServerConfig` or the path of a `serve --config` file; `consent` overrides
    its consent mode (`"auto-approve"` signs `user`, or the user `login_hint` names, in
    without any page)."""

    def __init__(self, config: ServerConfig | str | Path | None = None, *,
                 consent: str | None = None, user: str | None = None) -> None:
        base = load_config(config).config if isinstance(config, str | Path) else config
        base = replace(base or ServerConfig(), host="127.0.0.1", port=0, signers=0,
                       control_api=True)
        if consent is not None:
            base = replace(base, consent=consent)
        if user is not None:
            base = replace(base, auto_user=user)
        self.server = EmbeddedServer(base)
        self._http: httpx.Client | None = None
        self.clock = Clock(self)

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> OAuthServer:
        self.server.start()
        self._http = httpx.Client(base_url=self.server.issuer, timeout=30)
        return self

    def stop(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None
        self.server.stop()

    def __enter__(self) -> OAuthServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # -- where it is --------------------------------------------------------------------------
    @property
    def issuer(self) -> str:
        return self.server.issuer

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    @property
    def jwks_uri(self) -> str:
        return f"{self.issuer}/oauth2/jwks"

    def url(self, path: str) -> str:
        """An absolute URL of this server: `url("/oauth2/token")`."""
        return self.issuer + path

    # -- the control API ----------------------------------------------------------------------
    def control(self, method: str, path: str, body: dict[str, Any] | None = None,
                params: dict[str, str] | None = None) -> dict[str, Any]:
        """One control API call (docs/serve.md); `ControlError` when it is refused."""
        if self._http is None:
            raise RuntimeError("the server is not running: use `with OAuthServer()` or start()")
        response = self._http.request(method, CONTROL + path, json=body, params=params)
        data: dict[str, Any] = response.json()
        if response.status_code >= 400:
            raise ControlError(str(data.get("error_description") or data))
        return data

    def issue_token(self, sub: str = "alice", client_id: str = "playground-web", *,
                    claims: dict[str, Any] | None = None, expires_in: int | None = None,
                    scope: str = "openid profile email", aud: str | None = None) -> str:
        """An RFC 9068 access token signed by the server (for resource-server tests); the
        server's userinfo and introspection accept it until it expires."""
        body = {"type": "access_token", "sub": sub, "client_id": client_id,
                "claims": claims or {}, "scope": scope, **_given(expires_in=expires_in, aud=aud)}
        return str(self.control("POST", "/tokens", body)["access_token"])

    def issue_id_token(self, sub: str = "alice", client_id: str = "playground-web", *,
                       claims: dict[str, Any] | None = None, expires_in: int | None = None,
                       alg: str = "RS256") -> str:
        body = {"type": "id_token", "sub": sub, "client_id": client_id, "claims": claims or {},
                "alg": alg, **_given(expires_in=expires_in)}
        return str(self.control("POST", "/tokens", body)["id_token"])

    def enqueue(self, *, claims: dict[str, Any] | None = None, error: str | None = None,
                status: int = 400, description: str | None = None, delay: float = 0.0,
                client_id: str | None = None, sub: str | None = None, scope: str | None = None,
                grant_type: str | None = None,
                access_token_claims: dict[str, Any] | None = None,
                id_token_claims: dict[str, Any] | None = None, times: int = 1) -> list[str]:
        """What the next token response matching client, user, scope and grant type does:
        carry `claims` (both tokens; or per token), fail with `error`, wait `delay` seconds.
        Consumed in order, one per response. Returns the behaviours' ids."""
        match = _given(client_id=client_id, sub=sub, scope=scope, grant_type=grant_type)
        body: dict[str, Any] = {"match": match, "claims": claims or {},
                                "access_token_claims": access_token_claims or {},
                                "id_token_claims": id_token_claims or {}, "delay": delay,
                                "times": times}
        if error is not None:
            body["error"] = {"error": error, "status": status,
                             "error_description": description or f"enqueued {error}"}
        return [b["id"] for b in self.control("POST", "/behaviours", body)["behaviours"]]

    @property
    def requests(self) -> list[JournalRequest]:
        """The journal: every request answered (oldest first), with its parameters and
        decision; the control API's own calls are not in it."""
        return self.find_requests()

    def find_requests(self, **filters: str) -> list[JournalRequest]:
        """The journal, filtered by `path`, `endpoint`, `client_id` or `method`."""
        data = self.control("GET", "/requests", params=filters)
        return [JournalRequest.from_json(r) for r in data["requests"]]

    def take_requests(self, **filters: str) -> list[JournalRequest]:
        """Like `find_requests`, and removes them from the journal."""
        data = self.control("POST", "/requests/take", params=filters)
        return [JournalRequest.from_json(r) for r in data["requests"]]

    def clear_requests(self) -> int:
        return int(self.control("DELETE", "/requests")["cleared"])

    def rotate_keys(self, grace_seconds: float = 300) -> list[str]:
        """New signing keys; the old ones stay in the JWKS (and verify) `grace_seconds` more.
        Returns the retired `kid`s."""
        return list(self.control("POST", "/keys/rotate", {"grace_seconds": grace_seconds})
                    ["retired"])

    def set_faults(self, names: Iterable[str]) -> None:
        """Exactly these fault switches on (`[]`: all off); see `GET /_playground/faults`."""
        self.control("PUT", "/faults", {"on": list(names)})

    def add_client(self, client_id: str, *, redirect: Iterable[str] = (),
                   secret: str | None = None, first_party: bool = True,
                   grant_types: Iterable[str] = ("authorization_code", "refresh_token"),
                   scopes: Iterable[str] = ("openid", "profile", "email", "offline_access"),
                   **fields: Any) -> str:
        """Register a client in the seed's shape (more fields as keyword arguments, e.g.
        `postLogoutRedirect=[...]`); public (`authMethods: none`) unless `secret` is given."""
        client = {"id": client_id, "secret": secret or "", "redirect": list(redirect),
                  "firstParty": first_party, "grantTypes": list(grant_types),
                  "responseTypes": ["code"], "responseModes": ["query"],
                  "authMethods": ["client_secret_basic", "client_secret_post"] if secret
                  else ["none"], "scopes": list(scopes), **fields}
        return str(self.control("POST", "/clients", client)["client_id"])

    def add_user(self, sub: str, **claims: Any) -> str:
        """Add a user (replacing one with the same `sub`) with any claims."""
        return str(self.control("POST", "/users", {"sub": sub, "claims": claims})["sub"])

    def reset(self) -> None:
        """Behaviours, journal, faults, clock, clients, users, codes, tokens and sessions back
        to the start (the signing keys stay)."""
        self.control("POST", "/reset")


def _given(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}
