"""The authorization endpoint: RFC 6749 §4.1.1-§4.1.2, RFC 7636, RFC 8252 §7.3, RFC 9207."""

from __future__ import annotations

import base64
import hashlib

import httpx
import pytest

from playground.core.trace import TRACE_HEADER
from playground.server import EmbeddedServer

from .conftest import (
    NATIVE_ID,
    SCOPES,
    SEED_ID,
    SEED_REDIRECT,
    SPA_ID,
    SPA_REDIRECT,
    WEB_ID,
    Flow,
    query,
)


def test_seed_request_without_redirect_uri_starts_an_interaction(flow: Flow) -> None:
    response = flow.authorize()
    assert response.status_code == 302
    assert response.headers["location"].startswith("/interaction/")
    assert "pg_interaction=" in response.headers["set-cookie"]
    assert "HttpOnly" in response.headers["set-cookie"]


@pytest.mark.parametrize("client_id", [SEED_ID, SPA_ID, WEB_ID, NATIVE_ID])
def test_every_default_client_gets_code_state_and_iss(
    http: httpx.Client, server: EmbeddedServer, client_id: str
) -> None:
    result = Flow(http, client_id=client_id).callback()
    assert set(result) == {"code", "state", "iss"}
    assert result["state"] == "st-123"
    assert result["iss"] == server.issuer


def test_first_party_client_skips_consent(http: httpx.Client) -> None:
    flow = Flow(http, client_id=SPA_ID)
    location = flow.authorize(redirect_uri=SPA_REDIRECT).headers["location"]
    response = flow.login(location)
    assert response.status_code == 303
    assert response.headers["location"].startswith(SPA_REDIRECT + "?code=")


def test_prompt_consent_forces_consent_for_first_party(http: httpx.Client) -> None:
    flow = Flow(http, client_id=SPA_ID)
    location = flow.authorize(prompt="consent").headers["location"]
    assert flow.login(location).headers["location"] == location


def test_loopback_redirect_matches_any_port(http: httpx.Client) -> None:
    flow = Flow(http, client_id=NATIVE_ID)
    result = flow.callback(redirect_uri="http://127.0.0.1:53123/callback")
    assert "code" in result


@pytest.mark.parametrize("redirect_uri", [
    "http://127.0.0.1:53123/other",
    "http://localhost:53123/callback",
    "https://127.0.0.1:53123/callback",
    "http://127.0.0.1:53123/callback?x=1",
])
def test_loopback_rule_keeps_everything_but_the_port(http: httpx.Client, redirect_uri: str) -> None:
    response = Flow(http, client_id=NATIVE_ID).authorize(redirect_uri=redirect_uri)
    assert response.status_code == 400
    assert "location" not in response.headers


@pytest.mark.parametrize("redirect_uri", [
    "http://client.server.com/callback/",
    "http://client.server.com/callback?next=1",
    "http://CLIENT.server.com/callback",
    "http://evil.example/callback",
    "http://client.server.com:8080/callback",
])
def test_redirect_uri_must_match_exactly(http: httpx.Client, redirect_uri: str) -> None:
    response = Flow(http).authorize(redirect_uri=redirect_uri)
    assert response.status_code == 400
    assert "location" not in response.headers
    assert "text/html" in response.headers["content-type"]
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


@pytest.mark.parametrize("params", [
    {"client_id": None},
    {"client_id": "no-such-client"},
])
def test_client_errors_are_pages_never_redirects(flow: Flow, params: dict[str, str]) -> None:
    response = flow.authorize(**params)
    assert response.status_code == 400
    assert "location" not in response.headers
    assert "invalid_request" in response.text


def test_page_error_is_json_when_asked(http: httpx.Client) -> None:
    response = http.get("/oauth2/authorize", params={"client_id": "nope"},
                        headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_redirect_uri_may_be_omitted_only_with_one_registered(
    http: httpx.Client, server: EmbeddedServer
) -> None:
    from playground.server import client_from_dict

    two = client_from_dict({
        "id": "two-redirects", "secret": "", "firstParty": False,
        "redirect": ["http://a.example/cb", "http://b.example/cb"],
        "grantTypes": ["authorization_code"],
        "responseTypes": ["code"], "responseModes": ["query"], "authMethods": ["none"],
        "scopes": ["openid"],
    })
    server.clients.replace(two)
    flow = Flow(http, client_id="two-redirects", scope="openid")
    response = flow.authorize()
    assert response.status_code == 400
    assert "redirect_uri is required" in response.text
    assert flow.authorize(redirect_uri="http://b.example/cb").status_code == 302


def test_repeated_client_id_is_a_page(flow: Flow, http: httpx.Client) -> None:
    url = httpx.URL("/oauth2/authorize", params=[*flow.params().items(), ("client_id", SEED_ID)])
    response = http.get(url)
    assert response.status_code == 400
    assert "location" not in response.headers


@pytest.mark.parametrize("name", ["scope", "state", "response_type", "code_challenge"])
def test_repeated_parameters_redirect_with_invalid_request(
    flow: Flow, http: httpx.Client, name: str
) -> None:
    params = [*list(flow.params().items()), (name, flow.params()[name])]
    response = http.get(httpx.URL("/oauth2/authorize", params=params))
    assert response.status_code == 302
    result = query(response.headers["location"])
    assert response.headers["location"].startswith(SEED_REDIRECT + "?")
    assert result["error"] == "invalid_request"
    assert name in result["error_description"]


def test_unknown_parameters_are_ignored_and_empty_ones_omitted(flow: Flow) -> None:
    response = flow.authorize(foo="bar", ui_locales="", display="page")
    assert response.status_code == 302
    assert response.headers["location"].startswith("/interaction/")


@pytest.mark.parametrize(("params", "error"), [
    ({"response_type": None}, "invalid_request"),
    ({"response_type": "token"}, "unsupported_response_type"),
    ({"response_type": "code id_token"}, "unsupported_response_type"),
    ({"response_mode": "fragment"}, "invalid_request"),
    ({"response_mode": "form_post"}, "invalid_request"),
    ({"scope": None}, "invalid_scope"),
    ({"scope": "openid admin"}, "invalid_scope"),
    ({"code_challenge": None, "code_challenge_method": None}, "invalid_request"),
    ({"code_challenge_method": None}, "invalid_request"),
    ({"code_challenge_method": "plain"}, "invalid_request"),
    ({"code_challenge_method": "S512"}, "invalid_request"),
    ({"code_challenge": "too-short"}, "invalid_request"),
    ({"code_challenge": "a" * 44}, "invalid_request"),
    ({"code_challenge": "a" * 42 + "!"}, "invalid_request"),
    ({"prompt": "none"}, "login_required"),
    ({"prompt": "none login"}, "invalid_request"),
    ({"prompt": "bogus"}, "invalid_request"),
])
def test_other_errors_redirect_with_error_state_and_iss(
    flow: Flow, server: EmbeddedServer, params: dict[str, str | None], error: str
) -> None:
    response = flow.authorize(**params)
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(SEED_REDIRECT + "?")
    result = query(location)
    assert result["error"] == error
    assert result["state"] == "st-123"
    assert result["iss"] == server.issuer
    assert result["error_description"]


@pytest.mark.parametrize(("params", "error"), [
    ({"request": "eyJ.x.y"}, "invalid_request_object"),
    ({"request_uri": "https://x.example/r"}, "request_uri_not_supported"),
])
def test_request_object_and_request_uri_errors_are_pages(
    flow: Flow, params: dict[str, str], error: str
) -> None:
    """RFC 9101, RFC 9126 §4: the redirect URI cannot be trusted before they are verified."""
    response = flow.authorize(**params)
    assert response.status_code == 400
    assert "location" not in response.headers
    assert error in response.text


def test_client_not_registered_for_code_is_unauthorized(
    http: httpx.Client, server: EmbeddedServer
) -> None:
    from playground.server import client_from_dict

    server.clients.replace(client_from_dict({
        "id": "cc-only", "secret": "s3cret", "firstParty": False, "redirect": ["http://c.example/cb"],
        "grantTypes": ["client_credentials"], "responseTypes": ["code"], "responseModes": ["query"],
        "authMethods": ["client_secret_basic"], "scopes": ["openid"],
    }))
    response = Flow(http, client_id="cc-only", scope="openid").authorize()
    assert query(response.headers["location"])["error"] == "unauthorized_client"


def _seed_challenge(verifier: str) -> str:
    """The seed's `window.btoa(sha256(verifier))`."""
    return base64.b64encode(hashlib.sha256(verifier.encode()).digest()).decode()


def test_strict_mode_explains_the_seed_method_spelling(flow: Flow) -> None:
    response = flow.authorize(code_challenge_method="SHA-256")
    result = query(response.headers["location"])
    assert result["error"] == "invalid_request"
    assert result["error_description"] == (
        "code_challenge_method 'SHA-256' is not defined; RFC 7636 section 4.3 says 'S256'"
    )


def test_strict_mode_explains_the_seed_challenge_encoding(flow: Flow) -> None:
    response = flow.authorize(code_challenge=_seed_challenge(flow.verifier))
    result = query(response.headers["location"])
    assert result["error"] == "invalid_request"
    assert "padded standard base64" in result["error_description"]
    assert "BASE64URL" in result["error_description"]


def test_compat_seed_accepts_both_spellings_with_warnings(
    flow: Flow, server: EmbeddedServer
) -> None:
    server.compat_seed = True
    verifier = flow.verifier
    start = flow.authorize(code_challenge=_seed_challenge(verifier),
                           code_challenge_method="SHA-256")
    assert start.status_code == 302
    assert start.headers["location"].startswith("/interaction/")
    trace = server.trace(start.headers[TRACE_HEADER])
    assert trace is not None
    assert {f.rule for f in trace.findings} == {"pkce-method-spelling", "pkce-challenge-encoding"}
    assert all(f.severity == "warning" for f in trace.findings)


def test_compat_seed_completes_the_seed_flow_end_to_end(
    flow: Flow, server: EmbeddedServer, http: httpx.Client
) -> None:
    server.compat_seed = True
    flow.verifier = "RANDOM_GENERATED_STRING"  # the seed's placeholder, too short for §4.1
    result = flow.callback(code_challenge=_seed_challenge(flow.verifier),
                           code_challenge_method="SHA-256")
    response = http.post("/oauth2/token", json={
        "code": result["code"], "client_id": SEED_ID, "grant_type": "authorization_code",
        "redirect_uri": SEED_REDIRECT, "code_verifier": flow.verifier, "scope": SCOPES,
    })
    assert response.status_code == 200, response.text
    trace = server.trace(response.headers[TRACE_HEADER])
    assert trace is not None
    assert {"token-json-body", "pkce-verifier-grammar"} <= {f.rule for f in trace.findings}


def test_compat_seed_is_switchable_at_run_time(flow: Flow, server: EmbeddedServer) -> None:
    server.compat_seed = True
    assert flow.authorize(code_challenge_method="SHA-256").headers["location"].startswith("/int")
    server.compat_seed = False
    location = flow.authorize(code_challenge_method="SHA-256").headers["location"]
    assert query(location)["error"] == "invalid_request"


def test_plain_is_accepted_only_when_enabled() -> None:
    from playground.server import ServerConfig

    with EmbeddedServer(ServerConfig(allow_plain=True)) as srv, \
            httpx.Client(base_url=srv.issuer, follow_redirects=False) as http:
        flow = Flow(http)
        result = flow.callback(code_challenge=flow.verifier, code_challenge_method="plain")
        assert flow.redeem(result["code"]).status_code == 200
        meta = http.get("/.well-known/openid-configuration").json()
        assert meta["code_challenge_methods_supported"] == ["S256", "plain"]


def test_confidential_client_may_skip_pkce(http: httpx.Client) -> None:
    flow = Flow(http, client_id=WEB_ID)
    response = flow.authorize(code_challenge=None, code_challenge_method=None)
    assert response.headers["location"].startswith("/interaction/")


def test_post_to_authorize_is_accepted(flow: Flow, http: httpx.Client) -> None:
    response = http.post("/oauth2/authorize", data=flow.params())
    assert response.status_code == 302
    assert response.headers["location"].startswith("/interaction/")


@pytest.mark.parametrize(("challenge", "says"), [
    ("a" * 42 + "-=", "has '=' padding"),
    ("a" * 42 + "~", "contains '~'"),
    ("a" * 50, "has 50 characters"),
])
def test_s256_challenge_errors_say_what_is_wrong(flow: Flow, challenge: str, says: str) -> None:
    description = query(flow.authorize(code_challenge=challenge).headers["location"])[
        "error_description"]
    assert says in description
    assert "43-character BASE64URL" in description
