"""Token requests (RFC 6749 §4.1.3, §6, client auth §2.3.1) and responses (§5.1, §5.2)."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qsl

import pytest

from playground.core.flowerrors import TokenEndpointError
from playground.core.protocol import token
from playground.core.protocol.token import ClientAuth

FIELDS = token.code_grant_fields(code="c", redirect_uri="http://c/cb", code_verifier="v" * 43)


def test_form_body_for_a_public_client_carries_client_id() -> None:
    request = token.build_token_request("https://op/token", FIELDS, ClientAuth("app"))
    assert request.method == "POST" and request.url == "https://op/token"
    assert request.header("content-type") == "application/x-www-form-urlencoded"
    assert parse_qsl(request.body.decode()) == [
        ("grant_type", "authorization_code"),
        ("client_id", "app"),
        ("code", "c"),
        ("redirect_uri", "http://c/cb"),
        ("code_verifier", "v" * 43),
    ]
    assert request.header("authorization") is None


def test_json_body_reproduces_the_seed() -> None:
    fields = token.code_grant_fields(
        code="c",
        redirect_uri="http://c/cb",
        code_verifier="v",
        scope="openid email profile offline_access",
    )
    request = token.build_token_request("https://op/token", fields, ClientAuth("app"), "json")
    assert request.header("content-type") == "application/json"
    assert request.header("accept") == "application/json"
    assert json.loads(request.body) == {
        "grant_type": "authorization_code",
        "client_id": "app",
        "code": "c",
        "redirect_uri": "http://c/cb",
        "code_verifier": "v",
        "scope": "openid email profile offline_access",
    }


def test_client_secret_basic_form_encodes_before_base64() -> None:
    auth = ClientAuth("my app", "s&cret:", "client_secret_basic")
    request = token.build_token_request("https://op/token", FIELDS, auth)
    header = request.header("authorization")
    assert header is not None and header.startswith("Basic ")
    assert base64.b64decode(header[6:]).decode() == "my+app:s%26cret%3A"
    assert "client_id" not in dict(parse_qsl(request.body.decode()))


def test_client_secret_post_puts_both_in_the_body() -> None:
    auth = ClientAuth("app", "shh", "client_secret_post")
    body = dict(parse_qsl(token.build_token_request("https://op/t", FIELDS, auth).body.decode()))
    assert body["client_id"] == "app" and body["client_secret"] == "shh"


def test_refresh_fields() -> None:
    assert token.refresh_grant_fields("rt", "openid") == [
        ("grant_type", "refresh_token"),
        ("refresh_token", "rt"),
        ("scope", "openid"),
    ]
    assert token.refresh_grant_fields("rt") == [
        ("grant_type", "refresh_token"),
        ("refresh_token", "rt"),
    ]


def test_parse_success() -> None:
    body = json.dumps(
        {
            "access_token": "at",
            "token_type": "Bearer",
            "expires_in": 60,
            "refresh_token": "rt",
            "id_token": "a.b.c",
            "scope": "openid",
        }
    ).encode()
    parsed = token.parse_token_response(200, "application/json", body)
    assert (parsed.access_token, parsed.expires_in, parsed.refresh_token) == ("at", 60, "rt")
    assert parsed.raw["scope"] == "openid"


def test_parse_error_carries_the_code() -> None:
    body = b'{"error":"invalid_grant","error_description":"code was already used"}'
    with pytest.raises(TokenEndpointError) as info:
        token.parse_token_response(400, "application/json", body)
    assert info.value.error_code == "invalid_grant"
    assert (
        str(info.value)
        == "the token endpoint answered invalid_grant (HTTP 400): code was already used"
    )


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (200, b"<html>oops</html>", "not JSON: got an HTML page"),
        (500, b"", "not JSON: got an empty body"),
        (200, b"[]", "not a JSON object"),
        (502, b"{}", "HTTP 502 without an error code"),
        (200, b'{"token_type":"Bearer"}', "no access_token"),
        (200, b'{"access_token":"x"}', "no token_type"),
    ],
)
def test_unusable_responses_are_clear_errors(status: int, body: bytes, message: str) -> None:
    with pytest.raises(TokenEndpointError, match=message):
        token.parse_token_response(status, "text/html" if b"<" in body else None, body)
