"""The device polls the token endpoint: RFC 8628 §3.4 (the request) and §3.5 (the answers).

§3.5: `authorization_pending` means poll again after `interval` seconds; `slow_down` means the
same, and "the interval MUST be increased by 5 seconds for this and all subsequent requests";
`access_denied` and `expired_token` end the flow; a 200 is the tokens. Anything else (an
`invalid_grant`, a `invalid_client`) ends it too. Each poll is one recorded exchange of the
token step and one `Poll` in the device authorization's `polling` progress.

The first poll goes at once (the user may have approved already); the waits are on the
session's clock (`StepContext.sleep`), so on a `SimulatedClock` a test polls for ten minutes
without sleeping. Polling stops at the latest `max_wait` seconds after it began (by default
the code's lifetime and a minute: the server should have said `expired_token` by then) or
after `max_polls` polls, so a run can never hang.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playground.core.flow import steps
from playground.core.flowerrors import FlowError, TokenEndpointError
from playground.core.protocol import token
from playground.core.protocol.device_authorization import (
    DeviceAuthorization,
    Poll,
    PollProgress,
    device_grant_fields,
)
from playground.core.protocol.wire import HttpRequest

DEVICE = "device_authorization"
TOKEN = "token"
SLOW_DOWN_STEP = 5
MAX_POLLS = 200
GRACE = 60.0
KEEP_POLLING = ("authorization_pending", "slow_down")
ENDINGS = ("access_denied", "expired_token")


@dataclass(frozen=True, slots=True)
class DeviceTokenOutcome(steps.TokenOutcome):
    """The token step's outcome, with every poll that led to it."""

    polls: tuple[Poll, ...] = ()


def build_poll_request(ctx: steps.StepContext) -> HttpRequest:
    """§3.4, with the token step's client authentication and body format."""
    auth: DeviceAuthorization | None = ctx.outcome(DEVICE)
    if auth is None:
        raise FlowError("run the device authorization request first: it gives the device_code")
    return steps.token_request(ctx, device_grant_fields(auth.device_code))


async def run_poll(ctx: steps.StepContext) -> DeviceTokenOutcome:
    """Poll until the tokens come, or an answer, the deadline or the poll limit ends it."""
    auth: DeviceAuthorization = ctx.outcome(DEVICE)
    progress = auth.polling
    progress.start(auth.interval)
    deadline, limit = _limits(ctx, auth)
    try:
        while True:
            request = build_poll_request(ctx)
            response = await steps.fetch(ctx, request)
            try:
                answer = token.parse_token_response(
                    response.status_code, response.headers.get("content-type"),
                    response.content)
            except TokenEndpointError as exc:
                await _refused(ctx, progress, response.status_code, exc, deadline, limit)
                continue
            progress.polls.append(Poll(ctx.now(), 200, "tokens", "", progress.interval))
            return DeviceTokenOutcome(request, answer, tuple(progress.polls))
    finally:
        progress.next_at = None


def _limits(ctx: steps.StepContext, auth: DeviceAuthorization) -> tuple[float, int]:
    inputs = ctx.inputs(TOKEN)
    wait = inputs.get("max_wait")
    span = float(wait) if wait is not None else auth.expires_in + GRACE
    return ctx.now() + span, int(inputs.get("max_polls") or MAX_POLLS)


async def _refused(ctx: steps.StepContext, progress: PollProgress, status: int,
                   exc: TokenEndpointError, deadline: float, limit: int) -> None:
    """Record the answer; wait and return to poll again, or raise why polling ends."""
    code = exc.error_code or ""
    if code == "slow_down":
        progress.interval += SLOW_DOWN_STEP
    description = exc.oauth.description if exc.oauth else str(exc)
    progress.polls.append(Poll(ctx.now(), status, code or "error", description,
                               progress.interval))
    if code not in KEEP_POLLING:
        if code in ENDINGS:
            exc.rfc = "RFC 8628 §3.5"
        raise exc
    _check_limits(ctx, progress, deadline, limit)
    progress.next_at = ctx.now() + progress.interval
    await ctx.sleep(progress.interval)
    progress.next_at = None


def _check_limits(ctx: steps.StepContext, progress: PollProgress, deadline: float,
                  limit: int) -> None:
    polls = len(progress.polls)
    if polls >= limit or ctx.now() + progress.interval > deadline:
        raise FlowError(f"stopped polling after {polls} poll{'s' if polls != 1 else ''}: the "
                        "user did not decide in time and the server never said expired_token",
                        rfc="RFC 8628 §3.5")


def poll_lines(outcome: Any) -> list[str]:
    """The polls, one line each, for the `flow` command and the form view."""
    polls: tuple[Poll, ...] = getattr(outcome, "polls", ())
    if not polls:
        return []
    start = polls[0].at
    lines = [f"  polls: {len(polls)}"]
    lines += [f"    #{n} at +{p.at - start:.0f} s: {p.answer}"
              + (f" (interval now {p.interval:g} s)" if p.answer == "slow_down" else "")
              for n, p in enumerate(polls, start=1)]
    return lines
