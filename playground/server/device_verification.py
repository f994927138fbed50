"""The verification page of the device grant: RFC 8628 §3.3, with §5.1's attempt limits.

`GET /device` shows the form asking for the user code (filled in from
`verification_uri_complete`, §3.3.1); `POST /device` checks it. A right code starts the same
login and consent interaction as the authorization endpoint (playground.server.interaction),
for the device's client and scopes; finishing it records the user's decision on the device code
(`finish`), which the device learns at its next poll (§3.5). Nothing redirects to the client:
the device has no redirect URI.

Protected like the other pages: the form carries a CSRF token, an HMAC of the browser's
`pg_device` cookie (RFC 6749 §10.12), and every page has the anti-framing headers (§10.13).
§5.1: wrong codes are counted per cookie and in total (playground.server.device_attempts); past
the limit every try is refused with a 429 page. The same pages are readable as JSON
(`Accept: application/json`) for the in-app user agent, like the interaction pages.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from playground.core.errors import InvalidRequest
from playground.server import device_pages
from playground.server.authorization_request import AuthorizationRequest
from playground.server.context import ServerContext
from playground.server.device_store import DeviceRecord, DeviceState, normalize_user_code
from playground.server.http import Params, json_response, read_body, wants_json
from playground.server.security import PAGE_HEADERS
from playground.server.sessions import COOKIE, Interaction
from playground.server.store import Grant
from playground.server.trace import TraceBuilder

PATH = "/device"
DEVICE_COOKIE = "pg_device"
RULE = "RFC 8628 §3.3"
_SID = re.compile(r"[A-Za-z0-9_-]{16,64}")


class TooManyAttempts(InvalidRequest):
    """§5.1: refused by the rate limit (RFC 6585 §4: 429 Too Many Requests)."""

    status_code = 429


def _csrf(ctx: ServerContext, sid: str) -> str:
    digest = hmac.new(ctx.device_key, sid.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _sid(request: Request) -> str | None:
    sid = request.cookies.get(DEVICE_COOKIE, "")
    return sid if _SID.fullmatch(sid) else None


def _page(request: Request, html: str, data: Mapping[str, object], status: int = 200,
          cookie: str | None = None) -> Response:
    response = (json_response(data, status) if wants_json(request)
                else HTMLResponse(html, status, PAGE_HEADERS))
    if cookie:
        response.headers.append("Set-Cookie", cookie)
    return response


def _form(request: Request, ctx: ServerContext, sid: str, prefill: str, problem: str = "",
          status: int = 200, cookie: str | None = None) -> Response:
    csrf = _csrf(ctx, sid)
    action = ctx.base_path + PATH
    data: dict[str, object] = {"prompt": "user_code", "action": action, "csrf": csrf,
                               "user_code": prefill or None}
    if problem:
        data.update(error="invalid_request", error_description=problem)
    return _page(request, device_pages.code_page(action, csrf, prefill, problem), data, status,
                 cookie)


async def page(request: Request, ctx: ServerContext, trace: TraceBuilder) -> Response:
    """/device: the form (GET, HEAD) or a code entered in it (POST)."""
    if request.method == "POST":
        return await submit(request, ctx, trace)
    return await show(request, ctx, trace)


async def show(request: Request, ctx: ServerContext, trace: TraceBuilder) -> Response:
    """GET /device[?user_code=…]: the form (a new browser gets its `pg_device` cookie)."""
    sid, cookie = _sid(request), None
    if sid is None:
        sid = secrets.token_urlsafe(24)
        cookie = f"{DEVICE_COOKIE}={sid}; Path={ctx.base_path + PATH}; HttpOnly; SameSite=Lax"
    prefill = Params.from_query(request.scope["query_string"]).get("user_code") or ""
    refusal = ctx.device_attempts.refusal(sid)
    trace.require("this browser may try a user code", refusal is None,
                  TooManyAttempts(refusal or "", rfc="RFC 8628 §5.1"))
    trace.outcome = "user code form shown" + (" (filled in)" if prefill else "")
    return _form(request, ctx, sid, prefill[:40], cookie=cookie)


async def submit(request: Request, ctx: ServerContext, trace: TraceBuilder) -> Response:
    """POST /device (form: csrf, user_code): a right code starts sign-in and consent."""
    sid = _sid(request)
    trace.require("the browser sent its verification cookie", sid is not None, InvalidRequest(
        "the verification cookie is missing: open the page again (and allow cookies for it)",
        rfc="RFC 6749 §10.12"))
    assert sid is not None
    form = Params.from_form(await read_body(request, ctx.config.max_body))
    token = (form.get("csrf") or "").encode()
    trace.require("CSRF token matches", hmac.compare_digest(token, _csrf(ctx, sid).encode()),
                  InvalidRequest("the form's CSRF token is missing or wrong",
                                 rfc="RFC 6749 §10.12"))
    refusal = ctx.device_attempts.refusal(sid)
    trace.require("this browser may try a user code", refusal is None,
                  TooManyAttempts(refusal or "", rfc="RFC 8628 §5.1"))
    typed = form.get("user_code") or ""
    code = normalize_user_code(typed)
    record = ctx.devices.by_user_code(code) if code else None
    if record is None:
        return _wrong(request, ctx, sid, typed, trace)
    _usable(ctx, record, trace)
    return _start(ctx, record, trace)


def _wrong(request: Request, ctx: ServerContext, sid: str, typed: str,
           trace: TraceBuilder) -> Response:
    """§5.1: count the miss; the form again, saying how many tries are left."""
    left = ctx.device_attempts.wrong(sid)
    problem = (f"That code is not valid. {left} {'try' if left == 1 else 'tries'} left." if left
               else "That code is not valid, and that was the last try for now.")
    error = InvalidRequest(problem, rfc="RFC 8628 §5.1")
    trace.check("user code is a live code", False, problem, "RFC 8628 §3.3, §5.1")
    trace.fail(error, "wrong user code")
    return _form(request, ctx, sid, typed[:40], problem, 400)


def _usable(ctx: ServerContext, record: DeviceRecord, trace: TraceBuilder) -> None:
    trace.check("user code is a live code", True, record.shown_code, RULE)
    trace.client_id = record.client_id
    trace.require("the code has not expired", not ctx.devices.expired(record), InvalidRequest(
        "this code has expired; start again on your device to get a new one", rfc=RULE))
    trace.require("the code is waiting for a decision", record.state is DeviceState.PENDING,
                  InvalidRequest(f"this code was already {record.state.value}; start again on "
                                 "your device to get a new one", rfc=RULE))


def _start(ctx: ServerContext, record: DeviceRecord, trace: TraceBuilder) -> Response:
    """The authorization endpoint's login and consent, for the device's client and scopes."""
    client = ctx.clients.get(record.client_id)
    trace.require("the device's client is still registered", client is not None,
                  InvalidRequest(f"client {record.client_id!r} is no longer registered",
                                 rfc="RFC 6749 §2.2"))
    assert client is not None
    auth = AuthorizationRequest(client, "", False, None, record.scopes, None, None, None,
                                frozenset(), None)
    item = ctx.interactions.create(auth, device=(record.device_code, record.shown_code))
    trace.outcome = f"user code {record.shown_code} accepted; interaction {item.uid} started"
    cookie = f"{COOKIE}={item.binding}; Path={item.path}; HttpOnly; SameSite=Lax"
    return Response(status_code=303, headers={"Location": item.path, "Set-Cookie": cookie})


def finish(request: Request, ctx: ServerContext, item: Interaction,
           scopes: tuple[str, ...] | None, trace: TraceBuilder) -> Response:
    """The end of the interaction: approve the device code with `scopes`, or deny it (None)."""
    assert item.device is not None and item.user is not None
    device_code, shown = item.device
    record = ctx.devices.by_device_code(device_code)
    grant = None if scopes is None else _grant(item, scopes)
    decided = record is not None and ctx.devices.decide(record, grant)
    trace.require("the device code is still waiting for a decision", decided, InvalidRequest(
        "this code expired or was decided in another browser meanwhile; start again on your "
        "device", rfc=RULE))
    approved = scopes is not None
    trace.outcome = (f"device code approved by {item.user} for {' '.join(scopes)}" if scopes
                     is not None else f"device code denied by {item.user}")
    client = item.request.client
    data = {"result": "approved" if approved else "denied", "user_code": shown,
            "client": client.id}
    return _page(request, device_pages.done_page(approved, client.display_name, shown), data)


def _grant(item: Interaction, scopes: tuple[str, ...]) -> Grant:
    assert item.user is not None
    return Grant(item.request.client.id, item.user, scopes, item.auth_time)
