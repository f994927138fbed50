"""The authorization endpoint: RFC 6749 §4.1.1, RFC 7636 §4.3, OIDC Core §3.1.2.

Checks run in the order below and each lands in the decision trace. Errors about the client or
the redirect URI are shown to the user and never redirected (RFC 6749 §4.1.2.1: "the
authorization server SHOULD inform the resource owner of the error and MUST NOT automatically
redirect the user-agent to the invalid redirection URI"); every other error redirects with
`error`, `error_description`, `state` and `iss` (RFC 9207 §2).

A `request_uri` (RFC 9126 §4) or signed `request` object (RFC 9101) is resolved into plain
parameters first (playground.server.request_object, async: it may fetch a jwksUri); its errors
are pages too. A client or server that requires PAR refuses a request not pushed (RFC 9126 §5),
redirected, since client and redirect URI are verified by then.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from playground.core.errors import (
    InvalidRequest,
    InvalidScope,
    OAuthError,
    UnauthorizedClient,
    UnsupportedResponseType,
)
from playground.server import pkce_rules
from playground.server.authorization_request import (  # re-exported for its users
    AuthorizationRequest as AuthorizationRequest,
)
from playground.server.clients import Client
from playground.server.context import ServerContext
from playground.server.http import Params, ascii_uint
from playground.server.sessions import LoginSession
from playground.server.trace import TraceBuilder

LOOPBACK_HOSTS = ("127.0.0.1", "[::1]")
_THUMBPRINT = re.compile(r"[A-Za-z0-9_-]{43}")
PROMPTS = frozenset({"none", "login", "consent", "select_account"})
MAX_PORT = 65535
# Seconds; a larger max_age asks nothing more of a login session (this one is ~31 million years).
MAX_AGE_CAP = 10**15


class LoginRequired(OAuthError):
    error = "login_required"


class ConsentRequired(OAuthError):
    error = "consent_required"


class PageError(Exception):
    """An error about the client or redirect URI: shown as a page, never redirected."""

    def __init__(self, error: OAuthError) -> None:
        super().__init__(error.description)
        self.error = error


class RedirectError(Exception):
    """An error the client hears about at its (verified) redirect URI."""

    def __init__(self, error: OAuthError, redirect_uri: str, state: str | None) -> None:
        super().__init__(error.description)
        self.error = error
        self.redirect_uri = redirect_uri
        self.state = state


def validate(params: Params, ctx: ServerContext, trace: TraceBuilder, *,
             pushed: bool = False) -> AuthorizationRequest:
    """Run every check in order; raise `PageError` or `RedirectError` at the first failure.

    `params` are plain parameters: a `request` or `request_uri` was already resolved by
    playground.server.request_object; `pushed` says they came through PAR (RFC 9126 §4)."""
    trace.check("request parsed", True, params.describe(), "RFC 6749 §3.1")
    try:
        client = _client(params, ctx, trace)
        redirect_uri, given = _redirect_uri(params, client, trace)
    except OAuthError as exc:
        raise PageError(exc) from None
    state = None if "state" in params.duplicates else params.get("state")
    try:
        _pushed_if_required(ctx, client, pushed, trace)
        return _request(params, ctx, trace, client, redirect_uri, given, state)
    except OAuthError as exc:
        raise RedirectError(exc, redirect_uri, state) from None


def _client(params: Params, ctx: ServerContext, trace: TraceBuilder) -> Client:
    client_id = params.get("client_id")
    trace.require("client_id is present once", client_id is not None
                  and "client_id" not in params.duplicates,
                  InvalidRequest("client_id is missing or repeated", rfc="RFC 6749 §4.1.1"))
    assert client_id is not None
    return registered_client(client_id, ctx, trace)


def registered_client(client_id: str, ctx: ServerContext, trace: TraceBuilder) -> Client:
    """RFC 6749 §2.2: the registered client `client_id` names (`invalid_request` if none)."""
    trace.client_id = client_id
    client = ctx.clients.get(client_id)
    trace.require("client_id is registered", client is not None,
                  InvalidRequest(f"client_id {client_id!r} is not registered", rfc="RFC 6749 §2.2"),
                  detail=client_id)
    assert client is not None
    return client


def _redirect_uri(params: Params, client: Client, trace: TraceBuilder) -> tuple[str, bool]:
    trace.require("redirect_uri is not repeated", "redirect_uri" not in params.duplicates,
                  InvalidRequest("redirect_uri is repeated", rfc="RFC 6749 §3.1"))
    requested = params.get("redirect_uri")
    if requested is None:
        trace.require(
            "redirect_uri may be omitted (exactly one registered)", len(client.redirect) == 1,
            InvalidRequest(f"redirect_uri is required: the client has {len(client.redirect)} "
                           "registered redirect URIs", rfc="RFC 6749 §3.1.2.3"),
            detail=client.redirect[0],
        )
        return client.redirect[0], False
    trace.require("redirect_uri is a URI", _parses(requested),
                  InvalidRequest(f"redirect_uri {requested!r} is not a URI (it does not parse)",
                                 rfc="RFC 6749 §3.1.2, RFC 3986 §3"), detail=requested)
    trace.require(
        "redirect_uri matches a registered URI", redirect_matches(requested, client.redirect),
        InvalidRequest(f"redirect_uri {requested!r} is not registered for this client (exact "
                       "match; any port only for loopback IP literals)",
                       rfc="RFC 6749 §3.1.2.3, RFC 9700 §4.1.3, RFC 8252 §7.3"),
        detail=requested,
    )
    return requested, True


def redirect_matches(requested: str, registered: tuple[str, ...]) -> bool:
    """Exact string match, or a loopback IP redirect with any port (RFC 8252 §7.3)."""
    if requested in registered:
        return True
    key = _loopback_key(requested)
    return key is not None and any(_loopback_key(uri) == key for uri in registered)


def _parses(uri: str) -> bool:
    """Whether `urlsplit` reads `uri` (it refuses e.g. `http://[::1` and `http://[x]`)."""
    try:
        urlsplit(uri)
    except ValueError:
        return False
    return True


def _loopback_key(uri: str) -> tuple[str, str, str] | None:
    """(host, path, query) of an http loopback IP literal URI, ignoring its port."""
    if not _parses(uri):
        return None
    parts = urlsplit(uri)
    netloc = parts.netloc
    if parts.scheme != "http" or parts.fragment or "@" in netloc:
        return None
    host = next((h for h in LOOPBACK_HOSTS if netloc.startswith(h)), None)
    if host is None:
        return None
    rest = netloc[len(host):]
    if rest and not (rest.startswith(":") and _is_port(rest[1:])):
        return None
    return host, parts.path, parts.query


def _is_port(text: str) -> bool:
    """RFC 3986 §3.2.3 `port = *DIGIT` (ASCII digits), and a port a browser can reach: 1-65535."""
    port = ascii_uint(text, MAX_PORT + 1)
    return port is not None and 1 <= port <= MAX_PORT


def _request(params: Params, ctx: ServerContext, trace: TraceBuilder, client: Client,
             redirect_uri: str, given: bool, state: str | None) -> AuthorizationRequest:
    trace.require("no parameter is repeated", not params.duplicates,
                  InvalidRequest(f"parameter(s) {', '.join(params.duplicates)} repeated; each "
                                 "parameter may appear once", rfc="RFC 6749 §3.1"))
    _response_type(params, client, trace)
    scopes = _scopes(params, client, trace)
    challenge, method = pkce_rules.check_challenge(params, ctx, client, trace)
    prompts = _prompts(params, trace)
    return AuthorizationRequest(
        client=client, redirect_uri=redirect_uri, redirect_uri_given=given, state=state,
        scopes=scopes, challenge=challenge, method=method, nonce=params.get("nonce"),
        prompts=prompts, login_hint=params.get("login_hint"), max_age=_max_age(params, trace),
        dpop_jkt=_dpop_jkt(params, trace),
    )


def _dpop_jkt(params: Params, trace: TraceBuilder) -> str | None:
    """RFC 9449 §10: `dpop_jkt`, the RFC 7638 thumbprint (base64url SHA-256, 43 characters)
    of the key the client will prove at the token endpoint."""
    jkt = params.get("dpop_jkt")
    if jkt is None:
        return None
    trace.require("dpop_jkt is a JWK SHA-256 thumbprint", _THUMBPRINT.fullmatch(jkt) is not None,
                  InvalidRequest(f"dpop_jkt {jkt[:60]!r} is not a base64url SHA-256 thumbprint "
                                 "(43 characters, RFC 7638 §3)", rfc="RFC 9449 §10"))
    trace.check("code will be bound to the DPoP key dpop_jkt names", True, jkt, "RFC 9449 §10")
    return jkt


def _pushed_if_required(ctx: ServerContext, client: Client, pushed: bool,
                        trace: TraceBuilder) -> None:
    """RFC 9126 §5: a client (or server) that requires PAR refuses a request not pushed."""
    required = client.requirePushedAuthorizationRequests or ctx.config.require_par
    trace.require("request was pushed, if PAR is required", pushed or not required,
                  InvalidRequest("this client must use pushed authorization requests "
                                 "(POST /oauth2/par, then request_uri)", rfc="RFC 9126 §5"))


def _response_type(params: Params, client: Client, trace: TraceBuilder) -> None:
    response_type = params.get("response_type")
    trace.require("response_type is present", response_type is not None,
                  InvalidRequest("response_type is missing", rfc="RFC 6749 §4.1.1"))
    trace.require("response_type is 'code'", response_type == "code",
                  UnsupportedResponseType(f"response_type {response_type!r} is not supported; "
                                          "this server implements 'code'", rfc="RFC 6749 §4.1.1"))
    trace.require("client may use response_type 'code'", "code" in client.responseTypes,
                  UnauthorizedClient("the client is not registered for response_type 'code'",
                                     rfc="RFC 6749 §4.1.2.1"))
    trace.require("client may use the authorization_code grant",
                  client.allows_grant("authorization_code"),
                  UnauthorizedClient("the client is not registered for authorization_code",
                                     rfc="RFC 6749 §4.1.2.1"))
    mode = params.get("response_mode")
    trace.require("response_mode is 'query'",
                  mode is None or (mode == "query" and mode in client.responseModes),
                  InvalidRequest(f"response_mode {mode!r} is not supported for this client; "
                                 "use 'query'", rfc="OAuth 2.0 Multiple Response Types §2.1"))


def _scopes(params: Params, client: Client, trace: TraceBuilder) -> tuple[str, ...]:
    raw = params.get("scope")
    trace.require("scope is present", raw is not None,
                  InvalidScope("scope is missing and this server has no default scope",
                               rfc="RFC 6749 §3.3"))
    assert raw is not None
    scopes = tuple(dict.fromkeys(raw.split()))
    unknown = [s for s in scopes if s not in client.scopes]
    trace.require("every scope is registered for the client", not unknown,
                  InvalidScope(f"scope(s) {' '.join(unknown)} not allowed for this client; "
                               f"registered: {' '.join(client.scopes)}", rfc="RFC 6749 §3.3"),
                  detail=" ".join(scopes))
    return scopes


def _prompts(params: Params, trace: TraceBuilder) -> frozenset[str]:
    prompts = frozenset((params.get("prompt") or "").split())
    unknown = prompts - PROMPTS
    trace.require("prompt values are known", not unknown,
                  InvalidRequest(f"prompt value(s) {' '.join(sorted(unknown))} are not defined",
                                 rfc="OIDC Core §3.1.2.1"))
    trace.require("prompt=none stands alone", "none" not in prompts or len(prompts) == 1,
                  InvalidRequest("prompt=none cannot be combined with other values",
                                 rfc="OIDC Core §3.1.2.1"))
    return prompts


def _max_age(params: Params, trace: TraceBuilder) -> int | None:
    """OIDC Core §3.1.2.1: max_age in seconds, a non-negative integer in ASCII digits."""
    raw = params.get("max_age")
    if raw is None:
        return None
    seconds = ascii_uint(raw, MAX_AGE_CAP)
    trace.require("max_age is a non-negative integer", seconds is not None,
                  InvalidRequest(f"max_age {raw!r} is not a non-negative integer (ASCII digits)",
                                 rfc="OIDC Core §3.1.2.1"))
    return seconds


def silent(auth: AuthorizationRequest, session: LoginSession | None, now: float,
           trace: TraceBuilder) -> LoginSession:
    """`prompt=none` (OIDC Core §3.1.2.1): succeed without any UI, or say why not (§3.1.2.6)."""
    fresh = session is not None and (auth.max_age is None
                                     or now - session.auth_time <= auth.max_age)
    try:
        trace.require("prompt=none: the user has a (fresh enough) login session", fresh,
                      LoginRequired("prompt=none but the user is not signed in here (or the "
                                    "sign-in is older than max_age)", rfc="OIDC Core §3.1.2.6"))
        trace.require("prompt=none: no consent needed (first-party client)",
                      auth.client.firstParty, ConsentRequired(
                          "prompt=none but this client needs the user's consent",
                          rfc="OIDC Core §3.1.2.6"))
    except OAuthError as exc:
        raise RedirectError(exc, auth.redirect_uri, auth.state) from None
    assert session is not None
    return session
