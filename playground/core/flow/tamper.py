"""Tamper actions: break one step of a running flow on purpose and show the RFC's answer.

Each action works on a `FlowSession` through its public API, sends the tampered request with
the session's recording client (so it lands in the log, joined with the server's decision
trace), and returns a `TamperResult`: what came back, what was expected, and an explanation
naming the rule — RFC 6749 §4.1.2 (single-use codes), §4.1.3 (code bound to client and
redirect_uri), §6 (refresh scope), §10.12 (state), RFC 7636 §4.3-§4.6 (PKCE), RFC 9700 §2.1.1
and §4.14.2 (PKCE required, refresh rotation). No Qt; the lab and the desktop app both use it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from playground.core.flow import steps
from playground.core.flow.session import FlowSession, StepState
from playground.core.flow.useragent import InAppAgent, approve
from playground.core.flowerrors import FlowError
from playground.core.protocol import authorize, callback, pkce, token
from playground.core.protocol.wire import HttpRequest, json_object, send
from playground.core.record.exchange import Exchange

ATTACKER_REDIRECT = "https://attacker.example/callback"


@dataclass(frozen=True, slots=True)
class TamperOptions:
    """What a tamper may need beyond the session: the server's clock and another client."""

    advance_clock: Callable[[float], None] | None = None
    code_ttl: float = 60.0
    other_client_id: str = "playground-spa"


@dataclass(frozen=True, slots=True)
class Answer:
    """What came back: a wire error code (or a client check's name), HTTP status, text."""

    error: str | None
    status: int | None
    description: str
    rfc: str = ""


@dataclass(frozen=True, slots=True)
class TamperResult:
    name: str
    title: str
    rule: str
    expected: str
    answer: Answer
    explanation: str
    exchanges: tuple[Exchange, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """The expected error came back."""
        return self.answer.error == self.expected


Action = Callable[[FlowSession, TamperOptions], Awaitable[Answer]]


@dataclass(frozen=True, slots=True)
class Tamper:
    name: str
    title: str
    rule: str
    expected: str
    why: str
    action: Action


# -- helpers -------------------------------------------------------------------------------
def _require(session: FlowSession, *keys: str) -> None:
    missing = [k for k in keys if session.step(k).state is not StepState.DONE]
    if missing:
        raise FlowError(f"run {', '.join(missing)} first: this tamper needs it")


def _require_unused_code(session: FlowSession) -> None:
    _require(session, "discovery", "pkce", "authorize_url", "callback")
    if session.step("token").state is StepState.DONE:
        raise FlowError("this session's code is already redeemed: reset and run up to the "
                        "callback step, then tamper with the token request")


def _token_fields(session: FlowSession) -> dict[str, str]:
    return dict(steps.build_token_request(session).fields)


def _token_request(session: FlowSession, fields: dict[str, str],
                   client: token.ClientAuth | None = None) -> HttpRequest:
    meta = session.outcome("discovery")
    body: token.BodyFormat = "json" if session.inputs("token").get("body_format") == "json" \
        else "form"
    auth = client or steps.client_auth(session)
    rows = [(k, v) for k, v in fields.items() if k not in ("client_id", "client_secret")]
    return token.build_token_request(meta.token_endpoint, rows, auth, body)


async def _send(session: FlowSession, name: str, request: HttpRequest) -> Answer:
    response = await session.action(f"tamper:{name}", lambda: send(session.http, request))
    return _answer_of(response, session)


def _answer_of(response: httpx.Response, session: FlowSession) -> Answer:
    rfc = _trace_rfc(session)
    if response.status_code == 200:
        return Answer(None, 200, "accepted: the server issued tokens", rfc)
    try:
        data = json_object(response.content, response.headers.get("content-type"), what="answer")
    except FlowError as exc:
        return Answer(f"http_{response.status_code}", response.status_code, str(exc), rfc)
    return Answer(str(data.get("error") or f"http_{response.status_code}"), response.status_code,
                  str(data.get("error_description") or ""), rfc)


def _trace_rfc(session: FlowSession) -> str:
    """The rule of the check that decided the last request, from the server's trace."""
    last = session.log[-1] if len(session.log) else None
    failed = last.trace.failed_check if last is not None and last.trace else None
    return failed.rfc if failed is not None else ""


async def try_authorize(session: FlowSession, name: str,
                        params: list[authorize.Param]) -> Answer:
    """Visit a tampered authorize URL with an auto-approving agent; read the redirect."""
    _require(session, "discovery", "pkce")
    endpoint = session.outcome("discovery").authorization_endpoint
    url = authorize.build_url(endpoint, params)
    redirect_uri = authorize.param_value(params, "redirect_uri") or str(
        session.inputs("authorize_url").get("redirect_uri"))
    agent = InAppAgent(approve())
    first = len(session.log)
    landed = await session.action(f"tamper:{name}",
                                  lambda: agent.visit(session.http, url, redirect_uri))
    start = session.log[first] if len(session.log) > first else None
    failed = start.trace.failed_check if start is not None and start.trace else None
    reply = callback.parse_redirect(landed)
    status = start.status if start is not None else None
    if reply.error is None:
        return Answer(None, status, "accepted: a code was issued", "")
    return Answer(reply.error, status, reply.error_description or "",
                  failed.rfc if failed else "")


def _base_params(session: FlowSession) -> list[authorize.Param]:
    sent = session.outcome("authorize_url")
    if sent is not None:
        return list(sent.params)
    inputs = dict(session.inputs("authorize_url"))
    return steps.default_authorize_params(inputs, session.outcome("pkce"))


# -- the actions -----------------------------------------------------------------------------
async def replay_code(session: FlowSession, _: TamperOptions) -> Answer:
    _require(session, "token")
    return await _send(session, "replay-code", session.outcome("token").request)


async def wrong_verifier(session: FlowSession, _: TamperOptions) -> Answer:
    _require_unused_code(session)
    fields = _token_fields(session)
    fields["code_verifier"] = pkce.generate_verifier()
    return await _send(session, "wrong-verifier", _token_request(session, fields))


async def no_verifier(session: FlowSession, _: TamperOptions) -> Answer:
    _require_unused_code(session)
    fields = _token_fields(session)
    fields.pop("code_verifier", None)
    return await _send(session, "no-verifier", _token_request(session, fields))


async def downgrade_plain(session: FlowSession, _: TamperOptions) -> Answer:
    _require(session, "discovery", "pkce")
    verifier = session.outcome("pkce").verifier
    params = authorize.set_param(_base_params(session), "code_challenge", verifier)
    params = authorize.set_param(params, "code_challenge_method", "plain")
    return await try_authorize(session, "downgrade-plain", params)


async def drop_pkce(session: FlowSession, _: TamperOptions) -> Answer:
    _require(session, "discovery", "pkce")
    params = [p for p in _base_params(session)
              if p.name not in ("code_challenge", "code_challenge_method")]
    return await try_authorize(session, "drop-pkce", params)


async def swap_redirect_uri(session: FlowSession, _: TamperOptions) -> Answer:
    _require_unused_code(session)
    fields = _token_fields(session)
    fields["redirect_uri"] = ATTACKER_REDIRECT
    return await _send(session, "redirect-uri-swap", _token_request(session, fields))


async def other_client(session: FlowSession, options: TamperOptions) -> Answer:
    _require_unused_code(session)
    fields = _token_fields(session)
    own = str(session.inputs("token")["client_id"])
    thief = options.other_client_id if options.other_client_id != own else own + "-other"
    request = _token_request(session, fields, token.ClientAuth(thief))
    return await _send(session, "other-client", request)


async def tampered_state(session: FlowSession, _: TamperOptions) -> Answer:
    _require(session, "discovery", "authorize_url", "user_agent")
    url = session.outcome("user_agent").redirect_url
    parts = urlsplit(url)
    pairs = [(k, "forged-" + v if k == "state" else v) for k, v in parse_qsl(parts.query)]
    forged = urlunsplit(parts._replace(query=urlencode(pairs)))
    reply = callback.parse_redirect(forged)
    sent = session.outcome("authorize_url")
    check = callback.check_state(reply, sent.state)
    if check.failed:
        return Answer("state_mismatch", None, check.reason, check.rfc)
    return Answer(None, None, f"accepted: {check.reason}", check.rfc)


async def wider_scope_refresh(session: FlowSession, _: TamperOptions) -> Answer:
    refresh_token = _refresh_token(session)
    granted = session.outcome("token").response.scope or ""
    fields = dict(token.refresh_grant_fields(refresh_token, f"{granted} admin".strip()))
    return await _send(session, "wider-scope-refresh", _token_request(session, fields))


async def reuse_rotated_refresh(session: FlowSession, _: TamperOptions) -> Answer:
    old = _refresh_token(session)
    await session.refresh()
    fields = dict(token.refresh_grant_fields(old))
    return await _send(session, "reuse-rotated-refresh", _token_request(session, fields))


def _refresh_token(session: FlowSession) -> str:
    _require(session, "token")
    value = session.outcome("token").response.refresh_token
    if not value:
        raise FlowError("no refresh token: request the offline_access scope", rfc="RFC 6749 §6")
    return str(value)


async def expired_code(session: FlowSession, options: TamperOptions) -> Answer:
    _require_unused_code(session)
    if options.advance_clock is None:
        raise FlowError("this tamper needs the embedded server's clock")
    options.advance_clock(options.code_ttl + 1)
    request = steps.build_token_request(session)
    return await _send(session, "expired-code", request)


TAMPERS: tuple[Tamper, ...] = (
    Tamper("replay-code", "Replay a used code", "RFC 6749 §4.1.2", "invalid_grant",
           "a code is single-use; a second redemption is refused and the tokens issued from the "
           "first one are revoked", replay_code),
    Tamper("wrong-verifier", "Wrong code_verifier", "RFC 7636 §4.6", "invalid_grant",
           "the server hashes the verifier and compares it with the stored challenge; only the "
           "party that started the flow knows the verifier", wrong_verifier),
    Tamper("no-verifier", "No code_verifier", "RFC 7636 §4.5", "invalid_grant",
           "a code issued with a code_challenge can only be redeemed with its verifier",
           no_verifier),
    Tamper("downgrade-plain", "Downgrade PKCE to plain", "RFC 7636 §4.3", "invalid_request",
           "'plain' sends the verifier in the front channel; a strict server allows only S256 "
           "(RFC 9700 §2.1.1)", downgrade_plain),
    Tamper("drop-pkce", "Drop PKCE from the authorize request", "RFC 9700 §2.1.1",
           "invalid_request", "public clients MUST use PKCE; without it an intercepted code is "
           "redeemable by anyone (RFC 7636 §4.4.1)", drop_pkce),
    Tamper("redirect-uri-swap", "Change redirect_uri at the token step", "RFC 6749 §4.1.3",
           "invalid_grant", "the token request's redirect_uri must be identical to the "
           "authorization request's", swap_redirect_uri),
    Tamper("other-client", "Another client redeems the code", "RFC 6749 §4.1.3", "invalid_grant",
           "a code is bound to the client it was issued to", other_client),
    Tamper("tampered-state", "Tampered state on the callback", "RFC 6749 §10.12",
           "state_mismatch", "the client compares state with the value it stored before the "
           "redirect ('State mismatch' in the seed): a forged callback is refused (CSRF)",
           tampered_state),
    Tamper("wider-scope-refresh", "Wider scope on refresh", "RFC 6749 §6", "invalid_scope",
           "a refresh may narrow the grant, never widen it", wider_scope_refresh),
    Tamper("reuse-rotated-refresh", "Reuse a rotated refresh token", "RFC 9700 §4.14.2",
           "invalid_grant", "public clients' refresh tokens rotate; a reused one means theft, so "
           "the whole token family is revoked", reuse_rotated_refresh),
    Tamper("expired-code", "Expired code (server clock moved)", "RFC 6749 §4.1.2",
           "invalid_grant", "a code is short-lived; after its lifetime on the server's clock it "
           "is refused", expired_code),
)
TAMPERS_BY_NAME = {t.name: t for t in TAMPERS}


async def run_tamper(name: str, session: FlowSession,
                     options: TamperOptions | None = None) -> TamperResult:
    """Run one tamper; `FlowError` when the session is not at the point it needs."""
    tamper = TAMPERS_BY_NAME[name]
    first = len(session.log)
    answer = await tamper.action(session, options or TamperOptions())
    return TamperResult(tamper.name, tamper.title, tamper.rule, tamper.expected, answer,
                        explain(tamper, answer), tuple(session.log[first:]))


def explain(tamper: Tamper, answer: Answer) -> str:
    """One paragraph: what came back, and the rule that decided it."""
    if answer.error is None:
        got = f"Accepted ({answer.description})"
    else:
        status = f" (HTTP {answer.status})" if answer.status else ""
        got = f"Refused with {answer.error}{status}: {answer.description}"
    verdict = "as expected" if answer.error == tamper.expected else \
        f"expected {tamper.expected}"
    server_rule = f"; the server's failed check cites {answer.rfc}" \
        if answer.rfc and answer.rfc != tamper.rule else ""
    return f"{got} — {verdict}. Rule {tamper.rule}: {tamper.why}{server_rule}."
