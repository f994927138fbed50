"""Why a step of the client's flow failed: one clear message, the rule it enforces, and the
OAuth error code when the provider sent one (RFC 6749 §4.1.2.1, §5.2).

The engine turns every failure into a `FlowError`; callers show `str(error)` and never a
traceback. `oauth` carries the provider's error as the shared `OAuthError` subclass.
"""

from __future__ import annotations

from playground.core.errors import ERRORS_BY_CODE, OAuthError


class FlowError(Exception):
    """A step failed; `str()` is the one-line message a user sees."""

    def __init__(self, message: str, *, rfc: str = "", oauth: OAuthError | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.rfc = rfc
        self.oauth = oauth
        self.outcome: object | None = None  # what the step got before failing, for display

    @property
    def error_code(self) -> str | None:
        """The wire error code (`invalid_grant`, `access_denied`, …) when there is one."""
        return self.oauth.error if self.oauth is not None else None


class DiscoveryError(FlowError):
    """The issuer's metadata could not be fetched or is not usable (RFC 8414 §3)."""


class AuthorizeUrlError(FlowError):
    """The authorization request cannot be built from the parameters given."""


class UserAgentError(FlowError):
    """The user agent did not reach the redirect back to the client."""


class CallbackError(FlowError):
    """The redirect back to the client is malformed, an error, or fails a check."""


class StateMismatch(CallbackError):
    """RFC 6749 §10.12: the state returned differs from the one sent (possible CSRF)."""


class IssuerMismatch(CallbackError):
    """RFC 9207 §2.4: the iss returned is not the expected issuer (possible mix-up)."""


class TokenEndpointError(FlowError):
    """The token endpoint answered with an error or an unusable response (RFC 6749 §5.2)."""


class TokenVerificationError(FlowError):
    """A token failed verification (signature, iss, aud, exp, nonce, at_hash …)."""


class UserInfoError(FlowError):
    """The UserInfo endpoint failed (OIDC Core §5.3)."""


class TransportError(FlowError):
    """The HTTP request itself failed: connection refused, timeout, DNS."""


def oauth_error(code: str, description: str = "", *, rfc: str = "") -> OAuthError:
    """The shared error class for a wire code; unknown codes become a plain `OAuthError`."""
    cls = ERRORS_BY_CODE.get(code)
    if cls is not None:
        return cls(description or code, rfc=rfc)
    error = OAuthError(description or code, rfc=rfc)
    error.error = code  # type: ignore[misc]
    return error
