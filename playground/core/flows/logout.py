"""Sign-out (OpenID Connect RP-Initiated Logout 1.0), as a `FlowSpec`: sign in, sign out, prove it.

discovery → pkce → authorize_url → user_agent → callback → token → tokens, the code flow's own
steps, so the sign-in reads as it does there; then logout → session_check. The logout step
sends the user agent, with the cookies of the sign-in, to the provider's end-session endpoint
(§2) with the id_token as `id_token_hint`, answers the confirmation the provider may ask for
(§2, §5) as the user would, and captures the redirect back to the `post_logout_redirect_uri`
without following it, checking its `state` (§3). The last step asks silently again
(`prompt=none`): a session that ended answers `login_required` (OIDC Core §3.1.2.6).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playground.core.checks import CheckResult
from playground.core.flow import steps
from playground.core.flow.flowspec import FlowSpec, StepKey, StepSpec
from playground.core.flow.stepinfo import ClientConfig
from playground.core.flows.auth_code import (
    AUTH_CODE_PKCE,
    AUTHORIZE_URL,
    CALLBACK,
    DISCOVERY,
    PKCE,
    TOKEN,
    TOKENS,
    USER_AGENT,
)
from playground.core.protocol import authorize, logout
from playground.core.protocol.callback import AuthorizationResponse
from playground.core.protocol.logout import SPEC, LogoutAnswer, LogoutError
from playground.core.protocol.wire import HttpRequest
from playground.core.record.render import check_text

MAX_HOPS = 8
Values = dict[str, str | None]


@dataclass(frozen=True, slots=True)
class LogoutOutcome:
    """The sign-out as it went: the request sent, whether the provider asked the user, and
    how it ended (sent back, or a page of its own)."""

    request: HttpRequest
    asked: bool
    answer: LogoutAnswer
    checks: tuple[CheckResult, ...]

    @property
    def sent(self) -> tuple[tuple[str, str], ...]:
        return self.request.fields


@dataclass(frozen=True, slots=True)
class SessionCheck:
    """The silent authorization request after the sign-out, and what it proved."""

    url: str
    status: int
    response: AuthorizationResponse | None
    checks: tuple[CheckResult, ...]


LOGOUT = StepKey("logout", LogoutOutcome)
SESSION_CHECK = StepKey("session_check", SessionCheck)


def _logout_inputs(config: ClientConfig) -> dict[str, Any]:
    """None means 'derive it': the token step's id_token and client_id, a fresh state."""
    return {"id_token_hint": None, "send_id_token_hint": True, "client_id": None,
            "post_logout_redirect_uri": config.post_logout_redirect_uri, "state": None,
            "confirm": True}


def logout_values(ctx: steps.StepContext) -> Values:
    """§2's parameters as the step will send them."""
    inputs, answer = ctx.inputs(LOGOUT), ctx.outcome(TOKEN)
    hint = inputs.get("id_token_hint") or (answer.response.id_token if answer else None)
    return {
        "id_token_hint": hint if inputs.get("send_id_token_hint") else None,
        "client_id": inputs.get("client_id") or str(ctx.inputs(TOKEN)["client_id"]),
        "post_logout_redirect_uri": inputs.get("post_logout_redirect_uri") or None,
        "state": inputs.get("state") or authorize.new_state(),
    }


def build_request(ctx: steps.StepContext, values: Values) -> HttpRequest:
    meta = ctx.outcome(DISCOVERY)
    endpoint = meta.end_session_endpoint if meta else None
    if endpoint is None:
        raise LogoutError("the provider's metadata has no end_session_endpoint: it does not "
                          "offer RP-Initiated Logout", rfc=f"{SPEC} §2.1")
    return logout.build_logout_request(endpoint, logout.logout_params(values))


async def run_logout(ctx: steps.StepContext) -> LogoutOutcome:
    values = logout_values(ctx)
    request = build_request(ctx, values)
    answer = await _visit(ctx, request, values["post_logout_redirect_uri"])
    asked = answer.kind == "confirm"
    if asked:
        answer = await _confirm(ctx, request, answer, values)
    outcome = LogoutOutcome(request, asked, answer, _checks(answer, values, asked))
    _raise_if_failed(outcome, outcome.checks)
    return outcome


async def _visit(ctx: steps.StepContext, request: HttpRequest, target: str | None) -> LogoutAnswer:
    """Follow the provider's own redirects; stop at the redirect back to `target`."""
    response = await steps.fetch(ctx, request)
    for _ in range(MAX_HOPS):
        location = logout.next_hop(response, target)
        if location is None:
            return logout.parse_answer(response)
        response = await steps.fetch(ctx, HttpRequest("GET", location, logout.ACCEPT))
    raise LogoutError(f"the sign-out did not end after {MAX_HOPS} redirects")


async def _confirm(ctx: steps.StepContext, request: HttpRequest, answer: LogoutAnswer,
                   values: Values) -> LogoutAnswer:
    """§2: the provider asks the user; answer 'sign out' as the form would, if told to."""
    if not ctx.inputs(LOGOUT).get("confirm"):
        exc = LogoutError("the provider asks the user to confirm the sign-out: a request "
                          "without an id_token_hint of this sign-in signs nobody out by itself "
                          "(tick confirm to answer yes)", rfc=f"{SPEC} §2, §5")
        exc.outcome = LogoutOutcome(request, True, answer, ())
        raise exc
    confirmation = logout.build_confirmation(answer, "logout")
    return await _visit(ctx, confirmation, values["post_logout_redirect_uri"])


def _checks(answer: LogoutAnswer, values: Values, asked: bool) -> tuple[CheckResult, ...]:
    hinted = bool(values["id_token_hint"])
    return (
        CheckResult("id_token_hint", "pass" if hinted else "skip",
                    "the id_token of this sign-in" if hinted else
                    "none sent: the provider must ask the user", f"{SPEC} §2"),
        CheckResult("confirmation", "pass", "asked, and answered: sign out" if asked else
                    "not asked: the hint proved the request comes from this sign-in",
                    f"{SPEC} §2, §5"),
        _ended(answer),
        *logout.check_return(answer, values),
    )


def _ended(answer: LogoutAnswer) -> CheckResult:
    rule = f"{SPEC} §2"
    if answer.kind == "still_signed_in":
        return CheckResult("signed out", "fail", "the provider kept the session", rule)
    if answer.ended is False:
        return CheckResult("signed out", "skip", "the provider had no session of this user "
                           "agent to end (was the sign-in in another browser?)", rule)
    if answer.ended:
        return CheckResult("signed out", "pass", "the provider's page says so", rule)
    return CheckResult("signed out", "skip", "a redirect does not say; the next step checks it",
                       rule)


def _raise_if_failed(outcome: object, checks: tuple[CheckResult, ...]) -> None:
    failed = next((c for c in checks if c.failed), None)
    if failed is not None:
        exc = LogoutError(failed.reason, rfc=failed.rfc)
        exc.outcome = outcome
        raise exc


async def run_session_check(ctx: steps.StepContext) -> SessionCheck:
    """OIDC Core §3.1.2.6: the same authorization request, silently (`prompt=none`)."""
    sent, meta = ctx.outcome(AUTHORIZE_URL), ctx.outcome(DISCOVERY)
    params = authorize.set_param(sent.params, "prompt", "none")
    params = authorize.set_param(params, "state", authorize.new_state())
    url = authorize.build_url(meta.authorization_endpoint, params)
    response = await steps.fetch(ctx, HttpRequest("GET", url))
    answer = logout.read_silent_answer(response, sent.redirect_uri or "")
    shown = f"HTTP {response.status_code} {response.headers.get('location', '')}".strip()
    outcome = SessionCheck(url, response.status_code, answer,
                           (logout.silent_check(answer, shown),))
    _raise_if_failed(outcome, outcome.checks)
    return outcome


def logout_lines(outcome: LogoutOutcome) -> list[str]:
    answer = outcome.answer
    ends = {"redirected": f"sent back to {answer.redirect_url} (captured, not followed)",
            "signed_out": "the provider's signed-out page", "confirm": "the confirmation page",
            "still_signed_in": "the provider's 'still signed in' page",
            "page": f"a page of the provider: {answer.text}"}
    return [f"  sent: {', '.join(name for name, _ in outcome.sent) or '(no parameters)'}",
            f"  confirmation: {'asked by the provider' if outcome.asked else 'not asked'}",
            f"  ended with: {ends[answer.kind]}", *(check_text(c) for c in outcome.checks)]


def session_check_lines(outcome: SessionCheck) -> list[str]:
    response = outcome.response
    said = (f"error={response.error}" if response and response.error else
            "a code" if response else f"no redirect (HTTP {outcome.status})")
    return [f"  prompt=none answered: {said}", *(check_text(c) for c in outcome.checks)]


STEPS: tuple[StepSpec[Any], ...] = (
    *(AUTH_CODE_PKCE.step(key) for key in (DISCOVERY, PKCE, AUTHORIZE_URL, USER_AGENT, CALLBACK,
                                            TOKEN, TOKENS)),
    StepSpec(
        LOGOUT, "Sign out at the provider",
        "Send the browser to the provider's end_session_endpoint with the ID token as "
        "id_token_hint, so it knows which sign-in to end; it signs the user out and sends the "
        "browser back to the registered post_logout_redirect_uri with the state. Without a hint "
        "it must ask the user first. Leave post_logout_redirect_uri empty to stay on the "
        "provider's signed-out page.",
        f"{SPEC} §2, §3, §5", run_logout, _logout_inputs, logout_lines,
        requires=(DISCOVERY, TOKEN),
    ),
    StepSpec(
        SESSION_CHECK, "Check the session ended",
        "Ask again silently (prompt=none), as an app checking who is signed in would: with the "
        "session gone the provider must answer login_required, not a code.",
        "OIDC Core §3.1.2.6", run_session_check, render=session_check_lines,
        requires=(DISCOVERY, AUTHORIZE_URL, LOGOUT),
    ),
)

LOGOUT_FLOW = FlowSpec(
    "logout", "Sign-out (RP-Initiated Logout)", f"{SPEC} 1.0, OIDC Core §3.1.2.6", STEPS,
    tokens_step=TOKEN, summary_step="session_check",
)
