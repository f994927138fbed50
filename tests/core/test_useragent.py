"""The in-app user agent's pure parts: redirect matching, interaction JSON, the HTML forms."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from playground.core.flow import useragent
from playground.core.flow.useragent import ConsentDecision, InAppAgent, ManualAgent
from playground.core.flowerrors import UserAgentError

INTERACTION = {
    "uid": "u1",
    "prompt": "consent",
    "action": "/interaction/u1/consent",
    "csrf": "c",
    "client": {"id": "app", "firstParty": True},
    "scopes": [{"name": "openid", "description": "x"}, {"name": "email", "description": "y"}],
    "users": [{"sub": "alice"}],
    "user": {"sub": "alice"},
}


@pytest.mark.parametrize(
    ("url", "redirect_uri", "expected"),
    [
        ("http://client.server.com/callback?code=a", "http://client.server.com/callback", True),
        ("http://client.server.com:81/callback?x", "http://client.server.com/callback", False),
        ("http://127.0.0.1:5555/cb?code=a", "http://127.0.0.1/cb", True),
        ("http://op/interaction/1", "http://client.server.com/callback", False),
        ("http://client.server.com/other", "http://client.server.com/callback", False),
    ],
)
def test_is_redirect_target(url: str, redirect_uri: str, expected: bool) -> None:
    assert useragent.is_redirect_target(url, redirect_uri) is expected


def response(json: object, status: int = 200) -> httpx.Response:
    return httpx.Response(
        status, json=json, request=httpx.Request("GET", "http://op/interaction/u1")
    )


def test_parse_interaction_resolves_the_action() -> None:
    found = useragent.parse_interaction(response(INTERACTION))
    assert found is not None and found.action == "http://op/interaction/u1/consent"
    assert found.first_party and [s.name for s in found.scopes] == ["openid", "email"]


@pytest.mark.parametrize("body", [{"uid": "u1"}, ["x"]])
def test_other_json_is_not_an_interaction(body: object) -> None:
    assert useragent.parse_interaction(response(body)) is None


def test_consent_form_lists_scopes_then_the_button() -> None:
    found = useragent.parse_interaction(response(INTERACTION))
    assert found is not None
    assert useragent.interaction_form(found, ConsentDecision()) == [
        ("csrf", "c"),
        ("scope", "openid"),
        ("scope", "email"),
        ("decision", "allow"),
    ]
    assert useragent.interaction_form(found, ConsentDecision(allow=False)) == [
        ("csrf", "c"),
        ("decision", "deny"),
    ]


def test_login_form_signs_in_the_chosen_or_first_user() -> None:
    found = useragent.parse_interaction(response({**INTERACTION, "prompt": "login"}))
    assert found is not None
    assert useragent.interaction_form(found, ConsentDecision()) == [
        ("csrf", "c"),
        ("user", "alice"),
    ]
    assert useragent.interaction_form(found, ConsentDecision(user="bob"))[1] == ("user", "bob")


def visit(handler: object, agent: useragent.UserAgent) -> str:
    async def main() -> str:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:  # type: ignore[arg-type]
            return await agent.visit(client, "http://op/authorize?x=1", "http://c/cb")

    return asyncio.run(main())


def test_an_error_page_stops_the_agent_with_its_text() -> None:
    page = "<html><head><title>t</title></head><body><h1>invalid_request</h1>unknown client</body>"
    with pytest.raises(
        UserAgentError, match="HTTP 400 \\(text/html\\): invalid_request unknown client"
    ):
        visit(lambda r: httpx.Response(400, html=page), InAppAgent())


def test_redirect_loops_end() -> None:
    with pytest.raises(UserAgentError, match="after 12 hops"):
        visit(lambda r: httpx.Response(302, headers={"Location": "/again"}), InAppAgent())


def test_redirect_without_location_is_refused() -> None:
    with pytest.raises(UserAgentError, match="without a Location"):
        visit(lambda r: httpx.Response(302), InAppAgent())


def test_manual_agent_returns_the_pasted_url_or_refuses_nothing() -> None:
    async def paste(url: str) -> str:
        return "  http://c/cb?code=1  "

    async def nothing(url: str) -> str:
        return ""

    assert visit(lambda r: httpx.Response(500), ManualAgent(paste)) == "http://c/cb?code=1"
    with pytest.raises(UserAgentError, match="no redirect URL"):
        visit(lambda r: httpx.Response(500), ManualAgent(nothing))


def test_a_foreign_login_page_points_to_the_other_modes() -> None:
    with pytest.raises(UserAgentError, match="cannot fill in: use the system browser or manual"):
        visit(lambda r: httpx.Response(200, html="<form>Sign-in</form>"), InAppAgent())
