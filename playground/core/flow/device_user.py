"""The user's part of the device grant: RFC 8628 §3.3, on another device than the polling one.

The user opens the `verification_uri`, types the `user_code` (or opens
`verification_uri_complete`, the code filled in, §3.3.1), signs in and approves or denies.
Three ways, as the step's `mode` input says:

- `in_app`: the in-app agent does it against the embedded server (or any server that speaks its
  JSON pages): it reads the code form as JSON (`Accept: application/json`), posts the code as the
  HTML form would, then walks the login and consent interaction with a `ConsentDecider` from the
  step's `decision` and `user` inputs, until the server says `approved` or `denied`;
- `browser`: the system browser opens `verification_uri_complete`; the step ends at once;
- `manual`: nothing is opened; the user types the code on any device (a phone, from the QR
  code); the step ends at once.

In the last two the poll step then waits for the decision. `approve_alongside` is the in-app
agent while the device already polls (a user who picks up a phone meanwhile): its exchanges go
into the session's log under this step's name, on a client of its own, since the session runs
one step at a time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urljoin, urlsplit

import httpx

from playground.core.flow.loopback import launch_browser as launch_browser  # re-exported
from playground.core.flow.useragent import (
    MAX_HOPS,
    ConsentDecider,
    PendingInteraction,
    approve,
    deny,
    interaction_form,
    parse_interaction,
)
from playground.core.flowerrors import FlowError, UserAgentError
from playground.core.protocol.device_authorization import DeviceAuthorization
from playground.core.protocol.wire import json_object
from playground.core.record.recorder import RecordingTransport

if TYPE_CHECKING:
    from playground.core.flow.session import FlowSession
    from playground.core.flow.steps import StepContext

DEVICE = "device_authorization"
USER = "device_user"
MODES = ("in_app", "browser", "manual")
RULE = "RFC 8628 §3.3"
Form = list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class DeviceUserOutcome:
    """How the user got the code to the server, and (in-app) what they decided."""

    mode: str
    url: str
    user_code: str
    decision: str | None = None  # "approved" / "denied" when the in-app agent decided
    user: str | None = None
    interactions: tuple[PendingInteraction, ...] = ()
    opened: bool | None = None  # browser mode: whether a browser was launched
    complete: str | None = None  # verification_uri_complete, when the provider gave one


async def run_user(ctx: StepContext) -> DeviceUserOutcome:
    """The step: the user enters the code, as the `mode` input says."""
    auth: DeviceAuthorization = ctx.outcome(DEVICE)
    inputs = ctx.inputs(USER)
    mode = str(inputs.get("mode") or "in_app")
    if mode == "manual":
        return DeviceUserOutcome("manual", auth.verification_uri, auth.user_code,
                                 complete=auth.verification_uri_complete)
    if mode == "browser":
        opened = await asyncio.to_thread(_launcher(ctx), auth.link)
        return DeviceUserOutcome("browser", auth.link, auth.user_code, opened=bool(opened))
    if mode != "in_app":
        raise FlowError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    allow = inputs.get("decision") != "deny"
    return await enter_code(ctx.http, auth, allow, inputs.get("user"))


def _launcher(ctx: StepContext) -> Callable[[str], Any]:
    """The session's user agent's `open_url` when it has one (the CLI's, a test's), else the
    system browser."""
    opener = getattr(ctx.user_agent, "open_url", None)
    return opener if callable(opener) else launch_browser


async def enter_code(http: httpx.AsyncClient, auth: DeviceAuthorization, allow: bool,
                     user: str | None) -> DeviceUserOutcome:
    """The in-app agent: the code form, then login and consent, approving or denying."""
    agent = DeviceAgent(approve(user) if allow else deny(user))
    decision = await agent.visit(http, auth.link, auth.user_code)
    seen = agent.interactions
    signed_in = next((str(i.user.get("sub")) for i in seen if i.user), user)
    return DeviceUserOutcome("in_app", auth.link, auth.user_code, decision, signed_in,
                             tuple(seen))


@dataclass
class DeviceAgent:
    """Walks the verification page and the interaction pages, as a browser would, in JSON."""

    decider: ConsentDecider
    max_hops: int = MAX_HOPS
    interactions: list[PendingInteraction] = field(default_factory=list)

    async def visit(self, http: httpx.AsyncClient, url: str, user_code: str) -> str:
        """`approved` or `denied`, as the server confirms it."""
        self.interactions.clear()
        method, form = "GET", None
        for _ in range(self.max_hops):
            response = await _send(http, method, url, form)
            if response.is_redirect:
                url, method, form = _location(response), "GET", None
                continue
            data = _json(response)
            if data.get("result") in ("approved", "denied"):
                return str(data["result"])
            url, form = await self._answer(response, data, user_code)
            method = "POST"
        raise UserAgentError(f"the verification did not finish after {self.max_hops} hops",
                             rfc=RULE)

    async def _answer(self, response: httpx.Response, data: dict[str, Any],
                      user_code: str) -> tuple[str, Form]:
        """The form to post next: the code, a login or a consent."""
        if data.get("prompt") == "user_code" and response.status_code == 200:
            action = urljoin(str(response.url), str(data.get("action") or ""))
            return action, [("csrf", str(data.get("csrf") or "")), ("user_code", user_code)]
        interaction = parse_interaction(response)
        if interaction is None:
            raise _refused(response, data)
        self.interactions.append(interaction)
        decision = await self.decider(interaction)
        return interaction.action, interaction_form(interaction, decision)


async def _send(http: httpx.AsyncClient, method: str, url: str,
                form: Form | None) -> httpx.Response:
    headers = [("Accept", "application/json")]
    if form is not None:
        parts = urlsplit(url)
        headers += [("Content-Type", "application/x-www-form-urlencoded"),
                    ("Origin", f"{parts.scheme}://{parts.netloc}")]
    try:
        return await http.request(method, url, headers=headers,
                                  content=urlencode(form).encode() if form is not None else None)
    except httpx.HTTPError as exc:
        raise UserAgentError(f"{method} {url}: {exc or type(exc).__name__}") from None


def _location(response: httpx.Response) -> str:
    location: str | None = response.headers.get("location")
    if not location:
        raise UserAgentError(f"HTTP {response.status_code} redirect without a Location header")
    return urljoin(str(response.url), location)


def _json(response: httpx.Response) -> dict[str, Any]:
    if "json" not in response.headers.get("content-type", ""):
        return {}
    try:
        return json_object(response.content, response.headers.get("content-type"), what="page")
    except FlowError:
        return {}


def _refused(response: httpx.Response, data: dict[str, Any]) -> UserAgentError:
    """The page answered neither a form nor a result: say what it said."""
    if data.get("error"):
        return UserAgentError(f"the verification page answered {data['error']} (HTTP "
                              f"{response.status_code}): {data.get('error_description', '')}",
                              rfc=RULE)
    kind = response.headers.get("content-type", "").split(";")[0] or "no content type"
    return UserAgentError(f"the verification page at {response.url} answered HTTP "
                          f"{response.status_code} ({kind}), which the in-app agent cannot "
                          "fill in: use the system browser or enter the code by hand", rfc=RULE)


async def approve_alongside(session: FlowSession, *, allow: bool = True,
                            user: str | None = None) -> DeviceUserOutcome:
    """The in-app agent while the session is busy polling: a client of its own, recorded in
    the session's log as the user step."""
    auth: DeviceAuthorization | None = session.outcome(DEVICE)
    if auth is None:
        raise FlowError("run the device authorization request first: it gives the user code")
    recorder = RecordingTransport(session.log, _Borrowed(session.transport),
                                  trace_lookup=session.trace_lookup)
    recorder.step = USER
    async with httpx.AsyncClient(transport=recorder, follow_redirects=False,
                                 timeout=session.timeout) as http:
        outcome = await enter_code(http, auth, allow, user)
    auth.polling.decided_alongside = (outcome.decision or "", outcome.user)
    return outcome


class _Borrowed(httpx.AsyncBaseTransport):
    """The session's transport (or a fresh one), not closed with the borrowing client."""

    def __init__(self, inner: httpx.AsyncBaseTransport | None) -> None:
        self._inner = inner
        self._own: httpx.AsyncHTTPTransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._inner is None:  # built off the loop, as the recorder builds its own
            self._inner = self._own = await asyncio.to_thread(httpx.AsyncHTTPTransport)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        if self._own is not None:
            await self._own.aclose()
