"""The Starlette application: routes, and the wrapper that traces every request.

Each endpoint handler receives the request, the server context and a `TraceBuilder`; the wrapper
checks the Host header first, answers CORS preflights and wrong methods, turns `OAuthError`s into
the endpoint's error format, stamps `X-Playground-Trace` and stores the trace before the response
is returned.

A client's mistake is never a 500. Anything else that goes wrong is RFC 6749 §5.2 `server_error`
(an error page at the authorization endpoint and the interaction pages: redirecting is unsafe
when we do not know what failed, §4.1.2.1), logged as one line with the trace id; the traceback
only at DEBUG. A client that hangs up before its body arrived is one INFO line.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.datastructures import URL
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route, request_response
from starlette.types import Receive, Scope, Send

from playground.core.errors import InvalidRequest, OAuthError, ServerError
from playground.core.protocol import lint
from playground.core.trace import TRACE_HEADER
from playground.server import (
    client_auth,
    control_api,
    device_authorization,
    device_verification,
    discovery,
    health,
    interaction,
    logout,
    logout_pages,
    par,
    revocation,
    token_endpoint,
    userinfo,
)
from playground.server.context import ServerContext
from playground.server.http import (
    ClientGone,
    declared_length,
    error_fields,
    error_response,
    json_response,
)
from playground.server.journal import JournalEntry, request_params
from playground.server.security import CorsPolicy, check_host
from playground.server.trace import TraceBuilder

log = logging.getLogger(__name__)

Handler = Callable[[Request, ServerContext, TraceBuilder], Awaitable[Response]]
ErrorRenderer = Callable[[Request, OAuthError], Response]


def _json_error(request: Request, error: OAuthError) -> Response:
    headers = None
    if isinstance(error, client_auth.BasicAuthFailed):  # RFC 6749 §5.2: Basic only
        headers = {"WWW-Authenticate": client_auth.BASIC_CHALLENGE}
    extra = getattr(error, "headers", None)  # e.g. RFC 9449 §8 DPoP-Nonce
    headers = {**(headers or {}), **extra} if isinstance(extra, dict) else headers
    return error_response(error, headers)


def _fault_json(request: Request, error: OAuthError) -> Response:
    return error_response(error)


@dataclass(frozen=True, slots=True)
class Endpoint:
    path: str
    name: str
    handler: Handler
    methods: tuple[str, ...] | None  # None: any method
    cors: str | None = None
    on_error: ErrorRenderer = _json_error
    on_fault: ErrorRenderer = _fault_json  # how a `server_error` is shown


class NoEndpoint(InvalidRequest):
    """RFC 6749 has no "not found" code; `invalid_request` ("the request is … otherwise
    malformed", §5.2) is the closest, and the status says 404 (RFC 9110 §15.5.5)."""

    status_code = 404


async def _not_found(request: Request, ctx: ServerContext, trace: TraceBuilder) -> Response:
    path = request.scope["path"]
    shown = path if len(path) <= 200 else f"{path[:200]}…"
    trace.require("an endpoint exists at this path", False, NoEndpoint(
        f"no endpoint at {shown}; the endpoints are listed in /.well-known/openid-configuration",
        rfc="RFC 8414 §3"), detail=shown)
    raise AssertionError("unreachable")


# Unknown paths: the router's default, not a `/{path:path}` route, whose `.*` stops at a newline
# ("/%0A" fell through to Starlette's own untraced plain-text 404).
NOT_FOUND = Endpoint("/{path:path}", "not_found", _not_found, None)
# CORS (for the same public-client origins as token and userinfo) also on the metadata and the
# JWKS: a browser OIDC library (oidc-client-ts, benchmarks/interop/) starts with discovery.
ENDPOINTS = (
    Endpoint("/.well-known/openid-configuration", "discovery", discovery.openid_configuration,
             ("GET", "HEAD"), cors="GET"),
    Endpoint("/.well-known/oauth-authorization-server", "discovery",
             discovery.openid_configuration, ("GET", "HEAD"), cors="GET"),
    Endpoint("/oauth2/jwks", "jwks", discovery.jwks, ("GET", "HEAD"), cors="GET"),
    Endpoint("/oauth2/authorize", "authorize", interaction.authorize, ("GET", "HEAD", "POST"),
             on_error=interaction.page_error, on_fault=interaction.fault_page),
    Endpoint("/interaction/{uid}", "interaction", interaction.show, ("GET", "HEAD"),
             on_error=interaction.interaction_error, on_fault=interaction.fault_page),
    Endpoint("/interaction/{uid}/login", "login", interaction.login, ("POST",),
             on_error=interaction.interaction_error, on_fault=interaction.fault_page),
    Endpoint("/interaction/{uid}/consent", "consent", interaction.consent, ("POST",),
             on_error=interaction.interaction_error, on_fault=interaction.fault_page),
    Endpoint("/oauth2/token", "token", token_endpoint.token, ("POST",), cors="POST"),
    Endpoint("/oauth2/par", "par", par.par, ("POST",), cors="POST"),  # RFC 9126 §2
    Endpoint("/oauth2/device_authorization", "device_authorization",
             device_authorization.device_authorization, ("POST",)),
    Endpoint(device_verification.PATH, "device", device_verification.page,
             ("GET", "HEAD", "POST"),
             on_error=interaction.interaction_error, on_fault=interaction.fault_page),
    Endpoint("/oauth2/revoke", "revoke", revocation.revoke, ("POST",), cors="POST"),
    Endpoint("/oauth2/introspect", "introspect", revocation.introspect, ("POST",)),
    Endpoint("/oauth2/userinfo", "userinfo", userinfo.userinfo, ("GET", "HEAD", "POST"),
             cors="GET, POST", on_error=lambda _request, error: userinfo.userinfo_error(error)),
    Endpoint(health.PATH, "health", health.health, ("GET", "HEAD")),
    Endpoint(logout.PATH, "logout", logout.end_session, ("GET", "POST"),
             on_error=logout_pages.error, on_fault=logout_pages.error),
    NOT_FOUND,
)


def _control(path: str, handler: Handler, methods: tuple[str, ...]) -> Endpoint:
    """A control API endpoint: refused to web pages (control_api.guarded)."""
    return Endpoint(control_api.PREFIX + path, "control", control_api.guarded(handler), methods)


# The control API (ServerConfig.control_api): `serve` and the pytest fixture, not the app.
CONTROL_ENDPOINTS = (
    _control("/", control_api.index, ("GET", "HEAD")),
    _control("/behaviours", control_api.behaviours, ("GET", "POST", "DELETE")),
    _control("/tokens", control_api.tokens, ("POST",)),
    _control("/requests", control_api.requests, ("GET", "DELETE")),
    _control("/requests/take", control_api.take_requests, ("POST",)),
    _control("/keys/rotate", control_api.rotate_keys, ("POST",)),
    _control("/clock", control_api.clock, ("GET", "POST")),
    _control("/faults", control_api.faults, ("GET", "PUT")),
    _control("/clients", control_api.clients, ("GET", "POST")),
    _control("/users", control_api.users, ("GET", "POST")),
    _control("/reset", control_api.reset, ("POST",)),
)


class _AnyMethod:
    """An endpoint as an ASGI app, so Starlette routes every method to it: a function route
    answers methods it does not list (TRACE, FOO…) itself, in plain text and untraced."""

    def __init__(self, endpoint: Callable[[Request], Awaitable[Response]]) -> None:
        self._app = request_response(endpoint)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)


def build_app(ctx: ServerContext) -> Starlette:
    cors = CorsPolicy(ctx.clients)
    endpoints = ENDPOINTS + (CONTROL_ENDPOINTS if ctx.config.control_api else ())
    routes = [Route(ep.path, _AnyMethod(_traced(ctx, cors, ep)), methods=None)
              for ep in endpoints if ep is not NOT_FOUND]
    app = Starlette(routes=routes)
    app.router.default = _AnyMethod(_traced(ctx, cors, NOT_FOUND))
    app.router.redirect_slashes = False  # "/oauth2/token/" is no endpoint, not a 307
    return app


def _traced(ctx: ServerContext, cors: CorsPolicy,
            ep: Endpoint) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        trace = ctx.traces.begin(request.method, request.scope["path"], ep.name)
        body = b""
        try:
            body = await _body_for_lint(request, ctx.config.max_body)
            response = await _dispatch(request, ctx, cors, ep, trace)
        except OAuthError as exc:
            response = _refused(request, ep, trace, exc)
        except ClientGone:
            response = _client_gone(request, trace)
        except Exception as exc:
            response = _fault(request, ep, trace, exc)
        trace.add_findings(lint.lint(request.method, _url(request), _headers(request), body))
        if ep.cors:
            cors.decorate(request, response)
        response.headers[TRACE_HEADER] = trace.id
        decided = trace.build(response.status_code)
        ctx.traces.publish(decided)
        if ctx.config.control_api and ep.name not in ("control", "health"):
            ctx.journal.record(JournalEntry(decided, request_params(
                request.scope["query_string"], body, request.headers.get("content-type", ""))))
        return response

    return endpoint


def _refused(request: Request, ep: Endpoint, trace: TraceBuilder, error: OAuthError) -> Response:
    """The endpoint's own error format for a client's mistake."""
    trace.ensure_failed_check(error)
    trace.fail(error)
    try:
        return ep.on_error(request, error)
    except Exception as exc:
        return _fault(request, ep, trace, exc)


def _client_gone(request: Request, trace: TraceBuilder) -> Response:
    """RFC 9112 §6.3: the body is incomplete. The answer is traced; nobody will read it."""
    error = InvalidRequest("the client closed the connection before the request body was "
                           "complete", rfc="RFC 9112 §6.3")
    trace.ensure_failed_check(error)
    trace.fail(error)
    log.info("%s %s: the client hung up before sending the whole body (trace %s)",
             request.method, _printable(request.scope["path"]), trace.id)
    return error_response(error)


def _fault(request: Request, ep: Endpoint, trace: TraceBuilder, exc: Exception) -> Response:
    """RFC 6749 §5.2 `server_error` for what no rule foresaw: one log line with the trace id;
    the traceback only at DEBUG."""
    summary = _printable(f"{type(exc).__name__}: {exc}")
    log.error("%s %s failed (trace %s): %s", request.method,
              _printable(request.scope["path"]), trace.id, summary)
    log.debug("traceback of trace %s", trace.id, exc_info=exc)
    error = ServerError("the server failed while handling this request; the decision trace "
                        f"{trace.id} has the details", rfc="RFC 6749 §5.2")
    trace.ensure_failed_check(error)
    trace.fail(error, f"server fault: {summary}")
    try:
        return ep.on_fault(request, error)
    except Exception:
        return json_response(error_fields(error), error.status_code)


def _printable(text: str, limit: int = 300) -> str:
    """One ASCII line for a log: newlines, control and non-ASCII characters escaped."""
    text = ascii(text)[1:-1]
    return text if len(text) <= limit else f"{text[:limit]}..."


async def _dispatch(request: Request, ctx: ServerContext, cors: CorsPolicy, ep: Endpoint,
                    trace: TraceBuilder) -> Response:
    if not check_host(request, ctx.allowed_hosts, trace):
        error = InvalidRequest("the Host header is not this server's (DNS rebinding protection)",
                               rfc="RFC 8252 §8.3")
        trace.fail(error)
        return error_response(error)
    if request.method == "OPTIONS" and ep.cors:
        return cors.preflight(request, ep.cors, trace)
    if ep.methods is not None and request.method not in ep.methods:
        trace.fail("method_not_allowed", f"{request.method} is not allowed here")
        return json_response({"error": "invalid_request",
                              "error_description": f"{request.method} is not allowed; use "
                                                   f"{', '.join(ep.methods)}"},
                             405, {"Allow": ", ".join(ep.methods)})
    return await ep.handler(request, ctx, trace)


async def _body_for_lint(request: Request, limit: int) -> bytes:
    """The body of a POST with a declared length within `limit` (Starlette caches it for the
    endpoint); anything else is linted without its body. `ClientGone` if the client hangs up."""
    declared = declared_length(request)
    if request.method != "POST" or declared is None or declared > limit:
        return b""
    try:
        return await request.body()
    except ClientDisconnect:
        raise ClientGone() from None


def _url(request: Request) -> str:
    """The URL to lint. Starlette decodes the query as strict UTF-8; uvicorn's parser refuses
    other bytes before the app, but an in-process caller need not, so those are read as
    latin-1."""
    try:
        return str(request.url)
    except UnicodeDecodeError:
        query = request.scope["query_string"].decode("latin-1").encode("utf-8")
        return str(URL(scope={**request.scope, "query_string": query}))


def _headers(request: Request) -> tuple[tuple[str, str], ...]:
    return tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw)
