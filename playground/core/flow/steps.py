"""What each step of the flow does: its runner and its outcome type (the I/O lives here).

Each runner reads its inputs and the outcomes of earlier steps from a `StepContext`, calls the
sans-I/O build/parse functions of discovery.py, authorize.py, callback.py, token.py, jwt.py and
userinfo.py, sends through the session's recording client, and returns an outcome dataclass
(or raises a `FlowError` saying why it failed). session.py owns the state machine around them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import httpx

from playground.core.checks import CheckResult
from playground.core.flow import hardening
from playground.core.flow.useragent import InAppAgent, PendingInteraction, UserAgent
from playground.core.flowerrors import FlowError, TokenVerificationError
from playground.core.jose import jwt, tokenverify
from playground.core.protocol import (
    authorize,
    callback,
    discovery,
    par,
    pkce,
    revocation,
    token,
    userinfo,
)
from playground.core.protocol.wire import HttpRequest, send

T = TypeVar("T")


class StepContext(Protocol):
    """What a runner may see: its own inputs, earlier outcomes, the client, the clock (and a
    wait on it: polling, RFC 8628 §3.5)."""

    user_agent: UserAgent

    @property
    def http(self) -> httpx.AsyncClient: ...
    def inputs(self, key: str) -> Mapping[str, Any]: ...
    def outcome(self, key: str) -> Any: ...
    def now(self) -> float: ...
    async def sleep(self, seconds: float) -> None: ...
    def keep(self, name: str, make: Callable[[], T]) -> T: ...


@dataclass(frozen=True, slots=True)
class AuthorizeRequest:
    url: str
    params: tuple[authorize.Param, ...]
    redirect_uri: str | None
    state: str | None
    nonce: str | None
    pushed: HttpRequest | None = None  # the PAR request (RFC 9126 §2.1) when pushed
    request_uri: str | None = None  # its answer's reference (§2.2)
    request_object: str | None = None  # the signed JAR (RFC 9101 §4) when wrapped


@dataclass(frozen=True, slots=True)
class UserAgentOutcome:
    mode: str
    redirect_url: str
    interactions: tuple[PendingInteraction, ...] = ()


@dataclass(frozen=True, slots=True)
class CallbackOutcome:
    response: callback.AuthorizationResponse
    checks: tuple[CheckResult, ...]


@dataclass(frozen=True, slots=True)
class TokenOutcome:
    request: HttpRequest
    response: token.TokenResponse

    @property
    def grant_type(self) -> str:
        return dict(self.request.fields).get("grant_type", "")


@dataclass(frozen=True, slots=True)
class TokensOutcome:
    jwks: dict[str, Any] | None
    checks: tuple[CheckResult, ...]
    id_token: jwt.Verification | None
    access_token: jwt.Verification
    refresh_token: str | None

    @property
    def ok(self) -> bool:
        verifications = [v for v in (self.id_token, self.access_token) if v is not None]
        return all(v.ok for v in verifications) and not any(c.failed for c in self.checks)


async def fetch(ctx: StepContext, request: HttpRequest) -> httpx.Response:
    return await send(ctx.http, request)


async def run_discovery(ctx: StepContext) -> discovery.ProviderMetadata:
    """RFC 8414 §3 / OIDC Discovery §4; or, with the endpoints given (a provider without
    discovery), the metadata they make, without a request."""
    inputs = ctx.inputs("discovery")
    issuer = discovery.normalize_issuer(str(inputs["issuer"]))
    if inputs.get("endpoints"):
        return discovery.manual_metadata(issuer, dict(inputs["endpoints"]))
    response = await fetch(ctx, discovery.build_discovery_request(issuer))
    return discovery.parse_metadata(
        issuer, response.status_code, response.headers.get("content-type"), response.content
    )


async def run_pkce(ctx: StepContext) -> pkce.Derivation:
    inputs = ctx.inputs("pkce")
    method = inputs.get("method") or "S256"
    if method not in pkce.METHODS:
        raise FlowError(
            f"code_challenge_method must be S256 or plain, not {method!r}", rfc="RFC 7636 §4.2"
        )
    verifier = inputs.get("verifier") or _generate(inputs.get("length") or 64)
    if not pkce.is_valid_verifier(verifier):
        raise FlowError(
            "the code_verifier must be 43-128 unreserved characters (A-Z a-z 0-9 - . _ ~)",
            rfc="RFC 7636 §4.1",
        )
    return pkce.derive(verifier, method)


def _generate(length: object) -> str:
    try:
        size = int(str(length))
    except ValueError:
        raise FlowError(f"the verifier length must be a number, not {length!r}") from None
    try:
        return pkce.generate_verifier(size)
    except ValueError as exc:
        raise FlowError(str(exc), rfc="RFC 7636 §4.1") from None


async def run_authorize_url(ctx: StepContext) -> AuthorizeRequest:
    inputs, meta = ctx.inputs("authorize_url"), ctx.outcome("discovery")
    derived: pkce.Derivation = ctx.outcome("pkce")
    params = inputs.get("params")
    if params is None:
        params = default_authorize_params(inputs, derived)
    params = _with_dpop_jkt(ctx, tuple(params))
    url = authorize.build_url(meta.authorization_endpoint, params)
    request = AuthorizeRequest(
        url=url,
        params=params,
        redirect_uri=authorize.param_value(params, "redirect_uri"),
        state=authorize.param_value(params, "state"),
        nonce=authorize.param_value(params, "nonce"),
    )
    if inputs.get("request_object") or inputs.get("par"):
        request = await _harden_authorize(ctx, request)
    return request


def _with_dpop_jkt(ctx: StepContext, params: tuple[authorize.Param, ...]
                   ) -> tuple[authorize.Param, ...]:
    """RFC 9449 §10: with DPoP on, `dpop_jkt` binds the code to the run's key (a pushed
    request is bound by the proof on the push instead, §10.1)."""
    if not hardening.dpop_on(ctx) or ctx.inputs("authorize_url").get("par") \
            or authorize.param_value(params, "dpop_jkt") is not None:
        return params
    return (*params, authorize.Param("dpop_jkt", hardening.dpop_state(ctx).key.thumbprint))


async def _harden_authorize(ctx: StepContext, request: AuthorizeRequest) -> AuthorizeRequest:
    """RFC 9101 §5.1 (`request`), then RFC 9126 §4 (push, visit with `request_uri`)."""
    inputs, meta = ctx.inputs("authorize_url"), ctx.outcome("discovery")
    client_id = authorize.param_value(request.params, "client_id") or str(inputs["client_id"])
    sent = [(p.name, p.value) for p in request.params if p.enabled]
    signed = None
    if inputs.get("request_object"):
        signed, sent = hardening.wrap_request_object(ctx, client_id, sent)
    if not inputs.get("par"):
        url = authorize.build_url(meta.authorization_endpoint,
                                  [authorize.Param(n, v) for n, v in sent])
        return dataclasses.replace(request, url=url, request_object=signed)
    pushed, answer = await hardening.push(ctx, sent, client_auth(ctx))
    url = authorize.build_url(meta.authorization_endpoint,
                              par.front_params(client_id, answer.request_uri))
    return dataclasses.replace(request, url=url, pushed=pushed, request_uri=answer.request_uri,
                               request_object=signed)


def default_authorize_params(
    inputs: Mapping[str, Any], derived: pkce.Derivation
) -> list[authorize.Param]:
    scope = str(inputs.get("scope") or "")
    nonce = inputs.get("nonce")
    if nonce is None and "openid" in scope.split():
        nonce = authorize.new_nonce()
    state = inputs.get("state")
    return authorize.default_params(
        client_id=str(inputs["client_id"]),
        redirect_uri=inputs.get("redirect_uri"),
        scope=scope,
        state=authorize.new_state() if state is None else state,
        code_challenge=derived.challenge,
        code_challenge_method=derived.method,
        nonce=nonce or None,
        response_type=str(inputs.get("response_type") or "code"),
        extra=list(inputs.get("extra") or ()),
    )


async def run_user_agent(ctx: StepContext) -> UserAgentOutcome:
    request: AuthorizeRequest = ctx.outcome("authorize_url")
    pasted = ctx.inputs("user_agent").get("redirect_url")
    if pasted:
        return UserAgentOutcome("manual", str(pasted).strip())
    redirect_uri = request.redirect_uri or str(ctx.inputs("authorize_url").get("redirect_uri"))
    agent = ctx.user_agent
    url = await agent.visit(ctx.http, request.url, redirect_uri)
    seen = tuple(agent.interactions) if isinstance(agent, InAppAgent) else ()
    return UserAgentOutcome(agent.mode, url, seen)


async def run_callback(ctx: StepContext) -> CallbackOutcome:
    inputs = ctx.inputs("callback")
    url = inputs.get("redirect_url") or ctx.outcome("user_agent").redirect_url
    response = callback.parse_redirect(str(url))
    meta: discovery.ProviderMetadata = ctx.outcome("discovery")
    sent: AuthorizeRequest = ctx.outcome("authorize_url")
    checks = callback.validate(
        response,
        expected_state=_pick(inputs, "expected_state", sent.state),
        expected_issuer=_pick(inputs, "expected_issuer", meta.issuer),
        iss_required=bool(_pick(inputs, "iss_required", meta.iss_in_response)),
    )
    outcome = CallbackOutcome(response, checks)
    _raise_with(outcome, lambda: callback.raise_for(response, checks))
    return outcome


def _pick(inputs: Mapping[str, Any], name: str, default: Any) -> Any:
    value = inputs.get(name)
    return default if value is None else value


def _raise_with(outcome: object, check: Callable[[], None]) -> None:
    """Run `check`; a failure carries the outcome so the step can still show it."""
    try:
        check()
    except FlowError as exc:
        exc.outcome = outcome
        raise


async def run_token(ctx: StepContext) -> TokenOutcome:
    return await send_token_request(ctx, build_token_request(ctx))


async def send_token_request(ctx: StepContext, request: HttpRequest) -> TokenOutcome:
    """Send a request to the token endpoint (RFC 6749 §3.2) and parse its answer (§5.1, or
    the §5.2 error as a `TokenEndpointError`): every grant's last move."""
    sent, response = await hardening.send_with_nonce(ctx, request)
    parsed = token.parse_token_response(
        response.status_code, response.headers.get("content-type"), response.content
    )
    return TokenOutcome(sent, parsed)


def verified(outcome: TokensOutcome) -> TokensOutcome:
    """`outcome` when every check passed; else a `TokenVerificationError` that carries it (the
    window shows the checks of a failed verification too)."""
    if not outcome.ok:
        exc = TokenVerificationError(failure_text(outcome), rfc=failure_rfc(outcome))
        exc.outcome = outcome
        raise exc
    return outcome


async def verify_without_nonce(ctx: StepContext, checks: tuple[CheckResult, ...],
                               no_nonce_reason: str) -> TokensOutcome:
    """The access token (RFC 9068 §4) and any id_token of a grant that had no authorization
    request to carry a nonce (a refresh, OIDC Core §12.2; the device grant, RFC 8628 §3.1),
    with the flow's own `checks`."""
    meta: discovery.ProviderMetadata = ctx.outcome("discovery")
    answer: token.TokenResponse = ctx.outcome("token").response
    jwks = await jwks_of(ctx, meta)
    client_id = str(ctx.inputs("token")["client_id"])
    access = jwt.verify(answer.access_token, jwks, kind="access_token", now=ctx.now(),
                        expect=access_expectations(ctx, meta.issuer))
    id_token = None
    if answer.id_token:
        expect = access_expectations(ctx, meta.issuer, audience=client_id, client_id=client_id,
                                     access_token=answer.access_token,
                                     no_nonce_reason=no_nonce_reason)
        id_token = jwt.verify(answer.id_token, jwks, kind="id_token", now=ctx.now(),
                              expect=expect)
    checks += hardening.binding_checks(ctx, _claims(access))
    return verified(TokensOutcome(jwks, checks, id_token, access, answer.refresh_token))


def access_expectations(ctx: StepContext, issuer: str, **more: Any) -> jwt.Expectations:
    """What a JWT access token from `issuer` must meet (RFC 9068 §4), with the tokens step's
    leeway and algorithms; `more` adds audience, nonce … for an id_token."""
    inputs = ctx.inputs("tokens")
    return jwt.Expectations(
        issuer=issuer, leeway=float(inputs.get("leeway") or 60.0),
        algorithms=tuple(inputs.get("algorithms") or jwt.DEFAULT_ALGORITHMS), **more)


def build_token_request(ctx: StepContext) -> HttpRequest:
    """The token request as the step will send it (the UI shows it before sending)."""
    inputs = ctx.inputs("token")
    body = inputs.get("body_format") or "form"
    fields = inputs.get("fields")
    if fields is None:
        fields = _code_fields(ctx, inputs, body)
    return token_request(ctx, fields)


def token_request(ctx: StepContext, fields: Sequence[tuple[str, str]]) -> HttpRequest:
    inputs, meta = ctx.inputs("token"), ctx.outcome("discovery")
    body: token.BodyFormat = "json" if inputs.get("body_format") == "json" else "form"
    request = token.build_token_request(meta.token_endpoint, fields, client_auth(ctx), body)
    return hardening.with_proof(ctx, request) if hardening.dpop_on(ctx) else request


def client_auth(ctx: StepContext) -> token.ClientAuth:
    """The client authentication the token step uses (RFC 6749 §2.3.1; a JWT method signs a
    fresh assertion, RFC 7523 §2.2)."""
    inputs = ctx.inputs("token")
    return hardening.with_assertion(ctx, token.ClientAuth(
        client_id=str(inputs["client_id"]),
        client_secret=inputs.get("client_secret"),
        method=inputs.get("auth_method") or "none",
    ))


async def run_revoke(ctx: StepContext, value: str, hint: revocation.TokenTypeHint | None) -> None:
    """RFC 7009 §2.1 at the metadata's revocation_endpoint."""
    endpoint = _endpoint(ctx, "revocation_endpoint", "RFC 7009 §2")
    request = revocation.build_revocation_request(endpoint, value, client_auth(ctx), hint)
    response = await fetch(ctx, request)
    revocation.parse_revocation_response(
        response.status_code, response.headers.get("content-type"), response.content
    )


async def run_introspect(
    ctx: StepContext, value: str, hint: revocation.TokenTypeHint | None
) -> revocation.Introspection:
    """RFC 7662 §2.1 at the metadata's introspection_endpoint."""
    endpoint = _endpoint(ctx, "introspection_endpoint", "RFC 7662 §2")
    request = revocation.build_introspection_request(endpoint, value, client_auth(ctx), hint)
    response = await fetch(ctx, request)
    return revocation.parse_introspection_response(
        response.status_code, response.headers.get("content-type"), response.content
    )


def _endpoint(ctx: StepContext, name: str, rule: str) -> str:
    meta: discovery.ProviderMetadata | None = ctx.outcome("discovery")
    if meta is None:
        raise FlowError("run discovery first")
    endpoint: str | None = getattr(meta, name)
    if endpoint is None:
        raise FlowError(f"the provider's metadata has no {name}", rfc=rule)
    return endpoint


def _code_fields(ctx: StepContext, inputs: Mapping[str, Any], body: str) -> token.Fields:
    sent: AuthorizeRequest = ctx.outcome("authorize_url")
    code = inputs.get("code") or ctx.outcome("callback").response.code
    send_scope = inputs.get("send_scope")
    scope = authorize.param_value(sent.params, "scope")
    return token.code_grant_fields(
        code=str(code),
        redirect_uri=_pick(inputs, "redirect_uri", sent.redirect_uri),
        code_verifier=_pick(inputs, "code_verifier", ctx.outcome("pkce").verifier),
        scope=scope if (body == "json" if send_scope is None else send_scope) else None,
    )


async def run_refresh(ctx: StepContext, scope: str | None = None) -> TokenOutcome:
    """RFC 6749 §6 with the token step's client authentication and body format."""
    previous: TokenOutcome | None = ctx.outcome("token")
    if previous is None or not previous.response.refresh_token:
        raise FlowError(
            "no refresh token to redeem: run the token step with offline_access", rfc="RFC 6749 §6"
        )
    fields = token.refresh_grant_fields(previous.response.refresh_token, scope)
    return await send_token_request(ctx, token_request(ctx, fields))


async def run_tokens(ctx: StepContext) -> TokensOutcome:
    meta: discovery.ProviderMetadata = ctx.outcome("discovery")
    answer: token.TokenResponse = ctx.outcome("token").response
    jwks = await jwks_of(ctx, meta)
    expect = _expectations(ctx, meta)
    at = jwt.verify(
        answer.access_token,
        jwks,
        kind="access_token",
        now=ctx.now(),
        expect=jwt.Expectations(
            issuer=meta.issuer, algorithms=expect.algorithms, leeway=expect.leeway
        ),
    )
    idt = None
    if answer.id_token:
        idt = jwt.verify(answer.id_token, jwks, kind="id_token", expect=expect, now=ctx.now())
    checks = _presence(ctx, answer) + hardening.binding_checks(ctx, _claims(at))
    return verified(TokensOutcome(jwks, checks, idt, at, answer.refresh_token))


def _claims(verification: jwt.Verification) -> dict[str, Any]:
    return verification.inspection.claims if verification.inspection is not None else {}


async def jwks_of(ctx: StepContext, meta: discovery.ProviderMetadata) -> dict[str, Any] | None:
    if meta.jwks_uri is None:
        return None
    return await fetch_jwks(ctx, meta.jwks_uri)


async def fetch_jwks(ctx: StepContext, url: str) -> dict[str, Any]:
    """GET a JWK Set (RFC 7517 §5) and check its shape."""
    response = await fetch(ctx, HttpRequest("GET", url, (("Accept", "application/json"),)))
    return discovery.parse_jwks(
        response.status_code, response.headers.get("content-type"), response.content
    )


def _expectations(ctx: StepContext, meta: discovery.ProviderMetadata) -> jwt.Expectations:
    inputs = ctx.inputs("tokens")
    client_id = str(ctx.inputs("token")["client_id"])
    return jwt.Expectations(
        issuer=meta.issuer,
        audience=client_id,
        client_id=client_id,
        nonce=_expected_nonce(ctx),
        no_nonce_reason=_no_nonce_reason(ctx),
        access_token=ctx.outcome("token").response.access_token,
        algorithms=tuple(inputs.get("algorithms") or jwt.DEFAULT_ALGORITHMS),
        leeway=float(_pick(inputs, "leeway", 60.0)),
    )


def _expected_nonce(ctx: StepContext) -> str | None:
    """OIDC Core §12.2: an ID token from a refresh SHOULD NOT carry the nonce; don't expect one."""
    if ctx.outcome("token").grant_type == "refresh_token":
        return None
    nonce: str | None = ctx.outcome("authorize_url").nonce
    return nonce


def _no_nonce_reason(ctx: StepContext) -> str:
    if ctx.outcome("token").grant_type == "refresh_token":
        return "an ID token from a refresh carries no nonce to compare (OIDC Core §12.2)"
    return tokenverify.NO_NONCE_SENT


def _presence(ctx: StepContext, answer: token.TokenResponse) -> tuple[CheckResult, ...]:
    """OIDC Core §3.1.3.3: with the openid scope the response MUST carry an id_token."""
    scope = authorize.param_value(ctx.outcome("authorize_url").params, "scope") or ""
    rule = "OIDC Core §3.1.3.3"
    if "openid" not in scope.split():
        return (CheckResult("id_token present", "skip", "openid was not requested", rule),)
    if answer.id_token:
        return (
            CheckResult("id_token present", "pass", "openid requested, id_token received", rule),
        )
    return (
        CheckResult("id_token present", "fail", "openid was requested but no id_token came", rule),
    )


def failure_text(outcome: TokensOutcome) -> str:
    for check in outcome.checks:
        if check.failed:
            return check.reason
    for verification in (outcome.id_token, outcome.access_token):
        if verification is not None and not verification.ok:
            return verification.summary()
    return "verification failed"


def failure_rfc(outcome: TokensOutcome) -> str:
    for verification in (outcome.id_token, outcome.access_token):
        if verification is not None and verification.failures:
            return verification.failures[0].rfc
    return "OIDC Core §3.1.3.7"


async def run_userinfo(ctx: StepContext) -> userinfo.UserInfo | None:
    meta: discovery.ProviderMetadata = ctx.outcome("discovery")
    answer: token.TokenResponse = ctx.outcome("token").response
    if meta.userinfo_endpoint is None:
        return None
    response = await _send_userinfo(ctx, meta.userinfo_endpoint, answer)
    return userinfo.parse_userinfo(
        response.status_code,
        response.headers.get("content-type"),
        response.content,
        www_authenticate=response.headers.get("www-authenticate"),
        id_token_sub=_id_token_sub(answer),
    )


async def _send_userinfo(ctx: StepContext, endpoint: str, answer: token.TokenResponse
                         ) -> httpx.Response:
    """Bearer (RFC 6750 §2.1), or for a DPoP-bound token `Authorization: DPoP` with a proof
    carrying `ath` (RFC 9449 §7.1), retried once on `use_dpop_nonce` (§9)."""
    bound = hardening.dpop_on(ctx) and answer.token_type.lower() == "dpop"
    request = userinfo.build_userinfo_request(endpoint, answer.access_token,
                                              "DPoP" if bound else "Bearer")
    if not bound:
        return await fetch(ctx, request)
    request = hardening.with_proof(ctx, request, answer.access_token)
    return (await hardening.send_with_nonce(ctx, request, answer.access_token))[1]


def _id_token_sub(answer: token.TokenResponse) -> str | None:
    if not answer.id_token:
        return None
    try:
        sub = jwt.inspect(answer.id_token).claims.get("sub")
    except jwt.TokenFormatError:
        return None
    return sub if isinstance(sub, str) else None


Runner = Callable[[StepContext], Awaitable[Any]]
