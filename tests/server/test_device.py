"""The device authorization grant (RFC 8628) against the real server, over loopback: the device
endpoint, the verification page with its §5.1 limits, and every answer of the polled token
endpoint."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from playground.server import EmbeddedServer, ServerConfig, client_from_dict

from .conftest import WEB_ID, WEB_SECRET

TV = "playground-tv"
GRANT = "urn:ietf:params:oauth:grant-type:device_code"
CODE = re.compile(r"[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}")
CONSOLE, CONSOLE_SECRET = "test-console", "console-secret-0123456789abcdef"
JSON = {"Accept": "application/json"}


def device(http: httpx.Client, client_id: str | None = TV, **data: Any) -> httpx.Response:
    fields = {"client_id": client_id, **data}
    return http.post("/oauth2/device_authorization",
                     data={k: v for k, v in fields.items() if v is not None})


def started(http: httpx.Client, **data: Any) -> dict[str, Any]:
    answer = device(http, **data)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def poll(http: httpx.Client, device_code: str, client_id: str = TV) -> httpx.Response:
    return http.post("/oauth2/token", data={"grant_type": GRANT, "device_code": device_code,
                                            "client_id": client_id})


def error_of(answer: httpx.Response) -> str:
    assert answer.status_code == 400, answer.text
    return str(answer.json()["error"])


class Browser:
    """The user's browser (its own cookies): the code page, then login and consent."""

    def __init__(self, server: EmbeddedServer) -> None:
        self.http = httpx.Client(base_url=server.issuer, follow_redirects=False, timeout=10)

    def form(self, url: str = "/device") -> dict[str, Any]:
        answer = self.http.get(url, headers=JSON)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def enter(self, user_code: str, url: str = "/device") -> httpx.Response:
        view = self.form(url)
        return self.http.post(view["action"], data={"csrf": view["csrf"],
                                                    "user_code": user_code})

    def step(self, location: str, **data: str) -> httpx.Response:
        view = self.http.get(location, headers=JSON).json()
        return self.http.post(view["action"], data={"csrf": view["csrf"], **data},
                              headers=JSON)

    def decide(self, user_code: str, decision: str = "allow", user: str = "alice") -> Any:
        answer = self.enter(user_code)
        assert answer.status_code == 303, answer.text
        location = answer.headers["location"]
        assert self.step(location, user=user).status_code == 303
        return self.step(location, decision=decision)

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def browser(server: EmbeddedServer) -> Iterator[Browser]:
    agent = Browser(server)
    yield agent
    agent.close()


@pytest.fixture(scope="module")
def console(server: EmbeddedServer) -> Iterator[str]:
    """A confidential device client: it authenticates at the device endpoint too."""
    server.clients.replace(client_from_dict({
        "id": CONSOLE, "secret": CONSOLE_SECRET, "redirect": [], "firstParty": False,
        "grantTypes": [GRANT], "responseTypes": [], "responseModes": [],
        "authMethods": ["client_secret_basic"], "scopes": ["openid", "profile"]}))
    yield CONSOLE
    server.clients.remove(CONSOLE)


def test_the_device_endpoint_answers_every_member_of_3_2(http: httpx.Client,
                                                         server: EmbeddedServer) -> None:
    answer = device(http, scope="openid profile")
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    body = answer.json()
    assert set(body) == {"device_code", "user_code", "verification_uri",
                         "verification_uri_complete", "expires_in", "interval"}
    assert CODE.fullmatch(body["user_code"])
    assert body["verification_uri"] == f"{server.issuer}/device"
    assert body["verification_uri_complete"] == \
        f"{server.issuer}/device?user_code={body['user_code']}"
    assert (body["expires_in"], body["interval"]) == (600, 5)
    assert len(body["device_code"]) >= 40
    assert started(http)["user_code"] != body["user_code"]


def test_discovery_names_the_endpoint_and_the_grant(http: httpx.Client,
                                                    server: EmbeddedServer) -> None:
    meta = http.get("/.well-known/openid-configuration").json()
    assert meta["device_authorization_endpoint"] == f"{server.issuer}/oauth2/device_authorization"
    assert GRANT in meta["grant_types_supported"]


@pytest.mark.parametrize(("data", "status", "error", "fragment"), [
    ({"client_id": "nobody"}, 401, "invalid_client", "not registered"),
    ({"client_id": None, "scope": "openid"}, 401, "invalid_client", "no client_id"),
    ({"client_id": WEB_ID, "client_secret": WEB_SECRET}, 400, "unauthorized_client",
     f"not registered for {GRANT}"),
    ({"scope": "openid api:write"}, 400, "invalid_scope", "api:write are not registered"),
])
def test_the_device_endpoint_authenticates_and_checks_the_client(
        http: httpx.Client, data: dict[str, Any], status: int, error: str,
        fragment: str) -> None:
    answer = device(http, **data)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"] == error
    assert fragment in answer.json()["error_description"]


def test_a_confidential_device_client_needs_its_secret(http: httpx.Client, console: str) -> None:
    assert device(http, client_id=None, scope="openid").status_code == 401
    refused = http.post("/oauth2/device_authorization", auth=(console, "wrong"),
                        data={"scope": "openid"})
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
    answer = http.post("/oauth2/device_authorization", auth=(console, CONSOLE_SECRET),
                       data={"scope": "openid"})
    assert answer.status_code == 200, answer.text
    assert error_of(http.post("/oauth2/token", auth=(console, CONSOLE_SECRET), data={
        "grant_type": GRANT, "device_code": answer.json()["device_code"]})) == \
        "authorization_pending"


def test_approved_once_tokens_come_once_and_a_second_redemption_revokes_them(
        http: httpx.Client, browser: Browser) -> None:
    codes = started(http, scope="openid profile offline_access")
    assert error_of(poll(http, codes["device_code"])) == "authorization_pending"
    done = browser.decide(codes["user_code"])
    assert done.status_code == 200 and done.json() == {
        "result": "approved", "user_code": codes["user_code"], "client": TV}
    answer = poll(http, codes["device_code"])
    assert answer.status_code == 200, answer.text
    tokens = answer.json()
    assert {"access_token", "id_token", "refresh_token"} <= set(tokens)
    assert tokens["scope"] == "openid profile offline_access"
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert http.get("/oauth2/userinfo", headers=bearer).json()["sub"] == "alice"
    again = poll(http, codes["device_code"])
    assert error_of(again) == "invalid_grant"
    assert "already redeemed" in again.json()["error_description"]
    assert http.get("/oauth2/userinfo", headers=bearer).status_code == 401
    refresh = http.post("/oauth2/token", data={"grant_type": "refresh_token", "client_id": TV,
                                               "refresh_token": tokens["refresh_token"]})
    assert error_of(refresh) == "invalid_grant"


def test_polling_faster_than_the_interval_is_slow_down_and_adds_5_s(
        http: httpx.Client, server: EmbeddedServer) -> None:
    codes = started(http)
    assert error_of(poll(http, codes["device_code"])) == "authorization_pending"
    fast = poll(http, codes["device_code"])
    assert error_of(fast) == "slow_down"
    assert "wait 10 s" in fast.json()["error_description"]
    server.clock.advance(5)  # the old interval is not enough any more
    assert error_of(poll(http, codes["device_code"])) == "slow_down"
    server.clock.advance(15)
    assert error_of(poll(http, codes["device_code"])) == "authorization_pending"


def test_a_denial_is_access_denied_at_every_poll(http: httpx.Client, browser: Browser) -> None:
    codes = started(http)
    done = browser.decide(codes["user_code"], "deny")
    assert done.status_code == 200 and done.json()["result"] == "denied"
    assert error_of(poll(http, codes["device_code"])) == "access_denied"
    assert error_of(poll(http, codes["device_code"])) == "access_denied"


def test_an_expired_code_is_expired_token_and_the_page_refuses_it(
        http: httpx.Client, server: EmbeddedServer, browser: Browser) -> None:
    codes = started(http)
    server.clock.advance(601)
    assert error_of(poll(http, codes["device_code"])) == "expired_token"
    page = browser.enter(codes["user_code"])
    assert page.status_code == 400 and "has expired" in page.text


def test_an_unknown_or_foreign_device_code_is_invalid_grant(http: httpx.Client,
                                                            console: str) -> None:
    assert error_of(poll(http, "not-a-device-code")) == "invalid_grant"
    missing = http.post("/oauth2/token", data={"grant_type": GRANT, "client_id": TV})
    assert error_of(missing) == "invalid_request"
    theirs = http.post("/oauth2/device_authorization", auth=(console, CONSOLE_SECRET),
                       data={"scope": "openid"}).json()
    assert error_of(poll(http, theirs["device_code"])) == "invalid_grant"


def test_the_code_is_read_case_insensitively_without_dashes_or_blanks(
        http: httpx.Client, browser: Browser) -> None:
    codes = started(http)
    typed = codes["user_code"].lower().replace("-", " ")
    answer = browser.enter(typed)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/interaction/")


def test_the_complete_uri_fills_the_code_in_and_the_page_warns_of_phishing(
        http: httpx.Client, browser: Browser) -> None:
    codes = started(http)
    page = browser.http.get(codes["verification_uri_complete"])
    assert page.status_code == 200
    assert f'value="{codes["user_code"]}"' in page.text and "a device you own" in page.text
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "<script" not in page.text
    assert browser.form(codes["verification_uri_complete"])["user_code"] == codes["user_code"]
    location = browser.enter(codes["user_code"]).headers["location"]
    browser.step(location, user="alice")
    consent = browser.http.get(location)
    assert f"showing the code <code>{codes['user_code']}</code>" in consent.text


def test_the_form_needs_its_cookie_and_csrf_token(http: httpx.Client, server: EmbeddedServer,
                                                  browser: Browser) -> None:
    codes = started(http)
    view = browser.form()
    no_csrf = browser.http.post("/device", data={"user_code": codes["user_code"]})
    assert no_csrf.status_code == 400 and "CSRF" in no_csrf.text
    with httpx.Client(base_url=server.issuer) as stranger:  # no pg_device cookie
        no_cookie = stranger.post("/device", data={"csrf": view["csrf"],
                                                   "user_code": codes["user_code"]})
    assert no_cookie.status_code == 400 and "cookie is missing" in no_cookie.text


def test_wrong_codes_are_limited_per_browser(http: httpx.Client, server: EmbeddedServer,
                                             browser: Browser) -> None:
    codes = started(http)
    csrf = browser.form()["csrf"]
    answers = [browser.enter("BBBB-BBBB") for _ in range(5)]
    assert [a.status_code for a in answers] == [400] * 5
    assert "4 tries left" in answers[0].text and "last try" in answers[4].text
    locked = browser.http.post("/device", data={"csrf": csrf, "user_code": codes["user_code"]})
    assert locked.status_code == 429 and "5 wrong codes were entered" in locked.text
    assert browser.http.get("/device").status_code == 429  # the form is not shown either
    other = Browser(server)
    try:
        assert other.enter(codes["user_code"]).status_code == 303
    finally:
        other.close()
    server.clock.advance(301)
    assert browser.enter(codes["user_code"]).status_code == 303


def test_wrong_codes_are_limited_in_total_per_minute() -> None:
    """A fresh cookie per guess does not help: 30 wrong codes a minute, then everyone waits."""
    with EmbeddedServer(ServerConfig()) as own, \
            httpx.Client(base_url=own.issuer) as http:
        codes = started(http)
        for _ in range(6):
            guesser = Browser(own)
            assert [guesser.enter("BBBB-BBBB").status_code for _ in range(5)] == [400] * 5
            guesser.close()
        user = Browser(own)
        try:
            refused = user.http.get("/device")
            assert refused.status_code == 429 and "in the last minute" in refused.text
            own.clock.advance(61)
            assert user.enter(codes["user_code"]).status_code == 303
        finally:
            user.close()


def test_a_code_is_decided_once_across_browsers(http: httpx.Client, server: EmbeddedServer,
                                                browser: Browser) -> None:
    codes = started(http)
    second = Browser(server)
    try:
        first_location = browser.enter(codes["user_code"]).headers["location"]
        second_location = second.enter(codes["user_code"]).headers["location"]
        browser.step(first_location, user="alice")
        second.step(second_location, user="bob")
        assert browser.step(first_location, decision="allow").status_code == 200
        late = second.step(second_location, decision="allow")
        assert late.status_code == 400 and "decided in another browser" in \
            late.json()["error_description"]
        assert second.enter(codes["user_code"]).status_code == 400  # "already approved"
    finally:
        second.close()
    tokens = poll(http, codes["device_code"]).json()
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert http.get("/oauth2/userinfo", headers=bearer).json()["sub"] == "alice"


def test_the_trace_says_why_a_poll_was_refused(http: httpx.Client,
                                               server: EmbeddedServer) -> None:
    codes = started(http)
    answer = poll(http, codes["device_code"])
    trace = server.trace(answer.headers["x-playground-trace"])
    assert trace is not None and trace.failed_check is not None
    assert trace.failed_check.rfc == "RFC 8628 §3.5"
    assert "has not finished" in trace.failed_check.detail


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(typed=st.one_of(st.text(max_size=30), st.sampled_from((
    "\x00", "ß" * 8, "BBBB-BBBB" * 500, "%ff", "WDJB\u2013MJHT", "\uff37DJBMJHT", "\r\n"))))
def test_any_typed_code_is_a_page_never_a_fault(server: EmbeddedServer, typed: str) -> None:
    """Past the cookie and the CSRF token (which the fuzz of every endpoint cannot pass)."""
    with httpx.Client(base_url=server.issuer, follow_redirects=False, timeout=10) as browser:
        view = browser.get("/device", headers=JSON).json()
        answer = browser.post("/device", data={"csrf": view["csrf"], "user_code": typed})
    assert answer.status_code in (400, 429), answer.text
    server.clock.advance(301)  # the next example's fresh cookie is not locked out in total
