"""Login and consent: real HTML forms, the JSON view, CSRF and the user-agent binding."""

from __future__ import annotations

import re

import httpx
import pytest

from playground.server import EmbeddedServer

from .conftest import SEED_REDIRECT, Flow, query


def _start(flow: Flow) -> str:
    return str(flow.authorize(nonce="n-1").headers["location"])


def test_login_page_is_a_plain_form_listing_users(flow: Flow, http: httpx.Client) -> None:
    response = http.get(_start(flow))
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert "<script" not in response.text
    assert 'name="csrf"' in response.text
    assert 'value="alice"' in response.text and 'value="bob"' in response.text


def test_login_page_preselects_login_hint(flow: Flow, http: httpx.Client) -> None:
    location = flow.authorize(login_hint="bob").headers["location"]
    assert re.search(r'value="bob" checked', http.get(location).text)
    assert flow.pending(location)["login_hint"] == "bob"


def test_json_view_matches_the_contract(flow: Flow) -> None:
    location = _start(flow)
    view = flow.pending(location)
    uid = location.rsplit("/", 1)[1]
    assert view["uid"] == uid
    assert view["prompt"] == "login"
    assert view["action"] == f"/interaction/{uid}/login"
    assert view["client"] == {"id": flow.client_id, "name": flow.client_id,
                              "firstParty": False, "redirect": SEED_REDIRECT}
    assert [s["name"] for s in view["scopes"]] == ["openid", "email", "profile", "offline_access"]
    assert all(s["description"] for s in view["scopes"])
    assert {u["sub"] for u in view["users"]} >= {"alice", "bob"}
    assert view["user"] is None
    flow.login(location)
    after = flow.pending(location)
    assert after["prompt"] == "consent"
    assert after["action"] == f"/interaction/{uid}/consent"
    assert after["user"]["sub"] == "alice"


def test_consent_page_has_scopes_and_two_submit_buttons(flow: Flow, http: httpx.Client) -> None:
    location = _start(flow)
    flow.login(location)
    page = http.get(location).text
    assert page.count('type="checkbox" name="scope"') == 4
    assert 'name="decision" value="allow"' in page
    assert 'name="decision" value="deny"' in page
    assert page.count("<form") == 1


def test_deny_redirects_with_access_denied(flow: Flow, server: EmbeddedServer) -> None:
    location = _start(flow)
    flow.login(location)
    response = flow.consent(location, decision="deny")
    assert response.status_code == 303
    result = query(response.headers["location"])
    assert result["error"] == "access_denied"
    assert result["state"] == "st-123"
    assert result["iss"] == server.issuer


def test_consent_can_narrow_the_scopes(flow: Flow) -> None:
    code = flow.callback(scopes=["openid", "email"])["code"]
    body = flow.redeem(code).json()
    assert body["scope"] == "openid email"
    assert "refresh_token" not in body


def test_consent_cannot_add_scopes(flow: Flow) -> None:
    location = _start(flow)
    flow.login(location)
    response = flow.consent(location, scopes=["openid", "address"])
    assert response.status_code == 400
    assert "location" not in response.headers


def test_wrong_csrf_is_rejected(flow: Flow, http: httpx.Client) -> None:
    location = _start(flow)
    response = http.post(f"{location}/login", data={"csrf": "forged", "user": "alice"})
    assert response.status_code == 400
    assert "CSRF" in response.text


def test_unknown_user_is_rejected(flow: Flow, http: httpx.Client) -> None:
    location = _start(flow)
    csrf = flow.pending(location)["csrf"]
    assert http.post(f"{location}/login", data={"csrf": csrf, "user": "mallory"}).status_code == 400


def test_interaction_is_bound_to_the_user_agent(flow: Flow, server: EmbeddedServer) -> None:
    location = _start(flow)
    csrf = flow.pending(location)["csrf"]
    with httpx.Client(base_url=server.issuer, follow_redirects=False) as other:
        assert other.get(location).status_code == 400
        response = other.post(f"{location}/login", data={"csrf": csrf, "user": "alice"})
        assert response.status_code == 400
        assert "another browser" in response.text


def test_consent_before_login_is_rejected(flow: Flow, http: httpx.Client) -> None:
    location = _start(flow)
    csrf = flow.pending(location)["csrf"]
    response = http.post(f"{location}/consent", data={"csrf": csrf, "decision": "allow"})
    assert response.status_code == 400


@pytest.mark.parametrize("decision", [None, "maybe"])
def test_decision_must_be_allow_or_deny(flow: Flow, decision: str | None) -> None:
    location = _start(flow)
    flow.login(location)
    view = flow.pending(location)
    data = {"csrf": view["csrf"]} | ({"decision": decision} if decision else {})
    assert flow.http.post(view["action"], data=data).status_code == 400


def test_interaction_completes_once(flow: Flow) -> None:
    location = _start(flow)
    flow.login(location)
    view = flow.pending(location)
    assert flow.http.post(view["action"], data={"csrf": view["csrf"],
                                                "decision": "allow"}).status_code == 303
    again = flow.http.post(view["action"], data={"csrf": view["csrf"], "decision": "allow"})
    assert again.status_code == 404


def test_interaction_expires_on_the_clock(flow: Flow, server: EmbeddedServer) -> None:
    location = _start(flow)
    server.clock.advance(601)
    assert flow.http.get(location).status_code == 404


def test_unknown_interaction_is_404(http: httpx.Client) -> None:
    assert http.get("/interaction/nope").status_code == 404


def test_prompt_none_with_a_session_is_silent_for_first_party(http: httpx.Client,
                                                              server: EmbeddedServer) -> None:
    flow = Flow(http, client_id="playground-spa")
    flow.callback()
    response = flow.authorize(prompt="none")
    assert response.status_code == 302
    result = query(response.headers["location"])
    assert set(result) == {"code", "state", "iss"}
    assert flow.redeem(result["code"]).status_code == 200


def test_prompt_none_with_a_session_needs_consent_for_third_party(flow: Flow) -> None:
    flow.callback()
    result = query(flow.authorize(prompt="none").headers["location"])
    assert result["error"] == "consent_required"


def test_prompt_none_respects_max_age(http: httpx.Client, server: EmbeddedServer) -> None:
    flow = Flow(http, client_id="playground-spa")
    flow.callback()
    server.clock.advance(120)
    result = query(flow.authorize(prompt="none", max_age="60").headers["location"])
    assert result["error"] == "login_required"
    assert "code" in query(flow.authorize(prompt="none", max_age="600").headers["location"])


def test_prompt_login_always_shows_the_login_page(flow: Flow) -> None:
    flow.callback()
    location = flow.authorize(prompt="login").headers["location"]
    assert flow.pending(location)["prompt"] == "login"
