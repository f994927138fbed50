"""OAuth 2.0 error codes shared by the client engine and the embedded server.

RFC 6749 §4.1.2.1 (authorization endpoint errors), §5.2 (token endpoint errors),
RFC 6750 §3.1 (resource server errors), RFC 7009 §2.2.1 (revocation), RFC 8628 §3.5 (device
access token polling).
Each subclass carries the wire `error` code and the HTTP status a server answers with.
"""

from __future__ import annotations

from typing import ClassVar


class OAuthError(Exception):
    """An error with an RFC error code, a human description and the rule it enforces."""

    error: ClassVar[str] = "server_error"
    status_code: ClassVar[int] = 400

    def __init__(self, description: str, *, rfc: str = "") -> None:
        super().__init__(description)
        self.description = description
        self.rfc = rfc

    def to_dict(self) -> dict[str, str]:
        """The JSON body of RFC 6749 §5.2: `error` and `error_description`."""
        return {"error": self.error, "error_description": self.description}


class InvalidRequest(OAuthError):
    error = "invalid_request"


class InvalidClient(OAuthError):
    error = "invalid_client"
    status_code = 401


class InvalidGrant(OAuthError):
    error = "invalid_grant"


class UnauthorizedClient(OAuthError):
    error = "unauthorized_client"


class UnsupportedGrantType(OAuthError):
    error = "unsupported_grant_type"


class UnsupportedResponseType(OAuthError):
    error = "unsupported_response_type"


class InvalidScope(OAuthError):
    error = "invalid_scope"


class InvalidTarget(OAuthError):
    """RFC 8707 §2 and RFC 8693 §2.2.2: the resource or audience is not acceptable."""

    error = "invalid_target"


class AccessDenied(OAuthError):
    error = "access_denied"
    status_code = 403


class ServerError(OAuthError):
    error = "server_error"
    status_code = 500


class TemporarilyUnavailable(OAuthError):
    error = "temporarily_unavailable"
    status_code = 503


class InvalidToken(OAuthError):
    """RFC 6750 §3.1: the access token is expired, revoked, malformed or invalid."""

    error = "invalid_token"
    status_code = 401


class InsufficientScope(OAuthError):
    """RFC 6750 §3.1: the request needs more privileges than the token carries."""

    error = "insufficient_scope"
    status_code = 403


class AuthorizationPending(OAuthError):
    """RFC 8628 §3.5: the user has not yet completed the user-interaction steps; poll again."""

    error = "authorization_pending"


class SlowDown(OAuthError):
    """RFC 8628 §3.5: still pending, and the client polls too fast: add 5 seconds."""

    error = "slow_down"


class ExpiredToken(OAuthError):
    """RFC 8628 §3.5: the device_code has expired; the client must start again."""

    error = "expired_token"


class InvalidDPoPProof(OAuthError):
    """RFC 9449 §5 and §7.1: the DPoP proof is missing, malformed or fails a §4.3 check."""

    error = "invalid_dpop_proof"


class UseDPoPNonce(OAuthError):
    """RFC 9449 §8 (token endpoint) and §9 (resource server): send a proof with the nonce in
    the `DPoP-Nonce` header."""

    error = "use_dpop_nonce"


class InvalidRequestUri(OAuthError):
    """RFC 9126 §2.3, RFC 9101 §10.2: the `request_uri` is unknown, expired or used."""

    error = "invalid_request_uri"


class InvalidRequestObject(OAuthError):
    """RFC 9101 §10.2: the request object is invalid (signature, claims, algorithm)."""

    error = "invalid_request_object"


ERRORS_BY_CODE: dict[str, type[OAuthError]] = {
    cls.error: cls
    for cls in (
        InvalidRequest,
        InvalidClient,
        InvalidGrant,
        UnauthorizedClient,
        UnsupportedGrantType,
        UnsupportedResponseType,
        InvalidScope,
        AccessDenied,
        ServerError,
        TemporarilyUnavailable,
        InvalidToken,
        InsufficientScope,
        AuthorizationPending,
        SlowDown,
        ExpiredToken,
        InvalidDPoPProof,
        UseDPoPNonce,
        InvalidRequestUri,
        InvalidRequestObject,
        InvalidTarget,
    )
}
