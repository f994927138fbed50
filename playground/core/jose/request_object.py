"""Request objects, JAR (RFC 9101): the authorization parameters as one signed JWT.

§4: the claims are the authorization request parameters plus `iss` (the client_id) and `aud`
(the authorization server's issuer); this builder adds `client_id`, `iat`, `exp` (five minutes)
and a `jti`. §5.1: it travels as `request` beside `client_id`; OIDC Core §6.1 wants
`response_type` and `scope` repeated outside it. Signed with the client's key, or HS256 with its
secret. Pure: the time is passed in.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from playground.core.jose import assertion, jwk

LIFETIME = 300
OUTSIDE = ("response_type", "scope")  # OIDC Core §6.1: also sent as plain parameters


def claims(params: Iterable[tuple[str, str]], client_id: str, audience: str, *, now: float
           ) -> dict[str, Any]:
    """RFC 9101 §4: the parameters (the first of a repeated name) and iss, aud, iat, exp, jti."""
    payload: dict[str, Any] = {}
    for name, value in params:
        payload.setdefault(name, value)
    issued = int(now)
    payload.update({"iss": client_id, "aud": audience, "client_id": client_id, "iat": issued,
                    "exp": issued + LIFETIME, "jti": secrets.token_urlsafe(16)})
    return payload


def build(params: Iterable[tuple[str, str]], client_id: str, audience: str, *, now: float,
          key: jwk.SigningJwk | None = None, secret: str | None = None) -> str:
    """The signed request object (RFC 9101 §4)."""
    return assertion.sign(claims(params, client_id, audience, now=now), key=key, secret=secret)


def outer_params(params: Iterable[tuple[str, str]], client_id: str, request: str
                 ) -> list[tuple[str, str]]:
    """§5.1 + OIDC Core §6.1: client_id, request, and response_type and scope repeated."""
    given = dict(reversed(list(params)))
    return [("client_id", client_id), ("request", request),
            *((name, given[name]) for name in OUTSIDE if name in given)]
