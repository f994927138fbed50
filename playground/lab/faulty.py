"""Scenarios where the server misbehaves (a fault switch) and the client must catch it.

Each switches one fault on (playground.server.faults), runs the whole flow with the client
engine and checks that the right step refused with the right check: iss (RFC 9207 §2.4), the
id_token's key, alg, aud, at_hash, nonce and exp (RFC 7515, RFC 8725 §3.1, OIDC Core
§3.1.3.7), and the token endpoint's 500 or silence.
"""

from __future__ import annotations

from collections.abc import Callable

from playground.core.flow.session import Step
from playground.core.flow.steps import TokensOutcome
from playground.core.flowerrors import IssuerMismatch, TransportError
from playground.lab.model import LabContext, Result, Scenario
from playground.server.faults import FAULTS_BY_NAME

Expect = Callable[[Step], bool]


def failed_check(name: str) -> Expect:
    """The tokens step failed because the id_token's `name` check failed."""
    def expect(step: Step) -> bool:
        outcome = step.outcome
        if not isinstance(outcome, TokensOutcome) or outcome.id_token is None:
            return False
        return name in {c.name for c in outcome.id_token.failures}
    return expect


def _is_mix_up(step: Step) -> bool:
    return isinstance(step.error, IssuerMismatch)


def _server_error(step: Step) -> bool:
    return step.error is not None and step.error.error_code == "server_error"


def _timed_out(step: Step) -> bool:
    return isinstance(step.error, TransportError) and "timed out" in str(step.error)


def fault_scenario(name: str, fault: str, title: str, step_key: str, expect: Expect,
                   why: str, *, slow: bool = False) -> Scenario:
    info = FAULTS_BY_NAME[fault]

    async def run(ctx: LabContext) -> Result:
        ctx.server.faults.enable(fault)
        if slow:
            ctx.server.faults.slow_seconds, ctx.timeout = 1.0, 0.3
        session = ctx.session()
        await session.run_all()
        failed = session.failed_step
        if failed is None:
            return Result(False, "the client accepted it: every step passed")
        if failed.key != step_key:
            return Result(False, f"{failed.title} failed instead: {failed.error}")
        return Result(expect(failed), f"the {failed.title} step refused it: {failed.error}")

    step_title = {"callback": "callback", "tokens": "token verification", "token": "token"}
    return Scenario(name, title, f"Fault switched on: {info.what}.",
                    f"the {step_title[step_key]} step fails", info.rule, why, run)


async def _missing_at_hash(ctx: LabContext) -> Result:
    ctx.server.faults.enable("id-token-no-at-hash")
    session = ctx.session()
    done = await session.run_all()
    outcome = session.step("tokens").outcome
    checks = {c.name: c for c in outcome.id_token.checks} if isinstance(
        outcome, TokensOutcome) and outcome.id_token else {}
    at_hash = checks.get("at_hash")
    skipped = at_hash is not None and at_hash.status == "skip"
    reason = at_hash.reason if at_hash else "no at_hash check"
    return Result(done and skipped, f"flow {'completed' if done else 'failed'}; at_hash check: "
                  f"{reason}")


SCENARIOS: tuple[Scenario, ...] = (
    fault_scenario("mix-up-iss", "iss-wrong", "Mix-up attack stopped by iss", "callback",
                   _is_mix_up, "the client compares iss with the issuer it sent the user to; "
                   "a response from another server is refused"),
    fault_scenario("missing-iss", "iss-missing", "Missing iss refused", "callback", _is_mix_up,
                   "the metadata announces authorization_response_iss_parameter_supported, so a "
                   "response without iss is refused"),
    fault_scenario("alg-none", "id-token-alg-none", "alg none rejected", "tokens",
                   failed_check("alg"), "the client accepts only the algorithms on its allow-list, "
                   "and none is never on it"),
    fault_scenario("unknown-kid", "id-token-unknown-kid", "Unknown kid rejected", "tokens",
                   failed_check("key"), "the kid must name a key in the issuer's JWKS"),
    fault_scenario("foreign-key", "id-token-foreign-key", "Signature by a key not in the JWKS",
                   "tokens", failed_check("signature"), "the signature must verify with the "
                   "issuer's published key"),
    fault_scenario("wrong-aud", "id-token-wrong-aud", "ID token for another audience", "tokens",
                   failed_check("aud"), "an ID token is for the client named in aud; one minted "
                   "for another client must not log the user in here"),
    fault_scenario("wrong-at-hash", "id-token-wrong-at-hash", "Substituted access token (at_hash)",
                   "tokens", failed_check("at_hash"), "at_hash binds the access token to the "
                   "ID token; a swapped access token does not hash to it"),
    Scenario("missing-at-hash", "Missing at_hash tolerated in the code flow",
             "Fault switched on: the id_token carries no at_hash.",
             "the flow completes; the at_hash check is skipped", "OIDC Core §3.1.3.6",
             "at_hash is OPTIONAL in the code flow (the access token came straight from the "
             "token endpoint), so its absence is not an error", _missing_at_hash),
    fault_scenario("nonce-mismatch", "id-token-nonce-mismatch", "Replayed ID token caught by "
                   "nonce", "tokens", failed_check("nonce"), "the nonce binds the ID token to "
                   "this authorization request; another one is a replay"),
    fault_scenario("expired-tokens", "tokens-expired", "Expired tokens rejected", "tokens",
                   failed_check("exp"), "a token past its exp (plus a small leeway) is refused"),
    fault_scenario("token-500", "token-500", "Token endpoint answers 500", "token",
                   _server_error, "the client reports the server's error and keeps no tokens; "
                   "the code is still unused and may be redeemed once the server recovers"),
    fault_scenario("slow-token", "token-slow", "Slow token endpoint times out", "token",
                   _timed_out, "the client gives up after its timeout; it must not blindly "
                   "retry, because a code is single-use and a retry looks like a replay",
                   slow=True),
)
