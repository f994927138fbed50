"""The device authorization request and response: RFC 8628 §3.1, §3.2, and the polled token
request of §3.4.

§3.1: the device posts `client_id` (client authentication as at the token endpoint, RFC 6749
§2.3.1) and an optional `scope` to the `device_authorization_endpoint` of the metadata (§4).
§3.2: the answer's `device_code`, `user_code`, `verification_uri` and `expires_in` are required,
`verification_uri_complete` optional and `interval` defaults to 5 s; errors are RFC 6749 §5.2's.
§3.4: the device then polls the token endpoint with `grant_type=
urn:ietf:params:oauth:grant-type:device_code` and the `device_code`.

`DeviceAuthorization.polling` is the live state of the polling that follows (the interval as
`slow_down` has grown it, when the next poll goes, each poll's answer), which the poll step
writes and the window reads while it counts down.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from playground.core.flowerrors import FlowError, oauth_error
from playground.core.protocol.token import ClientAuth, Fields, build_token_request
from playground.core.protocol.wire import HttpRequest, json_object

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"
DEFAULT_INTERVAL = 5  # §3.2: "If no value is provided, clients MUST use 5 as the default."
REQUIRED = ("device_code", "user_code", "verification_uri", "expires_in")


class DeviceAuthorizationError(FlowError):
    """The device authorization endpoint refused, or answered something unusable (§3.2)."""


@dataclass(frozen=True, slots=True)
class Poll:
    """One poll of the token endpoint (§3.4) and what it heard (§3.5)."""

    at: float
    status: int
    answer: str  # "tokens", or the error code: authorization_pending, slow_down, …
    description: str = ""
    interval: float = DEFAULT_INTERVAL  # the interval in force after this answer


@dataclass
class PollProgress:
    """Polling as it goes: the poll step writes it, a view reads it to count down."""

    interval: float = DEFAULT_INTERVAL
    next_at: float | None = None  # when the next poll goes; None while none is scheduled
    polls: list[Poll] = field(default_factory=list)
    # (decision, user) of an in-app decision taken while the device polled (approve_alongside)
    decided_alongside: tuple[str, str | None] | None = None

    def start(self, interval: float) -> None:
        self.interval, self.next_at, self.polls = interval, None, []


@dataclass(frozen=True, slots=True)
class DeviceAuthorization:
    """§3.2: what the device shows the user and how it polls."""

    request: HttpRequest
    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    expires_in: int
    interval: int
    received_at: float
    raw: dict[str, Any]
    polling: PollProgress = field(default_factory=PollProgress, compare=False)

    @property
    def expires_at(self) -> float:
        return self.received_at + self.expires_in

    @property
    def link(self) -> str:
        """The URI the user opens: the complete one (the code filled in) when there is one."""
        return self.verification_uri_complete or self.verification_uri


def build_device_request(endpoint: str, auth: ClientAuth, scope: str | None) -> HttpRequest:
    """§3.1: the form POST, with the client authentication of RFC 6749 §2.3.1."""
    return build_token_request(endpoint, [("scope", scope)] if scope else [], auth)


def device_grant_fields(device_code: str) -> Fields:
    """§3.4: the token request of a polling device."""
    return [("grant_type", GRANT_TYPE), ("device_code", device_code)]


def parse_device_response(request: HttpRequest, status: int, content_type: str | None,
                          body: bytes, now: float) -> DeviceAuthorization:
    """§3.2 on 200, RFC 6749 §5.2 otherwise; `DeviceAuthorizationError` with the code."""
    data = json_object(body, content_type, what="the device authorization response",
                       error=DeviceAuthorizationError)
    if status != 200 or "error" in data:
        raise _error_from(status, data)
    missing = [name for name in REQUIRED if name not in data]
    if missing:
        raise DeviceAuthorizationError(
            f"the device authorization response lacks {', '.join(missing)}", rfc="RFC 8628 §3.2")
    return DeviceAuthorization(
        request=request, device_code=_text(data, "device_code"),
        user_code=_text(data, "user_code"), verification_uri=_text(data, "verification_uri"),
        verification_uri_complete=_optional_text(data, "verification_uri_complete"),
        expires_in=_seconds(data, "expires_in", None), interval=_seconds(
            data, "interval", DEFAULT_INTERVAL), received_at=now, raw=data)


def _error_from(status: int, data: dict[str, Any]) -> DeviceAuthorizationError:
    code = str(data.get("error") or "")
    description = str(data.get("error_description") or "")
    if not code:
        return DeviceAuthorizationError(f"the device authorization endpoint answered HTTP "
                                        f"{status} without an error code", rfc="RFC 8628 §3.2")
    text = f"the device authorization endpoint answered {code} (HTTP {status})"
    return DeviceAuthorizationError(text + (f": {description}" if description else ""),
                                    rfc="RFC 8628 §3.2", oauth=oauth_error(code, description))


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise DeviceAuthorizationError(f"{name} must be a non-empty string", rfc="RFC 8628 §3.2")
    return value


def _optional_text(data: dict[str, Any], name: str) -> str | None:
    return _text(data, name) if data.get(name) is not None else None


def _seconds(data: dict[str, Any], name: str, default: int | None) -> int:
    value = data.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise DeviceAuthorizationError(f"{name} must be a positive number of seconds, not "
                                       f"{value!r}", rfc="RFC 8628 §3.2")
    return value
