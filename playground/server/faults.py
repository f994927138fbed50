"""Fault switches: the server misbehaves on purpose, so a learner sees the client catch it.

Each switch alters what the server produces — the authorization response's `iss` (RFC 9207),
the id_token (signature key, `kid`, `alg`, `aud`, `at_hash`, `nonce`), token lifetimes, or the
token endpoint's answer (slow, or a 500) — and is noted as a finding in the decision trace of
the request it altered. The server itself still never *accepts* `alg: none`: the faults only
change what it emits. `FaultSwitches` is thread-safe: the app flips switches on the Qt thread
while the server thread reads them.
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from playground.core.errors import ServerError
from playground.server.keys import ALGORITHM, KeySet
from playground.server.opaque import OpaqueTokens
from playground.server.signing import at_hash
from playground.server.trace import TraceBuilder

WRONG_ISSUER = "https://attacker.example"
WRONG_AUDIENCE = "another-client"
EXPIRED_BY = 600


@dataclass(frozen=True, slots=True)
class Fault:
    name: str
    title: str
    rule: str
    what: str


FAULTS: tuple[Fault, ...] = (
    Fault("iss-wrong", "Wrong iss in the authorization response", "RFC 9207 §2.4",
          f"the redirect carries iss={WRONG_ISSUER} (as if another server answered: mix-up)"),
    Fault("iss-missing", "No iss in the authorization response", "RFC 9207 §2.4",
          "the redirect carries no iss although the metadata announces it"),
    Fault("id-token-unknown-kid", "id_token with an unknown kid", "RFC 7515 §4.1.4",
          "the id_token header names a kid that is not in the JWKS"),
    Fault("id-token-foreign-key", "id_token signed by a key not in the JWKS", "RFC 7515 §5.2",
          "the id_token is signed by another RSA key under the published kid"),
    Fault("id-token-alg-none", "id_token with alg: none", "RFC 8725 §3.1",
          "the id_token is unsigned (alg none, empty signature)"),
    Fault("id-token-wrong-aud", "id_token for another audience", "OIDC Core §3.1.3.7 (3)",
          f"the id_token's aud is {WRONG_AUDIENCE!r}"),
    Fault("id-token-no-at-hash", "id_token without at_hash", "OIDC Core §3.1.3.6",
          "the id_token carries no at_hash (OPTIONAL in the code flow)"),
    Fault("id-token-wrong-at-hash", "id_token with a wrong at_hash", "OIDC Core §3.1.3.8",
          "the id_token's at_hash is the hash of another access token"),
    Fault("id-token-nonce-mismatch", "id_token with another nonce", "OIDC Core §3.1.3.7 (11)",
          "the id_token's nonce differs from the one in the authorization request"),
    Fault("tokens-expired", "Expired tokens", "RFC 7519 §4.1.4",
          f"the access token and id_token expired {EXPIRED_BY // 60} minutes ago"),
    Fault("token-slow", "Slow token endpoint", "RFC 6749 §4.1.2",
          "the token endpoint answers only after a delay (the client must time out and not "
          "blindly retry a single-use code)"),
    Fault("token-500", "Token endpoint answers 500", "RFC 6749 §5.2",
          "the token endpoint answers HTTP 500 server_error without touching the code"),
)
FAULTS_BY_NAME = {fault.name: fault for fault in FAULTS}
ID_TOKEN_FAULTS = tuple(f.name for f in FAULTS if f.name.startswith("id-token-"))


class FaultSwitches:
    """The set of enabled faults; `slow_seconds` is the delay of `token-slow`."""

    def __init__(self, slow_seconds: float = 3.0) -> None:
        self._lock = threading.Lock()
        self._on: set[str] = set()
        self.slow_seconds = slow_seconds

    @staticmethod
    def list() -> tuple[Fault, ...]:
        return FAULTS

    def enable(self, name: str) -> None:
        if name not in FAULTS_BY_NAME:
            raise KeyError(f"unknown fault {name!r}; known: {', '.join(FAULTS_BY_NAME)}")
        with self._lock:
            self._on.add(name)

    def disable(self, name: str) -> None:
        with self._lock:
            self._on.discard(name)

    def set(self, name: str, on: bool) -> None:
        self.enable(name) if on else self.disable(name)

    def clear(self) -> None:
        with self._lock:
            self._on.clear()

    def restore(self, names: Iterable[str]) -> None:
        with self._lock:
            self._on = {n for n in names if n in FAULTS_BY_NAME}

    def active(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._on)

    def __contains__(self, name: object) -> bool:
        with self._lock:
            return name in self._on

    # -- hooks called by the endpoints ------------------------------------------------------
    def issuer_param(self, issuer: str, trace: TraceBuilder) -> str | None:
        """The `iss` of an authorization response (RFC 9207 §2)."""
        if "iss-wrong" in self:
            _note(trace, "iss-wrong")
            return WRONG_ISSUER
        if "iss-missing" in self:
            _note(trace, "iss-missing")
            return None
        return issuer

    async def before_token(self, trace: TraceBuilder) -> None:
        """The slow and 500 faults, before the token endpoint reads the request."""
        if "token-slow" in self:
            _note(trace, "token-slow", f"answered after {self.slow_seconds:g} s")
            await asyncio.sleep(self.slow_seconds)
        if "token-500" in self:
            _note(trace, "token-500")
            raise ServerError("injected fault: the token endpoint failed (the code is unused)",
                              rfc="RFC 6749 §5.2")

    def alter_tokens(self, body: dict[str, Any], keys: KeySet, now: float,
                     trace: TraceBuilder, *, opaque: OpaqueTokens | None = None) -> None:
        """Rewrite the access token and id_token of a token response per the enabled faults;
        `opaque` holds the claims of the opaque access tokens (RFC 6749 §1.4)."""
        active = self.active()
        if not active & {"tokens-expired", *ID_TOKEN_FAULTS}:
            return
        if "tokens-expired" in active:
            body["access_token"] = _expired_access(body["access_token"], keys, now, opaque)
            body["expires_in"] = 0
            _note(trace, "tokens-expired")
        if "id_token" in body:
            body["id_token"] = _alter_id_token(body["id_token"], body["access_token"], keys,
                                               active, now, trace)


def _note(trace: TraceBuilder, name: str, detail: str = "") -> None:
    fault = FAULTS_BY_NAME[name]
    message = f"injected fault: {fault.what}" + (f" ({detail})" if detail else "")
    trace.finding(f"fault:{name}", message, fault.rule,
                  f"a correct client rejects this ({fault.rule}); switch the fault off", "info")


def _expire(now: float) -> dict[str, Any]:
    return {"exp": int(now) - EXPIRED_BY, "iat": int(now) - EXPIRED_BY - 3600}


def _expired_access(token: str, keys: KeySet, now: float, opaque: OpaqueTokens | None) -> str:
    """RFC 7519 §4.1.4: a JWT is re-signed with a past `exp`; an opaque token (RFC 6749 §1.4)
    stays the same string and the record the server holds for it is expired instead."""
    if opaque is not None and opaque.update(token, _expire(now)):
        return token
    return _resign(token, keys, _expire(now))


def _alter_id_token(token: str, access_token: str, keys: KeySet, active: frozenset[str],
                    now: float, trace: TraceBuilder) -> str:
    claims: dict[str, Any] = {"at_hash": at_hash(access_token)} if "at_hash" in _claims(token) \
        else {}
    if "tokens-expired" in active:
        claims.update(_expire(now))
    if "id-token-wrong-aud" in active:
        claims["aud"] = WRONG_AUDIENCE
    if "id-token-no-at-hash" in active:
        claims["at_hash"] = None
    if "id-token-wrong-at-hash" in active:
        claims["at_hash"] = at_hash(secrets.token_urlsafe(32))
    if "id-token-nonce-mismatch" in active:
        claims["nonce"] = secrets.token_urlsafe(24)
    for name in ("id-token-wrong-aud", "id-token-no-at-hash", "id-token-wrong-at-hash",
                 "id-token-nonce-mismatch"):
        if name in active:
            _note(trace, name)
    return _sign_faulty(token, keys, claims, active, trace)


def _sign_faulty(token: str, keys: KeySet, changes: dict[str, Any], active: frozenset[str],
                 trace: TraceBuilder) -> str:
    if "id-token-alg-none" in active:
        _note(trace, "id-token-alg-none")
        return _unsigned({**_header(token), "alg": "none"}, _merge(_claims(token), changes))
    if "id-token-unknown-kid" in active:
        _note(trace, "id-token-unknown-kid")
        return _resign(token, keys, changes, kid=f"unknown-{secrets.token_hex(4)}")
    if "id-token-foreign-key" in active:
        _note(trace, "id-token-foreign-key")
        return _resign(token, keys, changes, key=_foreign_key())
    return _resign(token, keys, changes)


def _claims(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def _header(token: str) -> dict[str, Any]:
    return dict(jwt.get_unverified_header(token))


def _merge(claims: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = {**claims, **changes}
    return {k: v for k, v in merged.items() if v is not None}


def _resign(token: str, keys: KeySet, changes: dict[str, Any], *, kid: str | None = None,
            key: rsa.RSAPrivateKey | None = None) -> str:
    header = _header(token)
    header.pop("alg", None)
    if kid is not None:
        header["kid"] = kid
    own = keys.by_kid(str(header.get("kid", ""))) or keys.current  # ES256 access, RS256 id
    signer = key if key is not None else own.private_key
    algorithm = ALGORITHM if key is not None else own.alg
    return jwt.encode(_merge(_claims(token), changes), signer, algorithm=algorithm,
                      headers=header)


def _unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        raw = json.dumps(data, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    return f"{part(header)}.{part(claims)}."


@cache
def _foreign_key() -> rsa.RSAPrivateKey:
    """A key this server never publishes (made once per process)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)
