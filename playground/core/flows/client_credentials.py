"""Client Credentials (RFC 6749 §4.4), as a `FlowSpec`: a backend calling an API on its own.

discovery → token → tokens → introspect. No user and no browser: the client authenticates at
the token endpoint (§4.4.2, client_secret_basic by default), gets an access token and no refresh
token (§4.4.3), verifies it as a JWT access token (RFC 9068 §4, its `sub` the client itself), and
asks the introspection endpoint what a resource server would be told (RFC 7662 §2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playground.core.checks import CheckResult
from playground.core.flow import hardening, steps
from playground.core.flow.flowspec import FlowSpec, StepKey, StepSpec
from playground.core.flow.stepinfo import ClientConfig
from playground.core.flows.auth_code import DISCOVERY, TOKEN, TOKENS
from playground.core.jose import jwt
from playground.core.protocol import revocation, token
from playground.core.protocol.wire import HttpRequest
from playground.core.record import render

INTROSPECT = StepKey("introspect", revocation.Introspection)


def _token_inputs(config: ClientConfig) -> dict[str, Any]:
    method = config.auth_method if config.auth_method != "none" else "client_secret_basic"
    return {"client_id": config.client_id, "client_secret": config.client_secret,
            "auth_method": method, "body_format": "form", "scope": config.scope, "fields": None,
            **hardening.token_options(config)}


def build_request(ctx: steps.StepContext) -> HttpRequest:
    """The §4.4.2 request the token step will send (edited `fields` win)."""
    inputs = ctx.inputs(TOKEN)
    fields = inputs.get("fields")
    if fields is None:
        fields = token.client_credentials_fields(str(inputs.get("scope") or "").strip() or None)
    return steps.token_request(ctx, fields)


async def run_token(ctx: steps.StepContext) -> steps.TokenOutcome:
    return await steps.send_token_request(ctx, build_request(ctx))


async def run_verify(ctx: steps.StepContext) -> steps.TokensOutcome:
    """RFC 9068 §4 on the access token; §4.4.3: no refresh token, and no id_token (no user)."""
    meta = ctx.outcome(DISCOVERY)
    answer = ctx.outcome(TOKEN).response
    jwks = await steps.jwks_of(ctx, meta)
    access = jwt.verify(answer.access_token, jwks, kind="access_token", now=ctx.now(),
                        expect=steps.access_expectations(ctx, meta.issuer))
    return steps.verified(
        steps.TokensOutcome(jwks, _checks(ctx, answer, access), None, access, None))


def _checks(ctx: steps.StepContext, answer: token.TokenResponse,
            access: jwt.Verification) -> tuple[CheckResult, ...]:
    client_id = str(ctx.inputs(TOKEN)["client_id"])
    sub = access.inspection.claims.get("sub") if access.inspection else None
    return (
        CheckResult("no refresh_token", "fail" if answer.refresh_token else "pass",
                    "a refresh token came back" if answer.refresh_token else "none issued",
                    "RFC 6749 §4.4.3"),
        CheckResult("no id_token", "fail" if answer.id_token else "pass",
                    "an id_token came back, yet no user signed in" if answer.id_token
                    else "none issued: no user signed in", "OIDC Core §3.1.3.3"),
        CheckResult("sub is the client", "pass" if sub == client_id else "skip",
                    f"sub is {sub!r}" + ("" if sub == client_id else
                                         f", not the client {client_id!r} (allowed)"),
                    "RFC 9068 §2.2"),
        *hardening.binding_checks(ctx, access.inspection.claims if access.inspection else {}),
    )


@dataclass(frozen=True, slots=True)
class Skipped:
    """A step with nothing to do here, and why."""

    reason: str


async def run_introspect(ctx: steps.StepContext) -> revocation.Introspection | Skipped:
    """Skipped when the provider lists no introspection_endpoint: it is optional (RFC 8414
    §2), and a resource server then validates the JWT itself, as the previous step did."""
    if ctx.outcome(DISCOVERY).introspection_endpoint is None:
        return Skipped("the provider lists no introspection_endpoint (optional, RFC 8414 §2); "
                       "a resource server validates the JWT itself, as the previous step did")
    answer = ctx.outcome(TOKEN).response
    return await steps.run_introspect(ctx, answer.access_token, "access_token")


def _introspection_lines(found: revocation.Introspection | Skipped) -> list[str]:
    if isinstance(found, Skipped):
        return [f"  skipped: {found.reason}"]
    return render.introspection_lines(found)


STEPS: tuple[StepSpec[Any], ...] = (
    StepSpec(
        DISCOVERY, "Discovery",
        "Fetch the provider's metadata: where the token endpoint is, which keys sign its "
        "tokens, whether it lists client_credentials among its grant types.",
        "RFC 8414 §3", steps.run_discovery, lambda c: {"issuer": c.issuer},
        render.discovery_lines,
    ),
    StepSpec(
        TOKEN, "Token request (client credentials)",
        "The client asks for a token for itself, authenticating with its own credentials; no "
        "user, no browser, no code. Only a confidential client may do this.",
        "RFC 6749 §4.4.2, §4.4.3", run_token, _token_inputs, render.token_lines,
        requires=(DISCOVERY,), preview=build_request,
    ),
    StepSpec(
        TOKENS, "Verify the access token",
        "Check the JWT access token's signature against the JWKS, its issuer, expiry and type; "
        "no refresh token and no id_token should have come back.",
        "RFC 9068 §4, RFC 6749 §4.4.3", run_verify,
        lambda _c: {"leeway": 60.0, "algorithms": jwt.DEFAULT_ALGORITHMS},
        render.tokens_lines, requires=(DISCOVERY, TOKEN),
    ),
    StepSpec(
        INTROSPECT, "Introspect",
        "Ask the introspection endpoint what a resource server would be told about the token: "
        "active, whose it is, which scopes.",
        "RFC 7662 §2", run_introspect, render=_introspection_lines,
        requires=(DISCOVERY, TOKEN),
    ),
)

CLIENT_CREDENTIALS = FlowSpec(
    "client_credentials", "Client Credentials", "RFC 6749 §4.4", STEPS, tokens_step=TOKEN,
    grant_type="client_credentials",
)
