"""Every tamper action against the real threaded server: the expected error comes back, the
explanation names the rule, and the server's decision trace agrees."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from playground.core.flow import tamper
from playground.core.flow.session import FlowSession
from playground.core.flow.stepinfo import ClientConfig
from playground.core.flowerrors import FlowError
from playground.core.flows import AUTH_CODE_PKCE
from playground.server import EmbeddedServer, ServerConfig

TO_CALLBACK = ("discovery", "pkce", "authorize_url", "user_agent", "callback")
NEEDS_TOKENS = {"replay-code", "wider-scope-refresh", "reuse-rotated-refresh"}

# tamper → (expected error, the rule its explanation names, the server check's rule or "")
EXPECTED = {
    "replay-code": ("invalid_grant", "RFC 6749 §4.1.2", "RFC 6749 §4.1.2"),
    "wrong-verifier": ("invalid_grant", "RFC 7636 §4.6", "RFC 7636 §4.6"),
    "no-verifier": ("invalid_grant", "RFC 7636 §4.5", "RFC 7636 §4.5"),
    "downgrade-plain": ("invalid_request", "RFC 7636 §4.3", "RFC 7636 §4.3"),
    "drop-pkce": ("invalid_request", "RFC 9700 §2.1.1", "RFC 7636 §4.4.1, RFC 9700 §2.1.1"),
    "redirect-uri-swap": ("invalid_grant", "RFC 6749 §4.1.3", "RFC 6749 §4.1.3"),
    "other-client": ("invalid_grant", "RFC 6749 §4.1.3", "RFC 6749 §4.1.3"),
    "tampered-state": ("state_mismatch", "RFC 6749 §10.12", ""),
    "wider-scope-refresh": ("invalid_scope", "RFC 6749 §6", "RFC 6749 §6"),
    "reuse-rotated-refresh": ("invalid_grant", "RFC 9700 §4.14.2", "RFC 9700 §4.14.2"),
    "expired-code": ("invalid_grant", "RFC 6749 §4.1.2", "RFC 6749 §4.1.2"),
}


@pytest.fixture(scope="module")
def server() -> Iterator[EmbeddedServer]:
    with EmbeddedServer(ServerConfig()) as running:
        yield running


def run_tamper(server: EmbeddedServer, name: str,
               steps: tuple[str, ...] = TO_CALLBACK) -> tamper.TamperResult:
    async def main() -> tamper.TamperResult:
        config = ClientConfig(server.issuer)
        async with FlowSession(config, trace_lookup=server.trace, clock=server.clock,
                               spec=AUTH_CODE_PKCE) as flow:
            for key in steps:
                await flow.run(key)
            options = tamper.TamperOptions(advance_clock=server.clock.advance)
            return await tamper.run_tamper(name, flow, options)

    try:
        return asyncio.run(main())
    finally:
        server.clock.reset()


def test_every_tamper_is_covered() -> None:
    assert set(EXPECTED) == set(tamper.TAMPERS_BY_NAME)
    assert len(tamper.TAMPERS) == 11


@pytest.mark.parametrize("name", list(EXPECTED))
def test_tamper_gets_the_expected_error_and_names_the_rule(
    server: EmbeddedServer, name: str
) -> None:
    error, rule, server_rule = EXPECTED[name]
    steps = (*TO_CALLBACK, "token") if name in NEEDS_TOKENS else TO_CALLBACK
    result = run_tamper(server, name, steps)
    assert result.ok, result.explanation
    assert result.answer.error == error
    assert result.rule == rule
    assert f"Rule {rule}" in result.explanation
    assert "as expected" in result.explanation
    if server_rule:
        sent = result.exchanges[-1]
        assert sent.step == f"tamper:{name}"
        assert sent.trace is not None and sent.trace.failed_check is not None
        assert sent.trace.failed_check.rfc == server_rule
        assert result.answer.rfc == server_rule
    else:
        assert result.exchanges == ()  # checked by the client: nothing was sent


def test_tampered_authorize_request_is_linted_by_the_client(server: EmbeddedServer) -> None:
    result = run_tamper(server, "drop-pkce")
    assert "pkce-missing" in {f.rule for f in result.exchanges[0].findings}


def test_expired_code_moves_the_server_clock(server: EmbeddedServer) -> None:
    async def main() -> float:
        async with FlowSession(ClientConfig(server.issuer), trace_lookup=server.trace,
                               spec=AUTH_CODE_PKCE) as flow:
            for key in TO_CALLBACK:
                await flow.run(key)
            await tamper.run_tamper("expired-code", flow,
                                    tamper.TamperOptions(advance_clock=server.clock.advance))
            return server.clock.offset

    try:
        assert asyncio.run(main()) == pytest.approx(61)
    finally:
        server.clock.reset()


@pytest.mark.parametrize(("name", "steps", "message"), [
    ("replay-code", TO_CALLBACK, "run token first"),
    ("wrong-verifier", (*TO_CALLBACK, "token"), "already redeemed"),
    ("drop-pkce", (), "run discovery, pkce first"),
    ("expired-code", TO_CALLBACK, "needs the embedded server's clock"),
])
def test_tamper_says_what_it_needs(server: EmbeddedServer, name: str,
                                   steps: tuple[str, ...], message: str) -> None:
    async def main() -> None:
        async with FlowSession(ClientConfig(server.issuer), trace_lookup=server.trace,
                               spec=AUTH_CODE_PKCE) as flow:
            for key in steps:
                await flow.run(key)
            await tamper.run_tamper(name, flow)

    with pytest.raises(FlowError, match=message):
        asyncio.run(main())
