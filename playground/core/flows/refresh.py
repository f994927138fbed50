"""Refresh (RFC 6749 §6), as a `FlowSpec`: redeem a refresh token for fresh tokens.

discovery → token → tokens. The refresh token is pasted, or carried over from the flow that
obtained it (the window does that, with its client). The request may narrow the scope (§6: never
widen it); a public client's refresh token rotates (RFC 9700 §4.14.2: the old one is dead and a
reuse revokes the family), a confidential client's may stay. An id_token from a refresh carries
no nonce (OIDC Core §12.2) and must name the same user.
"""

from __future__ import annotations

from typing import Any

from playground.core.checks import CheckResult
from playground.core.flow import hardening, steps
from playground.core.flow.flowspec import FlowSpec, StepSpec
from playground.core.flow.stepinfo import ClientConfig
from playground.core.flowerrors import FlowError
from playground.core.flows.auth_code import DISCOVERY, TOKEN, TOKENS
from playground.core.jose import jwt
from playground.core.protocol import token
from playground.core.protocol.wire import HttpRequest
from playground.core.record import render

REFRESHED_NO_NONCE = "an ID token from a refresh carries no nonce to compare (OIDC Core §12.2)"


def _token_inputs(config: ClientConfig) -> dict[str, Any]:
    return {"client_id": config.client_id, "client_secret": config.client_secret,
            "auth_method": config.auth_method, "body_format": config.token_body,
            "refresh_token": None, "scope": None, "fields": None,
            **hardening.token_options(config)}


def build_request(ctx: steps.StepContext) -> HttpRequest:
    """RFC 6749 §6: grant_type=refresh_token, the token, an optional narrower scope."""
    inputs = ctx.inputs(TOKEN)
    fields = inputs.get("fields")
    if fields is None:
        refresh = str(inputs.get("refresh_token") or "").strip()
        if not refresh:
            raise FlowError("paste the refresh token to redeem (or obtain one with the code "
                            "flow and offline_access first)", rfc="RFC 6749 §6")
        fields = token.refresh_grant_fields(refresh, str(inputs.get("scope") or "") or None)
    return steps.token_request(ctx, fields)


async def run_refresh(ctx: steps.StepContext) -> steps.TokenOutcome:
    return await steps.send_token_request(ctx, build_request(ctx))


async def run_verify(ctx: steps.StepContext) -> steps.TokensOutcome:
    """The new access token (RFC 9068 §4) and id_token (OIDC Core §12.2), and the rotation."""
    answer = ctx.outcome(TOKEN).response
    return await steps.verify_without_nonce(ctx, (_rotation(ctx, answer),), REFRESHED_NO_NONCE)


def _rotation(ctx: steps.StepContext, answer: token.TokenResponse) -> CheckResult:
    """RFC 9700 §4.14.2: a public client's refresh token must rotate."""
    sent = str(ctx.inputs(TOKEN).get("refresh_token") or "")
    public = (ctx.inputs(TOKEN).get("auth_method") or "none") == "none"
    rule = "RFC 9700 §4.14.2"
    if answer.refresh_token and answer.refresh_token != sent:
        return CheckResult("refresh token rotated", "pass", "a new refresh token came back; "
                           "the one sent is now spent", rule)
    if public:
        return CheckResult("refresh token rotated", "fail", "a public client's refresh token "
                           "must rotate, but the same (or none) came back", rule)
    return CheckResult("refresh token rotated", "skip", "kept: a confidential client's refresh "
                       "token may stay, it is bound to the client's credentials", rule)


STEPS: tuple[StepSpec[Any], ...] = (
    StepSpec(
        DISCOVERY, "Discovery",
        "Fetch the provider's metadata: where the token endpoint is and which keys sign its "
        "tokens.", "RFC 8414 §3", steps.run_discovery, lambda c: {"issuer": c.issuer},
        render.discovery_lines,
    ),
    StepSpec(
        TOKEN, "Refresh request",
        "Redeem the refresh token at the token endpoint, with the same client authentication "
        "that obtained it; a scope may narrow, never widen, what was granted.",
        "RFC 6749 §6", run_refresh, _token_inputs, render.token_lines,
        requires=(DISCOVERY,), preview=build_request,
    ),
    StepSpec(
        TOKENS, "Verify the new tokens",
        "Check the new access token and id_token against the JWKS (the id_token carries no "
        "nonce now) and whether the refresh token rotated.",
        "RFC 9068 §4, OIDC Core §12.2, RFC 9700 §4.14.2", run_verify,
        lambda _c: {"leeway": 60.0, "algorithms": jwt.DEFAULT_ALGORITHMS},
        render.tokens_lines, requires=(DISCOVERY, TOKEN),
    ),
)

REFRESH = FlowSpec("refresh", "Refresh", "RFC 6749 §6", STEPS, tokens_step=TOKEN,
                   grant_type="refresh_token")
