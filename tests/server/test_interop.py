"""Regressions found by the interop checks (benchmarks/interop/: a real browser running the seed's
JavaScript, Authlib, openid-client, and the bad-request battery)."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx
import pytest

from playground.server import EmbeddedServer

from .conftest import SEED_REDIRECT, Flow, query

# RFC 6749 §4.1.2.1 and §5.2: error_description is limited to %x20-21 / %x23-5B / %x5D-7E.
DESCRIPTION = re.compile(r"^[\x20-\x21\x23-\x5B\x5D-\x7E]+$")


def _btoa_sha256(verifier: str) -> str:
    """The seed's `window.btoa(sha256(codeVerifier))`: padded standard base64."""
    return base64.b64encode(hashlib.sha256(verifier.encode()).digest()).decode()


@pytest.mark.parametrize("extra", [
    {"code_challenge_method": "plain"},                      # "(RFC 7636 §4.2, RFC 9700 §2.1.1)"
    {"code_challenge_method": "SHA-256"},                    # "RFC 7636 §4.3 says 'S256'"
    {"response_type": "t\u00f6ken \"x\" \\"},                # the client's own bytes, echoed
])
def test_authorize_error_description_keeps_to_the_rfc_charset(flow: Flow,
                                                              extra: dict[str, str]) -> None:
    response = flow.authorize(**extra)
    assert response.status_code == 302
    result = query(response.headers["location"])
    assert result["error"] in ("invalid_request", "unsupported_response_type")
    assert DESCRIPTION.fullmatch(result["error_description"]), result["error_description"]
    assert "state" in result and "iss" in result


def test_section_signs_become_the_word_section_on_the_wire(flow: Flow,
                                                          server: EmbeddedServer) -> None:
    response = flow.authorize(code_challenge_method="plain")
    description = query(response.headers["location"])["error_description"]
    assert "(RFC 7636 section 4.2, RFC 9700 section 2.1.1)" in description


def test_token_error_description_keeps_to_the_rfc_charset(flow: Flow) -> None:
    code = flow.code()
    response = flow.redeem(code, redirect_uri="http://client.server.com/caf\u00e9?q=\"1\"\\")
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_grant"
    assert DESCRIPTION.fullmatch(body["error_description"]), body["error_description"]


def test_userinfo_challenge_keeps_to_the_rfc_charset(http: httpx.Client) -> None:
    response = http.get("/oauth2/userinfo", headers={"Authorization": "Bearer a.b.c"})
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    assert 'error="invalid_token"' in challenge
    description = re.search(r'error_description="([^"]*)"', challenge)
    assert description is not None and DESCRIPTION.fullmatch(description.group(1))
    assert DESCRIPTION.fullmatch(response.json()["error_description"])


def test_strict_mode_names_both_mistakes_of_the_seed_request(flow: Flow) -> None:
    """The seed sends SHA-256 *and* a btoa challenge: one answer names both, so a developer
    following it gets a working request in one step, not two."""
    response = flow.authorize(code_challenge_method="SHA-256",
                              code_challenge=_btoa_sha256(flow.verifier))
    result = query(response.headers["location"])
    assert result["error"] == "invalid_request"
    description = result["error_description"]
    assert "'S256'" in description
    assert "padded standard base64" in description and "BASE64URL" in description
    assert DESCRIPTION.fullmatch(description)
    assert result["state"] == "st-123"


def test_seed_request_error_goes_to_the_registered_redirect(flow: Flow) -> None:
    """The seed omits redirect_uri; its strict-mode error still goes to the one registered."""
    response = flow.authorize(code_challenge_method="SHA-256",
                              code_challenge=_btoa_sha256(flow.verifier))
    assert response.headers["location"].startswith(SEED_REDIRECT + "?")


SEED_ORIGIN = "http://client.server.com"


@pytest.mark.parametrize("path", ["/.well-known/openid-configuration",
                                  "/.well-known/oauth-authorization-server", "/oauth2/jwks"])
def test_browser_libraries_can_read_metadata_and_keys(http: httpx.Client, path: str) -> None:
    """oidc-client-ts in a page at the seed's origin starts with discovery, then the JWKS."""
    response = http.get(path, headers={"Origin": SEED_ORIGIN})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == SEED_ORIGIN
    preflight = http.options(path, headers={"Origin": SEED_ORIGIN,
                                            "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == SEED_ORIGIN


@pytest.mark.parametrize("origin", ["http://evil.example", "http://localhost:8080"])
def test_metadata_cors_is_still_only_for_public_client_origins(http: httpx.Client,
                                                               origin: str) -> None:
    response = http.get("/.well-known/openid-configuration", headers={"Origin": origin})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
