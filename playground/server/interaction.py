"""The user-facing side of the authorization endpoint: start, login, consent, redirect back.

RFC 6749 §4.1.1-§4.1.2: the server authenticates the resource owner and obtains their decision,
then redirects with `code` and `state` (and `iss`, RFC 9207 §2), or with `error=access_denied`
(§4.1.2.1). OIDC Core §3.1.2.3-§3.1.2.4: authentication, then consent; first-party clients skip
consent unless `prompt=consent`. The same pending interaction is readable as JSON so the desktop
app can show it natively and post the same form.
"""

from __future__ import annotations

import hmac
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from playground.core.errors import AccessDenied, OAuthError
from playground.server import device_verification, pages, request_object
from playground.server.authorize import (
    AuthorizationRequest,
    PageError,
    RedirectError,
    silent,
    validate,
)
from playground.server.context import ServerContext
from playground.server.http import (
    Params,
    add_query,
    error_fields,
    json_response,
    read_body,
    redirect,
    wants_json,
)
from playground.server.security import PAGE_HEADERS
from playground.server.sessions import COOKIE, Interaction
from playground.server.store import Grant
from playground.server.trace import TraceBuilder
from playground.server.users import SCOPE_DESCRIPTIONS, UserDirectory


class InteractionError(OAuthError):
    error = "invalid_request"


class InteractionGone(InteractionError):
    status_code = 404


async def authorize(request: Request, ctx: ServerContext, trace: TraceBuilder) -> Response:
    """GET (or POST, OIDC Core §3.1.2.1) /oauth2/authorize."""
    if request.method == "POST":
        params = Params.from_form(await read_body(request, ctx.config.max_body))
    else:
        params = Params.from_query(request.scope["query_string"])
    try:
        resolved = await _resolve(params, ctx, trace)
        auth = validate(resolved.params, ctx, trace, pushed=resolved.pushed)
        if "none" in auth.prompts:
            session = ctx.sessions.get(request.cookies.get(ctx.sessions.name))
            session = silent(auth, session, ctx.clock.now(), trace)
            return redirect(_issue_code(ctx, auth, session.sub, session.auth_time, auth.scopes,
                                        trace))
        if ctx.config.consent == "auto-approve":
            return _auto_approve(ctx, auth, trace)
    except PageError as exc:
        trace.fail(exc.error)
        return page_error(request, exc.error)
    except RedirectError as exc:
        trace.fail(exc.error, f"redirected with error={exc.error.error}")
        return redirect(add_query(exc.redirect_uri, {
            **error_fields(exc.error), "state": exc.state, "iss": ctx.issuer,
        }))
    item = ctx.interactions.create(auth)
    trace.outcome = f"interaction {item.uid} started; user must sign in"
    cookie = f"{COOKIE}={item.binding}; Path={item.path}; HttpOnly; SameSite=Lax"
    return redirect(item.path, 302, {"Set-Cookie": cookie})


def _auto_approve(ctx: ServerContext, auth: AuthorizationRequest, trace: TraceBuilder) -> Response:
    """Consent mode `auto-approve` (`serve --config`): no pages; the user `login_hint` names
    (OIDC Core §3.1.2.1), else the configured one, signs in and approves every scope asked."""
    hint = auth.login_hint
    hinted = hint is not None and hint in ctx.users
    sub = hint if hint is not None and hinted else ctx.config.auto_user
    trace.check("consent mode auto-approve: the user signs in without a page", True,
                f"{sub} ({'login_hint' if hinted else 'the configured user'})",
                "OIDC Core §3.1.2.3")
    trace.check("every requested scope approved", True, " ".join(auth.scopes),
                "OIDC Core §3.1.2.4")
    auth_time = int(ctx.clock.now())
    cookie = ctx.sessions.cookie(ctx.sessions.create(sub, auth_time))
    return redirect(_issue_code(ctx, auth, sub, auth_time, auth.scopes, trace), 302,
                    {"Set-Cookie": cookie})


async def _resolve(params: Params, ctx: ServerContext,
                   trace: TraceBuilder) -> request_object.Resolved:
    """`request_uri` (RFC 9126 §4) and `request` (RFC 9101 §5) as plain parameters. Their
    errors are pages: the redirect URI they carry cannot be trusted before they are verified."""
    try:
        return await request_object.resolve(params, ctx, trace)
    except OAuthError as exc:
        raise PageError(exc) from None


def page_error(request: Request, error: OAuthError, status: int | None = None,
               note: str = pages.NOT_REDIRECTED) -> Response:
    status = status or error.status_code
    if wants_json(request):
        return json_response(error_fields(error), status)
    html = pages.error_page(error.error, error.description, note)
    return HTMLResponse(html, status, PAGE_HEADERS)


def _bound(request: Request, ctx: ServerContext, trace: TraceBuilder) -> Interaction:
    uid = request.path_params["uid"]
    item = ctx.interactions.get(uid)
    trace.require("interaction exists and has not expired", item is not None, InteractionGone(
        "this sign-in request is unknown, finished or expired; start again from the application",
        rfc="RFC 6749 §4.1.1"), detail=uid)
    assert item is not None
    trace.client_id = item.request.client.id
    cookie = request.cookies.get(COOKIE, "")
    trace.require("interaction is bound to this user agent (cookie)",
                  hmac.compare_digest(cookie.encode(), item.binding.encode()), InteractionError(
                      "this sign-in request was started in another browser (binding cookie "
                      "missing or different)", rfc="RFC 6749 §10.12"))
    return item


async def _form(request: Request, ctx: ServerContext, item: Interaction,
                trace: TraceBuilder) -> Params:
    form = Params.from_form(await read_body(request, ctx.config.max_body))
    token = form.get("csrf") or ""
    trace.require("CSRF token matches", hmac.compare_digest(token.encode(), item.csrf.encode()),
                  InteractionError("the form's CSRF token is missing or wrong",
                                   rfc="RFC 6749 §10.12"))
    return form


async def show(request: Request, ctx: ServerContext, trace: TraceBuilder) -> Response:
    """GET /interaction/{uid}: the login or consent page, or its JSON view."""
    item = _bound(request, ctx, trace)
    trace.outcome = f"{item.prompt} prompt shown"
    if wants_json(request):
        return json_response(view(item, ctx.users))
    html = (pages.login_page(item, ctx.users.list()) if item.user is None
            else pages.consent_page(item))
    return HTMLResponse(html, 200, PAGE_HEADERS)


def view(item: Interaction, users: UserDirectory) -> dict[str, Any]:
    """The pending interaction as data (docs/architecture.md)."""
    auth = item.request
    user = users.get(item.user)
    return {
        "uid": item.uid, "prompt": item.prompt, "action": f"{item.path}/{item.prompt}",
        "csrf": item.csrf,
        "client": {"id": auth.client.id, "name": auth.client.display_name,
                   "firstParty": auth.client.firstParty, "redirect": auth.redirect_uri},
        "scopes": [{"name": s, "description": SCOPE_DESCRIPTIONS.get(s, "")}
                   for s in auth.scopes],
        "users": [u.summary() for u in users],
        "user": user.summary() if user else None,
        "login_hint": auth.login_hint,
    }


async def login(request: Request, ctx: ServerContext, trace: TraceBuilder) -> Response:
    """POST /interaction/{uid}/login (form: csrf, user)."""
    item = _bound(request, ctx, trace)
    form = await _form(request, ctx, item, trace)
    sub = form.get("user") or ""
    trace.require("user is a known user", sub in ctx.users,
                  InteractionError(f"unknown user {sub!r}", rfc="OIDC Core §3.1.2.3"), detail=sub)
    item.user, item.auth_time = sub, int(ctx.clock.now())
    session_cookie = ctx.sessions.cookie(ctx.sessions.create(sub, item.auth_time))
    auth = item.request
    if auth.client.firstParty and "consent" not in auth.prompts:
        trace.check("consent skipped for a first-party client", True, auth.client.id,
                    "OIDC Core §3.1.2.4")
        response = _complete(request, ctx, item, auth.scopes, trace)
    else:
        trace.outcome = f"{sub} signed in; consent pending"
        response = redirect(item.path, 303)
    response.headers.append("Set-Cookie", session_cookie)
    return response


async def consent(request: Request, ctx: ServerContext, trace: TraceBuilder) -> Response:
    """POST /interaction/{uid}/consent (form: csrf, decision=allow|deny, scope…)."""
    item = _bound(request, ctx, trace)
    form = await _form(request, ctx, item, trace)
    trace.require("user has signed in", item.user is not None,
                  InteractionError("sign in before consenting", rfc="OIDC Core §3.1.2.4"))
    decision = form.get("decision")
    trace.require("decision is allow or deny", decision in ("allow", "deny"), InteractionError(
        f"decision must be 'allow' or 'deny', not {decision!r}", rfc="OIDC Core §3.1.2.4"))
    if decision == "deny":
        return _deny(request, ctx, item, trace)
    requested = item.request.scopes
    approved = form.getall("scope") or list(requested)
    extra = [s for s in approved if s not in requested]
    trace.require("approved scopes were requested", not extra, InteractionError(
        f"scope(s) {' '.join(extra)} were not requested", rfc="RFC 6749 §3.3"))
    return _complete(request, ctx, item, tuple(s for s in requested if s in approved), trace)


def _finish(ctx: ServerContext, item: Interaction, trace: TraceBuilder) -> None:
    trace.require("interaction completes once", ctx.interactions.finish(item), InteractionError(
        "this sign-in request was already completed", rfc="RFC 6749 §4.1.2"))


def _complete(request: Request, ctx: ServerContext, item: Interaction,
              scopes: tuple[str, ...], trace: TraceBuilder) -> Response:
    _finish(ctx, item, trace)
    assert item.user is not None
    if item.device is not None:  # RFC 8628 §3.3: the device polls for the decision
        return _device_done(request, ctx, item, scopes, trace)
    location = _issue_code(ctx, item.request, item.user, item.auth_time, scopes, trace)
    return redirect(location, 303, {"Set-Cookie": _clear_cookie(item)})


def _issue_code(ctx: ServerContext, auth: AuthorizationRequest, sub: str, auth_time: int,
                scopes: tuple[str, ...], trace: TraceBuilder) -> str:
    """RFC 6749 §4.1.2: the redirect URI with `code`, `state` and `iss` (RFC 9207)."""
    grant = Grant(auth.client.id, sub, scopes, auth_time, auth.nonce, jkt=auth.dpop_jkt)
    code = ctx.store.issue_code(grant, auth.redirect_uri, auth.redirect_uri_given,
                                auth.challenge, auth.method)
    trace.outcome = f"code issued to {auth.client.id} for {sub} ({' '.join(scopes)})"
    iss = ctx.faults.issuer_param(ctx.issuer, trace)
    return add_query(auth.redirect_uri, {"code": code, "state": auth.state, "iss": iss})


def _deny(request: Request, ctx: ServerContext, item: Interaction,
          trace: TraceBuilder) -> Response:
    _finish(ctx, item, trace)
    if item.device is not None:
        return _device_done(request, ctx, item, None, trace)
    error = AccessDenied("the user denied the request", rfc="RFC 6749 §4.1.2.1")
    trace.fail(error, "user denied; redirected with error=access_denied")
    auth = item.request
    location = add_query(auth.redirect_uri, {
        **error_fields(error), "state": auth.state, "iss": ctx.issuer,
    })
    return redirect(location, 303, {"Set-Cookie": _clear_cookie(item)})


def _device_done(request: Request, ctx: ServerContext, item: Interaction,
                 scopes: tuple[str, ...] | None, trace: TraceBuilder) -> Response:
    response = device_verification.finish(request, ctx, item, scopes, trace)
    response.headers.append("Set-Cookie", _clear_cookie(item))
    return response


def _clear_cookie(item: Interaction) -> str:
    return f"{COOKIE}=; Path={item.path}; Max-Age=0; HttpOnly; SameSite=Lax"


def interaction_error(request: Request, error: OAuthError) -> Response:
    """How an error raised inside the interaction pages is shown (never redirected)."""
    return page_error(request, error, note="Nothing was sent to the application.")


def fault_page(request: Request, error: OAuthError) -> Response:
    """A `server_error` at the authorization endpoint or a page: shown, never redirected
    (RFC 6749 §4.1.2.1 redirects only once the client and redirect URI are verified, and a
    fault leaves that unknown)."""
    return page_error(request, error, note="Nothing was sent to the application: the server "
                      "failed before deciding, so it cannot trust the redirect URI yet.")

