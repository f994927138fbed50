"""Lab scenarios of the device grant (RFC 8628): what the polling device and the verification
page must not get away with.

Each runs the Device Authorization flow against the embedded server with the device client: a
device that polls too fast (`slow_down`, and the interval grows by 5 s), a user who denies
(`access_denied`), a code nobody enters in time (`expired_token`), a device code redeemed twice
(`invalid_grant`, and the first tokens revoked), and someone guessing user codes (§5.1).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import httpx

from playground.core.flow.session import FlowSession
from playground.core.flowerrors import FlowError
from playground.core.flows import DEVICE_CODE
from playground.core.flows.device_code import DEVICE
from playground.core.protocol.device_authorization import GRANT_TYPE, DeviceAuthorization
from playground.core.protocol.wire import json_object
from playground.lab.model import LabContext, Result, Scenario

JSON = {"Accept": "application/json"}
WRONG = ("BBBB-BBBB", "CCCC-CCCC", "DDDD-DDDD", "FFFF-FFFF", "GGGG-GGGG")


def _session(ctx: LabContext, **user: str) -> FlowSession:
    client = next(c for c in ctx.server.clients.list() if GRANT_TYPE in c.grantTypes)
    session = ctx.session(spec=DEVICE_CODE, client_id=client.id,
                          client_secret=client.secret or None,
                          auth_method="none" if client.is_public else "client_secret_basic",
                          redirect_uri=None, scope=" ".join(client.scopes))
    for name, value in user.items():
        session.set_input("device_user", name, value)
    return session


async def _authorized(ctx: LabContext, **user: str) -> FlowSession:
    session = _session(ctx, **user)
    for key in ("discovery", "device_authorization"):
        step = await session.run(key)
        if step.error is not None:
            raise step.error
    return session


def _codes(session: FlowSession) -> DeviceAuthorization:
    auth = session.outcome(DEVICE)
    if auth is None:
        raise FlowError("the device authorization request did not run")
    return auth


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    error: str
    description: str


async def _poll(session: FlowSession) -> Answer:
    """One poll by hand (a device ignoring the interval), recorded as 'poll'."""
    async def send() -> httpx.Response:
        return await session.http.post(session.outcome("discovery").token_endpoint, data={
            "grant_type": GRANT_TYPE, "client_id": session.inputs("token")["client_id"],
            "device_code": _codes(session).device_code})

    response = await session.action("poll", send)
    data = json_object(response.content, response.headers.get("content-type"), what="answer")
    return Answer(response.status_code, str(data.get("error") or "tokens"),
                  str(data.get("error_description") or ""))


async def _too_fast(ctx: LabContext) -> Result:
    session = await _authorized(ctx, mode="manual")
    answers = [await _poll(session), await _poll(session)]
    ctx.server.clock.advance(10)  # the interval, grown by 5 s
    answers.append(await _poll(session))
    said = [a.error for a in answers]
    happened = (f"two polls at once, then one 10 s later: {', '.join(said)} "
                f"({answers[1].description})")
    return Result(said == ["authorization_pending", "slow_down", "authorization_pending"]
                  and "wait 10 s" in answers[1].description, happened)


async def _denied(ctx: LabContext) -> Result:
    session = _session(ctx, decision="deny")
    await session.run_all()
    user, step = session.outcome("device_user"), session.step("token")
    got = step.error.error_code if step.error else None
    decided = user.decision if user else "nothing"
    return Result(got == "access_denied" and decided == "denied",
                  f"the user {decided}; the next poll was refused with {got}")


async def _expired(ctx: LabContext) -> Result:
    session = await _authorized(ctx, mode="manual")
    lifetime = _codes(session).expires_in
    ctx.server.clock.advance(lifetime + 1)
    answer = await _poll(session)
    return Result(answer.error == "expired_token",
                  f"{lifetime + 1} s later the poll heard {answer.error}: {answer.description}")


async def _replayed(ctx: LabContext) -> Result:
    session = _session(ctx)
    if not await session.run_all():
        failed = session.failed_step
        return Result(False, f"the flow failed at {failed.title if failed else '?'}")
    again = await _poll(session)
    userinfo = await session.run("userinfo")
    revoked = userinfo.error is not None and "invalid_token" in str(userinfo.error)
    return Result(again.error == "invalid_grant" and revoked,
                  f"redeemed again: {again.error} ({again.description}); UserInfo with the first "
                  f"access token: {'invalid_token' if revoked else 'still accepted'}")


def _entering(session: FlowSession, code: str,
              csrf: str) -> Callable[[], Coroutine[Any, Any, httpx.Response]]:
    """A browser's try of `code` at the verification page (its form's CSRF token)."""
    async def enter() -> httpx.Response:
        return await session.http.post(_codes(session).verification_uri,
                                       data={"csrf": csrf, "user_code": code}, headers=JSON)
    return enter


async def _guessed(ctx: LabContext) -> Result:
    session = await _authorized(ctx, mode="manual")
    uri = _codes(session).verification_uri
    form = await session.action("guess", lambda: session.http.get(uri, headers=JSON))
    csrf = str(form.json().get("csrf", ""))
    wrong = [(await session.action("guess", _entering(session, code, csrf))).status_code
             for code in WRONG]
    right = _entering(session, _codes(session).user_code, csrf)
    last = await session.action("guess", right)
    said = str(last.json().get("error_description", ""))
    return Result(wrong == [400] * len(WRONG) and last.status_code == 429,
                  f"{len(WRONG)} wrong codes, then the right one: HTTP {last.status_code}, {said}")


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("device-slow-down", "Device polls too fast",
             "The device polls the token endpoint twice at once, then again after 10 s.",
             "slow_down, and the interval grows by 5 s", "RFC 8628 §3.5",
             "a device that ignores the interval is told slow_down, and from then on must wait "
             "5 s longer between polls", _too_fast),
    Scenario("device-denied", "The user denies the device",
             "The user enters the code, signs in and clicks Deny.",
             "the next poll is refused with access_denied", "RFC 8628 §3.5",
             "the device hears the user's no at its next poll and stops", _denied),
    Scenario("device-expired", "Nobody enters the code in time",
             "The device shows its code, nobody enters it, the server's clock passes expires_in.",
             "the poll is refused with expired_token", "RFC 8628 §3.5",
             "a device code lives expires_in seconds; then the device must start again",
             _expired),
    Scenario("device-code-replay", "A device code redeemed twice",
             "The device gets its tokens, then redeems the same device code again.",
             "invalid_grant, and the first tokens are revoked", "RFC 8628 §3.5",
             "a device code is redeemed once; a second redemption means it leaked, so what it "
             "issued is revoked, as for a replayed authorization code (RFC 6749 §4.1.2)",
             _replayed),
    Scenario("device-code-guessing", "Guessing user codes",
             "A browser tries five wrong user codes, then the right one.",
             "the sixth try is refused (HTTP 429), right code or not", "RFC 8628 §5.1",
             "a user code is short enough to type, so the attempts to guess one are limited: 5 "
             "wrong codes lock the browser out for 5 minutes, 30 a minute lock everyone out",
             _guessed),
)
