"""Client assertions: `private_key_jwt` and `client_secret_jwt` (RFC 7523 §2.2, §3; OIDC Core §9).

The client authenticates with a JWT instead of sending its secret: `iss` = `sub` = the client_id,
`aud` the authorization server (its issuer; the token endpoint URL is also accepted, RFC 7523
§3 item 3), a unique `jti`, `iat` and a short `exp`. `private_key_jwt` signs with the client's
private key (its `kid` in the header), `client_secret_jwt` with HMAC SHA-256 of the client secret.
Pure: the time is passed in.
"""

from __future__ import annotations

import secrets
import warnings
from typing import Any

import jwt as pyjwt

from playground.core.jose import jwk

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"  # RFC 7523 §2.2
LIFETIME = 60


def claims(client_id: str, audience: str, *, now: float, lifetime: int = LIFETIME
           ) -> dict[str, Any]:
    """RFC 7523 §3: iss, sub, aud, jti, iat, exp (OIDC Core §9 names the same)."""
    issued = int(now)
    return {"iss": client_id, "sub": client_id, "aud": audience,
            "jti": secrets.token_urlsafe(16), "iat": issued, "exp": issued + lifetime}


def sign(payload: dict[str, Any], *, key: jwk.SigningJwk | None = None,
         secret: str | None = None) -> str:
    """A JWS over `payload`: with `key` (its alg and kid), else HS256 with `secret`."""
    if key is not None:
        return pyjwt.encode(payload, key.key, algorithm=key.alg,
                            headers={"alg": key.alg, "kid": key.kid, "typ": "JWT"})
    if not secret:
        raise jwk.JwkError("client_secret_jwt needs the client secret (OIDC Core §9)")
    with warnings.catch_warnings():  # PyJWT warns of a secret shorter than SHA-256's output;
        warnings.simplefilter("ignore")  # the secret is the client's, not ours to lengthen
        return pyjwt.encode(payload, secret, algorithm="HS256", headers={"typ": "JWT"})


def private_key_jwt(client_id: str, audience: str, key: jwk.SigningJwk, *, now: float) -> str:
    """OIDC Core §9 `private_key_jwt`: signed with the client's registered key."""
    return sign(claims(client_id, audience, now=now), key=key)


def client_secret_jwt(client_id: str, audience: str, secret: str, *, now: float) -> str:
    """OIDC Core §9 `client_secret_jwt`: HMAC SHA-256 keyed with the client secret."""
    return sign(claims(client_id, audience, now=now), secret=secret)
