"""Signing keys and the JWK Set the server publishes.

RFC 7517 §5 (JWK Set), RFC 7518 §6.3 (RSA public key parameters), RFC 7638 (thumbprint, used as
the `kid`). Keys are generated when the server starts and never leave the process. RSA-2048 key
generation costs ~100 ms, so it runs in a background thread started with the server; the first
signature or JWKS request waits for it. `alg: none` is never produced (RFC 8725 §3.1).
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

ALGORITHM = "RS256"


def _b64_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


class SigningKey:
    """One RSA key pair with its public JWK; generated lazily in a background thread."""

    def __init__(self) -> None:
        self._key: rsa.RSAPrivateKey | None = None
        self._jwk: dict[str, Any] = {}
        self._thread = threading.Thread(target=self._generate, name="keygen", daemon=True)
        self._thread.start()

    def _generate(self) -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        numbers = key.public_key().public_numbers()
        members = {"e": _b64_uint(numbers.e), "kty": "RSA", "n": _b64_uint(numbers.n)}
        thumbprint = hashlib.sha256(
            json.dumps(members, separators=(",", ":"), sort_keys=True).encode("ascii")
        ).digest()
        kid = base64.urlsafe_b64encode(thumbprint).rstrip(b"=").decode("ascii")
        self._jwk = {**members, "kid": kid, "use": "sig", "alg": ALGORITHM}
        self._key = key

    def _ready(self) -> rsa.RSAPrivateKey:
        if self._key is None:
            self._thread.join()
        assert self._key is not None
        return self._key

    @property
    def private_key(self) -> rsa.RSAPrivateKey:
        return self._ready()

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self._ready().public_key()

    @property
    def kid(self) -> str:
        self._ready()
        return str(self._jwk["kid"])

    @property
    def jwk(self) -> dict[str, Any]:
        """The public JWK (RFC 7517 §4), with `kid`, `use` and `alg`."""
        self._ready()
        return dict(self._jwk)


class KeySet:
    """The server's signing keys; the first one signs, all are published."""

    def __init__(self) -> None:
        self.keys = [SigningKey()]

    @property
    def current(self) -> SigningKey:
        return self.keys[0]

    def by_kid(self, kid: str) -> SigningKey | None:
        return next((k for k in self.keys if k.kid == kid), None)

    def jwks(self) -> dict[str, Any]:
        """RFC 7517 §5: `{"keys": [...]}`, public parts only."""
        return {"keys": [k.jwk for k in self.keys]}
