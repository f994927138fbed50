"""Revocation (RFC 7009) and introspection (RFC 7662): requests and answers."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from playground.core.flowerrors import TokenEndpointError
from playground.core.protocol import revocation
from playground.core.protocol.token import ClientAuth


def test_revocation_request_is_a_form_post_with_client_auth() -> None:
    request = revocation.build_revocation_request(
        "https://op/revoke", "rt", ClientAuth("app"), "refresh_token"
    )
    assert request.method == "POST"
    assert parse_qsl(request.body.decode()) == [
        ("token", "rt"),
        ("client_id", "app"),
        ("token_type_hint", "refresh_token"),
    ]


def test_revocation_200_is_success_whatever_the_body() -> None:
    revocation.parse_revocation_response(200, None, b"")


def test_revocation_error_carries_the_code() -> None:
    with pytest.raises(TokenEndpointError) as info:
        revocation.parse_revocation_response(
            400, "application/json", b'{"error":"unsupported_token_type"}'
        )
    assert info.value.error_code == "unsupported_token_type"
    assert str(info.value) == "the revocation endpoint answered HTTP 400 unsupported_token_type"


def test_introspection() -> None:
    request = revocation.build_introspection_request("https://op/i", "at", ClientAuth("app"))
    assert dict(parse_qsl(request.body.decode()))["token"] == "at"
    found = revocation.parse_introspection_response(
        200, "application/json", b'{"active":true,"sub":"alice"}'
    )
    assert found.active and found.claims["sub"] == "alice"


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (200, b'{"sub":"a"}', "no boolean 'active'"),
        (401, b"<html>no</html>", "HTTP 401"),
    ],
)
def test_introspection_errors(status: int, body: bytes, message: str) -> None:
    with pytest.raises(TokenEndpointError, match=message):
        revocation.parse_introspection_response(status, None, body)
