"""Token Exchange (RFC 8693), as a `FlowSpec`: a gateway trading a token for one aimed elsewhere.

discovery → subject → token → tokens. The subject token is pasted (e.g. a user's access token
from the code flow; the window carries the last one over) or, when left empty, the client's own
token from a client-credentials request. The exchange (§2.1) names the subject's type, an
optional actor token (delegation: the new token says who acts, in `act`, §4.1), the audience or
resource (RFC 8707) and a narrower scope; the answer names the `issued_token_type` (§2.2.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playground.core.checks import CheckResult
from playground.core.flow import steps
from playground.core.flow.flowspec import FlowSpec, StepKey, StepSpec
from playground.core.flow.stepinfo import ClientConfig
from playground.core.flowerrors import FlowError
from playground.core.flows.auth_code import DISCOVERY, TOKEN, TOKENS
from playground.core.jose import jwt
from playground.core.protocol import token
from playground.core.protocol.wire import HttpRequest
from playground.core.record import render

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:token-exchange"
TYPE = "urn:ietf:params:oauth:token-type:"
ACCESS_TOKEN = f"{TYPE}access_token"


@dataclass(frozen=True, slots=True)
class SubjectToken:
    """The token to exchange, where it came from, and what it says (decoded, not verified:
    the authorization server decides whether it accepts it)."""

    token: str
    token_type: str
    source: str
    claims: dict[str, Any]


SUBJECT = StepKey("subject", SubjectToken)


def _subject_inputs(_config: ClientConfig) -> dict[str, Any]:
    return {"subject_token": None, "subject_token_type": ACCESS_TOKEN}


def _exchange_inputs(config: ClientConfig) -> dict[str, Any]:
    method = config.auth_method if config.auth_method != "none" else "client_secret_basic"
    return {"client_id": config.client_id, "client_secret": config.client_secret,
            "auth_method": method, "body_format": "form", "audience": "https://api.example",
            "resource": None, "scope": None, "requested_token_type": ACCESS_TOKEN,
            "actor_token": None, "actor_token_type": ACCESS_TOKEN, "fields": None}


async def run_subject(ctx: steps.StepContext) -> SubjectToken:
    inputs = ctx.inputs(SUBJECT)
    given = str(inputs.get("subject_token") or "").strip()
    kind = str(inputs.get("subject_token_type") or ACCESS_TOKEN)
    if given:
        return SubjectToken(given, kind, "pasted", _claims(given))
    answer = await _own_token(ctx)
    return SubjectToken(answer.access_token, ACCESS_TOKEN, "the client's own token "
                        "(client_credentials, RFC 6749 §4.4)", _claims(answer.access_token))


async def _own_token(ctx: steps.StepContext) -> token.TokenResponse:
    request = steps.token_request(ctx, token.client_credentials_fields())
    return (await steps.send_token_request(ctx, request)).response


def _claims(value: str) -> dict[str, Any]:
    try:
        return dict(jwt.inspect(value).claims)
    except jwt.TokenFormatError:
        return {}  # an opaque token: only its issuer can read it


def exchange_fields(ctx: steps.StepContext) -> token.Fields:
    """RFC 8693 §2.1, in its order; empty inputs are left out."""
    inputs, subject = ctx.inputs(TOKEN), ctx.outcome(SUBJECT)
    if subject is None:
        raise FlowError("run the subject step first: it is the token to exchange")
    actor = str(inputs.get("actor_token") or "").strip()
    rows = [("grant_type", GRANT_TYPE), ("subject_token", subject.token),
            ("subject_token_type", subject.token_type),
            *[(name, str(inputs[name])) for name in ("requested_token_type", "audience",
                                                    "resource", "scope") if inputs.get(name)],
            *([("actor_token", actor), ("actor_token_type", str(inputs["actor_token_type"]))]
              if actor else [])]
    return rows


def build_request(ctx: steps.StepContext) -> HttpRequest:
    fields = ctx.inputs(TOKEN).get("fields")
    return steps.token_request(ctx, fields if fields is not None else exchange_fields(ctx))


async def run_exchange(ctx: steps.StepContext) -> steps.TokenOutcome:
    return await steps.send_token_request(ctx, build_request(ctx))


async def run_verify(ctx: steps.StepContext) -> steps.TokensOutcome:
    """The issued token as a JWT access token (RFC 9068 §4), and what RFC 8693 promises."""
    meta = ctx.outcome(DISCOVERY)
    answer = ctx.outcome(TOKEN).response
    jwks = await steps.jwks_of(ctx, meta)
    audience = str(ctx.inputs(TOKEN).get("audience") or "") or None
    access = jwt.verify(answer.access_token, jwks, kind="access_token", now=ctx.now(),
                        expect=steps.access_expectations(ctx, meta.issuer, audience=audience))
    return steps.verified(
        steps.TokensOutcome(jwks, _checks(ctx, answer, access), None, access, None))


def _checks(ctx: steps.StepContext, answer: token.TokenResponse,
            access: jwt.Verification) -> tuple[CheckResult, ...]:
    issued = answer.raw.get("issued_token_type")
    claims = access.inspection.claims if access.inspection else {}
    subject = ctx.outcome(SUBJECT)
    actor = str(ctx.inputs(TOKEN).get("actor_token") or "").strip()
    return (
        CheckResult("issued_token_type", "pass" if issued else "fail",
                    f"{issued}" if issued else "the answer does not say what it issued",
                    "RFC 8693 §2.2.1"),
        _same_subject(subject, claims),
        _act_check(actor, claims),
    )


def _same_subject(subject: SubjectToken | None, claims: dict[str, Any]) -> CheckResult:
    before = subject.claims.get("sub") if subject else None
    if before is None:
        return CheckResult("sub carried over", "skip", "the subject token is opaque",
                           "RFC 8693 §1.1")
    same = before == claims.get("sub")
    return CheckResult("sub carried over", "pass" if same else "fail",
                       f"sub is {claims.get('sub')!r}" + ("" if same else f", not {before!r}"),
                       "RFC 8693 §1.1")


def _act_check(actor: str, claims: dict[str, Any]) -> CheckResult:
    act = claims.get("act")
    if not actor:
        detail = "no actor: impersonation" + (f" (act carried over: {act})" if act else "")
        return CheckResult("act", "pass", detail, "RFC 8693 §1.1")
    sub = act.get("sub") if isinstance(act, dict) else None
    return CheckResult("act", "pass" if sub else "fail",
                       f"delegation: act.sub is {sub!r}" if sub else
                       "an actor token was sent but the new token has no act claim",
                       "RFC 8693 §4.1")


STEPS: tuple[StepSpec[Any], ...] = (
    StepSpec(
        DISCOVERY, "Discovery",
        "Fetch the provider's metadata: where the token endpoint is, which keys sign its "
        "tokens, whether token exchange is among its grant types.",
        "RFC 8414 §3", steps.run_discovery, lambda c: {"issuer": c.issuer},
        render.discovery_lines,
    ),
    StepSpec(
        SUBJECT, "Subject token",
        "The token to trade: paste one (a user's access token, an id_token, a refresh token) "
        "and say its type, or leave it empty to use this client's own token.",
        "RFC 8693 §2.1, §3", run_subject, _subject_inputs, render.subject_lines,
        requires=(DISCOVERY,),
    ),
    StepSpec(
        TOKEN, "Token exchange request",
        "Ask for a new token for another audience, at most the subject's scopes; with an actor "
        "token the new token records who acts for the subject (delegation).",
        "RFC 8693 §2.1, §2.2", run_exchange, _exchange_inputs, render.token_lines,
        requires=(DISCOVERY, SUBJECT), preview=build_request,
    ),
    StepSpec(
        TOKENS, "Verify the issued token",
        "Check the new access token's signature and claims: its audience, the subject carried "
        "over, the act claim of a delegation, and that the answer names the issued type.",
        "RFC 9068 §4, RFC 8693 §2.2.1, §4.1", run_verify,
        lambda _c: {"leeway": 60.0, "algorithms": jwt.DEFAULT_ALGORITHMS},
        render.tokens_lines, requires=(DISCOVERY, TOKEN),
    ),
)

TOKEN_EXCHANGE = FlowSpec(
    "token_exchange", "Token Exchange", "RFC 8693", STEPS, tokens_step=TOKEN,
    grant_type=GRANT_TYPE,
)
