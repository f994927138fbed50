"""Provider metadata (OIDC Discovery §4, RFC 8414 §3) and the JWKS (RFC 7517 §5)."""

from __future__ import annotations

import json

import pytest

from playground.core.flowerrors import DiscoveryError
from playground.core.protocol import discovery

META = {
    "issuer": "https://op.example",
    "authorization_endpoint": "https://op.example/authorize",
    "token_endpoint": "https://op.example/token",
    "jwks_uri": "https://op.example/jwks",
    "code_challenge_methods_supported": ["S256"],
    "authorization_response_iss_parameter_supported": True,
}


def test_well_known_urls() -> None:
    assert discovery.openid_configuration_url("https://op.example/") == (
        "https://op.example/.well-known/openid-configuration"
    )
    assert discovery.openid_configuration_url("https://op.example/tenant") == (
        "https://op.example/tenant/.well-known/openid-configuration"
    )
    assert discovery.oauth_metadata_url("https://op.example/tenant") == (
        "https://op.example/.well-known/oauth-authorization-server/tenant"
    )


def test_build_request() -> None:
    request = discovery.build_discovery_request(" https://op.example ")
    assert request.url == "https://op.example/.well-known/openid-configuration"
    assert request.header("accept") == "application/json"


def test_parse_metadata() -> None:
    meta = discovery.parse_metadata(
        "https://op.example", 200, "application/json", json.dumps(META).encode()
    )
    assert meta.token_endpoint == "https://op.example/token"
    assert meta.code_challenge_methods == ("S256",) and meta.iss_in_response
    assert meta.userinfo_endpoint is None


@pytest.mark.parametrize("issuer", ["", "op.example", "https://op.example?x=1", "ftp://op"])
def test_bad_issuer(issuer: str) -> None:
    with pytest.raises(DiscoveryError):
        discovery.normalize_issuer(issuer)


@pytest.mark.parametrize(
    ("status", "ctype", "body", "message"),
    [
        (404, "text/html", b"<h1>Not Found</h1>", "HTTP 404"),
        (200, "text/html", b"<!doctype html><p>hello", "not JSON: got an HTML page"),
        (
            200,
            "application/json",
            b'{"issuer":"https://op.example"}',
            "lacks authorization_endpoint, token_endpoint",
        ),
        (
            200,
            "application/json",
            json.dumps({**META, "issuer": "https://evil"}).encode(),
            "must be identical",
        ),
    ],
)
def test_metadata_errors_are_clear(status: int, ctype: str, body: bytes, message: str) -> None:
    with pytest.raises(DiscoveryError, match=message):
        discovery.parse_metadata("https://op.example", status, ctype, body)


def test_parse_jwks() -> None:
    assert discovery.parse_jwks(200, "application/json", b'{"keys":[]}') == {"keys": []}
    with pytest.raises(DiscoveryError, match="no 'keys'"):
        discovery.parse_jwks(200, "application/json", b"{}")
    with pytest.raises(DiscoveryError, match="HTTP 500"):
        discovery.parse_jwks(500, None, b"")


def test_trailing_slash_mismatch_says_so() -> None:
    with pytest.raises(DiscoveryError, match="only the trailing slash differs"):
        discovery.parse_metadata(
            "https://op.example/", 200, "application/json", json.dumps(META).encode()
        )
