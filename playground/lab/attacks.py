"""Scenarios where the client (or an attacker) breaks a step and the server must refuse.

Built on the tamper actions (playground.core.flow.tamper): code replay and its revocation (RFC 6749
§4.1.2), PKCE (RFC 7636 §4.3-§4.6, RFC 9700 §2.1.1), code binding (§4.1.3), state (§10.12),
refresh rotation and scope (RFC 9700 §4.14.2, RFC 6749 §6), expiry on the server's clock, and
the seed's own spellings against a strict server, with the RFC lint watching every request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from playground.core.flow.session import FlowSession, StepState
from playground.core.flow.stepinfo import SEED_CLIENT_ID, SEED_SCOPE
from playground.core.flow.tamper import (
    TAMPERS_BY_NAME,
    Answer,
    TamperResult,
    run_tamper,
    try_authorize,
)
from playground.core.flowerrors import FlowError
from playground.core.protocol import authorize, pkce
from playground.lab.model import LabContext, Result, Scenario

TO_CALLBACK = ("discovery", "pkce", "authorize_url", "user_agent", "callback")
TO_TOKEN = (*TO_CALLBACK, "token")
After = Callable[[LabContext, FlowSession, TamperResult], Awaitable[Result]]


async def run_steps(session: FlowSession, keys: Sequence[str]) -> None:
    for key in keys:
        step = await session.run(key)
        if step.state is not StepState.DONE:
            raise FlowError(f"{step.title} failed before the attack: {step.error}")


def answer_text(answer: Answer) -> str:
    if answer.error is None:
        return f"accepted ({answer.description})"
    status = f" (HTTP {answer.status})" if answer.status else ""
    return f"refused with {answer.error}{status}: {answer.description}"


def tamper_scenario(name: str, tamper: str, title: str, description: str, *,
                    steps: Sequence[str] = TO_CALLBACK, after: After | None = None,
                    expected: str = "") -> Scenario:
    action = TAMPERS_BY_NAME[tamper]

    async def run(ctx: LabContext) -> Result:
        session = ctx.session()
        await run_steps(session, steps)
        result = await run_tamper(tamper, session, ctx.options)
        if not result.ok or after is None:
            return Result(result.ok, answer_text(result.answer))
        return await after(ctx, session, result)

    return Scenario(name, title, description, expected or f"refused with {action.expected}",
                    action.rule, action.why, run)


async def _first_tokens_revoked(ctx: LabContext, session: FlowSession,
                                result: TamperResult) -> Result:
    step = await session.run("userinfo")
    code = step.error.error_code if step.error else None
    happened = f"{answer_text(result.answer)}; then the first access token at UserInfo: " + (
        f"refused ({step.error})" if step.error else "still accepted")
    return Result(code == "invalid_token", happened)


async def _family_revoked(ctx: LabContext, session: FlowSession, result: TamperResult) -> Result:
    try:
        await session.refresh()
    except FlowError as exc:
        return Result(exc.error_code == "invalid_grant", f"{answer_text(result.answer)}; then the "
                      f"legitimate client's newest refresh token: refused ({exc})")
    return Result(False, f"{answer_text(result.answer)}; but the newest refresh token still works")


async def _linted_missing_pkce(ctx: LabContext, session: FlowSession,
                               result: TamperResult) -> Result:
    rules = {f.rule for e in result.exchanges for f in e.findings}
    return Result("pkce-missing" in rules, f"{answer_text(result.answer)}; the lint flagged the "
                  f"request: {', '.join(sorted(rules)) or 'nothing'}")


async def _seed_pkce_spelling(ctx: LabContext) -> Result:
    """The seed's browser code: btoa(sha256(verifier)) and code_challenge_method=SHA-256."""
    session = ctx.session()
    await run_steps(session, ("discovery", "pkce"))
    params = authorize.default_params(
        client_id=SEED_CLIENT_ID, redirect_uri=None, scope=SEED_SCOPE,
        state="somesecretstatethatshouldmatch",
        code_challenge=pkce.seed_spelling("RANDOM_GENERATED_STRING"),
        code_challenge_method="SHA-256")
    answer = await try_authorize(session, "seed-authorize", params)
    sent = session.log.for_step("tamper:seed-authorize")[0]
    linted = {f.rule for f in sent.findings}
    traced = {f.rule for f in sent.trace.findings} if sent.trace else set()
    wanted = {"pkce-method-spelling", "pkce-challenge-encoding"}
    passed = answer.error == "invalid_request" and wanted <= linted and wanted <= traced
    return Result(passed, f"{answer_text(answer)}; lint (client and server): "
                  f"{', '.join(sorted(linted & traced))}")


async def _seed_json_body(ctx: LabContext) -> Result:
    session = ctx.session(token_body="json")
    done = await session.run_all()
    sent = session.log.for_step("token")[0]
    linted = {f.rule for f in sent.findings}
    traced = {f.rule for f in sent.trace.findings} if sent.trace else set()
    passed = done and "token-json-body" in linted & traced and "token-scope-ignored" in linted
    outcome = "tokens issued" if done else f"failed: {session.failed_step}"
    return Result(passed, f"{outcome}; lint flagged {', '.join(sorted(linted))}")


async def _access_token_expires(ctx: LabContext) -> Result:
    session = ctx.session()
    await run_steps(session, (*TO_TOKEN, "tokens", "userinfo"))
    lifetime = ctx.server.config.access_token_ttl
    ctx.server.clock.advance(lifetime + 1)
    step = await session.run("userinfo")
    code = step.error.error_code if step.error else None
    return Result(code == "invalid_token", f"server clock moved +{lifetime + 1} s; UserInfo: "
                  + (str(step.error) if step.error else "still accepted the access token"))


SCENARIOS: tuple[Scenario, ...] = (
    tamper_scenario("pkce-required", "drop-pkce", "Code interception without PKCE",
                    "The seed client sends the authorize request without code_challenge, as an "
                    "app that skips PKCE would; an intercepted code would then be redeemable.",
                    after=_linted_missing_pkce),
    tamper_scenario("code-replay", "replay-code", "Code replay revokes the first tokens",
                    "Redeem the code, then send the same token request again; afterwards use "
                    "the first access token.", steps=TO_TOKEN, after=_first_tokens_revoked,
                    expected="replay refused with invalid_grant; first access token revoked"),
    tamper_scenario("refresh-rotation", "reuse-rotated-refresh",
                    "Refresh token theft detected by rotation",
                    "The client refreshes (the token rotates); a thief then uses the old "
                    "refresh token; then the client tries its newest one.", steps=TO_TOKEN,
                    after=_family_revoked,
                    expected="reuse refused with invalid_grant; the whole family revoked"),
    tamper_scenario("plain-downgrade", "downgrade-plain", "Downgrade to plain refused",
                    "The authorize request asks for code_challenge_method=plain."),
    tamper_scenario("redirect-uri-swap", "redirect-uri-swap", "Redirect URI swap refused",
                    "The token request names an attacker's redirect_uri."),
    tamper_scenario("wrong-verifier", "wrong-verifier", "Stolen code without the verifier",
                    "An attacker with the code but not the verifier redeems it with a guess."),
    tamper_scenario("no-verifier", "no-verifier", "Code redeemed without code_verifier",
                    "The token request leaves code_verifier out."),
    tamper_scenario("other-client", "other-client", "Another client redeems the code",
                    "A different registered client presents the code (with the verifier)."),
    tamper_scenario("csrf-state", "tampered-state", "Forged callback caught by state",
                    "The redirect back to the client carries a state the client never sent."),
    tamper_scenario("wider-scope-refresh", "wider-scope-refresh", "Wider scope on refresh",
                    "The refresh request asks for a scope the user never granted.",
                    steps=TO_TOKEN),
    tamper_scenario("expired-code", "expired-code", "Expired code",
                    "The server clock moves past the code's lifetime before it is redeemed."),
    Scenario("seed-pkce-spelling", "The seed's PKCE spelling meets a strict server",
             "The seed's exact authorize URL: btoa(sha256(verifier)) and SHA-256.",
             "refused with invalid_request; lint flags both spellings", "RFC 7636 §4.2, §4.3",
             "the method is named 'S256' and the challenge is BASE64URL without padding; "
             "certified servers refuse the seed's spelling", _seed_pkce_spelling),
    Scenario("seed-json-body", "The seed's JSON token body is linted",
             "The token request is the seed's JSON body (with scope).",
             "tokens issued; lint flags token-json-body and token-scope-ignored",
             "RFC 6749 §4.1.3", "the token request is application/x-www-form-urlencoded and has "
             "no scope parameter; this server tolerates the JSON and says so", _seed_json_body),
    Scenario("access-token-expiry", "Access token expires on the server clock",
             "Finish the flow, move the server clock past the access token's lifetime, call "
             "UserInfo again.", "refused with invalid_token", "RFC 6750 §3.1",
             "an expired access token is refused with invalid_token", _access_token_expires),
)
