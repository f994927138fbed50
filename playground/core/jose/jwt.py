"""JSON Web Tokens: decode for display (`inspect`) and verify with every check listed (`verify`).

Decoding is not verifying (joserfc's `jwt.decode` vs `JWTClaimsRegistry.validate`): `inspect`
reads header and claims of any JWS compact token without checking anything, for display;
`verify` checks the signature against a JWKS and the claims against what the client expects,
and returns every check with pass, fail or skip and the reason.
RFC 7519 (JWT §4.1 registered claims), RFC 7515 (JWS), RFC 7517 (JWK), RFC 9068 (JWT access
tokens), OpenID Connect Core 1.0 §2 (ID Token) and §3.1.3.7 (ID Token validation).
PyJWT does the JOSE work.
"""

from __future__ import annotations

from playground.core.jose.jwtinspect import (
    CLAIM_MEANINGS,
    HEADER_MEANINGS,
    ClaimView,
    Inspection,
    TokenFormatError,
    inspect,
    looks_like_jwt,
    readable_time,
)
from playground.core.jose.tokenverify import (
    DEFAULT_ALGORITHMS,
    Expectations,
    TokenCheck,
    TokenKind,
    Verification,
    at_hash,
    verify,
)

__all__ = [
    "CLAIM_MEANINGS",
    "DEFAULT_ALGORITHMS",
    "HEADER_MEANINGS",
    "ClaimView",
    "Expectations",
    "Inspection",
    "TokenCheck",
    "TokenFormatError",
    "TokenKind",
    "Verification",
    "at_hash",
    "inspect",
    "looks_like_jwt",
    "readable_time",
    "verify",
]
