"""The authorization response: parse the redirect back to the client and check it.

RFC 6749 §4.1.2 (code, state), §4.1.2.1 (error, error_description, error_uri), §3.1 (no
parameter twice), §10.12 (state binds the response to this user agent: the seed throws
'State mismatch'), RFC 9207 §2.4 (iss must be the issuer the request was sent to),
OAuth 2.0 Multiple Response Types §2.1 (response_mode=fragment puts the parameters after `#`).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from playground.core.checks import CheckResult
from playground.core.flowerrors import CallbackError, IssuerMismatch, StateMismatch, oauth_error


@dataclass(frozen=True, slots=True)
class AuthorizationResponse:
    """The parameters of the redirect, as received; nothing checked yet."""

    url: str
    params: tuple[tuple[str, str], ...]
    response_mode: str
    code: str | None
    state: str | None
    iss: str | None
    error: str | None
    error_description: str | None
    error_uri: str | None

    @property
    def is_error(self) -> bool:
        return self.error is not None


def parse_redirect(url: str) -> AuthorizationResponse:
    """Read code/state/iss or error from the query (or fragment) of the redirect URL."""
    text = url.strip().strip("\"'<>").strip()
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. an unclosed IPv6 literal, `http://[::1`
        parts = urlsplit("")
    if parts.scheme not in ("http", "https") and not (parts.scheme and parts.path):
        raise CallbackError(
            f"not a redirect URL: {_preview(text)!r} (paste the whole address, "
            "starting with http:// or the app's scheme)",
            rfc="RFC 6749 §4.1.2",
        )
    mode, raw = (
        ("fragment", parts.fragment)
        if parts.fragment and not parts.query
        else ("query", parts.query)
    )
    params = tuple(parse_qsl(raw, keep_blank_values=True))
    _reject_duplicates(params)
    found = dict(params)
    if "code" not in found and "error" not in found:
        raise CallbackError(
            f"the redirect has neither a code nor an error: {_preview(text)!r}",
            rfc="RFC 6749 §4.1.2",
        )
    return AuthorizationResponse(
        url=text,
        params=params,
        response_mode=mode,
        code=found.get("code"),
        state=found.get("state"),
        iss=found.get("iss"),
        error=found.get("error"),
        error_description=found.get("error_description"),
        error_uri=found.get("error_uri"),
    )


def _reject_duplicates(params: tuple[tuple[str, str], ...]) -> None:
    names = [k for k, _ in params]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise CallbackError(
            f"the redirect repeats {', '.join(twice)}: a parameter must not appear twice",
            rfc="RFC 6749 §3.1",
        )


def _preview(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_state(response: AuthorizationResponse, expected: str | None) -> CheckResult:
    """§10.12, and the seed's `if (state !== prevState) throw new Error('State mismatch')`."""
    rule = "RFC 6749 §10.12"
    if expected is None:
        return CheckResult("state", "skip", "no state was sent", rule)
    if response.state == expected:
        return CheckResult("state", "pass", "state matches the one sent", rule)
    if response.state is None:
        return CheckResult("state", "fail", "State mismatch: the response has no state", rule)
    return CheckResult(
        "state", "fail", f"State mismatch: got {response.state!r}, sent {expected!r}", rule
    )


def check_iss(
    response: AuthorizationResponse, expected_issuer: str | None, *, required: bool
) -> CheckResult:
    """RFC 9207 §2.4: compare iss with the issuer by simple string comparison.

    `required` is the provider's `authorization_response_iss_parameter_supported` metadata:
    when true, a response without iss must be rejected.
    """
    rule = "RFC 9207 §2.4"
    if response.iss is None:
        if required:
            return CheckResult(
                "iss", "fail", "the provider announces iss in responses but this one has none", rule
            )
        return CheckResult("iss", "skip", "no iss (the provider does not announce RFC 9207)", rule)
    if expected_issuer is None:
        return CheckResult("iss", "skip", f"iss is {response.iss!r}; no issuer expected", rule)
    if response.iss == expected_issuer:
        return CheckResult("iss", "pass", f"iss is the expected issuer {expected_issuer}", rule)
    return CheckResult(
        "iss",
        "fail",
        f"iss is {response.iss!r}, but the request went to {expected_issuer!r} (mix-up attack?)",
        rule,
    )


def validate(
    response: AuthorizationResponse,
    *,
    expected_state: str | None,
    expected_issuer: str | None,
    iss_required: bool,
) -> tuple[CheckResult, ...]:
    """The checks in the order a client must run them: iss first (RFC 9207 §2.4 says even an
    error response is untrusted until its iss is checked), then state."""
    return (
        check_iss(response, expected_issuer, required=iss_required),
        check_state(response, expected_state),
    )


def raise_for(response: AuthorizationResponse, checks: tuple[CheckResult, ...]) -> None:
    """Raise the first failed check, else the provider's error; return for a usable code."""
    for check in checks:
        if check.failed:
            cls = IssuerMismatch if check.name == "iss" else StateMismatch
            raise cls(check.reason, rfc=check.rfc)
    if response.error is not None:
        raise CallbackError(
            _error_message(response),
            rfc="RFC 6749 §4.1.2.1",
            oauth=oauth_error(response.error, response.error_description or ""),
        )
    if not response.code:
        raise CallbackError("the redirect has an empty code", rfc="RFC 6749 §4.1.2")


def _error_message(response: AuthorizationResponse) -> str:
    text = f"the authorization server answered {response.error}"
    if response.error_description:
        text += f": {response.error_description}"
    return text


def is_redirect_target(url: str, redirect_uri: str) -> bool:
    """The URL goes to the client's redirect_uri (any port for a loopback IP, RFC 8252 §7.3);
    False for a URL that does not parse (a hostile provider's Location, say)."""
    try:
        got, want = urlsplit(url), urlsplit(redirect_uri)
        same = (got.scheme, got.hostname, got.path) == (want.scheme, want.hostname, want.path)
        loopback = want.hostname in ("127.0.0.1", "::1")
        return same and (loopback or got.port == want.port)
    except ValueError:
        return False

