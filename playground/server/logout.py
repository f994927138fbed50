"""The end-session endpoint: OpenID Connect RP-Initiated Logout 1.0 §2-§5, at /oauth2/logout.

§2: the RP sends the user agent here, by GET (query) or POST (form), with `id_token_hint`
(RECOMMENDED), `client_id`, `post_logout_redirect_uri` and `state`; `logout_hint` and
`ui_locales` are ignored here. "When an id_token_hint parameter is present, the OP MUST validate
that it was the issuer of the ID Token" and SHOULD accept it "even when the exp time has
passed"; "When both client_id and id_token_hint are present, the OP MUST verify that the Client
Identifier matches the one used when issuing the ID Token". The OP "MUST ask the End-User" before
signing out "if an id_token_hint was not provided or if the supplied ID Token does not belong to
the current OP session": a confirmation form whose CSRF token is the login session's (§5: a
logout request without a valid hint is a denial-of-service vector, so a link alone must not
sign anyone out).

§3: post-logout redirection only to a URI registered for the client (`postLogoutRedirect`), by
exact match, with `state` echoed. §4: a request that fails validation is an error page, never a
redirect, and nothing is done. Otherwise the login session (the `pg_session` cookie) is dropped
server-side and its cookie cleared, then the redirect, or the "You are signed out" page. Refresh
tokens are kept: offline access outlives the login session (OIDC Core §11); the trace says so.
"""

from __future__ import annotations

import hmac
import math
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from playground.core.errors import InvalidRequest, InvalidToken
from playground.server import logout_pages
from playground.server.clients import Client
from playground.server.context import ServerContext
from playground.server.http import Params, add_query, read_body, redirect
from playground.server.sessions import LoginSession
from playground.server.trace import TraceBuilder

SPEC = logout_pages.SPEC
PATH = "/oauth2/logout"
IGNORED = ("logout_hint", "ui_locales")
DECISIONS = ("logout", "stay")


class LogoutError(InvalidRequest):
    """A sign-out request that fails validation: shown as a page, never redirected (§4)."""


@dataclass(frozen=True, slots=True)
class LogoutRequest:
    """A validated sign-out request: the client it names, the verified hint's claims."""

    client: Client | None
    hint: dict[str, Any] | None
    hint_token: str | None
    redirect_uri: str | None
    state: str | None

    def fields(self) -> list[tuple[str, str]]:
        """The parameters, as the confirmation form carries them back."""
        rows = (("id_token_hint", self.hint_token),
                ("client_id", self.client.id if self.client else None),
                ("post_logout_redirect_uri", self.redirect_uri), ("state", self.state))
        return [(name, value) for name, value in rows if value]


async def end_session(request: Request, ctx: ServerContext, trace: TraceBuilder) -> Response:
    """GET or POST /oauth2/logout (§2); a POST with `csrf` is the confirmation's answer."""
    params = await _params(request, ctx)
    logout = validate(params, ctx, trace)
    sid = request.cookies.get(ctx.sessions.name, "")
    if request.method == "POST" and "csrf" in params:
        return _answered(request, ctx, trace, logout, params, sid)
    session = ctx.sessions.get(sid)
    if session is None:
        return _nothing_to_end(request, ctx, trace, logout)
    if _hint_is_this_session(logout, session, trace):
        return _end(request, ctx, trace, logout, sid, session)
    trace.outcome = f"asked {session.sub} to confirm the sign-out"
    fields = [("csrf", session.csrf), *logout.fields()]
    return logout_pages.confirm(request, ctx.base_path + PATH, fields, session.sub,
                                logout.client, _name(ctx, session.sub))


async def _params(request: Request, ctx: ServerContext) -> Params:
    """§2: query parameters for GET, a form body for POST."""
    if request.method == "POST":
        return Params.from_form(await read_body(request, ctx.config.max_body))
    return Params.from_query(request.scope["query_string"])


def validate(params: Params, ctx: ServerContext, trace: TraceBuilder) -> LogoutRequest:
    """§2-§3, each check in order; the first failure raises `LogoutError` (§4: a page)."""
    trace.check("request parsed", True, params.describe(), f"{SPEC} §2")
    trace.require("no parameter is repeated", not params.duplicates, LogoutError(
        f"parameter(s) {', '.join(params.duplicates)} repeated; each parameter may appear once",
        rfc=f"{SPEC} §2, RFC 6749 §3.1"))
    token = params.get("id_token_hint")
    hint = _hint(token, ctx, trace) if token else None
    client = _client(params.get("client_id"), hint, ctx, trace)
    redirect_uri = _redirect_uri(params.get("post_logout_redirect_uri"), client, trace)
    for name in IGNORED:
        if name in params:
            trace.check(f"{name} ignored", True, "not used by this server", f"{SPEC} §2")
    return LogoutRequest(client, hint, token, redirect_uri, params.get("state"))


def _hint(token: str, ctx: ServerContext, trace: TraceBuilder) -> dict[str, Any]:
    """§2: the hint must be an ID Token this server issued (signature, issuer); expired is
    fine."""
    claims, problem = _verified(token, ctx)
    trace.require("id_token_hint is an ID Token this server issued (signature, issuer)",
                  claims is not None, LogoutError(
                      f"the id_token_hint is not an ID Token issued by this server: {problem}",
                      rfc=f"{SPEC} §2"))
    assert claims is not None
    expired = _expired(claims, ctx.clock.now())
    trace.check("an expired id_token_hint is still a hint", True,
                "expired, accepted: the OP SHOULD accept it even when the exp time has passed"
                if expired else "not expired", f"{SPEC} §2")
    return claims


def _verified(token: str, ctx: ServerContext) -> tuple[dict[str, Any] | None, str]:
    try:
        return ctx.tokens.verify_id_token(token, allow_expired=True), ""
    except InvalidToken as exc:
        return None, exc.description


def _expired(claims: dict[str, Any], now: float) -> bool:
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or isinstance(exp, bool) or not math.isfinite(exp):
        return True  # no usable exp: treat as expired (it is only a hint)
    return now >= exp


def audiences(hint: dict[str, Any]) -> list[str]:
    """OIDC Core §2: `aud` is one string or a list of them."""
    aud = hint.get("aud")
    values = aud if isinstance(aud, list) else [aud]
    return [a for a in values if isinstance(a, str)]


def _client(client_id: str | None, hint: dict[str, Any] | None, ctx: ServerContext,
            trace: TraceBuilder) -> Client | None:
    """§2: the named client must be registered and, with a hint, be the hint's audience."""
    if client_id is None:
        return _hint_client(hint, ctx, trace)
    trace.client_id = client_id
    client = ctx.clients.get(client_id)
    trace.require("client_id is registered", client is not None, LogoutError(
        f"client_id {client_id!r} is not registered", rfc="RFC 6749 §2.2"), detail=client_id)
    if hint is not None:
        auds = audiences(hint)
        trace.require("client_id is the id_token_hint's audience", client_id in auds, LogoutError(
            f"client_id {client_id!r} is not the audience of the id_token_hint "
            f"({', '.join(auds) or 'none'}): the ID Token was issued to another client",
            rfc=f"{SPEC} §2"), detail=client_id)
    return client


def _hint_client(hint: dict[str, Any] | None, ctx: ServerContext,
                 trace: TraceBuilder) -> Client | None:
    """Without client_id, the client is the one the hint was issued to (`azp`, or its one
    `aud`)."""
    if hint is None:
        trace.check("client named", True, "neither client_id nor id_token_hint: no client",
                    f"{SPEC} §2")
        return None
    auds = audiences(hint)
    azp = hint.get("azp")
    named = azp if isinstance(azp, str) else auds[0] if len(auds) == 1 else None
    client = ctx.clients.get(named) if named else None
    trace.client_id = named
    trace.check("client named by the id_token_hint", True,
                f"{named}" if client else f"{named!r}, not a registered client", f"{SPEC} §2")
    return client


def _redirect_uri(uri: str | None, client: Client | None, trace: TraceBuilder) -> str | None:
    """§3: only to a URI registered for the client, by exact match; never anywhere else."""
    if uri is None:
        trace.check("post_logout_redirect_uri", True,
                    "none given: the server shows its signed-out page", f"{SPEC} §3")
        return None
    trace.require("post_logout_redirect_uri names its client (client_id or id_token_hint)",
                  client is not None, LogoutError(
                      "post_logout_redirect_uri needs a client_id or an id_token_hint: without "
                      "one the server cannot tell whose registered URIs to match, so it does "
                      "not redirect", rfc=f"{SPEC} §3"), detail=uri)
    assert client is not None
    registered = client.postLogoutRedirect
    trace.require("post_logout_redirect_uri is registered for the client (exact match)",
                  uri in registered, LogoutError(
                      f"post_logout_redirect_uri {uri!r} is not registered for {client.id} "
                      f"(registered: {', '.join(registered) or 'none'}); the server never "
                      "redirects to an unregistered URI", rfc=f"{SPEC} §3"), detail=uri)
    return uri


def _hint_is_this_session(logout: LogoutRequest, session: LoginSession,
                          trace: TraceBuilder) -> bool:
    """§2: ask "if an id_token_hint was not provided or if the supplied ID Token does not
    belong to the current OP session"; one of this sign-in (same sub and auth_time) need not."""
    hint = logout.hint
    ours = hint is not None and hint.get("sub") == session.sub \
        and hint.get("auth_time") == session.auth_time
    reason = ("the hint is of this sign-in (same sub and auth_time)" if ours else
              "no id_token_hint: the user must confirm, so a link alone signs nobody out"
              if hint is None else "the hint is of another sign-in: the user must confirm")
    trace.check("sign out without asking: the id_token_hint is of this login session", ours,
                reason, f"{SPEC} §2, §5")
    return ours


def _answered(request: Request, ctx: ServerContext, trace: TraceBuilder, logout: LogoutRequest,
              params: Params, sid: str) -> Response:
    """The confirmation form's answer; its CSRF token must be the login session's (§5)."""
    session = ctx.sessions.get(sid)
    if session is None:
        return _nothing_to_end(request, ctx, trace, logout)
    token = params.get("csrf") or ""
    trace.require("the confirmation's CSRF token is this login session's",
                  hmac.compare_digest(token.encode(), session.csrf.encode()), LogoutError(
                      "the sign-out confirmation's CSRF token is missing or wrong: the form did "
                      "not come from this server's page", rfc=f"{SPEC} §5, RFC 6749 §10.12"))
    decision = params.get("decision")
    trace.require("decision is logout or stay", decision in DECISIONS, LogoutError(
        f"decision must be 'logout' or 'stay', not {decision!r}", rfc=f"{SPEC} §2"))
    if decision == "stay":
        trace.outcome = f"{session.sub} chose to stay signed in; the session is kept"
        return logout_pages.still_signed_in(request)
    trace.check("the user confirmed the sign-out", True, session.sub, f"{SPEC} §2")
    return _end(request, ctx, trace, logout, sid, session)


def _end(request: Request, ctx: ServerContext, trace: TraceBuilder, logout: LogoutRequest,
         sid: str, session: LoginSession) -> Response:
    ctx.sessions.end(sid)
    trace.check("login session ended", True,
                f"{session.sub}'s session dropped; its pg_session cookie cleared", f"{SPEC} §2")
    trace.check("refresh tokens kept", True, "offline access outlives the login session; "
                "revoke them at the revocation endpoint", "OIDC Core §11, RFC 7009 §2")
    return _leave(request, ctx, trace, logout, session, _name(ctx, session.sub))


def _name(ctx: ServerContext, sub: str) -> str:
    user = ctx.users.get(sub)
    return user.name if user else sub


def _nothing_to_end(request: Request, ctx: ServerContext, trace: TraceBuilder,
                    logout: LogoutRequest) -> Response:
    trace.check("login session of this user agent", True, "none (no pg_session cookie, or it "
                "expired or was ended): nothing to end", f"{SPEC} §2")
    return _leave(request, ctx, trace, logout, None)


def _leave(request: Request, ctx: ServerContext, trace: TraceBuilder, logout: LogoutRequest,
           ended: LoginSession | None, name: str | None = None) -> Response:
    """§3: back to the registered post_logout_redirect_uri with `state`, or the signed-out
    page; the session cookie is cleared either way."""
    what = f"{ended.sub} signed out" if ended else "no login session to end"
    if logout.redirect_uri is None:
        trace.outcome = f"{what}; the signed-out page shown"
        response = logout_pages.signed_out(request, ended.sub if ended else None, name)
    else:
        trace.check("state echoed on the redirect", True,
                    "state sent back" if logout.state else "no state was sent", f"{SPEC} §3")
        trace.outcome = f"{what}; redirected to {logout.redirect_uri}"
        location = logout.redirect_uri
        if logout.state is not None:
            location = add_query(location, {"state": logout.state})
        response = redirect(location, 303)
    response.headers.append("Set-Cookie", ctx.sessions.clear_cookie())
    return response
