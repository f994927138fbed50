"""UserInfo (OIDC Core §5.3): Bearer request, JSON claims, the sub check, RFC 6750 errors."""

from __future__ import annotations

import pytest

from playground.core.flowerrors import UserInfoError
from playground.core.protocol import userinfo


def test_request_sends_the_bearer_token() -> None:
    request = userinfo.build_userinfo_request("https://op/userinfo", "at")
    assert request.method == "GET" and request.header("authorization") == "Bearer at"


def test_parse_checks_sub_against_the_id_token() -> None:
    info = userinfo.parse_userinfo(
        200, "application/json", b'{"sub":"alice"}', id_token_sub="alice"
    )
    assert info.claims == {"sub": "alice"} and info.sub_check.passed


def test_sub_mismatch_is_refused() -> None:
    with pytest.raises(UserInfoError, match="the ID token says 'alice'"):
        userinfo.parse_userinfo(200, "application/json", b'{"sub":"mallory"}', id_token_sub="alice")


def test_no_id_token_skips_the_sub_check() -> None:
    info = userinfo.parse_userinfo(200, "application/json", b'{"sub":"a"}')
    assert info.sub_check.status == "skip"


def test_missing_sub_is_refused() -> None:
    with pytest.raises(UserInfoError, match="no sub"):
        userinfo.parse_userinfo(200, "application/json", b"{}")


def test_bearer_error_comes_from_www_authenticate() -> None:
    with pytest.raises(UserInfoError) as info:
        userinfo.parse_userinfo(
            401,
            None,
            b"",
            www_authenticate=('Bearer error="invalid_token", error_description="expired"'),
        )
    assert info.value.error_code == "invalid_token"
    assert str(info.value) == "the UserInfo endpoint answered HTTP 401 invalid_token: expired"


def test_signed_userinfo_is_reported_unsupported() -> None:
    with pytest.raises(UserInfoError, match="signed JWT"):
        userinfo.parse_userinfo(200, "application/jwt", b"a.b.c")
