"""Decode a JWT for display, RFC 7519: header and claims, readable times, each claim's meaning.

Nothing here verifies anything (tokenverify.py does); `inspect` tolerates any text and raises
`TokenFormatError` with a message saying which part is broken. The public names are re-exported
by jwt.py, the module callers import.
"""

from __future__ import annotations

import binascii
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from jwt.utils import base64url_decode

# RFC 7519 §4.1, OIDC Core §2 and §5.1, RFC 9068 §2.2: one line on what each claim means.
CLAIM_MEANINGS: dict[str, str] = {
    "iss": "Issuer: who created and signed this token",
    "sub": "Subject: the user (or client) the token is about",
    "aud": "Audience: who the token is meant for; anyone else must reject it",
    "exp": "Expiration time: reject the token at or after this moment",
    "nbf": "Not before: reject the token before this moment",
    "iat": "Issued at: when the token was created",
    "jti": "JWT ID: a unique identifier, lets a server detect replay",
    "auth_time": "When the user actually authenticated",
    "nonce": "Value from the authorize request, binds the ID token to that request (replay guard)",
    "acr": "Authentication context class: how strongly the user was authenticated",
    "amr": "Authentication methods used (pwd, otp, …)",
    "azp": "Authorized party: the client the token was issued to",
    "at_hash": "Access token hash: left half of the hash of the access token, binds the two",
    "c_hash": "Code hash: binds the ID token to the authorization code",
    "sid": "Session ID at the provider",
    "scope": "Scopes granted to the access token",
    "client_id": "The client the access token was issued to (RFC 9068 §2.2)",
    "name": "The user's full name",
    "given_name": "The user's given (first) name",
    "family_name": "The user's family (last) name",
    "preferred_username": "The name the user prefers to be called by",
    "email": "The user's email address",
    "email_verified": "Whether the provider verified the email address",
    "picture": "URL of the user's profile picture",
    "locale": "The user's locale",
    "updated_at": "When the user's profile was last updated",
}

HEADER_MEANINGS: dict[str, str] = {
    "alg": "Signature algorithm (RFC 7515 §4.1.1); 'none' means unsigned",
    "typ": "Media type of the token; 'at+jwt' marks a JWT access token (RFC 9068 §2.1)",
    "kid": "Key ID: which key of the issuer's JWKS signed the token",
    "cty": "Content type of the payload",
    "jku": "URL of a JWK Set holding the key (never trust it blindly)",
    "x5t": "Thumbprint of the signing certificate",
}

BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
TIME_CLAIMS = frozenset({"exp", "nbf", "iat", "auth_time", "updated_at"})


class TokenFormatError(ValueError):
    """The text is not a JWS compact JWT; the message says what is wrong with it."""


@dataclass(frozen=True, slots=True)
class ClaimView:
    """One header parameter or claim, with its meaning and a readable time when it is one."""

    name: str
    value: Any
    meaning: str
    readable: str | None = None


@dataclass(frozen=True, slots=True)
class Inspection:
    """A token decoded for display. Nothing here has been verified."""

    raw: str
    header: dict[str, Any]
    claims: dict[str, Any]
    signature: str
    header_views: tuple[ClaimView, ...]
    claim_views: tuple[ClaimView, ...]

    @property
    def alg(self) -> str | None:
        value = self.header.get("alg")
        return value if isinstance(value, str) else None

    def expires_in(self, now: float) -> float | None:
        """Seconds until `exp` (negative once expired), or None without an `exp`."""
        exp = self.claims.get("exp")
        return float(exp) - now if isinstance(exp, int | float) else None


def readable_time(value: Any) -> str | None:
    """A NumericDate (RFC 7519 §2) as an ISO-8601 UTC string, or None if it is not one."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, OSError, ValueError):
        return None


def looks_like_jwt(text: str) -> bool:
    """Three dot-separated parts, the first decoding to a JSON header."""
    try:
        inspect(text)
    except TokenFormatError:
        return False
    return True


def inspect(token: str) -> Inspection:
    """Decode header and claims without verifying anything (for display)."""
    token = token.strip()
    parts = token.split(".")
    if len(parts) == 5:
        raise TokenFormatError("this is an encrypted JWT (JWE, 5 parts); only signed JWTs decode")
    if len(parts) != 3:
        raise TokenFormatError(
            "not a JWT: expected 3 dot-separated parts (header.payload.signature), "
            f"got {len(parts)}"
        )
    header = _decode_header(token)
    claims = _decode_claims(token)
    return Inspection(
        raw=token,
        header=header,
        claims=claims,
        signature=parts[2],
        header_views=tuple(_view(k, v, HEADER_MEANINGS) for k, v in header.items()),
        claim_views=tuple(_view(k, v, CLAIM_MEANINGS) for k, v in claims.items()),
    )


def _decode_header(token: str) -> dict[str, Any]:
    header = _decode_segment(token.split(".")[0], "header")
    if "alg" not in header:
        raise TokenFormatError("not a JWT: the header has no 'alg' (RFC 7515 §4.1.1)")
    return header


def _decode_claims(token: str) -> dict[str, Any]:
    return _decode_segment(token.split(".")[1], "payload")


def _decode_segment(segment: str, what: str) -> dict[str, Any]:
    """base64url → JSON object, with a message that says which part is broken."""
    if not BASE64URL.fullmatch(segment):
        raise TokenFormatError(f"not a JWT: the {what} is not base64url")
    try:
        raw = base64url_decode(segment.encode("ascii"))
    except (ValueError, UnicodeEncodeError, binascii.Error):
        raise TokenFormatError(f"not a JWT: the {what} is not base64url") from None
    try:
        value = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise TokenFormatError(f"not a JWT: the {what} is not JSON") from None
    if not isinstance(value, dict):
        raise TokenFormatError(f"not a JWT: the {what} is not a JSON object")
    return value


def _view(name: str, value: Any, meanings: dict[str, str]) -> ClaimView:
    readable = readable_time(value) if name in TIME_CLAIMS else None
    return ClaimView(name, value, meanings.get(name, "Not a registered claim"), readable)
