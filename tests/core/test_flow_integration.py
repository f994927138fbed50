"""The engine's whole flow against the real embedded server over HTTP on 127.0.0.1.

tests/ may import the server; playground/core may not (see test_architecture.py).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest

from playground.core.flow.session import FlowSession, StepState
from playground.core.flow.stepinfo import ClientConfig
from playground.core.flow.useragent import InAppAgent, approve, deny
from playground.core.flowerrors import FlowError
from playground.core.flows import AUTH_CODE_PKCE
from playground.server import EmbeddedServer, ServerConfig

STEP_KEYS = AUTH_CODE_PKCE.keys

UP_TO_CALLBACK = ("discovery", "pkce", "authorize_url", "user_agent")


@pytest.fixture(scope="module")
def server() -> Iterator[EmbeddedServer]:
    with EmbeddedServer(ServerConfig()) as running:
        yield running


def run(
    server: EmbeddedServer,
    body: Callable[[FlowSession], Awaitable[Any]],
    config: ClientConfig | None = None,
    **kwargs: Any,
) -> FlowSession:
    async def main() -> FlowSession:
        async with FlowSession(
            config or ClientConfig(server.issuer), trace_lookup=server.trace, **kwargs,
            spec=AUTH_CODE_PKCE) as flow:
            await body(flow)
            return flow

    return asyncio.run(main())


async def run_all(flow: FlowSession) -> None:
    await flow.run_all()


def test_seed_client_completes_the_flow_with_tokens_verified(server: EmbeddedServer) -> None:
    flow = run(server, run_all)
    assert flow.failed_step is None, flow.failed_step and flow.failed_step.error
    assert all(s.state is StepState.DONE for s in flow.steps.values())
    tokens = flow.step("tokens").outcome
    assert tokens.id_token.ok and tokens.access_token.ok
    passed = {c.name for c in tokens.id_token.checks if c.passed}
    assert {"signature", "iss", "aud", "exp", "nonce", "at_hash"} <= passed
    assert {c.name for c in tokens.access_token.checks if c.passed} >= {"typ", "signature"}
    assert flow.step("userinfo").outcome.sub_check.passed


def test_every_exchange_is_recorded_hop_by_hop_with_the_servers_trace(
    server: EmbeddedServer,
) -> None:
    flow = run(server, run_all)
    agent_hops = flow.log.for_step("user_agent")
    assert [e.method for e in agent_hops] == ["GET", "GET", "POST", "GET", "POST"]
    assert agent_hops[0].status == 302 and agent_hops[-1].status == 303
    assert agent_hops[1].request_header("accept") == "application/json"
    consent = agent_hops[-1]
    assert consent.request_header("content-type") == "application/x-www-form-urlencoded"
    assert consent.request_header("accept") == "*/*"  # a form post, not an API call
    assert consent.request_body.endswith(b"&decision=allow")
    final = agent_hops[-1].response_header("location") or ""
    assert final.startswith("http://client.server.com/callback?code=")
    assert all(e.trace is not None for e in flow.log), "every response carries its trace"
    token = flow.log.for_step("token")[0]
    assert token.trace is not None and token.trace.status == 200
    assert b"code_verifier=" in token.request_body


def test_the_final_redirect_is_captured_not_followed(server: EmbeddedServer) -> None:
    flow = run(server, run_all)
    assert {urlsplit(e.url).hostname for e in flow.log} == {"127.0.0.1"}


def test_deny_ends_with_access_denied(server: EmbeddedServer) -> None:
    flow = run(server, run_all, user_agent=InAppAgent(deny()))
    failed = flow.failed_step
    assert failed is not None and failed.key == "callback"
    assert failed.error is not None and failed.error.error_code == "access_denied"
    assert flow.step("callback").outcome.checks[0].passed  # iss checked before trusting it


def test_state_mismatch_from_a_tampered_redirect(server: EmbeddedServer) -> None:
    async def body(flow: FlowSession) -> None:
        for key in UP_TO_CALLBACK:
            await flow.run(key)
        url = flow.step("user_agent").outcome.redirect_url
        query = dict(parse_qsl(urlsplit(url).query))
        forged = url.split("?")[0] + "?" + urlencode({**query, "state": "attacker"})
        flow.set_input("callback", "redirect_url", forged)
        await flow.run("callback")

    flow = run(server, body)
    error = flow.step("callback").error
    assert error is not None and str(error).startswith("State mismatch: got 'attacker'")


def test_iss_mismatch_when_the_response_comes_from_another_server(
    server: EmbeddedServer,
) -> None:
    with EmbeddedServer(ServerConfig()) as other:

        async def body(flow: FlowSession) -> None:
            for key in UP_TO_CALLBACK:
                await flow.run(key)
            flow.set_input("callback", "expected_issuer", other.issuer)  # the client's record
            await flow.run("callback")

        flow = run(server, body)
    error = flow.step("callback").error
    assert error is not None and error.rfc == "RFC 9207 §2.4"
    assert f"the request went to '{other.issuer}'" in str(error)


def test_expired_code_is_refused_by_the_server(server: EmbeddedServer) -> None:
    async def body(flow: FlowSession) -> None:
        for key in (*UP_TO_CALLBACK, "callback"):
            await flow.run(key)
        server.clock.advance(120)
        try:
            await flow.run("token")
        finally:
            server.clock.reset()

    flow = run(server, body)
    error = flow.step("token").error
    assert error is not None and error.error_code == "invalid_grant"
    assert flow.log.for_step("token")[0].trace.failed_check is not None


def test_a_500_from_the_token_endpoint_fails_the_token_step(server: EmbeddedServer) -> None:
    class Faulty(httpx.AsyncHTTPTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if request.url.path == "/oauth2/token":
                return httpx.Response(500, text="Internal Server Error")
            return await super().handle_async_request(request)

    flow = run(server, run_all, transport=Faulty())
    failed = flow.failed_step
    assert failed is not None and failed.key == "token"
    assert "not JSON" in str(failed.error) and "Internal Server Error" in str(failed.error)


def test_replayed_code_is_refused(server: EmbeddedServer) -> None:
    async def body(flow: FlowSession) -> None:
        await flow.run_all()
        await flow.run("token")

    flow = run(server, body)
    assert flow.step("token").error is not None
    assert flow.step("token").error.error_code == "invalid_grant"


def test_seed_json_token_body_is_accepted(server: EmbeddedServer) -> None:
    flow = run(server, run_all, ClientConfig(server.issuer, token_body="json"))
    assert flow.failed_step is None
    token = flow.log.for_step("token")[0]
    assert token.request_header("content-type") == "application/json"
    assert b'"scope": "openid email profile offline_access"' in token.request_body


def test_confidential_client_with_basic_auth(server: EmbeddedServer) -> None:
    config = ClientConfig(
        server.issuer,
        client_id="playground-web",
        client_secret="web-secret-2a1f0c9e7b4d4f3a8e6c5b1d9f0a7c3e",
        auth_method="client_secret_basic",
        redirect_uri="http://localhost:8080/callback",
    )
    flow = run(server, run_all, config)
    assert flow.failed_step is None, flow.failed_step and flow.failed_step.error
    assert flow.step("token").outcome.response.refresh_token


def test_first_party_client_skips_consent(server: EmbeddedServer) -> None:
    config = ClientConfig(
        server.issuer, client_id="playground-spa", redirect_uri="http://localhost:5173/callback"
    )
    flow = run(server, run_all, config)
    assert flow.failed_step is None
    prompts = [i.prompt for i in flow.step("user_agent").outcome.interactions]
    assert prompts == ["login"]


def test_unknown_client_stops_at_the_error_page(server: EmbeddedServer) -> None:
    flow = run(server, run_all, ClientConfig(server.issuer, client_id="nobody"))
    failed = flow.failed_step
    assert failed is not None and failed.key == "user_agent"
    assert "HTTP 400" in str(failed.error)


def test_narrower_consent_is_reflected_in_the_tokens(server: EmbeddedServer) -> None:
    flow = run(server, run_all, user_agent=InAppAgent(approve(scopes=("openid", "email"))))
    assert flow.failed_step is None
    assert flow.step("token").outcome.response.scope == "openid email"


def test_unreachable_issuer_is_one_clear_error() -> None:
    async def main() -> FlowSession:
        async with FlowSession(ClientConfig("http://127.0.0.1:9"), timeout=2,
                               spec=AUTH_CODE_PKCE) as flow:
            await flow.run_all()
            return flow

    flow = asyncio.run(main())
    assert flow.failed_step is not None and flow.failed_step.key == "discovery"
    assert "cannot connect" in str(flow.failed_step.error)
    assert [s.state for s in flow.steps.values()][1:] == [StepState.PENDING] * (len(STEP_KEYS) - 1)


def test_refresh_rotates_and_replay_of_the_old_token_fails(server: EmbeddedServer) -> None:
    config = ClientConfig(
        server.issuer, client_id="playground-spa", redirect_uri="http://localhost:5173/callback"
    )

    async def body(flow: FlowSession) -> None:
        assert await flow.run_all()
        first = flow.step("token").outcome.response.refresh_token
        rotated = await flow.refresh()
        assert rotated.response.refresh_token not in (None, first)
        assert flow.step("tokens").state is StepState.STALE
        assert await flow.run_all()  # the new tokens verify too
        flow.step("token").outcome = dataclasses.replace(
            rotated, response=dataclasses.replace(rotated.response, refresh_token=first)
        )
        with pytest.raises(FlowError) as info:
            await flow.refresh()
        assert info.value.error_code == "invalid_grant"

    flow = run(server, body, config)
    assert [e.status for e in flow.log.for_step("refresh")] == [200, 400]


def test_refresh_without_a_refresh_token_is_a_clear_error(server: EmbeddedServer) -> None:
    async def body(flow: FlowSession) -> None:
        await flow.run_all()
        with pytest.raises(FlowError, match="no refresh token"):
            await flow.refresh()

    run(server, body, ClientConfig(server.issuer, scope="openid email"))


def test_tokens_from_a_server_whose_clock_is_behind_are_expired(server: EmbeddedServer) -> None:
    server.clock.advance(-7200)  # the server's clock runs two hours late
    try:
        flow = run(server, run_all)
    finally:
        server.clock.reset()
    failed = flow.failed_step
    assert failed is not None and failed.key == "tokens"
    assert str(failed.error).startswith("id_token: exp failed: expired 60 min ago")
    assert [c.name for c in flow.step("tokens").outcome.access_token.failures] == ["exp"]


def test_revoke_then_introspect_says_inactive(server: EmbeddedServer) -> None:
    async def body(flow: FlowSession) -> None:
        assert await flow.run_all()
        access = flow.step("token").outcome.response.access_token
        assert (await flow.introspect(access, "access_token")).active
        await flow.revoke(access, "access_token")
        assert not (await flow.introspect(access)).active

    flow = run(server, body)
    assert [e.step for e in flow.log][-3:] == ["introspect", "revoke", "introspect"]
    assert all(e.status == 200 for e in flow.log[-3:])


@pytest.mark.parametrize(
    ("fault", "step", "failed_checks"),
    [
        ("iss-wrong", "callback", None),
        ("iss-missing", "callback", None),
        ("id-token-unknown-kid", "tokens", ["key", "signature"]),
        ("id-token-foreign-key", "tokens", ["signature"]),
        ("id-token-alg-none", "tokens", ["alg", "signature"]),
        ("id-token-wrong-aud", "tokens", ["aud"]),
        ("id-token-wrong-at-hash", "tokens", ["at_hash"]),
        ("id-token-nonce-mismatch", "tokens", ["nonce"]),
        ("tokens-expired", "tokens", ["exp"]),
        ("token-500", "token", None),
    ],
)
def test_every_server_fault_is_caught_at_the_right_step(
    server: EmbeddedServer, fault: str, step: str, failed_checks: list[str] | None
) -> None:
    server.faults.enable(fault)
    try:
        flow = run(server, run_all)
    finally:
        server.faults.disable(fault)
    failed = flow.failed_step
    assert failed is not None and failed.key == step, flow.failed_step
    if failed_checks is not None:
        id_token = flow.step("tokens").outcome.id_token
        assert [c.name for c in id_token.failures] == failed_checks


def test_fault_messages_name_the_rule(server: EmbeddedServer) -> None:
    server.faults.enable("iss-wrong")
    try:
        flow = run(server, run_all)
    finally:
        server.faults.disable("iss-wrong")
    assert flow.failed_step is not None and flow.failed_step.error is not None
    assert "https://attacker.example" in str(flow.failed_step.error)
    assert flow.failed_step.error.rfc == "RFC 9207 §2.4"


def test_server_500_fault_carries_server_error(server: EmbeddedServer) -> None:
    server.faults.enable("token-500")
    try:
        flow = run(server, run_all)
    finally:
        server.faults.disable("token-500")
    error = flow.step("token").error
    assert error is not None and error.error_code == "server_error"
    assert "HTTP 500" in str(error)


def test_missing_at_hash_is_skipped_not_failed(server: EmbeddedServer) -> None:
    server.faults.enable("id-token-no-at-hash")
    try:
        flow = run(server, run_all)
    finally:
        server.faults.disable("id-token-no-at-hash")
    assert flow.failed_step is None
    checks = {c.name: c.status for c in flow.step("tokens").outcome.id_token.checks}
    assert checks["at_hash"] == "skip"


def test_a_slow_token_endpoint_times_out_cleanly(server: EmbeddedServer) -> None:
    slow, server.faults.slow_seconds = server.faults.slow_seconds, 0.5
    server.faults.enable("token-slow")
    try:
        flow = run(server, run_all, timeout=0.2)
    finally:
        server.faults.disable("token-slow")
        server.faults.slow_seconds = slow
    error = flow.step("token").error
    assert error is not None and str(error).endswith("no answer (timed out)")


def test_refreshed_id_token_says_why_its_nonce_is_not_compared(server: EmbeddedServer) -> None:
    """OIDC Core §12.2: the ID token of a refresh has no nonce to compare; the skip says so."""
    reasons: list[str] = []

    async def body(flow: FlowSession) -> None:
        assert await flow.run_all()
        await flow.refresh()
        await flow.run("tokens")
        checks = flow.step("tokens").outcome.id_token.checks
        reasons.extend(c.reason for c in checks if c.name == "nonce")

    run(server, body)
    assert len(reasons) == 1 and "refresh" in reasons[0] and "§12.2" in reasons[0]
