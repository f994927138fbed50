"""The client_credentials grant (RFC 6749 §4.4) against the real server, over loopback."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import jwt
import pytest

from playground.server import EmbeddedServer, client_from_dict

from .conftest import SEED_ID, WEB_ID, WEB_SECRET

SERVICE_ID, SERVICE_SECRET = "test-service", "service-secret-0123456789abcdef"


@pytest.fixture(scope="module")
def service(server: EmbeddedServer) -> Iterator[str]:
    server.clients.replace(client_from_dict({
        "id": SERVICE_ID, "secret": SERVICE_SECRET, "redirect": ["http://127.0.0.1/unused"],
        "firstParty": False, "grantTypes": ["client_credentials"], "responseTypes": ["code"],
        "authMethods": ["client_secret_basic", "client_secret_post"],
        "scopes": ["api:read", "api:write", "openid"],
    }))
    yield SERVICE_ID
    server.clients.remove(SERVICE_ID)


def _token(http: httpx.Client, auth: tuple[str, str] | None = (SERVICE_ID, SERVICE_SECRET),
           **fields: str) -> httpx.Response:
    return http.post("/oauth2/token", data={"grant_type": "client_credentials", **fields},
                     auth=auth)


def test_a_confidential_client_gets_an_access_token_for_itself(
        http: httpx.Client, server: EmbeddedServer, service: str) -> None:
    answer = _token(http, scope="api:read")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}  # no refresh, id
    assert body["token_type"] == "Bearer" and body["scope"] == "api:read"
    header = jwt.get_unverified_header(body["access_token"])
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert header["typ"] == "at+jwt"
    assert claims["sub"] == claims["client_id"] == SERVICE_ID and "auth_time" not in claims
    trace = server.trace(answer.headers["x-playground-trace"])
    assert trace is not None and "sub is the client itself" in [c.name for c in trace.checks]
    introspected = http.post("/oauth2/introspect", data={"token": body["access_token"]},
                             auth=(SERVICE_ID, SERVICE_SECRET)).json()
    assert introspected["active"] is True and introspected["sub"] == SERVICE_ID


def test_without_scope_every_machine_scope_is_granted(http: httpx.Client, service: str) -> None:
    body = _token(http, auth=None, client_id=SERVICE_ID, client_secret=SERVICE_SECRET).json()
    assert body["scope"] == "api:read api:write"


@pytest.mark.parametrize(("scope", "fragment"), [
    ("openid", "need a signed-in user"),
    ("api:admin", "are not registered for this client; it may ask for api:read api:write"),
])
def test_scopes_are_checked(http: httpx.Client, service: str, scope: str, fragment: str) -> None:
    answer = _token(http, scope=scope)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_scope"
    assert fragment in answer.json()["error_description"]


def test_a_public_client_is_refused(http: httpx.Client) -> None:
    answer = _token(http, auth=None, client_id=SEED_ID)
    assert answer.status_code == 400 and answer.json()["error"] == "unauthorized_client"


def test_a_client_not_registered_for_the_grant_is_refused(http: httpx.Client) -> None:
    answer = _token(http, auth=(WEB_ID, WEB_SECRET))
    assert answer.status_code == 400 and answer.json()["error"] == "unauthorized_client"
    assert "not registered for client_credentials" in answer.json()["error_description"]


def test_a_wrong_secret_is_a_401(http: httpx.Client, service: str) -> None:
    answer = _token(http, auth=(SERVICE_ID, "wrong"))
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"


def test_discovery_lists_the_registry(http: httpx.Client) -> None:
    grants = http.get("/.well-known/openid-configuration").json()["grant_types_supported"]
    assert grants == ["authorization_code", "refresh_token", "client_credentials",
                      "urn:ietf:params:oauth:grant-type:token-exchange",
                      "urn:ietf:params:oauth:grant-type:device_code"]


def test_a_resource_becomes_the_audience_and_a_bad_one_is_invalid_target(
        http: httpx.Client, service: str) -> None:
    body = _token(http, resource="https://api.example").json()
    assert jwt.decode(body["access_token"], options={"verify_signature": False})["aud"] == \
        "https://api.example"
    answer = _token(http, resource="https://api.example/#frag")
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_target"
