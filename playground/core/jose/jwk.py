"""JSON Web Keys: make, load, publish and fingerprint the keys a client signs with.

RFC 7517 §4 (JWK members), RFC 7518 §6 (EC and RSA parameters), RFC 8037 §2 (OKP, Ed25519),
RFC 7638 §3 (the thumbprint: SHA-256 of the required members in lexicographic order, no spaces).
A DPoP proof carries a public JWK (RFC 9449 §4.2) and binds tokens to its thumbprint (§6.1,
`cnf.jkt`); a `private_key_jwt` client (RFC 7523 §2.2) publishes one in its `jwks`. PyJWT and
cryptography do the key work.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt import PyJWK
from jwt.exceptions import PyJWKError

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey

# RFC 7638 §3.2: the required members of each key type, the thumbprint's input.
REQUIRED_MEMBERS = {"EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n"),
                    "OKP": ("crv", "kty", "x")}
ASYMMETRIC_ALGORITHMS = ("ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384",
                         "PS512", "EdDSA")
SYMMETRIC_ALGORITHMS = ("HS256", "HS384", "HS512")
_PRIVATE_TYPES = (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey)
_CURVES: dict[str, type[ec.EllipticCurve]] = {"ES256": ec.SECP256R1, "ES384": ec.SECP384R1,
                                              "ES512": ec.SECP521R1}
_CURVE_NAMES = {"secp256r1": ("P-256", 32), "secp384r1": ("P-384", 48), "secp521r1": ("P-521", 66)}
_EC_ALGS = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}


class JwkError(ValueError):
    """A key file or JWK that cannot be used (one line naming what is wrong)."""


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _uint(value: int, size: int = 0) -> str:
    return b64url(value.to_bytes(size or (value.bit_length() + 7) // 8, "big"))


def public_members(key: PrivateKey | PublicKey) -> dict[str, str]:
    """The public JWK's required members (RFC 7638 §3.2) of `key`."""
    public: PublicKey = key.public_key() if isinstance(key, _PRIVATE_TYPES) else key
    if isinstance(public, rsa.RSAPublicKey):
        numbers = public.public_numbers()
        return {"e": _uint(numbers.e), "kty": "RSA", "n": _uint(numbers.n)}
    if isinstance(public, ec.EllipticCurvePublicKey):
        crv, size = _CURVE_NAMES[public.curve.name]
        point = public.public_numbers()
        return {"crv": crv, "kty": "EC", "x": _uint(point.x, size), "y": _uint(point.y, size)}
    if isinstance(public, ed25519.Ed25519PublicKey):
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"crv": "Ed25519", "kty": "OKP", "x": b64url(raw)}
    raise JwkError(f"unsupported key type {type(public).__name__}")


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 §3: base64url(SHA-256(the required members, sorted, compact JSON))."""
    names = REQUIRED_MEMBERS.get(str(jwk.get("kty")))
    if names is None or any(not isinstance(jwk.get(n), str) for n in names):
        raise JwkError(f"a JWK of kty {jwk.get('kty')!r} lacks its required members "
                        "(RFC 7638 §3.2)")
    members = {n: jwk[n] for n in names}
    encoded = json.dumps(members, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return b64url(hashlib.sha256(encoded).digest())


def default_alg(key: PrivateKey | PublicKey) -> str:
    """The JWS algorithm a key signs with unless told otherwise (RFC 7518 §3.1)."""
    members = public_members(key)
    if members["kty"] == "EC":
        return _EC_ALGS[members["crv"]]
    return "EdDSA" if members["kty"] == "OKP" else "RS256"


@dataclass(frozen=True, slots=True)
class SigningJwk:
    """A private key with its public JWK (`kid` = thumbprint unless given) and algorithm."""

    key: PrivateKey
    alg: str
    kid: str

    @property
    def public_jwk(self) -> dict[str, str]:
        return {**public_members(self.key), "kid": self.kid, "use": "sig", "alg": self.alg}

    @property
    def jwks(self) -> dict[str, Any]:
        """RFC 7517 §5: the JWK Set a client registers (`jwks`), public members only."""
        return {"keys": [self.public_jwk]}

    @property
    def thumbprint(self) -> str:
        return thumbprint(public_members(self.key))

    def private_jwk(self) -> dict[str, str]:
        """The whole key as a JWK, private members included (to save it to a file)."""
        jwk: dict[str, str] = json.loads(PyJWK.from_dict(self.public_jwk).Algorithm.to_jwk(
            self.key))
        return {**jwk, "kid": self.kid, "alg": self.alg, "use": "sig"}


def generate(alg: str = "ES256", kid: str | None = None) -> SigningJwk:
    """A fresh key pair for `alg` (ES256/384/512, RS*/PS* with RSA-2048, EdDSA with Ed25519)."""
    key: PrivateKey
    if alg in _CURVES:
        key = ec.generate_private_key(_CURVES[alg]())
    elif alg[:2] in ("RS", "PS") and alg in ASYMMETRIC_ALGORITHMS:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    elif alg == "EdDSA":
        key = ed25519.Ed25519PrivateKey.generate()
    else:
        raise JwkError(f"cannot make a key for alg {alg!r}; use one of "
                        f"{', '.join(ASYMMETRIC_ALGORITHMS)}")
    return SigningJwk(key, alg, kid or thumbprint(public_members(key)))


def load_private_key(text: str, alg: str | None = None) -> SigningJwk:
    """A PEM private key (PKCS#8 or traditional) or a private JWK; the JWK's `kid` and `alg`
    are kept, a PEM key's `kid` is its thumbprint."""
    text = text.strip()
    if text.startswith("{"):
        return _from_jwk(text, alg)
    try:
        key = serialization.load_pem_private_key(text.encode("utf-8"), password=None)
    except (ValueError, TypeError) as exc:
        raise JwkError(f"not a PEM private key or a private JWK ({exc})") from None
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
                      | ed25519.Ed25519PrivateKey):
        raise JwkError(f"unsupported private key type {type(key).__name__}; use RSA, EC or "
                        "Ed25519")
    return SigningJwk(key, alg or default_alg(key), thumbprint(public_members(key)))


def _from_jwk(text: str, alg: str | None) -> SigningJwk:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise JwkError(f"the JWK is not valid JSON ({exc})") from None
    if isinstance(data, dict) and isinstance(data.get("keys"), list) and data["keys"]:
        data = data["keys"][0]
    if not isinstance(data, dict) or "d" not in data:
        raise JwkError("the JWK has no private member 'd': give the private key, not the "
                        "public one (RFC 7518 §6.2.2, §6.3.2)")
    try:
        key = PyJWK.from_dict(data).key
    except (PyJWKError, ValueError, TypeError) as exc:
        raise JwkError(f"the JWK cannot be read ({exc})") from None
    chosen = alg or (data.get("alg") if isinstance(data.get("alg"), str) else None)
    return SigningJwk(key, chosen or default_alg(key),
                      str(data.get("kid") or thumbprint(public_members(key))))


def public_key_of(jwk: dict[str, Any]) -> tuple[PublicKey, str | None]:
    """The public key of a JWK (and its declared `alg`), or `JwkError` naming the problem."""
    if "d" in jwk:
        raise JwkError("the JWK holds a private key ('d'); a public key is expected here")
    try:
        key = PyJWK.from_dict(jwk).key
    except (PyJWKError, ValueError, TypeError) as exc:
        raise JwkError(f"the JWK cannot be read ({exc})") from None
    alg = jwk.get("alg")
    return key, alg if isinstance(alg, str) else None


# The embedded server's demo clients whose private keys ship with the package (their public
# halves are registered in assets/server/clients.json): for trying private_key_jwt offline.
DEMO_KEYS = {"playground-fapi": "assets/client-keys/playground-fapi.jwk"}


def demo_key_text(client_id: str) -> str | None:
    """The bundled private JWK of a demo client, or None for any other client."""
    path = DEMO_KEYS.get(client_id)
    return None if path is None else resources.files("playground").joinpath(path).read_text(
        "utf-8")
