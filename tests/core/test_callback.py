"""The redirect back to the client: parsing, the seed's state check, RFC 9207 iss."""

from __future__ import annotations

import pytest

from playground.core.flowerrors import CallbackError, IssuerMismatch, StateMismatch
from playground.core.protocol import callback

ISS = "https://op.example"


def test_parse_reads_code_state_and_iss() -> None:
    got = callback.parse_redirect(
        "http://client.server.com/callback?code=abc&state=s1&iss=https%3A%2F%2Fop.example"
    )
    assert (got.code, got.state, got.iss, got.error) == ("abc", "s1", ISS, None)
    assert got.response_mode == "query" and not got.is_error


def test_parse_reads_an_error_response() -> None:
    got = callback.parse_redirect("http://c/cb?error=access_denied&error_description=no&state=s")
    assert got.is_error and got.error_description == "no"


def test_parse_reads_the_fragment_for_response_mode_fragment() -> None:
    got = callback.parse_redirect("http://c/cb#code=abc&state=s")
    assert got.response_mode == "fragment" and got.code == "abc"


def test_parse_accepts_a_private_use_scheme() -> None:
    assert callback.parse_redirect("com.example.app:/cb?code=x").code == "x"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "not a redirect URL"),
        ("hello world", "not a redirect URL"),
        ("http://c/cb", "neither a code nor an error"),
        ("http://c/cb?code=a&code=b", "repeats code"),
    ],
)
def test_garbage_redirect_is_one_clear_error(url: str, message: str) -> None:
    with pytest.raises(CallbackError, match=message):
        callback.parse_redirect(url)


def checks(url: str, *, state: str | None = "s1", required: bool = True) -> tuple:
    response = callback.parse_redirect(url)
    result = callback.validate(
        response, expected_state=state, expected_issuer=ISS, iss_required=required
    )
    return response, result


def test_matching_state_and_iss_pass() -> None:
    response, result = checks(f"http://c/cb?code=a&state=s1&iss={ISS}")
    assert [c.status for c in result] == ["pass", "pass"]
    callback.raise_for(response, result)


def test_state_mismatch_raises_like_the_seed() -> None:
    response, result = checks(f"http://c/cb?code=a&state=other&iss={ISS}")
    with pytest.raises(StateMismatch, match=r"^State mismatch: got 'other', sent 's1'"):
        callback.raise_for(response, result)


def test_missing_state_is_a_mismatch() -> None:
    response, result = checks(f"http://c/cb?code=a&iss={ISS}")
    with pytest.raises(StateMismatch, match="no state"):
        callback.raise_for(response, result)


def test_no_state_sent_skips_the_check() -> None:
    _, result = checks(f"http://c/cb?code=a&iss={ISS}", state=None)
    assert result[1].status == "skip"


def test_wrong_iss_raises_before_the_error_is_trusted() -> None:
    response, result = checks("http://c/cb?error=access_denied&state=s1&iss=https://evil")
    with pytest.raises(IssuerMismatch, match="mix-up"):
        callback.raise_for(response, result)


def test_missing_iss_fails_only_when_announced() -> None:
    _, required = checks("http://c/cb?code=a&state=s1", required=True)
    _, optional = checks("http://c/cb?code=a&state=s1", required=False)
    assert required[0].failed and optional[0].status == "skip"


def test_error_response_raises_with_its_oauth_code() -> None:
    response, result = checks(
        f"http://c/cb?error=access_denied&error_description=no&state=s1&iss={ISS}"
    )
    with pytest.raises(CallbackError) as info:
        callback.raise_for(response, result)
    assert info.value.error_code == "access_denied"
    assert str(info.value) == "the authorization server answered access_denied: no"


def test_unknown_error_code_is_kept() -> None:
    response, result = checks(f"http://c/cb?error=weird_thing&state=s1&iss={ISS}")
    with pytest.raises(CallbackError) as info:
        callback.raise_for(response, result)
    assert info.value.error_code == "weird_thing"


def test_empty_code_is_refused() -> None:
    response, result = checks(f"http://c/cb?code=&state=s1&iss={ISS}")
    with pytest.raises(CallbackError, match="empty code"):
        callback.raise_for(response, result)


def test_parse_tolerates_quotes_and_angle_brackets_around_a_pasted_url() -> None:
    assert callback.parse_redirect(' "<http://c/cb?code=a>" ').code == "a"
