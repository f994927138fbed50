"""The Starlette application: routes, and the wrapper that traces every request.

Each endpoint handler receives the request, the server context and a `TraceBuilder`; the wrapper
checks the Host header first, answers CORS preflights and wrong methods, turns `OAuthError`s into
the endpoint's error format, stamps `X-Playground-Trace` and stores the trace before the response
is returned.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from playground.core import lint
from playground.core.errors import InvalidRequest, OAuthError, ServerError
from playground.core.trace import TRACE_HEADER
from playground.server import (
    client_auth,
    discovery,
    interaction,
    revocation,
    token_endpoint,
    userinfo,
)
from playground.server.context import ServerContext
from playground.server.http import error_response, json_response
from playground.server.security import CorsPolicy, check_host
from playground.server.trace import TraceBuilder

log = logging.getLogger(__name__)

Handler = Callable[[Request, ServerContext, TraceBuilder], Awaitable[Response]]
ErrorRenderer = Callable[[Request, OAuthError], Response]
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]


def _json_error(request: Request, error: OAuthError) -> Response:
    headers = None
    if error.status_code == 401:
        headers = {"WWW-Authenticate": client_auth.BASIC_CHALLENGE}
    return error_response(error, headers)


@dataclass(frozen=True, slots=True)
class Endpoint:
    path: str
    name: str
    handler: Handler
    methods: tuple[str, ...]
    cors: str | None = None
    on_error: ErrorRenderer = _json_error


async def _not_found(request: Request, ctx: ServerContext, trace: TraceBuilder) -> Response:
    trace.fail("not_found", f"no endpoint at {request.scope['path']}")
    return json_response({"error": "not_found", "error_description": "no such endpoint"}, 404)


# CORS (for the same public-client origins as token and userinfo) also on the metadata and the
# JWKS: a browser OIDC library (oidc-client-ts, benchmarks/interop/) starts with discovery.
ENDPOINTS = (
    Endpoint("/.well-known/openid-configuration", "discovery", discovery.openid_configuration,
             ("GET", "HEAD"), cors="GET"),
    Endpoint("/.well-known/oauth-authorization-server", "discovery",
             discovery.openid_configuration, ("GET", "HEAD"), cors="GET"),
    Endpoint("/oauth2/jwks", "jwks", discovery.jwks, ("GET", "HEAD"), cors="GET"),
    Endpoint("/oauth2/authorize", "authorize", interaction.authorize, ("GET", "HEAD", "POST"),
             on_error=interaction.page_error),
    Endpoint("/interaction/{uid}", "interaction", interaction.show, ("GET", "HEAD"),
             on_error=interaction.interaction_error),
    Endpoint("/interaction/{uid}/login", "login", interaction.login, ("POST",),
             on_error=interaction.interaction_error),
    Endpoint("/interaction/{uid}/consent", "consent", interaction.consent, ("POST",),
             on_error=interaction.interaction_error),
    Endpoint("/oauth2/token", "token", token_endpoint.token, ("POST",), cors="POST"),
    Endpoint("/oauth2/revoke", "revoke", revocation.revoke, ("POST",), cors="POST"),
    Endpoint("/oauth2/introspect", "introspect", revocation.introspect, ("POST",)),
    Endpoint("/oauth2/userinfo", "userinfo", userinfo.userinfo, ("GET", "HEAD", "POST"),
             cors="GET, POST", on_error=lambda _request, error: userinfo.userinfo_error(error)),
    Endpoint("/{path:path}", "not_found", _not_found, tuple(ALL_METHODS)),
)


def build_app(ctx: ServerContext) -> Starlette:
    cors = CorsPolicy(ctx.clients)
    routes = [Route(ep.path, _traced(ctx, cors, ep), methods=ALL_METHODS) for ep in ENDPOINTS]
    return Starlette(routes=routes)


def _traced(ctx: ServerContext, cors: CorsPolicy,
            ep: Endpoint) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        trace = ctx.traces.begin(request.method, request.scope["path"], ep.name)
        body = await _body_for_lint(request, ctx.config.max_body)
        try:
            response = await _dispatch(request, ctx, cors, ep, trace)
        except OAuthError as exc:
            trace.ensure_failed_check(exc)
            trace.fail(exc)
            response = ep.on_error(request, exc)
        except Exception:
            log.exception("%s %s failed", request.method, request.scope["path"])
            error = ServerError("the server failed while handling this request")
            trace.fail(error)
            response = error_response(error)
        trace.add_findings(lint.lint(request.method, str(request.url), _headers(request), body))
        if ep.cors:
            cors.decorate(request, response)
        response.headers[TRACE_HEADER] = trace.id
        ctx.traces.publish(trace.build(response.status_code))
        return response

    return endpoint


async def _dispatch(request: Request, ctx: ServerContext, cors: CorsPolicy, ep: Endpoint,
                    trace: TraceBuilder) -> Response:
    if not check_host(request, ctx.allowed_hosts, trace):
        error = InvalidRequest("the Host header is not this server's (DNS rebinding protection)",
                               rfc="RFC 8252 §8.3")
        trace.fail(error)
        return error_response(error)
    if request.method == "OPTIONS" and ep.cors:
        return cors.preflight(request, ep.cors, trace)
    if request.method not in ep.methods:
        trace.fail("method_not_allowed", f"{request.method} is not allowed here")
        return json_response({"error": "invalid_request",
                              "error_description": f"{request.method} is not allowed; use "
                                                   f"{', '.join(ep.methods)}"},
                             405, {"Allow": ", ".join(ep.methods)})
    return await ep.handler(request, ctx, trace)


async def _body_for_lint(request: Request, limit: int) -> bytes:
    """The body of a POST with a declared length within `limit` (Starlette caches it for the
    endpoint); anything else is linted without its body."""
    declared = request.headers.get("content-length", "")
    if request.method != "POST" or not declared.isdigit() or int(declared) > limit:
        return b""
    try:
        return await request.body()
    except Exception:  # a client that hangs up mid-body: the endpoint reports it
        return b""


def _headers(request: Request) -> tuple[tuple[str, str], ...]:
    return tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw)
