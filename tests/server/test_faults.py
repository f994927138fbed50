"""Fault switches on the real threaded server: each alters what the server emits, is noted in
the trace of the request it altered, and the client engine catches it naming the rule."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
from collections.abc import Iterator

import httpx
import pytest

from playground.core.flow.session import FlowSession
from playground.core.flow.stepinfo import ClientConfig
from playground.core.flow.steps import TokensOutcome
from playground.core.flowerrors import IssuerMismatch, TransportError
from playground.core.flows import AUTH_CODE_PKCE
from playground.core.record.exchange import Exchange
from playground.server import EmbeddedServer, ServerConfig
from playground.server.faults import FAULTS, FAULTS_BY_NAME, FaultSwitches


@pytest.fixture(scope="module")
def server() -> Iterator[EmbeddedServer]:
    with EmbeddedServer(ServerConfig()) as running:
        yield running


@pytest.fixture(autouse=True)
def _clear(server: EmbeddedServer) -> Iterator[None]:
    yield
    server.faults.clear()
    server.faults.slow_seconds = 3.0


def run_flow(server: EmbeddedServer, timeout: float = 5.0) -> FlowSession:
    async def main() -> FlowSession:
        async with FlowSession(ClientConfig(server.issuer), trace_lookup=server.trace,
                               clock=server.clock, timeout=timeout, spec=AUTH_CODE_PKCE) as flow:
            await flow.run_all()
            return flow

    return asyncio.run(main())


def noted(exchanges: list[Exchange], fault: str) -> bool:
    return any(f.rule == f"fault:{fault}" for e in exchanges if e.trace
               for f in e.trace.findings)


# fault → (failing step, failed id_token check or "", the rule the engine's error names)
CAUGHT = {
    "iss-wrong": ("callback", "", "RFC 9207 §2.4"),
    "iss-missing": ("callback", "", "RFC 9207 §2.4"),
    "id-token-unknown-kid": ("tokens", "key", "RFC 7515 §4.1.4"),
    "id-token-foreign-key": ("tokens", "signature", "RFC 7515 §5.2"),
    "id-token-alg-none": ("tokens", "alg", "RFC 8725 §3.1"),
    "id-token-wrong-aud": ("tokens", "aud", "OIDC Core §3.1.3.7 (3)"),
    "id-token-wrong-at-hash": ("tokens", "at_hash", "OIDC Core §3.1.3.8"),
    "id-token-nonce-mismatch": ("tokens", "nonce", "OIDC Core §3.1.3.7 (11)"),
    "tokens-expired": ("tokens", "exp", "RFC 7519 §4.1.4"),
    "token-500": ("token", "", "RFC 6749 §5.2"),
}


def test_every_fault_has_a_title_and_a_rule() -> None:
    names = {f.name for f in FaultSwitches.list()}
    assert names == set(CAUGHT) | {"id-token-no-at-hash", "token-slow"}
    for fault in FAULTS:
        assert fault.title and "§" in fault.rule and fault.what


@pytest.mark.parametrize("name", list(CAUGHT))
def test_client_engine_catches_the_fault_and_names_the_rule(
    server: EmbeddedServer, name: str
) -> None:
    step_key, check, rule = CAUGHT[name]
    server.faults.enable(name)
    flow = run_flow(server)
    failed = flow.failed_step
    assert failed is not None and failed.key == step_key, failed
    assert failed.error is not None and failed.error.rfc == rule, failed.error
    assert FAULTS_BY_NAME[name].rule == rule
    if check:
        outcome = failed.outcome
        assert isinstance(outcome, TokensOutcome) and outcome.id_token is not None
        assert check in {c.name for c in outcome.id_token.failures}
    assert noted(list(flow.log), name), "the altered request's trace notes the fault"


def test_wrong_iss_is_a_mix_up(server: EmbeddedServer) -> None:
    server.faults.enable("iss-wrong")
    failed = run_flow(server).failed_step
    assert failed is not None and isinstance(failed.error, IssuerMismatch)
    assert "mix-up" in str(failed.error)


def test_missing_at_hash_is_tolerated_in_the_code_flow(server: EmbeddedServer) -> None:
    server.faults.enable("id-token-no-at-hash")
    flow = run_flow(server)
    assert flow.failed_step is None
    id_token = flow.step("tokens").outcome.id_token
    at_hash = next(c for c in id_token.checks if c.name == "at_hash")
    assert at_hash.status == "skip" and "optional" in at_hash.reason
    assert noted(list(flow.log), "id-token-no-at-hash")


def test_slow_token_endpoint_makes_the_client_time_out(server: EmbeddedServer) -> None:
    server.faults.slow_seconds = 0.6
    server.faults.enable("token-slow")
    flow = run_flow(server, timeout=0.2)
    failed = flow.failed_step
    assert failed is not None and failed.key == "token"
    assert isinstance(failed.error, TransportError) and "timed out" in str(failed.error)


def test_token_500_leaves_the_code_unused(server: EmbeddedServer) -> None:
    server.faults.enable("token-500")

    async def main() -> FlowSession:
        async with FlowSession(ClientConfig(server.issuer), trace_lookup=server.trace,
                               spec=AUTH_CODE_PKCE) as flow:
            await flow.run_all()
            assert flow.failed_step is not None and flow.failed_step.key == "token"
            server.faults.disable("token-500")
            await flow.run_all()
            return flow

    assert asyncio.run(main()).failed_step is None


def test_faults_off_means_a_clean_flow(server: EmbeddedServer) -> None:
    server.faults.enable("id-token-alg-none")
    server.faults.disable("id-token-alg-none")
    flow = run_flow(server)
    assert flow.failed_step is None
    assert not any(f.rule.startswith("fault:") for e in flow.log if e.trace
                   for f in e.trace.findings)


def test_the_server_itself_never_accepts_alg_none(server: EmbeddedServer) -> None:
    """An unsigned copy of a real access token is refused at UserInfo."""
    server.faults.enable("id-token-alg-none")
    flow = run_flow(server)
    real = flow.step("token").outcome.response.access_token
    _header, payload, _ = real.split(".")
    none = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "at+jwt"}).encode())
    forged = f"{none.rstrip(b'=').decode()}.{payload}."
    with httpx.Client(base_url=server.issuer) as http:
        answer = http.get("/oauth2/userinfo", headers={"Authorization": f"Bearer {forged}"})
    assert answer.status_code == 401
    assert "invalid_token" in answer.headers["www-authenticate"]


def test_switches_are_thread_safe_and_validated() -> None:
    faults = FaultSwitches()
    names = [f.name for f in FAULTS]
    barrier = threading.Barrier(len(names))

    def flip(name: str) -> None:
        barrier.wait()
        for _ in range(200):
            faults.enable(name)
            faults.disable(name)
        faults.enable(name)

    threads = [threading.Thread(target=flip, args=(n,)) for n in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert faults.active() == frozenset(names)
    faults.clear()
    assert faults.active() == frozenset()
    with pytest.raises(KeyError, match="unknown fault"):
        faults.enable("no-such-fault")
