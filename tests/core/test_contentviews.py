"""Body views: the right view per content type, and honest fallbacks."""

from __future__ import annotations

import base64
import json

import pytest

from playground.core.record import contentviews


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


JWT = f"{_b64({'alg': 'RS256', 'kid': 'k1'})}.{_b64({'sub': 'alice', 'exp': 1})}.c2ln"


def test_json_is_pretty_printed_with_top_level_fields() -> None:
    rendered = contentviews.render(b'{"access_token":"x","expires_in":300}', "application/json")
    assert rendered.view == "JSON"
    assert '  "access_token": "x"' in rendered.text
    assert rendered.fields == (("access_token", "x"), ("expires_in", "300"))


def test_problem_json_suffix_counts_as_json() -> None:
    assert contentviews.render(b'{"a":1}', "application/problem+json").view == "JSON"


def test_form_body_is_split_into_fields_with_percent_decoding() -> None:
    body = b"grant_type=authorization_code&redirect_uri=http%3A%2F%2Fc%2Fcb&code="
    rendered = contentviews.render(body, "application/x-www-form-urlencoded")
    assert rendered.view == "Form fields"
    assert rendered.fields == (
        ("grant_type", "authorization_code"),
        ("redirect_uri", "http://c/cb"),
        ("code", ""),
    )


def test_jwt_body_is_decoded_not_verified() -> None:
    rendered = contentviews.render(JWT.encode(), "application/jwt")
    assert rendered.view == "JWT (decoded)"
    assert '"kid": "k1"' in rendered.text
    assert '"sub": "alice"' in rendered.text
    assert "not verified" in rendered.text


def test_html_is_shown_as_source() -> None:
    body = b"<!DOCTYPE html><html><form method=post></form></html>"
    assert contentviews.render(body, "text/html; charset=utf-8").view == "HTML source"
    assert contentviews.render(body, "").view == "HTML source"


def test_json_without_content_type_is_still_recognised() -> None:
    assert contentviews.render(b' {"a": [1]}', "text/plain").view == "JSON"


def test_broken_json_falls_back_to_raw_and_says_why() -> None:
    rendered = contentviews.render(b'{"a": ', "application/json")
    assert rendered.view == "Raw"
    assert rendered.text.startswith("[could not render as JSON:")
    assert rendered.text.endswith('{"a": ')


def test_binary_body_is_a_hex_dump() -> None:
    rendered = contentviews.render(bytes(range(250, 256)), "application/octet-stream")
    assert rendered.view == "Raw (hex)"
    assert rendered.text.startswith("00000000  fa fb fc fd fe ff")


def test_explicit_view_choice_wins_over_priority() -> None:
    rendered = contentviews.render(b'{"a":1}', "application/json", view="Raw")
    assert rendered == contentviews.Rendered("Raw", '{"a":1}')


def test_candidates_are_ordered_best_first_and_end_with_raw() -> None:
    names = [v.name for v in contentviews.candidates(JWT.encode(), "application/jwt")]
    assert names == ["JWT (decoded)", "Raw"]


def test_empty_body() -> None:
    assert contentviews.render(b"", "application/json") == contentviews.Rendered("Empty", "")


@pytest.mark.parametrize("garbage", ["abc", "a.b.c", "not a token at all"])
def test_decode_compact_jwt_rejects_garbage_with_a_reason(garbage: str) -> None:
    with pytest.raises(ValueError, match="not a decodable JWT"):
        contentviews.decode_compact_jwt(garbage)


def test_a_messages_other_jwts_are_decoded_dpop_header_and_form_fields() -> None:
    import jwt as pyjwt

    proof = pyjwt.encode({"htm": "POST"}, "k" * 32, algorithm="HS256",
                         headers={"typ": "dpop+jwt"})
    assertion = pyjwt.encode({"iss": "c"}, "k" * 32, algorithm="HS256")
    body = f"grant_type=client_credentials&client_assertion={assertion}".encode()
    text = contentviews.embedded_jwts((("DPoP", proof),), body,
                                      "application/x-www-form-urlencoded")
    assert 'DPoP header (JWT, decoded, not verified):\n  header  {"alg": "HS256", "typ": ' \
        '"dpop+jwt"}' in text
    assert 'client_assertion (JWT, decoded, not verified):' in text and '"iss": "c"' in text
    assert "grant_type" not in text
    assert contentviews.embedded_jwts((("Accept", "a.b.c"),), b"", "") == ""
    broken = contentviews.embedded_jwts((("DPoP", "e30.e30.!"),), b"", "")
    assert broken.startswith("DPoP header: not a decodable JWT")
