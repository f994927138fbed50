"""The sign-out flow (OIDC RP-Initiated Logout) against the real embedded server, and its
build/parse functions on their own."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest

from playground.core.flow.session import FlowSession, StepState
from playground.core.flow.stepinfo import ClientConfig
from playground.core.flow.useragent import InAppAgent, approve
from playground.core.flows import LOGOUT_FLOW
from playground.core.flows.logout import LogoutOutcome, SessionCheck
from playground.core.protocol import logout
from playground.core.protocol.callback import parse_redirect
from playground.server import EmbeddedServer
from tests.core.fakeprovider import ISSUER, FakeProvider

SPA = {"client_id": "playground-spa", "redirect_uri": "http://localhost:5173/callback",
       "post_logout_redirect_uri": "http://localhost:5173/signed-out"}


@pytest.fixture(scope="module")
def server() -> Iterator[EmbeddedServer]:
    with EmbeddedServer() as running:
        yield running


def run(server: EmbeddedServer, body: Callable[[FlowSession], Awaitable[Any]],
        **config: Any) -> FlowSession:
    async def main() -> FlowSession:
        async with FlowSession(ClientConfig(server.issuer, **config), InAppAgent(approve()),
                               trace_lookup=server.trace, spec=LOGOUT_FLOW) as flow:
            await body(flow)
            return flow
    return asyncio.run(main())


async def run_all(flow: FlowSession) -> None:
    await flow.run_all()


def inputs(**values: Any) -> Callable[[FlowSession], Awaitable[None]]:
    async def body(flow: FlowSession) -> None:
        for name, value in values.items():
            flow.set_input("logout", name, value)
        await flow.run_all()
    return body


def test_sign_in_sign_out_and_the_session_is_gone(server: EmbeddedServer) -> None:
    flow = run(server, run_all, **SPA)
    assert flow.failed_step is None, flow.failed_step and flow.failed_step.error
    out = flow.step("logout").outcome
    assert isinstance(out, LogoutOutcome)
    assert [name for name, _ in out.sent] == ["id_token_hint", "client_id",
                                              "post_logout_redirect_uri", "state"]
    assert out.answer.kind == "redirected" and not out.asked
    state = dict(out.sent)["state"]
    assert out.answer.redirect_url == f"{SPA['post_logout_redirect_uri']}?state={state}"
    assert {c.name: c.status for c in out.checks}["state"] == "pass"
    check = flow.step("session_check").outcome
    assert isinstance(check, SessionCheck)
    assert check.response is not None and check.response.error == "login_required"


def test_the_sign_out_and_the_redirect_back_are_recorded(server: EmbeddedServer) -> None:
    flow = run(server, run_all, **SPA)
    recorded = [e for e in flow.log if e.step == "logout"]
    assert len(recorded) == 1  # the redirect back is captured, not followed
    exchange = recorded[0]
    assert exchange.method == "GET" and exchange.url.startswith(f"{server.issuer}/oauth2/logout?")
    assert exchange.status == 303
    headers = dict((k.lower(), v) for k, v in exchange.response_headers)
    assert headers["location"].startswith(SPA["post_logout_redirect_uri"])
    assert exchange.trace is not None and exchange.trace.outcome.startswith("alice signed out")
    silent = [e for e in flow.log if e.step == "session_check"]
    assert len(silent) == 1 and "prompt=none" in silent[0].url


def test_the_seed_client_has_no_return_uri_and_sees_the_signed_out_page(
        server: EmbeddedServer) -> None:
    flow = run(server, run_all)
    assert flow.failed_step is None, flow.failed_step and flow.failed_step.error
    out = flow.step("logout").outcome
    assert out.answer.kind == "signed_out" and out.answer.ended is True
    assert {c.name: c.status for c in out.checks}["sent back to post_logout_redirect_uri"] == "skip"
    assert flow.step("session_check").outcome.response.error == "login_required"


def test_without_a_hint_the_confirmation_is_answered_as_the_user_would(
        server: EmbeddedServer) -> None:
    flow = run(server, inputs(send_id_token_hint=False), **SPA)
    assert flow.failed_step is None, flow.failed_step and flow.failed_step.error
    out = flow.step("logout").outcome
    assert out.asked and out.answer.kind == "redirected"
    assert [e.method for e in flow.log if e.step == "logout"] == ["GET", "POST"]
    assert flow.step("session_check").outcome.response.error == "login_required"


def test_without_a_hint_and_without_confirming_nobody_is_signed_out(
        server: EmbeddedServer) -> None:
    flow = run(server, inputs(send_id_token_hint=False, confirm=False), **SPA)
    step = flow.step("logout")
    assert step.state is StepState.FAILED and step.error is not None
    assert "asks the user to confirm" in str(step.error)
    assert step.error.rfc == "OIDC RP-Initiated Logout §2, §5"
    assert step.outcome.answer.kind == "confirm"
    assert flow.step("session_check").state is StepState.PENDING


def test_an_unregistered_return_uri_fails_the_step_with_the_servers_reason(
        server: EmbeddedServer) -> None:
    flow = run(server, inputs(post_logout_redirect_uri="https://attacker.example/bye"), **SPA)
    step = flow.step("logout")
    assert step.state is StepState.FAILED and step.error is not None
    assert step.error.error_code == "invalid_request"
    assert "is not registered for playground-spa" in str(step.error)
    assert [e.status for e in flow.log if e.step == "logout"] == [400]


def test_a_provider_without_an_end_session_endpoint_says_so() -> None:
    provider = FakeProvider()

    async def main() -> FlowSession:
        async with FlowSession(ClientConfig(ISSUER), InAppAgent(approve()), spec=LOGOUT_FLOW,
                               transport=provider.transport()) as flow:
            await flow.run_all()
            return flow

    step = asyncio.run(main()).step("logout")
    assert step.state is StepState.FAILED
    assert "has no end_session_endpoint" in str(step.error)


# -- build and parse, no server ---------------------------------------------------------------
def _response(status: int, body: bytes = b"", **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers, content=body,
                          request=httpx.Request("GET", "https://op.example/logout"))


def test_the_request_keeps_the_endpoints_query_and_sends_the_parameters_in_order() -> None:
    params = logout.logout_params({"state": "s", "client_id": "app", "id_token_hint": None})
    request = logout.build_logout_request("https://op.example/logout?tenant=a", params)
    assert request.url == "https://op.example/logout?tenant=a&client_id=app&state=s"


def test_a_page_of_the_provider_is_read_as_text_and_an_error_page_raises() -> None:
    page = logout.parse_answer(_response(200, b"<html><head><title>x</title></head><body><h1>"
                                              b"Bye</h1></body></html>",
                                         **{"content-type": "text/html"}))
    assert page.kind == "page" and page.text == "Bye"
    with pytest.raises(logout.LogoutError, match=r"HTTP 400\): Nope"):
        logout.parse_answer(_response(400, b"<p>Nope</p>", **{"content-type": "text/html"}))


def test_a_redirect_elsewhere_is_followed_and_the_return_is_not() -> None:
    back = "https://app.example/bye"
    hop = logout.next_hop(_response(302, location="/logout/confirm"), back)
    assert hop == "https://op.example/logout/confirm"
    assert logout.next_hop(_response(303, location=f"{back}?state=s"), back) is None


@pytest.mark.parametrize(("url", "status", "says"), [
    ("https://app.example/cb?error=login_required&state=s", "pass", "nobody is signed in"),
    ("https://app.example/cb?code=abc&state=s", "fail", "the login session survived"),
    ("https://app.example/cb?error=consent_required", "fail", "still signed in"),
])
def test_the_silent_check_wants_login_required(url: str, status: str, says: str) -> None:
    check = logout.silent_check(parse_redirect(url), "")
    assert check.status == status and says in check.reason
    assert check.rfc == "OIDC Core §3.1.2.6"
