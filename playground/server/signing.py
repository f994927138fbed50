"""Signing the token response's JWTs, and the signer the server's thread uses.

RFC 7515 §3.1 (JWS compact serialization) via PyJWT; OIDC Core §3.1.3.6 (`at_hash`). A token
response signs two JWTs: the access token (ES256, RFC 9068) and, for `openid`, the id_token (RS256,
OIDC Core §15.1, or the client's ES256, PS256 or EdDSA) whose `at_hash` is taken from the signed
access token, so both are signed together, in that order. `sign_request` does it, in the server's
thread (`InlineSigner`) or in a helper process (`signing_helpers.ProcessSigner`, `signer_worker`).
An opaque access token (RFC 6749 §1.4, playground.server.opaque) is not signed: the request
carries it, and only the id_token is signed, its `at_hash` taken over the opaque string.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Protocol

import jwt

from playground.server.keys import KeySet, PrivateKey

Claims = dict[str, Any]


@dataclass(frozen=True, slots=True)
class SigningRequest:
    """The claims of one token response, and the `kid`s of the keys that sign them."""

    access: Claims
    access_kid: str
    id_token: Claims | None
    id_kid: str
    opaque: str | None = None  # an opaque access token: `access` is not signed

    def to_line(self) -> bytes:
        return json.dumps([self.access, self.access_kid, self.id_token, self.id_kid,
                           self.opaque], separators=(",", ":")).encode("ascii") + b"\n"

    @classmethod
    def from_line(cls, line: bytes) -> SigningRequest:
        access, access_kid, id_token, id_kid, *opaque = json.loads(line)
        return cls(access, access_kid, id_token, id_kid, *opaque[:1])


Signed = tuple[str, str | None]  # (access token, id_token or None)


def at_hash(access_token: str) -> str:
    """OIDC Core §3.1.3.6: base64url of the left-most half of SHA-256 of the ASCII token."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode("ascii")


def sign_jwt(claims: Claims, key: PrivateKey, alg: str, kid: str, typ: str) -> str:
    """One JWS in compact serialization (RFC 7515 §7.1), with `kid` and `typ` in the header."""
    return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid, "typ": typ})


def sign_request(keys: dict[str, tuple[str, PrivateKey]], request: SigningRequest) -> Signed:
    """The access token (`typ: at+jwt`, RFC 9068 §2.1), or the opaque one the request carries,
    then the id_token with its `at_hash` over it (OIDC Core §3.1.3.6)."""
    if request.opaque is not None:
        access = request.opaque
    else:
        alg, key = keys[request.access_kid]
        access = sign_jwt(request.access, key, alg, request.access_kid, "at+jwt")
    if request.id_token is None:
        return access, None
    alg, key = keys[request.id_kid]
    claims = {**request.id_token, "at_hash": at_hash(access)}
    return access, sign_jwt(claims, key, alg, request.id_kid, "JWT")


def knows(table: dict[str, tuple[str, PrivateKey]] | set[str], request: SigningRequest) -> bool:
    """Whether `table` has the keys `request` names (a rotation makes new ones)."""
    return request.access_kid in table and (request.id_token is None or request.id_kid in table)


def _key_table(keys: KeySet) -> dict[str, tuple[str, PrivateKey]]:
    return {k.kid: (k.alg, k.private_key) for k in keys.keys}


class TokenSigner(Protocol):
    async def start(self) -> None: ...
    async def sign(self, request: SigningRequest) -> Signed: ...
    async def close(self) -> None: ...


class InlineSigner:
    """Signs in the calling (server) thread: no helper processes; the embedded app's choice."""

    def __init__(self, keys: KeySet) -> None:
        self._keys = keys
        self._table: dict[str, tuple[str, PrivateKey]] = {}

    async def start(self) -> None:
        return None

    async def sign(self, request: SigningRequest) -> Signed:
        if not knows(self._table, request):  # at start (RSA keys generating), after a rotation
            self._table = _key_table(self._keys)
        return sign_request(self._table, request)

    async def close(self) -> None:
        return None
