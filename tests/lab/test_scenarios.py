"""Every lab scenario against the real threaded server: it ends as expected, and its verdict
explains why naming the rule; the user's server state survives a run."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from playground.core.flowerrors import FlowError
from playground.lab import SCENARIOS, SCENARIOS_BY_NAME, Result, Scenario, find, run_scenario
from playground.lab import clock as lab_clock
from playground.server import EmbeddedServer

# scenario → the rule its explanation must name, and a word from what the server/client said
EXPECTED = {
    "pkce-required": ("RFC 9700 §2.1.1", "code_challenge is required"),
    "code-replay": ("RFC 6749 §4.1.2", "revoked"),
    "refresh-rotation": ("RFC 9700 §4.14.2", "the refresh token was revoked"),
    "plain-downgrade": ("RFC 7636 §4.3", "'plain' is disabled"),
    "redirect-uri-swap": ("RFC 6749 §4.1.3", "attacker.example"),
    "wrong-verifier": ("RFC 7636 §4.6", "PKCE verification failed"),
    "no-verifier": ("RFC 7636 §4.5", "code_verifier is missing"),
    "other-client": ("RFC 6749 §4.1.3", "issued to another client"),
    "csrf-state": ("RFC 6749 §10.12", "State mismatch"),
    "wider-scope-refresh": ("RFC 6749 §6", "exceed the original grant"),
    "expired-code": ("RFC 6749 §4.1.2", "expired"),
    "seed-pkce-spelling": ("RFC 7636 §4.2, §4.3", "pkce-method-spelling"),
    "seed-json-body": ("RFC 6749 §4.1.3", "token-json-body"),
    "access-token-expiry": ("RFC 6750 §3.1", "expired"),
    "mix-up-iss": ("RFC 9207 §2.4", "mix-up"),
    "missing-iss": ("RFC 9207 §2.4", "has none"),
    "alg-none": ("RFC 8725 §3.1", "alg is 'none'"),
    "unknown-kid": ("RFC 7515 §4.1.4", "is not in the issuer's JWKS"),
    "foreign-key": ("RFC 7515 §5.2", "signature does not match"),
    "wrong-aud": ("OIDC Core §3.1.3.7 (3)", "another-client"),
    "wrong-at-hash": ("OIDC Core §3.1.3.8", "at_hash failed"),
    "missing-at-hash": ("OIDC Core §3.1.3.6", "optional in the code flow"),
    "nonce-mismatch": ("OIDC Core §3.1.3.7 (11)", "nonce failed"),
    "expired-tokens": ("RFC 7519 §4.1.4", "exp failed"),
    "token-500": ("RFC 6749 §5.2", "server_error"),
    "slow-token": ("RFC 6749 §4.1.2", "timed out"),
    "cc-public-client": ("RFC 6749 §4.4", "unauthorized_client"),
    "cc-user-scope": ("RFC 6749 §4.4.2, OIDC Core §3.1.2.1", "need a signed-in user"),
    "cc-foreign-scope": ("RFC 6749 §3.3", "not registered for this client"),
    "cc-wrong-secret": ("RFC 6749 §5.2, §2.3.1", "wrong secret"),
    "cc-machine-tokens": ("RFC 6749 §4.4.3", "active=True"),
    "te-forged-subject": ("RFC 8693 §2.2.2", "Signature verification failed"),
    "te-revoked-subject": ("RFC 8693 §2.2.2", "was revoked"),
    "te-wider-scope": ("RFC 8693 §2.1, RFC 6749 §3.3", "exceed the subject token's"),
    "te-bad-resource": ("RFC 8707 §2", "invalid_target"),
    "te-delegation": ("RFC 8693 §4.1", "act {'sub': 'playground-service'}"),
    "te-unknown-audience": ("RFC 8693 §2.2.2", "is not a configured resource"),
    "logout-unregistered-return": ("OIDC RP-Initiated Logout §3", "no redirect"),
    "logout-foreign-hint": ("OIDC RP-Initiated Logout §2", "not an ID Token issued by this server"),
    "logout-bare-link": ("OIDC RP-Initiated Logout §2, §5", "asked the user to confirm"),
    "logout-ends-session": ("OIDC Core §3.1.2.6", "answered login_required"),
    "logout-other-client": ("OIDC RP-Initiated Logout §2", "issued to another client"),
    "device-slow-down": ("RFC 8628 §3.5", "wait 10 s between polls"),
    "device-denied": ("RFC 8628 §3.5", "refused with access_denied"),
    "device-expired": ("RFC 8628 §3.5", "expired_token"),
    "device-code-replay": ("RFC 8628 §3.5", "already redeemed"),
    "device-code-guessing": ("RFC 8628 §5.1", "5 wrong codes were entered in this browser"),
    "dpop-replayed-proof": ("RFC 9449 §11.1", "the replay answered 400 invalid_dpop_proof"),
    "dpop-wrong-htu": ("RFC 9449 §4.3 (9)", "answered 400 invalid_dpop_proof"),
    "dpop-wrong-htm": ("RFC 9449 §4.3 (8)", "answered 400 invalid_dpop_proof"),
    "dpop-stale-iat": ("RFC 9449 §4.3 (11), §11.1", "answered 400 invalid_dpop_proof"),
    "dpop-other-key": ("RFC 9449 §7.1, §6.1", "invalid_dpop_proof"),
    "dpop-as-bearer": ("RFC 9449 §7.1", "WWW-Authenticate DPoP"),
    "dpop-bound-client-no-proof": ("RFC 9449 §5.2", "answered 400 invalid_dpop_proof"),
    "par-request-uri-reused": ("RFC 9126 §4", "the second answered 400 invalid_request_uri"),
    "par-request-uri-expired": ("RFC 9126 §2.2", "invalid_request_uri"),
    "par-required": ("RFC 9126 §6", "invalid_request"),
    "assertion-replayed": ("RFC 7523 §3 (7)", "the replay answered 401 invalid_client"),
    "assertion-wrong-aud": ("RFC 7523 §3 (3)", "answered 401 invalid_client"),
    "assertion-wrong-key": ("RFC 7523 §3 (9), OIDC Core §9", "answered 401 invalid_client"),
    "request-object-none": ("RFC 9101 §6.1, RFC 8725 §3.1", "invalid_request_object"),
}


@pytest.fixture(scope="module")
def server() -> Iterator[EmbeddedServer]:
    with EmbeddedServer() as running:
        yield running


def test_at_least_fifteen_scenarios_with_unique_names() -> None:
    assert len(SCENARIOS) >= 15
    assert len(SCENARIOS_BY_NAME) == len(SCENARIOS)
    assert set(EXPECTED) == set(SCENARIOS_BY_NAME)
    for scenario in SCENARIOS:
        assert scenario.title and scenario.description and scenario.expected
        assert "§" in scenario.rule


@pytest.mark.parametrize("name", list(EXPECTED))
def test_scenario_ends_as_expected_and_names_the_rule(server: EmbeddedServer, name: str) -> None:
    rule, said = EXPECTED[name]
    scenario = find(name)
    assert scenario is not None
    verdict = asyncio.run(run_scenario(scenario, server))
    assert verdict.passed, verdict.explanation
    assert verdict.rule == rule
    assert f"({rule})." in verdict.explanation
    assert said in verdict.explanation
    assert verdict.exchanges or name == "csrf-state"
    assert verdict.to_dict()["name"] == name


def test_a_run_restores_the_users_faults_clock_and_compat(server: EmbeddedServer) -> None:
    server.faults.enable("token-500")
    server.clock.advance(600)
    server.compat_seed = True
    try:
        scenario = find("code-replay")
        assert scenario is not None
        verdict = asyncio.run(run_scenario(scenario, server))
        assert verdict.passed, "the scenario ran on a clean server"
        assert server.faults.active() == {"token-500"}
        assert server.clock.offset == pytest.approx(600)
        assert server.compat_seed is True
    finally:
        server.faults.clear()
        server.clock.reset()
        server.compat_seed = False


def test_a_scenario_that_cannot_run_is_a_failed_verdict(server: EmbeddedServer) -> None:
    async def broken(_: object) -> Result:
        raise FlowError("no provider")

    scenario = Scenario("broken", "Broken", "d", "e", "RFC 6749 §1", "w", broken)
    verdict = asyncio.run(run_scenario(scenario, server))
    assert not verdict.passed
    assert "could not run: no provider" in verdict.explanation


def test_clock_control_moves_the_server_clock(server: EmbeddedServer) -> None:
    try:
        assert [label for label, _ in lab_clock.STEPS] == ["+1 min", "+10 min", "+1 h"]
        assert lab_clock.advance(server.clock, 60) == "+1 min"
        assert lab_clock.advance(server.clock, 3600) == "+1 h 1 min"
        assert lab_clock.reset(server.clock) == "real time"
        assert lab_clock.describe(45) == "+45 s"
        assert lab_clock.describe(-90) == "-1 min 30 s"
    finally:
        server.clock.reset()
