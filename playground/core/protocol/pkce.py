"""Proof Key for Code Exchange, RFC 7636.

§4.1: code_verifier = 43*128unreserved, unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~".
§4.2: S256 → code_challenge = BASE64URL-ENCODE(SHA256(ASCII(code_verifier))); plain → the verifier.
§4.6: the server recomputes the challenge from the verifier and compares.
Appendix B is the reference vector (tested in tests/core/test_pkce.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import string
from dataclasses import dataclass
from typing import Literal

Method = Literal["S256", "plain"]
METHODS: tuple[Method, ...] = ("S256", "plain")

UNRESERVED = string.ascii_letters + string.digits + "-._~"
VERIFIER_GRAMMAR = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
# §4.2: a challenge has the same grammar; an S256 challenge is exactly 43 base64url characters.
CHALLENGE_GRAMMAR = VERIFIER_GRAMMAR
MIN_LENGTH, MAX_LENGTH = 43, 128
# §4.2 with S256: BASE64URL of a 32-byte digest is exactly 43 characters, no padding.
S256_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")
# The seed's `btoa(sha256(verifier))`: padded standard base64 of the digest ('+' may arrive
# as a space when a query string was not percent-encoded).
SEED_CHALLENGE = re.compile(r"^[A-Za-z0-9+/ ]{43}=$")


def generate_verifier(length: int = 64) -> str:
    """A verifier of `length` unreserved characters from the OS CSPRNG (§4.1, §7.1)."""
    if not MIN_LENGTH <= length <= MAX_LENGTH:
        raise ValueError(f"code_verifier length must be 43-128 (RFC 7636 §4.1), not {length}")
    return "".join(secrets.choice(UNRESERVED) for _ in range(length))


def base64url(data: bytes) -> str:
    """BASE64URL-ENCODE of RFC 7636 Appendix A: URL-safe alphabet, no padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def s256(verifier: str) -> str:
    """The S256 challenge of a verifier (§4.2)."""
    return base64url(hashlib.sha256(verifier.encode("ascii")).digest())


def challenge_for(verifier: str, method: Method) -> str:
    """The code_challenge that `method` derives from `verifier` (§4.2)."""
    return s256(verifier) if method == "S256" else verifier


def is_valid_verifier(value: str) -> bool:
    """True when `value` matches the §4.1 grammar."""
    return bool(VERIFIER_GRAMMAR.fullmatch(value))


def is_valid_challenge(value: str) -> bool:
    """True when `value` matches the §4.2 grammar."""
    return bool(CHALLENGE_GRAMMAR.fullmatch(value))


def verify(verifier: str, challenge: str, method: Method) -> bool:
    """§4.6: recompute the challenge from the verifier and compare in constant time."""
    expected = challenge_for(verifier, method)
    return hmac.compare_digest(expected.encode("ascii"), challenge.encode("ascii"))


@dataclass(frozen=True, slots=True)
class Derivation:
    """Every intermediate value of §4.2, for a learner to see."""

    verifier: str
    method: Method
    verifier_bytes_hex: str
    digest_hex: str
    challenge: str


def derive(verifier: str, method: Method = "S256") -> Derivation:
    """Show the work: ASCII bytes, SHA-256 digest and base64url challenge (§4.2)."""
    raw = verifier.encode("ascii")
    digest = hashlib.sha256(raw).digest() if method == "S256" else b""
    return Derivation(
        verifier=verifier,
        method=method,
        verifier_bytes_hex=raw.hex(),
        digest_hex=digest.hex(),
        challenge=challenge_for(verifier, method),
    )


def seed_spelling(verifier: str) -> str:
    """The seed's browser spelling: padded standard base64 of the SHA-256 digest.

    `window.btoa(sha256(verifier))` in seeds/auth_code_pkce.md; RFC 7636 §4.2 wants base64url
    without padding. Used by the server's `--compat seed` mode and by the lint.
    """
    return base64.b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).decode("ascii")
