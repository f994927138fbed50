"""The authorize URL: ordered, editable parameters (RFC 6749 §4.1.1, RFC 7636 §4.3)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from playground.core.flowerrors import AuthorizeUrlError
from playground.core.protocol import authorize
from playground.core.protocol.authorize import Param


def seed_params() -> list[Param]:
    return authorize.default_params(
        client_id="c02d5bf5-993e-4c6a-a248-6c307cc7681b",
        redirect_uri=None,
        scope="openid email profile offline_access",
        state="somesecretstatethatshouldmatch",
        code_challenge="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    )


def test_default_params_follow_the_seed_order_and_omit_empty_values() -> None:
    names = [p.name for p in seed_params()]
    assert names == [
        "client_id",
        "response_type",
        "state",
        "scope",
        "code_challenge",
        "code_challenge_method",
    ]


def test_nonce_and_extras_are_appended_in_order() -> None:
    params = authorize.default_params(
        client_id="c",
        redirect_uri="http://127.0.0.1/cb",
        scope="openid",
        state="s",
        code_challenge="x" * 43,
        nonce="n",
        extra=[("prompt", "consent"), ("audience", "api")],
    )
    assert [p.name for p in params][-3:] == ["nonce", "prompt", "audience"]


def test_build_url_encodes_each_enabled_row() -> None:
    url = authorize.build_url("https://op.example/oauth2/authorize", seed_params())
    query = parse_qsl(urlsplit(url).query)
    assert query[0] == ("client_id", "c02d5bf5-993e-4c6a-a248-6c307cc7681b")
    assert ("scope", "openid email profile offline_access") in query
    assert "scope=openid+email+profile+offline_access" in url
    assert ("code_challenge_method", "S256") in query


def test_build_url_keeps_the_endpoints_own_query() -> None:
    url = authorize.build_url("https://op.example/authorize?tenant=a", [Param("client_id", "c")])
    assert url == "https://op.example/authorize?tenant=a&client_id=c"


def test_disabled_rows_are_not_sent_and_duplicates_are() -> None:
    params = [Param("scope", "a"), Param("scope", "b"), Param("nonce", "n", enabled=False)]
    url = authorize.build_url("https://op/authorize", params)
    assert url == "https://op/authorize?scope=a&scope=b"


@pytest.mark.parametrize("endpoint", ["", "op.example/authorize", "ftp://op/x", "https://op/a#f"])
def test_bad_endpoint_is_a_clear_error(endpoint: str) -> None:
    with pytest.raises(AuthorizeUrlError):
        authorize.build_url(endpoint, [])


def test_empty_parameter_name_is_refused() -> None:
    with pytest.raises(AuthorizeUrlError, match="empty name"):
        authorize.build_url("https://op/authorize", [Param("", "x")])


def test_set_param_replaces_in_place_or_appends() -> None:
    params = authorize.set_param(seed_params(), "state", "other")
    assert authorize.param_value(params, "state") == "other"
    assert [p.name for p in params] == [p.name for p in seed_params()]
    params = authorize.set_param(params, "prompt", "login")
    assert params[-1] == Param("prompt", "login")


def test_split_url_inverts_build_url() -> None:
    url = authorize.build_url("https://op/authorize", seed_params())
    endpoint, params = authorize.split_url(url)
    assert endpoint == "https://op/authorize" and params == seed_params()


def test_state_and_nonce_are_fresh_and_unguessable() -> None:
    assert authorize.new_state() != authorize.new_state()
    assert len(authorize.new_nonce()) >= 32
