"""The keys a registered client signs with, and the signature check of a JWT it sent.

A `private_key_jwt` client assertion (RFC 7523 §3, OIDC Core §9) and a request object (RFC 9101
§6.2) are JWS signed by the client: with a private key whose public part the client registered
(`jwks` inline or `jwksUri`, RFC 7591 §2), or, for `client_secret_jwt` and an HS* request object,
with its secret as the HMAC key (RFC 7518 §3.2, OIDC Core §10.1). `alg: none` is never accepted
(RFC 8725 §3.1, RFC 9101 §10.2 with FAPI's reading), nor a symmetric algorithm with a public key.

A `jwksUri` is fetched with a short timeout and a size cap, and cached for `ttl` seconds in a
bounded map; a `kid` not in the cached set refetches once (the client may have rotated keys).
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from jwt import PyJWK, PyJWKSet
from jwt.exceptions import PyJWKError, PyJWKSetError, PyJWTError

from playground.core.clock import Clock
from playground.core.errors import OAuthError
from playground.core.jose.jwk import SYMMETRIC_ALGORITHMS
from playground.server.clients import Client
from playground.server.expiring import ExpiringMap

MAX_JWKS_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class SignedJwt:
    """A JWT whose signature checked out: its header, claims and the key that verified it."""

    header: dict[str, Any]
    claims: dict[str, Any]
    key_id: str | None


class ClientKeys:
    """Public keys of the registered clients: inline `jwks`, or `jwksUri` fetched and cached."""

    def __init__(self, clock: Clock, ttl: float = 300.0, max_size: int = 256,
                 timeout: float = 3.0) -> None:
        self._cache: ExpiringMap[str, dict[str, Any]] = ExpiringMap(clock, ttl, max_size)
        self._timeout = timeout

    async def jwks(self, client: Client, *, refresh: bool = False) -> dict[str, Any]:
        """The client's JWK Set; `ValueError` with one line when it cannot be had."""
        if client.jwks is not None:
            return client.jwks
        if not client.jwksUri:
            raise ValueError("the client registered no keys (neither 'jwks' nor 'jwksUri')")
        cached = None if refresh else self._cache.get(client.jwksUri)
        if cached is None:
            cached = await self._fetch(client.jwksUri)
            self._cache.put(client.jwksUri, cached)
        return cached

    async def _fetch(self, uri: str) -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(timeout=self._timeout, follow_redirects=False) as http:
                response = await http.get(uri, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise ValueError(f"the client's jwksUri {uri} could not be fetched "
                             f"({type(exc).__name__})") from None
        if response.status_code != 200 or len(response.content) > MAX_JWKS_BYTES:
            raise ValueError(f"the client's jwksUri {uri} answered {response.status_code} with "
                             f"{len(response.content)} bytes; a JWK Set (RFC 7517 §5) is needed")
        try:
            data = json.loads(response.content)
        except (ValueError, RecursionError):
            raise ValueError(f"the client's jwksUri {uri} did not return JSON") from None
        if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
            raise ValueError(f"the client's jwksUri {uri} returned no JWK Set (RFC 7517 §5)")
        return data

    async def verify(self, token: str, client: Client, algorithms: tuple[str, ...],
                     error: type[OAuthError], rfc: str, what: str) -> SignedJwt:
        """Check the JWS signature of `token` (`what`: "client assertion", "request object")
        with the client's keys; any failure is `error(description, rfc=rfc)`. Claims are not
        checked here."""
        header = _header(token, error, rfc, what)
        alg = str(header.get("alg"))
        if alg == "none" or alg not in algorithms:
            raise error(f"the {what} is signed with alg {alg!r}; allowed here: "
                        f"{', '.join(algorithms)} ('none' never, RFC 8725 §3.1)", rfc=rfc)
        if alg in SYMMETRIC_ALGORITHMS:
            if not client.secret:
                raise error(f"the {what} uses {alg}, an HMAC with the client secret, but the "
                            "client has no secret", rfc=rfc)
            return _decode(token, client.secret.encode("utf-8"), alg, None, error, rfc, what)
        key = await self._key(client, header, error, rfc, what)
        return _decode(token, key.key, alg, key.key_id, error, rfc, what)

    async def _key(self, client: Client, header: dict[str, Any], error: type[OAuthError],
                   rfc: str, what: str) -> PyJWK:
        kid = header.get("kid")
        try:
            for refresh in (False, True):
                keys = _signing_keys(await self.jwks(client, refresh=refresh))
                matches = [k for k in keys if kid is None or k.key_id == kid]
                if len(matches) == 1:
                    return matches[0]
                if kid is None or client.jwks is not None:
                    break
        except ValueError as exc:
            raise error(f"cannot check the {what}: {exc}", rfc=rfc) from None
        if kid is None:
            raise error(f"the {what} header has no kid and the client has {len(keys)} signing "
                        "keys; name the key with kid (RFC 7515 §4.1.4)", rfc=rfc)
        raise error(f"the {what} header's kid {kid!r} is not among the client's registered keys "
                    f"({', '.join(str(k.key_id) for k in keys) or 'none'})", rfc=rfc)


def _signing_keys(jwks: dict[str, Any]) -> list[PyJWK]:
    try:
        keyset = PyJWKSet.from_dict(jwks)
    except (PyJWKSetError, PyJWKError, TypeError, ValueError) as exc:
        raise ValueError(f"the client's JWK Set holds no usable key ({exc})") from None
    return [k for k in keyset.keys if k.public_key_use in (None, "sig")]


def _header(token: str, error: type[OAuthError], rfc: str, what: str) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(token)
    except PyJWTError as exc:
        raise error(f"the {what} is not a JWS in compact serialization ({exc})",
                    rfc="RFC 7515 §7.1") from None
    return dict(header)


def _decode(token: str, key: Any, alg: str, kid: str | None, error: type[OAuthError], rfc: str,
            what: str) -> SignedJwt:
    try:
        with warnings.catch_warnings():  # PyJWT warns about an HMAC key under the hash size
            warnings.simplefilter("ignore")
            decoded = jwt.decode_complete(token, key, algorithms=[alg], options={
                "verify_exp": False, "verify_nbf": False, "verify_iat": False,
                "verify_aud": False, "verify_iss": False, "verify_sub": False,
                "verify_jti": False})
    except jwt.InvalidSignatureError:
        raise error(f"the {what}'s {alg} signature does not match the client's key"
                    + (f" {kid!r}" if kid else "") + " (RFC 7515 §5.2)", rfc=rfc) from None
    except (PyJWTError, TypeError, ValueError) as exc:
        raise error(f"the {what} cannot be verified ({exc})", rfc=rfc) from None
    return SignedJwt(dict(decoded["header"]), dict(decoded["payload"]), kid)
