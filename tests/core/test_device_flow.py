"""The engine's device grant (RFC 8628) against the real embedded server on 127.0.0.1: in-app
approval and denial, polling on a simulated clock (pending, slow_down, expiry, the poll limit),
approval while the device polls, the system browser, a replayed device code.

tests/ may import the server; playground/core may not (see test_architecture.py).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from playground.core.clock import AdjustableClock, SimulatedClock
from playground.core.flow.device_user import approve_alongside
from playground.core.flow.session import FlowSession, StepState
from playground.core.flow.stepinfo import ClientConfig
from playground.core.flows import DEVICE_CODE
from playground.core.protocol.device_authorization import (
    DeviceAuthorizationError,
    build_device_request,
    parse_device_response,
)
from playground.core.protocol.token import ClientAuth
from playground.server import EmbeddedServer, ServerConfig

TV = "playground-tv"
SCOPE = "openid profile offline_access"


@pytest.fixture(scope="module")
def server() -> Iterator[EmbeddedServer]:
    with EmbeddedServer(ServerConfig()) as running:
        yield running


@pytest.fixture(autouse=True)
def _real_time(server: EmbeddedServer) -> Iterator[None]:
    yield
    server.clock.reset()


def run(server: EmbeddedServer, body: Callable[[FlowSession], Awaitable[Any]], *,
        clock: Any = None, **inputs: Any) -> FlowSession:
    """A device-flow session against the server; `inputs` go to the user step."""
    async def main() -> FlowSession:
        config = ClientConfig(server.issuer, client_id=TV, redirect_uri=None, scope=SCOPE)
        async with FlowSession(config, trace_lookup=server.trace, spec=DEVICE_CODE,
                               clock=clock or server.clock) as session:
            for name, value in inputs.items():
                session.set_input("device_user", name, value)
            await body(session)
            return session

    return asyncio.run(main())


async def run_all(session: FlowSession) -> None:
    await session.run_all()


def test_approved_in_app_every_step_is_done_with_one_poll(server: EmbeddedServer) -> None:
    session = run(server, run_all)
    assert session.failed_step is None, session.failed_step and session.failed_step.error
    assert session.keys == ("discovery", "device_authorization", "device_user", "token",
                            "tokens", "userinfo")
    user = session.outcome("device_user")
    assert (user.mode, user.decision, user.user) == ("in_app", "approved", "alice")
    assert [i.prompt for i in user.interactions] == ["login", "consent"]
    polls = session.outcome("token").polls
    assert [p.answer for p in polls] == ["tokens"]
    tokens = session.outcome("tokens")
    assert tokens.ok and tokens.id_token is not None and tokens.refresh_token
    nonce = next(c for c in tokens.id_token.checks if c.name == "nonce")
    assert nonce.status == "skip" and "no nonce" in nonce.reason
    assert session.outcome("userinfo").claims["sub"] == "alice"
    steps = [e.step for e in session.log]
    assert steps.count("device_user") >= 5 and steps.count("token") == 1
    assert session.outcome("token").grant_type == "urn:ietf:params:oauth:grant-type:device_code"


def test_denied_in_app_the_poll_hears_access_denied(server: EmbeddedServer) -> None:
    session = run(server, run_all, decision="deny", user="bob")
    assert session.outcome("device_user").decision == "denied"
    step = session.step("token")
    assert step.state is StepState.FAILED and step.error is not None
    assert step.error.error_code == "access_denied" and step.error.rfc == "RFC 8628 §3.5"
    auth = session.outcome("device_authorization")
    assert [p.answer for p in auth.polling.polls] == ["access_denied"]


def test_nobody_decides_the_device_polls_until_expired_token(server: EmbeddedServer) -> None:
    clock = SimulatedClock(server.clock)
    session = run(server, run_all, clock=clock, mode="manual")
    step = session.step("token")
    assert step.error is not None and step.error.error_code == "expired_token"
    polls = session.outcome("device_authorization").polling.polls
    assert polls[0].answer == "authorization_pending" and polls[-1].answer == "expired_token"
    assert {p.answer for p in polls[:-1]} == {"authorization_pending"}  # never too fast
    assert len(polls) == 600 // 5 + 1 and clock.slept == pytest.approx(600)
    assert session.outcome("device_authorization").polling.next_at is None


def test_the_poll_limit_ends_polling(server: EmbeddedServer) -> None:
    async def body(session: FlowSession) -> None:
        session.set_input("token", "max_polls", 3)
        await session.run_all()

    session = run(server, body, clock=SimulatedClock(server.clock), mode="manual")
    error = session.step("token").error
    assert error is not None and "stopped polling after 3 polls" in str(error)


def test_after_slow_down_the_device_waits_5_s_longer(server: EmbeddedServer) -> None:
    """A poll made just before the step's first one makes that one too fast."""
    clock = SimulatedClock(server.clock)

    async def body(session: FlowSession) -> None:
        for key in ("discovery", "device_authorization", "device_user"):
            await session.run(key)
        session.set_input("token", "max_polls", 4)
        await session.action("early poll", lambda: session.http.post(
            session.outcome("discovery").token_endpoint,
            data={"grant_type": "urn:ietf:params:oauth:grant-type:device_code",
                  "client_id": TV,
                  "device_code": session.outcome("device_authorization").device_code}))
        await session.run("token")

    session = run(server, body, clock=clock, mode="manual")
    polls = session.outcome("device_authorization").polling.polls
    assert [p.answer for p in polls] == ["slow_down"] + ["authorization_pending"] * 3
    assert [p.interval for p in polls] == [10, 10, 10, 10]
    gaps = [b.at - a.at for a, b in itertools.pairwise(polls)]
    assert all(gap >= 10 for gap in gaps) and clock.slept == pytest.approx(30)


@dataclass
class GatedClock:
    """The server's clock; each wait lasts until the test opens the gate."""

    base: AdjustableClock
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    waiting: asyncio.Event = field(default_factory=asyncio.Event)

    def now(self) -> float:
        return self.base.now()

    async def sleep(self, seconds: float) -> None:
        self.waiting.set()
        await self.gate.wait()
        self.base.advance(seconds)


def test_approving_in_the_app_while_the_device_polls(server: EmbeddedServer) -> None:
    async def body(session: FlowSession) -> None:
        clock = GatedClock(server.clock)
        session.clock = clock
        flow = asyncio.ensure_future(session.run_all())
        await clock.waiting.wait()  # poll #1 heard authorization_pending; the device waits
        assert session.step("token").state is StepState.RUNNING
        assert session.outcome("device_authorization").polling.next_at is not None
        user = await approve_alongside(session, user="carol")
        assert (user.decision, user.user) == ("approved", "carol")
        clock.gate.set()
        assert await flow

    session = run(server, body, mode="manual")
    assert [p.answer for p in session.outcome("token").polls] == [
        "authorization_pending", "tokens"]
    assert session.outcome("userinfo").claims["sub"] == "carol"
    assert "device_user" in [e.step for e in session.log][-9:]


@dataclass
class FakeBrowser:
    mode: str = "browser"
    opened: list[str] = field(default_factory=list)

    def open_url(self, url: str) -> bool:
        self.opened.append(url)
        return True

    async def visit(self, *_: Any) -> str:
        raise AssertionError("the device grant has no redirect to catch")


def test_the_system_browser_opens_the_complete_uri(server: EmbeddedServer) -> None:
    browser = FakeBrowser()

    async def body(session: FlowSession) -> None:
        session.user_agent = browser
        await session.run("discovery")
        await session.run("device_authorization")
        await session.run("device_user")

    session = run(server, body, mode="browser")
    auth, user = session.outcome("device_authorization"), session.outcome("device_user")
    assert browser.opened == [auth.verification_uri_complete]
    assert (user.mode, user.opened, user.decision) == ("browser", True, None)


def test_a_device_code_redeemed_again_is_invalid_grant_and_revokes(server: EmbeddedServer) -> None:
    async def body(session: FlowSession) -> None:
        await session.run_all()
        await session.run("token")
        await session.run("userinfo")

    session = run(server, body)
    token = session.step("token")
    assert token.error is not None and token.error.error_code == "invalid_grant"
    assert "already redeemed" in str(token.error)
    userinfo = session.step("userinfo")
    assert userinfo.state is StepState.FAILED  # the stale step runs on the revoked token


def test_the_in_app_agent_reports_an_expired_code(server: EmbeddedServer) -> None:
    async def body(session: FlowSession) -> None:
        await session.run("discovery")
        await session.run("device_authorization")
        server.clock.advance(601)
        await session.run("device_user")

    step = run(server, body).step("device_user")
    assert step.state is StepState.FAILED
    assert "has expired" in str(step.error) and step.error and step.error.rfc == "RFC 8628 §3.3"


# -- the sans-I/O request and response ---------------------------------------------------------
def test_the_request_is_a_form_with_client_authentication() -> None:
    public = build_device_request("https://op.example/device", ClientAuth(TV), "openid")
    assert public.method == "POST" and public.fields == (("scope", "openid"), ("client_id", TV))
    basic = build_device_request("https://op.example/device",
                                 ClientAuth("c", "s", "client_secret_basic"), None)
    assert basic.fields == () and dict(basic.headers)["Authorization"].startswith("Basic ")


def _parse(body: bytes, status: int = 200) -> Any:
    request = build_device_request("https://op.example/device", ClientAuth(TV), None)
    return parse_device_response(request, status, "application/json", body, 1000.0)


def test_the_response_defaults_the_interval_to_5_and_needs_its_members() -> None:
    auth = _parse(b'{"device_code":"d","user_code":"U","verification_uri":"https://v",'
                  b'"expires_in":600}')
    assert (auth.interval, auth.expires_at, auth.link) == (5, 1600.0, "https://v")
    with pytest.raises(DeviceAuthorizationError, match="lacks device_code, user_code"):
        _parse(b'{"verification_uri":"https://v","expires_in":600}')
    with pytest.raises(DeviceAuthorizationError, match="expires_in must be a positive"):
        _parse(b'{"device_code":"d","user_code":"U","verification_uri":"v","expires_in":"x"}')


def test_an_error_response_carries_its_code() -> None:
    with pytest.raises(DeviceAuthorizationError) as raised:
        _parse(b'{"error":"invalid_client","error_description":"who?"}', 401)
    assert raised.value.error_code == "invalid_client"
    assert "answered invalid_client (HTTP 401): who?" in str(raised.value)
