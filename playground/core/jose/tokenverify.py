"""Verify a JWT and list every check: signature against the JWKS, alg allow-list, claims.

RFC 7515 §5.2 (signature), RFC 8725 §3.1 (alg allow-list, never none), OpenID Connect Core 1.0
§3.1.3.7 (ID token validation: iss, aud, azp, exp, iat, nonce), §3.1.3.6 and §3.1.3.8 (at_hash),
RFC 9068 §4 (JWT access tokens: typ at+jwt, required claims). PyJWT does the JOSE work
(PyJWKSet, PyJWS). The public names are re-exported by jwt.py.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from jwt import PyJWK, PyJWKSet, PyJWS
from jwt.algorithms import get_default_algorithms
from jwt.exceptions import InvalidSignatureError, PyJWKError, PyJWKSetError, PyJWTError
from jwt.utils import base64url_encode

from playground.core.checks import CheckResult
from playground.core.jose.jwtinspect import Inspection, TokenFormatError, inspect, readable_time

# RFC 8725 §3.1: an explicit allow-list, never 'none', never a symmetric alg with a public key.
DEFAULT_ALGORITHMS: tuple[str, ...] = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
)
ACCESS_TOKEN_TYPES = frozenset({"at+jwt", "application/at+jwt"})

TokenKind = Literal["id_token", "access_token", "jwt"]


TokenCheck = CheckResult
NO_NONCE_SENT = "no nonce was sent in the authorize request"


@dataclass(frozen=True, slots=True)
class Expectations:
    """What the client expects of a token (OIDC Core §3.1.3.7, RFC 9068 §4)."""

    issuer: str | None = None
    audience: str | None = None
    client_id: str | None = None
    nonce: str | None = None
    # Why no nonce is expected, shown when the nonce check is skipped.
    no_nonce_reason: str = NO_NONCE_SENT
    access_token: str | None = None
    algorithms: tuple[str, ...] = DEFAULT_ALGORITHMS
    leeway: float = 60.0


@dataclass(frozen=True, slots=True)
class Verification:
    kind: TokenKind
    inspection: Inspection | None
    checks: tuple[TokenCheck, ...]

    @property
    def ok(self) -> bool:
        """No check failed (a skipped check is not a failure)."""
        return not any(c.failed for c in self.checks)

    @property
    def failures(self) -> tuple[TokenCheck, ...]:
        return tuple(c for c in self.checks if c.failed)

    def summary(self) -> str:
        passed = sum(c.passed for c in self.checks)
        if self.ok and not passed:
            return f"{self.kind}: not verified: {self.checks[0].reason}"
        if self.ok:
            return f"{self.kind}: all {passed} checks passed"
        first = self.failures[0]
        return f"{self.kind}: {first.name} failed: {first.reason}"


def verify(
    token: str,
    jwks: Mapping[str, Any] | None,
    *,
    kind: TokenKind = "id_token",
    expect: Expectations = Expectations(),
    now: float | None = None,
) -> Verification:
    """Verify signature and claims; every check is listed with pass/fail/skip and the reason."""
    try:
        found = inspect(token)
    except TokenFormatError as exc:
        return Verification(kind, None, (_format_check(kind, str(exc)),))
    moment = time.time() if now is None else now
    checks = [
        TokenCheck(
            "format", "pass", "three base64url parts, JSON header and payload", "RFC 7519 §7.2"
        )
    ]
    checks += _header_checks(found, kind, expect)
    checks += _signature_checks(found, jwks, expect)
    checks += _claim_checks(found, kind, expect, moment)
    return Verification(kind, found, tuple(checks))


def _format_check(kind: TokenKind, reason: str) -> TokenCheck:
    if kind == "access_token":
        return TokenCheck(
            "format",
            "skip",
            "opaque access token: only its issuer can check it (introspection, RFC 7662)",
            "RFC 6749 §1.4",
        )
    return TokenCheck("format", "fail", reason, "RFC 7519 §7.2")


def _header_checks(found: Inspection, kind: TokenKind, expect: Expectations) -> list[TokenCheck]:
    return [_check_alg(found.alg, expect.algorithms), _check_typ(found.header.get("typ"), kind)]


def _check_alg(alg: str | None, allowed: tuple[str, ...]) -> TokenCheck:
    rule = "RFC 8725 §3.1"
    if alg is None or alg.lower() == "none":
        return TokenCheck("alg", "fail", f"alg is {alg!r}: an unsigned token proves nothing", rule)
    if alg not in allowed:
        return TokenCheck(
            "alg", "fail", f"alg {alg} is not in the allow-list ({', '.join(allowed)})", rule
        )
    return TokenCheck("alg", "pass", f"{alg} is allowed", rule)


def _check_typ(typ: Any, kind: TokenKind) -> TokenCheck:
    if kind != "access_token":
        shown = "no typ" if typ is None else f"typ is {typ!r}"
        return TokenCheck("typ", "skip", f"{shown}; only JWT access tokens must say at+jwt", "")
    rule = "RFC 9068 §4"
    if isinstance(typ, str) and typ.lower() in ACCESS_TOKEN_TYPES:
        return TokenCheck("typ", "pass", f"typ is {typ}", rule)
    return TokenCheck("typ", "fail", f"typ is {typ!r}, a JWT access token must say at+jwt", rule)


def _signature_checks(
    found: Inspection, jwks: Mapping[str, Any] | None, expect: Expectations
) -> list[TokenCheck]:
    key_check, key = _find_key(found, jwks)
    if key is None:
        return [
            key_check,
            TokenCheck("signature", "fail", "no key to check the signature with", "RFC 7515 §5.2"),
        ]
    declared = _declared_alg(jwks or {}, key.key_id)
    if declared is not None and declared != found.alg:
        reason = f"key {key.key_id!r} is published for {declared}, the token says {found.alg}"
        return [key_check, TokenCheck("signature", "fail", reason, "RFC 7517 §4.4")]
    return [key_check, _check_signature(found, key, expect.algorithms)]


def _declared_alg(jwks: Mapping[str, Any], kid: str | None) -> str | None:
    """The `alg` a JWK declares (RFC 7517 §4.4), when the key is found by kid and has one."""
    keys = jwks.get("keys")
    for jwk in keys if isinstance(keys, list) else []:
        if isinstance(jwk, dict) and jwk.get("kid") == kid and isinstance(jwk.get("alg"), str):
            return str(jwk["alg"])
    return None


def _find_key(found: Inspection, jwks: Mapping[str, Any] | None) -> tuple[TokenCheck, PyJWK | None]:
    """OIDC Core §10.1.1: the kid in the header names the key in the issuer's JWKS."""
    rule = "RFC 7515 §4.1.4"
    if jwks is None:
        return TokenCheck("key", "fail", "no JWKS to verify against", rule), None
    try:
        keyset = PyJWKSet.from_dict(dict(jwks))
    except (PyJWKSetError, PyJWKError, TypeError, ValueError) as exc:
        return TokenCheck("key", "fail", f"the JWKS holds no usable key ({exc})", rule), None
    kid = found.header.get("kid")
    keys = [k for k in keyset.keys if k.public_key_use in (None, "sig")]
    matches = [k for k in keys if k.key_id == kid] if kid is not None else keys
    if len(matches) == 1:
        return TokenCheck(
            "key",
            "pass",
            f"kid {kid!r} found in the JWKS" if kid else "the JWKS has exactly one signing key",
            rule,
        ), matches[0]
    if kid is not None:
        return TokenCheck("key", "fail", f"kid {kid!r} is not in the issuer's JWKS", rule), None
    return TokenCheck(
        "key", "fail", f"no kid in the header and the JWKS has {len(keys)} signing keys", rule
    ), None


def _check_signature(found: Inspection, key: PyJWK, allowed: tuple[str, ...]) -> TokenCheck:
    rule = "RFC 7515 §5.2"
    alg = found.alg or "none"
    if alg not in allowed:
        return TokenCheck("signature", "fail", f"not checked: alg {alg} is not allowed", rule)
    try:
        PyJWS().decode_complete(found.raw, key=key.key, algorithms=[alg])
    except InvalidSignatureError:
        return TokenCheck(
            "signature",
            "fail",
            f"the {alg} signature does not match key "
            f"{key.key_id!r}: the token was altered or signed by another key",
            rule,
        )
    except (PyJWTError, TypeError, ValueError) as exc:
        reason = f"cannot verify with key {key.key_id!r}: {exc}"
        return TokenCheck("signature", "fail", reason, rule)
    reason = f"{alg} signature verified with key {key.key_id!r}"
    return TokenCheck("signature", "pass", reason, rule)


def _claim_checks(
    found: Inspection, kind: TokenKind, expect: Expectations, now: float
) -> list[TokenCheck]:
    claims = found.claims
    rules = CLAIM_RULES[kind]
    checks = [
        _check_required(claims, kind),
        _check_iss(claims.get("iss"), expect.issuer, rules["iss"]),
        _check_aud(claims.get("aud"), expect.audience, rules["aud"]),
        _check_exp(claims.get("exp"), now, expect.leeway),
        _check_iat(claims.get("iat"), now, expect.leeway, rules["iat"]),
    ]
    if "nbf" in claims:
        checks.append(_check_nbf(claims["nbf"], now, expect.leeway))
    if kind == "id_token":
        checks += [
            _check_azp(claims, expect.client_id or expect.audience),
            _check_nonce(claims.get("nonce"), expect),
            _check_at_hash(claims.get("at_hash"), expect.access_token, found.alg),
        ]
    return checks


# The rule each claim check cites, by the kind of token: an access token is checked the way a
# resource server does (RFC 9068 §4), an id_token the way OIDC Core §3.1.3.7 says.
CLAIM_RULES: dict[TokenKind, dict[str, str]] = {
    "id_token": {"iss": "OIDC Core §3.1.3.7 (2)", "aud": "OIDC Core §3.1.3.7 (3)",
                 "iat": "OIDC Core §3.1.3.7 (10)"},
    "access_token": {"iss": "RFC 9068 §4 (3)", "aud": "RFC 9068 §4 (4)", "iat": "RFC 9068 §2.2"},
    "jwt": {"iss": "RFC 7519 §4.1.1", "aud": "RFC 7519 §4.1.3", "iat": "RFC 7519 §4.1.6"},
}

REQUIRED_CLAIMS: dict[TokenKind, tuple[tuple[str, ...], str]] = {
    "id_token": (("iss", "sub", "aud", "exp", "iat"), "OIDC Core §2"),
    "access_token": (("iss", "exp", "aud", "sub", "client_id", "iat", "jti"), "RFC 9068 §2.2"),
    "jwt": ((), "RFC 7519 §4.1"),
}


def _check_required(claims: Mapping[str, Any], kind: TokenKind) -> TokenCheck:
    names, rule = REQUIRED_CLAIMS[kind]
    missing = [n for n in names if n not in claims]
    if missing:
        return TokenCheck("required claims", "fail", f"missing: {', '.join(missing)}", rule)
    return TokenCheck(
        "required claims",
        "pass" if names else "skip",
        f"present: {', '.join(names)}" if names else "none required",
        rule,
    )


def _check_iss(iss: Any, expected: str | None, rule: str) -> TokenCheck:
    if expected is None:
        return TokenCheck("iss", "skip", f"iss is {iss!r}; no issuer expected", rule)
    if iss == expected:
        return TokenCheck("iss", "pass", f"iss is the expected issuer {expected}", rule)
    return TokenCheck("iss", "fail", f"iss is {iss!r}, expected {expected!r}", rule)


def _check_aud(aud: Any, expected: str | None, rule: str) -> TokenCheck:
    audiences = aud if isinstance(aud, list) else [aud]
    if expected is None:
        return TokenCheck("aud", "skip", f"aud is {aud!r}; no audience expected", rule)
    if expected in audiences:
        return TokenCheck("aud", "pass", f"aud contains {expected}", rule)
    return TokenCheck("aud", "fail", f"aud is {aud!r}, which does not contain {expected!r}", rule)


def _check_azp(claims: Mapping[str, Any], client_id: str | None) -> TokenCheck:
    rule = "OIDC Core §3.1.3.7 (4, 5)"
    azp, aud = claims.get("azp"), claims.get("aud")
    if azp is None:
        if isinstance(aud, list) and len(aud) > 1:
            return TokenCheck("azp", "fail", "several audiences but no azp", rule)
        return TokenCheck("azp", "skip", "no azp (optional with a single audience)", rule)
    if client_id is None or azp == client_id:
        return TokenCheck("azp", "pass", f"azp is {azp}", rule)
    return TokenCheck("azp", "fail", f"azp is {azp!r}, not this client {client_id!r}", rule)


def _check_exp(exp: Any, now: float, leeway: float) -> TokenCheck:
    rule = "RFC 7519 §4.1.4"
    if not _is_number(exp):
        return TokenCheck("exp", "fail", f"exp is {exp!r}, not a NumericDate", rule)
    left = exp - now
    if left + leeway <= 0:
        return TokenCheck(
            "exp",
            "fail",
            f"expired {_duration(-left)} ago, at {readable_time(exp)} (leeway {leeway:g} s)",
            rule,
        )
    return TokenCheck("exp", "pass", f"expires in {_duration(left)}, at {readable_time(exp)}", rule)


def _check_iat(iat: Any, now: float, leeway: float, rule: str) -> TokenCheck:
    if not _is_number(iat):
        return TokenCheck("iat", "fail", f"iat is {iat!r}, not a NumericDate", rule)
    if iat - leeway > now:
        return TokenCheck(
            "iat",
            "fail",
            f"issued {_duration(iat - now)} in the future (leeway {leeway:g} s): clocks disagree",
            rule,
        )
    return TokenCheck("iat", "pass", f"issued {_duration(now - iat)} ago", rule)


def _check_nbf(nbf: Any, now: float, leeway: float) -> TokenCheck:
    rule = "RFC 7519 §4.1.5"
    if not _is_number(nbf):
        return TokenCheck("nbf", "fail", f"nbf is {nbf!r}, not a NumericDate", rule)
    if nbf - leeway > now:
        return TokenCheck("nbf", "fail", f"not valid for another {_duration(nbf - now)}", rule)
    return TokenCheck("nbf", "pass", "already valid", rule)


def _check_nonce(nonce: Any, expect: Expectations) -> TokenCheck:
    rule = "OIDC Core §3.1.3.7 (11)"
    expected = expect.nonce
    if expected is None:
        return TokenCheck("nonce", "skip", expect.no_nonce_reason, rule)
    if nonce == expected:
        return TokenCheck("nonce", "pass", "nonce matches the one sent", rule)
    return TokenCheck("nonce", "fail", f"nonce is {nonce!r}, the request sent {expected!r}", rule)


def at_hash(access_token: str, alg: str) -> str:
    """OIDC Core §3.1.3.6: base64url of the left half of the hash of the access token's ASCII."""
    algorithm = get_default_algorithms()[alg]
    digest = algorithm.compute_hash_digest(access_token.encode("ascii"))
    return base64url_encode(digest[: len(digest) // 2]).decode("ascii")


def _check_at_hash(value: Any, access_token: str | None, alg: str | None) -> TokenCheck:
    rule = "OIDC Core §3.1.3.8"
    if value is None:
        return TokenCheck("at_hash", "skip", "no at_hash (optional in the code flow)", rule)
    if access_token is None:
        return TokenCheck("at_hash", "skip", "no access token to compare with", rule)
    try:
        expected = at_hash(access_token, alg or "none")
    except (KeyError, NotImplementedError, UnicodeEncodeError, AttributeError):
        return TokenCheck("at_hash", "skip", f"alg {alg} names no hash to compute it with", rule)
    if value == expected:
        return TokenCheck("at_hash", "pass", "matches the access token received", rule)
    return TokenCheck(
        "at_hash", "fail", f"at_hash is {value!r}, the access token hashes to {expected!r}", rule
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _duration(seconds: float) -> str:
    seconds = int(abs(seconds))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"
