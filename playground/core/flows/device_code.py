"""The Device Authorization Grant (RFC 8628), as a `FlowSpec`: a TV or a CLI signs a user in.

discovery → device_authorization → device_user → token → tokens → userinfo. The device asks
for a device code and a user code (§3.1-§3.2), the user enters the code elsewhere and approves
(§3.3: in-app, the system browser, or by hand), the device polls the token endpoint until the
decision comes (§3.4-§3.5), and the tokens are verified as the authorization code flow's are
(OIDC Core §3.1.3.7, RFC 9068 §4), without a nonce: the device grant has no authorization
request to carry one.
"""

from __future__ import annotations

from typing import Any

from playground.core.checks import CheckResult
from playground.core.flow import steps
from playground.core.flow.device_polling import (
    DeviceTokenOutcome,
    build_poll_request,
    poll_lines,
    run_poll,
)
from playground.core.flow.device_user import DeviceUserOutcome, run_user
from playground.core.flow.flowspec import FlowSpec, StepKey, StepSpec
from playground.core.flow.stepinfo import ClientConfig
from playground.core.flowerrors import FlowError
from playground.core.flows.auth_code import DISCOVERY, TOKENS, USERINFO
from playground.core.jose import jwt
from playground.core.protocol import token
from playground.core.protocol.device_authorization import (
    GRANT_TYPE,
    DeviceAuthorization,
    build_device_request,
    parse_device_response,
)
from playground.core.protocol.wire import HttpRequest
from playground.core.record import render

DEVICE = StepKey("device_authorization", DeviceAuthorization)
USER = StepKey("device_user", DeviceUserOutcome)
TOKEN = StepKey("token", DeviceTokenOutcome)
NO_NONCE = "the device grant has no authorization request, so no nonce was sent (RFC 8628 §3.1)"


def _client_inputs(config: ClientConfig) -> dict[str, Any]:
    return {"client_id": config.client_id, "client_secret": config.client_secret,
            "auth_method": config.auth_method}


def _device_inputs(config: ClientConfig) -> dict[str, Any]:
    return {**_client_inputs(config), "scope": config.scope}


def _token_inputs(config: ClientConfig) -> dict[str, Any]:
    return {**_client_inputs(config), "body_format": config.token_body, "max_wait": None,
            "max_polls": 200}


def build_device_authorization(ctx: steps.StepContext) -> HttpRequest:
    """§3.1 at the metadata's device_authorization_endpoint (§4)."""
    meta = ctx.outcome(DISCOVERY)
    if meta is None or meta.device_authorization_endpoint is None:
        raise FlowError("the provider's metadata has no device_authorization_endpoint: it "
                        "does not offer the device grant", rfc="RFC 8628 §4")
    inputs = ctx.inputs(DEVICE)
    auth = token.ClientAuth(str(inputs["client_id"]), inputs.get("client_secret"),
                            inputs.get("auth_method") or "none")
    scope = str(inputs.get("scope") or "").strip() or None
    return build_device_request(meta.device_authorization_endpoint, auth, scope)


async def run_device_authorization(ctx: steps.StepContext) -> DeviceAuthorization:
    request = build_device_authorization(ctx)
    response = await steps.fetch(ctx, request)
    return parse_device_response(request, response.status_code,
                                 response.headers.get("content-type"), response.content,
                                 ctx.now())


async def run_verify(ctx: steps.StepContext) -> steps.TokensOutcome:
    """The access token (RFC 9068 §4) and the id_token (OIDC Core §3.1.3.7), no nonce."""
    answer = ctx.outcome(TOKEN).response
    return await steps.verify_without_nonce(ctx, _presence(ctx, answer), NO_NONCE)


def _presence(ctx: steps.StepContext, answer: token.TokenResponse) -> tuple[CheckResult, ...]:
    """OIDC Core §3.1.3.3: with `openid` (asked for, or granted when none was asked) the
    answer carries an id_token."""
    asked = str(ctx.inputs(DEVICE).get("scope") or "") or (answer.scope or "")
    rule = "OIDC Core §3.1.3.3"
    if "openid" not in asked.split():
        return (CheckResult("id_token present", "skip", "openid was not requested", rule),)
    if answer.id_token:
        return (CheckResult("id_token present", "pass", "openid requested, id_token received",
                            rule),)
    return (CheckResult("id_token present", "fail", "openid was requested but no id_token came",
                        rule),)


def device_lines(auth: DeviceAuthorization) -> list[str]:
    lines = [f"  user_code: {auth.user_code}", f"  verification_uri: {auth.verification_uri}"]
    if auth.verification_uri_complete:
        lines.append(f"  verification_uri_complete: {auth.verification_uri_complete}")
    lines.append(f"  expires_in: {auth.expires_in} s, interval: {auth.interval} s")
    return lines


def user_lines(outcome: DeviceUserOutcome) -> list[str]:
    if outcome.mode == "in_app":
        who = f" as {outcome.user}" if outcome.user else ""
        return [f"  in-app: entered {outcome.user_code} at {outcome.url}, signed in{who}: "
                f"{outcome.decision}"]
    if outcome.mode == "browser":
        opened = "opened" if outcome.opened else "could not be opened; open it yourself"
        return [f"  system browser {opened}: {outcome.url}"]
    return manual_lines(outcome)


def manual_lines(outcome: DeviceUserOutcome) -> list[str]:
    """What the user needs, each on a line of its own (a script reading the output, or a
    person, copies it whole): verification_uri_complete, else verification_uri then the code
    (RFC 8628 §3.3, §3.3.1). The device is polling by the time this is read."""
    if outcome.complete:
        lines = [f"  on any device, open this URL (it carries the code {outcome.user_code}), "
                 "sign in and approve:", outcome.complete]
    else:
        lines = ["  on any device, open this URL and enter the code below:", outcome.url,
                 outcome.user_code]
    return [*lines, "  (the device polls the token endpoint until you approve or deny)"]


def token_lines(outcome: Any) -> list[str]:
    return render.token_lines(outcome) + poll_lines(outcome)


STEPS: tuple[StepSpec[Any], ...] = (
    StepSpec(
        DISCOVERY, "Discovery",
        "Fetch the provider's metadata: the device_authorization_endpoint to ask for a code, "
        "the token endpoint to poll, the keys that sign its tokens.",
        "RFC 8414 §3, RFC 8628 §4", steps.run_discovery, lambda c: {"issuer": c.issuer},
        render.discovery_lines,
    ),
    StepSpec(
        DEVICE, "Device authorization request",
        "The device (a TV, a CLI) has no browser to send the user to: it asks for a "
        "device_code to poll with and a short user_code for the user to type elsewhere.",
        "RFC 8628 §3.1, §3.2", run_device_authorization, _device_inputs, device_lines,
        requires=(DISCOVERY,), preview=build_device_authorization,
    ),
    StepSpec(
        USER, "User enters the code",
        "On another device the user opens the verification URI, types the code (or scans the "
        "QR code of the complete URI), signs in and approves or denies.",
        "RFC 8628 §3.3", run_user,
        lambda _c: {"mode": "in_app", "decision": "approve", "user": None}, user_lines,
        requires=(DEVICE,),
    ),
    StepSpec(
        TOKEN, "Poll the token endpoint",
        "Meanwhile the device asks the token endpoint every interval seconds: "
        "authorization_pending until the user decides, slow_down (wait 5 s longer) when it "
        "asks too often, then the tokens, access_denied or expired_token.",
        "RFC 8628 §3.4, §3.5", run_poll, _token_inputs, token_lines,
        requires=(DISCOVERY, DEVICE), preview=build_poll_request,
    ),
    StepSpec(
        TOKENS, "Verify tokens",
        "Check the tokens' signatures against the JWKS, their issuer, audience and expiry; an "
        "id_token comes with openid, a refresh token with offline_access.",
        "OIDC Core §3.1.3.7, RFC 9068 §4", run_verify,
        lambda _c: {"leeway": 60.0, "algorithms": jwt.DEFAULT_ALGORITHMS},
        render.tokens_lines, requires=(DISCOVERY, TOKEN),
    ),
    StepSpec(
        USERINFO, "UserInfo",
        "Call the UserInfo endpoint with the access token: the user who approved the code.",
        "OIDC Core §5.3", steps.run_userinfo, render=render.userinfo_lines,
        requires=(DISCOVERY, TOKEN),
    ),
)

DEVICE_CODE = FlowSpec("device_code", "Device Authorization", "RFC 8628", STEPS,
                       tokens_step=TOKEN, grant_type=GRANT_TYPE, summary_step="device_user")
