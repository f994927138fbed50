"""Signing keys and the JWK Set the server publishes.

RFC 7517 §5 (JWK Set), RFC 7518 §6.2-§6.3 (EC and RSA public key parameters), RFC 7638 (thumbprint,
used as the `kid`), RFC 8037 §2 (OKP keys for EdDSA). Published keys: RS256 (RSA-2048) signs
id_tokens — OIDC Core §15.1 makes RS256 the one algorithm every OP must support and clients default
to it — and ES256 (P-256) signs the RFC 9068 access tokens, which only this server verifies: an
ES256 signature costs ~25 µs against ~210 µs for RS256 (see benchmarks/README.md); and one key each
for id_tokens in ES256, PS256 (another RSA key) and EdDSA (Ed25519), for clients registered with
that `idTokenSignedResponseAlg` (OIDC Registration §2). RSA key generation costs ~100 ms, so it runs
in a background thread started with the server; the first id_token or JWKS request waits for it.
Keys never leave the process. `alg: none` is never produced (RFC 8725 §3.1).
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from playground.core.clock import Clock, SystemClock

ALGORITHM = "RS256"          # id_tokens (OIDC Core §15.1)
ACCESS_ALGORITHM = "ES256"   # access tokens (RFC 9068 §2.1 allows any asymmetric algorithm)
# OIDC Registration §2 `id_token_signed_response_alg`: each has its own key (and `kid`).
ID_TOKEN_ALGORITHMS = ("RS256", "ES256", "PS256", "EdDSA")
RSA_ALGORITHMS = ("RS256", "PS256")
MAX_RETIRED = 20  # retired keys still published: the last four rotations' (5 keys each)

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64_uint(value: int, size: int = 0) -> str:
    return _b64(value.to_bytes(size or (value.bit_length() + 7) // 8, "big"))


def _members(key: PrivateKey) -> dict[str, str]:
    """The required public members of the JWK, the input of the RFC 7638 thumbprint."""
    if isinstance(key, rsa.RSAPrivateKey):
        rsa_numbers = key.public_key().public_numbers()
        return {"e": _b64_uint(rsa_numbers.e), "kty": "RSA", "n": _b64_uint(rsa_numbers.n)}
    if isinstance(key, ed25519.Ed25519PrivateKey):  # RFC 8037 §2: an OKP key
        raw = key.public_key().public_bytes(serialization.Encoding.Raw,
                                            serialization.PublicFormat.Raw)
        return {"crv": "Ed25519", "kty": "OKP", "x": _b64(raw)}
    ec_numbers = key.public_key().public_numbers()
    return {"crv": "P-256", "kty": "EC", "x": _b64_uint(ec_numbers.x, 32),
            "y": _b64_uint(ec_numbers.y, 32)}


def _generate(alg: str) -> PrivateKey:
    if alg in RSA_ALGORITHMS:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if alg == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    return ec.generate_private_key(ec.SECP256R1())


class SigningKey:
    """One key pair with its public JWK; RSA is generated in a background thread."""

    def __init__(self, alg: str = ALGORITHM) -> None:
        self.alg = alg
        self._key: PrivateKey | None = None
        self._jwk: dict[str, Any] = {}
        self._thread: threading.Thread | None = None
        if alg in RSA_ALGORITHMS:
            self._thread = threading.Thread(target=self._create, name="keygen", daemon=True)
            self._thread.start()
        else:
            self._create()  # a P-256 key takes ~50 µs

    def _create(self) -> None:
        key = _generate(self.alg)
        members = _members(key)
        digest = hashlib.sha256(
            json.dumps(members, separators=(",", ":"), sort_keys=True).encode("ascii")
        ).digest()
        self._jwk = {**members, "kid": _b64(digest), "use": "sig", "alg": self.alg}
        self._key = key

    def _ready(self) -> PrivateKey:
        if self._key is None and self._thread is not None:
            self._thread.join()
        assert self._key is not None
        return self._key

    @property
    def private_key(self) -> PrivateKey:
        return self._ready()

    @property
    def public_key(self) -> PublicKey:
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


@dataclass(frozen=True, slots=True)
class RetiredKey:
    """A key replaced by `KeySet.rotate`: still published and still verifying until `until`."""

    key: SigningKey
    until: float
    signs_id_tokens: bool


class KeySet:
    """The server's signing keys: `current` signs id_tokens (RS256, the default), `access`
    access tokens (ES256, or `access_alg`), and one more key per other id_token algorithm
    (ES256, PS256, EdDSA, OIDC Registration §2); all are published, each with its `alg`.

    `rotate` replaces every key at once (RFC 7517 §5 rollover): the old ones stay in the JWKS,
    and tokens they signed keep verifying, for a grace period, so a client that caches the JWKS
    refetches it on the new `kid` and the tokens it holds stay good meanwhile."""

    def __init__(self, clock: Clock | None = None, access_alg: str = ACCESS_ALGORITHM) -> None:
        self._clock: Clock = clock or SystemClock()
        self.access_alg = access_alg
        self.keys = self._fresh()
        self.retired: list[RetiredKey] = []

    def _fresh(self) -> list[SigningKey]:
        return [SigningKey(ALGORITHM), SigningKey(self.access_alg),
                *(SigningKey(alg) for alg in ID_TOKEN_ALGORITHMS[1:])]

    def rotate(self, grace: float) -> list[str]:
        """New keys for every role; the replaced ones verify and stay published `grace`
        seconds more (0: dropped at once). Returns the retired `kid`s."""
        now = self._clock.now()
        old, self.keys = self.keys, self._fresh()
        kept = [r for r in self.retired if r.until > now]
        if grace > 0:
            kept += [RetiredKey(k, now + grace, i != 1) for i, k in enumerate(old)]
        self.retired = kept[-MAX_RETIRED:]  # the newest: a rotation loop cannot grow the JWKS
        return [k.kid for k in old]

    def _retired(self) -> list[RetiredKey]:
        now = self._clock.now()
        return [r for r in self.retired if r.until > now]

    def id_key(self, alg: str) -> SigningKey:
        """The key signing id_tokens with `alg` (RS256 when `alg` is not one of ours)."""
        if alg == ALGORITHM or alg not in ID_TOKEN_ALGORITHMS:
            return self.current
        return next(k for k in self.keys[2:] if k.alg == alg)

    @property
    def id_keys(self) -> list[SigningKey]:
        """Every key that verifies id_tokens: the current ones and those in their grace."""
        return [self.current, *self.keys[2:],
                *(r.key for r in self._retired() if r.signs_id_tokens)]

    @property
    def current(self) -> SigningKey:
        return self.keys[0]

    @property
    def access(self) -> SigningKey:
        return self.keys[1]

    def by_kid(self, kid: str) -> SigningKey | None:
        """A current key, or a retired one still in its grace period."""
        found = next((k for k in self.keys if k.kid == kid), None)
        return found or next((r.key for r in self._retired() if r.key.kid == kid), None)

    def jwks(self) -> dict[str, Any]:
        """RFC 7517 §5: `{"keys": [...]}`, public parts only, retired keys last."""
        return {"keys": [k.jwk for k in self.keys] + [r.key.jwk for r in self._retired()]}
