"""DPoP proofs, RFC 9449: a JWT that proves the sender holds the key a token is bound to.

§4.2: the header carries `typ: dpop+jwt`, the signing `alg` and the public `jwk`; the claims
`jti` (unique), `htm` (the HTTP method), `htu` (the target URI without query and fragment), `iat`,
then `ath` (base64url SHA-256 of the access token) when a protected resource is called (§7.1)
and `nonce` when the server demanded one (§8, §9). The token is bound to the key's RFC 7638
thumbprint (§6.1, `cnf.jkt`). Pure: the time and the nonce are passed in.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import jwt as pyjwt

from playground.core.jose import jwk

TYP = "dpop+jwt"


def htu(url: str) -> str:
    """§4.2: the HTTP target URI, without query and fragment parts."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def ath(access_token: str) -> str:
    """§4.2: base64url of the SHA-256 of the ASCII access token (a non-ASCII one, which no
    server issues, hashes with its characters replaced rather than raising)."""
    return jwk.b64url(hashlib.sha256(access_token.encode("ascii", "replace")).digest())


@dataclass(frozen=True, slots=True)
class DPoPKey:
    """The client's DPoP key pair (ES256 unless told otherwise) and the proofs it signs."""

    signing: jwk.SigningJwk

    @classmethod
    def generate(cls, alg: str = "ES256") -> DPoPKey:
        return cls(jwk.generate(alg))

    @property
    def thumbprint(self) -> str:
        """RFC 7638 §3: what the server puts in the bound token's `cnf.jkt` (§6.1)."""
        return self.signing.thumbprint

    @property
    def public_jwk(self) -> dict[str, str]:
        """§4.2: the header's `jwk`: the public members only (no kid, use or private part)."""
        return jwk.public_members(self.signing.key)

    def claims(self, htm: str, url: str, *, now: float, access_token: str | None = None,
               nonce: str | None = None) -> dict[str, Any]:
        """§4.2 claims; `ath` with an access token (§7.1), `nonce` when demanded (§8)."""
        claims: dict[str, Any] = {"jti": secrets.token_urlsafe(16), "htm": htm.upper(),
                                  "htu": htu(url), "iat": int(now)}
        if access_token is not None:
            claims["ath"] = ath(access_token)
        if nonce is not None:
            claims["nonce"] = nonce
        return claims

    def proof(self, htm: str, url: str, *, now: float, access_token: str | None = None,
              nonce: str | None = None) -> str:
        """The compact JWS to send as the `DPoP` header (§4.1)."""
        claims = self.claims(htm, url, now=now, access_token=access_token, nonce=nonce)
        headers = {"typ": TYP, "alg": self.signing.alg, "jwk": self.public_jwk}
        return pyjwt.encode(claims, self.signing.key, algorithm=self.signing.alg,
                            headers=headers)
