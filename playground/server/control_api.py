"""The control API under `/_playground/`: what a test suite steers the server with, over HTTP.

JSON in, JSON out; on by default for `serve` and the pytest fixture, off in the desktop app
(`ServerConfig.control_api`). A body that is not what an endpoint takes is 400
`invalid_request` with a description naming the field (`match.client_id: expected a non-empty
string, found a number`). Every endpoint and its body is listed by `GET /_playground/` and in
docs/serve.md.

- `/_playground/behaviours`: enqueue what the next matching token response does (claims, an
  error, a delay; playground.server.behaviours), list them, clear them.
- `/_playground/tokens`: mint an access token or id_token directly, for resource-server tests.
- `/_playground/requests`: the request journal (playground.server.journal); `take` and clear.
- `/_playground/keys/rotate`: new signing keys; the old ones stay published for a grace period.
- `/_playground/clock`: read, set or advance the server's clock (codes and tokens expire on it).
- `/_playground/faults`: the fault switches (playground.server.faults).
- `/_playground/clients`, `/_playground/users`: register clients and users while running.
- `/_playground/reset`: back to the state the server started in.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from playground.core.errors import InvalidRequest
from playground.server import json_input as ji
from playground.server.behaviours import MAX_DELAY, Behaviour, ForcedError, Match, QueueFull
from playground.server.clients import ClientsFileError, client_from_dict
from playground.server.context import ServerContext
from playground.server.faults import FAULTS, FAULTS_BY_NAME
from playground.server.http import json_response, read_body
from playground.server.journal import JournalEntry
from playground.server.trace import TraceBuilder
from playground.server.users import make_user

PREFIX = "/_playground"
RULE = "docs/serve.md (control API)"
MAX_GRACE = 7 * 24 * 3600


class ControlError(InvalidRequest):
    """A control request that does not say what the endpoint needs."""


class FromAWebPage(InvalidRequest):
    """RFC 9110 §15.5.4: refused, whatever the body says."""

    status_code = 403


Handler = Callable[[Request, ServerContext, TraceBuilder], Awaitable[Response]]


def guarded(handler: Handler) -> Handler:
    """Only test code may steer the server: a request a web page sent (a browser adds `Origin`
    to every POST, PUT and DELETE, even a `no-cors` one that needs no preflight) is refused, so
    a site open in the developer's browser cannot reset or rewrite the server (cross-site
    request forgery, RFC 6749 §10.12). Test clients (httpx, requests, Playwright's `request`)
    send no `Origin`."""
    async def checked(request: Request, ctx: ServerContext, trace: TraceBuilder) -> Response:
        origin = request.headers.get("origin")
        trace.require("the request does not come from a web page (no Origin header)",
                      origin is None, FromAWebPage(
                          f"the control API does not answer web pages (Origin: {origin}); "
                          "call it from test code, without an Origin header",
                          rfc="RFC 6454 §7.2, RFC 6749 §10.12"))
        return await handler(request, ctx, trace)
    return checked


async def body_object(request: Request, ctx: ServerContext) -> dict[str, Any]:
    """The JSON object of the body (an empty body is `{}`)."""
    raw = await read_body(request, ctx.config.max_body)
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise ControlError("the body is not valid JSON", rfc="RFC 8259 §2") from None
    if not isinstance(data, dict):
        raise ControlError(f"the body must be a JSON object, not {ji.kind(data)}", rfc=RULE)
    return data


def _checked(read: Callable[[], Any]) -> Any:
    try:
        return read()
    except (ji.InputError, ClientsFileError, QueueFull) as exc:
        raise ControlError(str(exc), rfc=RULE) from None


# -- behaviours -------------------------------------------------------------------------------
BEHAVIOUR_FIELDS = ("match", "claims", "access_token_claims", "id_token_claims", "error",
                    "delay", "times")
MATCH_FIELDS = ("client_id", "sub", "scope", "grant_type")
ERROR_FIELDS = ("error", "status", "error_description")


def behaviour_from(data: dict[str, Any]) -> Behaviour:
    """A `Behaviour` from its JSON form (docs/serve.md), without its id (the queue's to give)."""
    ji.obj(data, "", BEHAVIOUR_FIELDS)
    match = ji.obj(data.get("match", {}), "match", MATCH_FIELDS)
    both = ji.claims(data, "claims", "")
    error = data.get("error")
    return Behaviour(
        id="",
        match=Match(**{name: ji.text(match, name, "match") for name in MATCH_FIELDS}),
        access_token_claims={**both, **ji.claims(data, "access_token_claims", "")},
        id_token_claims={**both, **ji.claims(data, "id_token_claims", "")},
        error=None if error is None else _forced_error(error),
        delay=ji.number(data, "delay", "", 0.0, high=MAX_DELAY),
    )


def _forced_error(value: object) -> ForcedError:
    data = ji.obj(value, "error", ERROR_FIELDS)
    code = ji.text(data, "error", "error")
    if code is None or not all(0x20 <= ord(c) <= 0x7E and c not in '"\\' for c in code):
        raise ji.InputError("error.error: give the RFC 6749 §5.2 error code, e.g. "
                            "\"invalid_grant\" (printable ASCII without quotes)")
    return ForcedError(code, ji.integer(data, "status", "error", 400, low=400, high=599),
                       ji.text(data, "error_description", "error") or "")


async def behaviours(request: Request, ctx: ServerContext, trace: TraceBuilder) -> Response:
    """POST: enqueue (`times` copies); GET: the queue; DELETE: clear it."""
    if request.method == "DELETE":
        trace.outcome = "behaviours cleared"
        return json_response({"cleared": ctx.behaviours.clear()})
    if request.method == "GET":
        trace.outcome = "behaviours listed"
        return json_response({"behaviours": [b.to_json() for b in ctx.behaviours.list()]})
    data = await body_object(request, ctx)
    times = _checked(lambda: ji.integer(data, "times", "", 1, low=1, high=100))
    template = _checked(lambda: behaviour_from(data))
    added = [_checked(lambda: ctx.behaviours.add(replace(template, id=ctx.behaviours.new_id())))
             for _ in range(times)]
    trace.outcome = f"{len(added)} behaviour(s) enqueued for {added[0].match.describe()}"
    return json_response({"behaviours": [b.to_json() for b in added]}, 201)


# -- minted tokens ----------------------------------------------------------------------------
TOKEN_FIELDS = ("type", "sub", "client_id", "scope", "aud", "claims", "expires_in", "alg",
                "format")


async def tokens(request: Request, ctx: ServerContext, trace: TraceBuilder) -> Response:
    """POST: an access token (RFC 9068 JWT, or with `"format": "opaque"` an RFC 6749 §1.4
    opaque one, read by introspection) or an id_token with the given claims and lifetime."""
    data = await body_object(request, ctx)
    spec = _checked(lambda: _token_spec(data, ctx))
    claims: dict[str, Any] = {"sub": spec["sub"], **spec["claims"]}
    if spec["type"] == "id_token":
        claims = {"aud": spec["aud"] or spec["client_id"], "azp": spec["client_id"], **claims}
        token = ctx.tokens.mint_id_token(claims, spec["expires_in"], spec["alg"])
        trace.outcome = f"id_token minted for {spec['sub']}"
        return json_response({"id_token": token, "expires_in": spec["expires_in"]}, 201)
    claims = {"client_id": spec["client_id"], "scope": spec["scope"],
              **({"aud": spec["aud"]} if spec["aud"] else {}), **claims}
    token, jti = await ctx.tokens.mint_access_token(claims, spec["expires_in"],
                                                    opaque=spec["format"] == "opaque")
    ctx.store.hold_access(jti)  # a jti not held counts as revoked (playground.server.store)
    trace.outcome = f"{spec['format']} access token minted for {spec['sub']}"
    return json_response({"access_token": token, "token_type": "Bearer",
                          "expires_in": spec["expires_in"], "scope": spec["scope"]}, 201)


def _token_spec(data: dict[str, Any], ctx: ServerContext) -> dict[str, Any]:
    ji.obj(data, "", TOKEN_FIELDS)
    return {
        "type": ji.text(data, "type", "", "access_token", ("access_token", "id_token")),
        "sub": ji.text(data, "sub", "", "alice"),
        "client_id": ji.text(data, "client_id", "", "playground-web"),
        "scope": ji.text(data, "scope", "", "openid profile email"),
        "aud": ji.text(data, "aud", ""),
        "claims": ji.claims(data, "claims", ""),
        "expires_in": ji.integer(data, "expires_in", "", ctx.config.access_token_ttl, low=1),
        "alg": ji.text(data, "alg", "", "RS256", ("RS256", "ES256", "PS256", "EdDSA")),
        "format": ji.text(data, "format", "", "jwt", ("jwt", "opaque")),
    }


# -- the request journal ----------------------------------------------------------------------
FILTERS = ("path", "endpoint", "client_id", "method")


def _selector(request: Request) -> Callable[[JournalEntry], bool]:
    wanted = {k: v for k, v in request.query_params.items() if k in FILTERS}
    unknown = [k for k in request.query_params if k not in FILTERS]
    if unknown:
        raise ControlError(f"unknown filter {unknown[0]!r}; filter by {', '.join(FILTERS)}",
                           rfc=RULE)

    def keep(entry: JournalEntry) -> bool:
        trace = entry.trace
        fields = {"path": trace.path, "endpoint": trace.endpoint,
                  "client_id": trace.client_id or "", "method": trace.method}
        return all(fields[k] == v for k, v in wanted.items())
    return keep


async def requests(request: Request, ctx: ServerContext, trace: TraceBuilder) -> Response:
    """GET: the journal (filtered by the query); DELETE: clear it."""
    if request.method == "DELETE":
        trace.outcome = "journal cleared"
        return json_response({"cleared": ctx.journal.clear()})
    entries = ctx.journal.entries(_selector(request))
    trace.outcome = f"{len(entries)} journal entries listed"
    return json_response({"requests": [e.to_json() for e in entries]})


async def take_requests(request: Request, ctx: ServerContext, trace: TraceBuilder) -> Response:
    """POST: the journal's entries (filtered by the query), removed from it."""
    entries = ctx.journal.take(_selector(request))
    trace.outcome = f"{len(entries)} journal entries taken"
    return json_response({"requests": [e.to_json() for e in entries]})


# -- keys, clock, faults ----------------------------------------------------------------------
async def rotate_keys(request: Request, ctx: ServerContext, trace: TraceBuilder) -> Response:
    """POST {"grace_seconds": 300}: new keys; the old ones verify and stay in the JWKS that
    long (0 drops them at once: tokens they signed stop verifying)."""
    data = await body_object(request, ctx)
    _checked(lambda: ji.obj(data, "", ("grace_seconds",)))
    grace = _checked(lambda: ji.number(data, "grace_seconds", "", 300.0, high=MAX_GRACE))
    retired = ctx.keys.rotate(grace)
    trace.outcome = f"signing keys rotated; the old ones kept {grace:g} s"
    return json_response({"retired": retired, "grace_seconds": grace, "jwks": ctx.keys.jwks()})


async def clock(request: Request, ctx: ServerContext, trace: TraceBuilder) -> Response:
    """GET: the server's time; POST {"advance": s} or {"set": epoch seconds} or {"reset": true}."""
    if request.method == "POST":
        data = await body_object(request, ctx)
        _checked(lambda: _move_clock(ctx, data))
    trace.outcome = f"clock at offset {ctx.clock.offset:+g} s"
    return json_response({"now": ctx.clock.now(), "offset": ctx.clock.offset})


def _move_clock(ctx: ServerContext, data: dict[str, Any]) -> None:
    ji.obj(data, "", ("advance", "set", "reset"))
    if len(data) != 1:
        raise ji.InputError("give exactly one of advance (seconds), set (epoch seconds) or "
                            "reset (true)")
    if "advance" in data:
        ctx.clock.advance(ji.number(data, "advance", "", 0, low=-MAX_GRACE * 52,
                                    high=MAX_GRACE * 52))
    elif "set" in data:
        ctx.clock.set(ji.number(data, "set", "", 0, high=2**33))
    elif ji.flag(data, "reset", ""):
        ctx.clock.reset()


async def faults(request: Request, ctx: ServerContext, trace: TraceBuilder) -> Response:
    """GET: every fault switch; PUT {"on": [names]}: exactly these on."""
    if request.method == "PUT":
        data = await body_object(request, ctx)
        names = _checked(lambda: _fault_names(data))
        ctx.faults.restore(names)
    on = ctx.faults.active()
    trace.outcome = f"faults on: {', '.join(sorted(on)) or 'none'}"
    return json_response({"faults": [{"name": f.name, "title": f.title, "rule": f.rule,
                                      "on": f.name in on} for f in FAULTS]})


def _fault_names(data: dict[str, Any]) -> list[str]:
    ji.obj(data, "", ("on",))
    names = [value for _, value in ji.items(data, "on", "")]
    for i, name in enumerate(names):
        if not isinstance(name, str) or name not in FAULTS_BY_NAME:
            raise ji.InputError(f"on[{i}]: unknown fault {name!r}; the faults are "
                                f"{', '.join(FAULTS_BY_NAME)}")
    return names


# -- clients, users, reset --------------------------------------------------------------------
async def clients(request: Request, ctx: ServerContext, trace: TraceBuilder) -> Response:
    """GET: the registered clients' ids; POST (one client, the seed's shape): register it,
    replacing a client with the same id."""
    if request.method == "POST":
        data = await body_object(request, ctx)
        client = _checked(lambda: client_from_dict(data, "client"))
        ctx.clients.replace(client)
        trace.outcome = f"client {client.id} registered"
        return json_response({"client_id": client.id}, 201)
    trace.outcome = "clients listed"
    return json_response({"clients": [c.id for c in ctx.clients.list()]})


async def users(request: Request, ctx: ServerContext, trace: TraceBuilder) -> Response:
    """GET: the users; POST {"sub": ..., "claims": {...}}: add one, replacing the same `sub`."""
    if request.method == "POST":
        data = await body_object(request, ctx)
        sub = _checked(lambda: _user_sub(data))
        ctx.users.put(make_user(sub, _checked(lambda: ji.claims(data, "claims", ""))))
        trace.outcome = f"user {sub} added"
        return json_response({"sub": sub}, 201)
    trace.outcome = "users listed"
    return json_response({"users": [{"sub": u.sub, "claims": dict(u.claims)} for u in ctx.users]})


def _user_sub(data: dict[str, Any]) -> str:
    ji.obj(data, "", ("sub", "claims"))
    sub = ji.text(data, "sub", "")
    if sub is None:
        raise ji.InputError("sub: give the user's subject identifier (OIDC Core §2)")
    return sub


async def reset(request: Request, ctx: ServerContext, trace: TraceBuilder) -> Response:
    """POST: behaviours, journal, faults, clock, clients, users and every code, token and
    session back to how the server started (the signing keys stay)."""
    ctx.reset()
    trace.outcome = "server state reset"
    return json_response({"reset": True})


async def index(request: Request, ctx: ServerContext, trace: TraceBuilder) -> Response:
    """GET /_playground/: the endpoints and what they take."""
    trace.outcome = "control API listed"
    return json_response({"endpoints": INDEX, "docs": "docs/serve.md"})


INDEX = [
    {"path": f"{PREFIX}/behaviours", "methods": ["POST", "GET", "DELETE"],
     "body": {"match": {k: "string (optional)" for k in MATCH_FIELDS},
              "claims": "object (both tokens)", "access_token_claims": "object",
              "id_token_claims": "object", "delay": f"seconds (0..{MAX_DELAY:g})",
              "error": {"error": "RFC 6749 §5.2 code", "status": "400..599",
                        "error_description": "string"}, "times": "1..100"}},
    {"path": f"{PREFIX}/tokens", "methods": ["POST"],
     "body": {"type": "access_token | id_token", "sub": "string", "client_id": "string",
              "scope": "string", "aud": "string", "claims": "object",
              "expires_in": "seconds", "alg": "RS256 | ES256 | PS256 | EdDSA (id_token)",
              "format": "jwt | opaque (access_token)"}},
    {"path": f"{PREFIX}/requests", "methods": ["GET", "DELETE"],
     "query": {k: "exact match (optional)" for k in FILTERS}},
    {"path": f"{PREFIX}/requests/take", "methods": ["POST"],
     "query": {k: "exact match (optional)" for k in FILTERS}},
    {"path": f"{PREFIX}/keys/rotate", "methods": ["POST"],
     "body": {"grace_seconds": f"seconds the old keys stay published (0..{MAX_GRACE})"}},
    {"path": f"{PREFIX}/clock", "methods": ["GET", "POST"],
     "body": {"advance": "seconds", "set": "epoch seconds", "reset": "true"}},
    {"path": f"{PREFIX}/faults", "methods": ["GET", "PUT"],
     "body": {"on": [f.name for f in FAULTS]}},
    {"path": f"{PREFIX}/clients", "methods": ["GET", "POST"],
     "body": "one client in the seed's shape (docs/serve.md)"},
    {"path": f"{PREFIX}/users", "methods": ["GET", "POST"],
     "body": {"sub": "string", "claims": "object"}},
    {"path": f"{PREFIX}/reset", "methods": ["POST"]},
    {"path": f"{PREFIX}/health", "methods": ["GET"]},
]

