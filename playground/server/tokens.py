"""Access tokens (RFC 9068), id_tokens (OIDC Core §2, §3.1.3.6) and the token response.

RFC 9068 §2.1: the header's `typ` is `at+jwt`; §2.2: `iss exp aud sub client_id iat jti`, plus
`scope` and `auth_time`. OIDC Core §2: an id_token carries `iss sub aud exp iat auth_time nonce azp`
and §3.1.3.6 `at_hash`, the left half of SHA-256 of the access token, base64url-encoded.
RFC 6749 §5.1: the successful token response. id_tokens are signed RS256 (OIDC Core §15.1), or
with the client's `idTokenSignedResponseAlg` (ES256, PS256, EdDSA; OIDC Registration §2),
access tokens ES256 (only this server verifies them; ~8x cheaper to sign); never `alg: none`.
`TokenIssuer` builds the claims; its `TokenSigner` (playground.server.signing) signs them, in the
server's thread or in helper processes.

A client registered with `accessTokenFormat: "opaque"` gets an opaque access token instead
(RFC 6749 §1.4): a random string whose claims — the same ones — the server keeps
(playground.server.opaque); the id_token's `at_hash` is taken over that string.
`verify_access_token` resolves either form, so UserInfo, introspection and token exchange
share one check.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt

from playground.core.clock import Clock
from playground.core.errors import InsufficientScope, InvalidToken
from playground.server.keys import KeySet
from playground.server.opaque import OpaqueTokens
from playground.server.signing import InlineSigner, Signed, SigningRequest, TokenSigner, sign_jwt
from playground.server.store import Grant
from playground.server.trace import TraceBuilder
from playground.server.users import UserDirectory

JWT, OPAQUE = "jwt", "opaque"  # the client's `accessTokenFormat`


@dataclass(frozen=True, slots=True)
class Extra:
    """Claims added to (or overriding) those of the access token and of the id_token."""

    access: dict[str, Any] = field(default_factory=dict)
    id_token: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    access_token: str
    jti: str
    id_token: str | None
    format: str = JWT  # or OPAQUE (RFC 6749 §1.4)


class TokenIssuer:
    """Mints and verifies the server's JWTs, and its opaque access tokens."""

    def __init__(self, issuer: str, keys: KeySet, clock: Clock, *, access_ttl: int,
                 id_ttl: int, audience: str | None = None,
                 signer: TokenSigner | None = None,
                 id_alg: Callable[[str], str] | None = None,
                 users: UserDirectory | None = None,
                 access_format: Callable[[str], str] | None = None) -> None:
        self.issuer = issuer
        self.keys = keys
        self.clock = clock
        self.access_ttl = access_ttl
        self.id_ttl = id_ttl
        self.audience = audience or issuer
        self.signer: TokenSigner = signer or InlineSigner(keys)
        # client_id -> its `idTokenSignedResponseAlg` (OIDC Registration §2); RS256 by default
        self.id_alg: Callable[[str], str] = id_alg or (lambda _client_id: "RS256")
        self.users = users if users is not None else UserDirectory()
        # client_id -> its `accessTokenFormat`: "jwt" (RFC 9068) by default, or "opaque"
        self.access_format: Callable[[str], str] = access_format or (lambda _client_id: JWT)
        self.opaque = OpaqueTokens(clock, access_ttl)  # the claims of the opaque tokens

    async def issue(self, grant: Grant, *, nonce: bool = True, id_token: bool = True,
                    extra: Extra | None = None) -> IssuedTokens:
        """The access token, and the id_token when `openid` was granted (OIDC Core §3.1.3.3)
        and `id_token` is wanted; `nonce` is left out on refresh (OIDC Core §12.2). `extra`
        claims (enqueued by a test) are added last, so they override."""
        now = int(self.clock.now())
        extra = extra or Extra()
        access = {**self.access_claims(grant, now), **extra.access}
        wanted = id_token and "openid" in grant.scopes
        id_claims = {**self.id_claims(grant, now, nonce=nonce), **extra.id_token} if wanted \
            else None
        id_kid = self.keys.id_key(self.id_alg(grant.client_id)).kid if wanted \
            else self.keys.current.kid
        form = self.access_format(grant.client_id)
        signed, signed_id = await self._sign(access, id_claims, id_kid, opaque=form == OPAQUE)
        return IssuedTokens(signed, str(access["jti"]), signed_id, form)

    async def _sign(self, access: dict[str, Any], id_claims: dict[str, Any] | None,
                    id_kid: str, *, opaque: bool) -> Signed:
        """RFC 9068 §2.1: the signed access token; or, `opaque`, a new opaque token standing
        for `access` (RFC 6749 §1.4), with no signature but the id_token's."""
        token = self.opaque.issue(access) if opaque else None
        if token is not None and id_claims is None:
            return token, None
        return await self.signer.sign(SigningRequest(
            {} if token else access, self.keys.access.kid, id_claims, id_kid, token))

    async def mint_access_token(self, claims: dict[str, Any], expires_in: int, *,
                                opaque: bool = False) -> tuple[str, str]:
        """An RFC 9068 access token (or, `opaque`, an RFC 6749 §1.4 opaque one) with `claims`
        over the usual ones (`sub` and `client_id` among them), valid `expires_in` seconds;
        returns it and its `jti`."""
        now = int(self.clock.now())
        access = {"iss": self.issuer, "aud": self.audience, "iat": now, "exp": now + expires_in,
                  "jti": secrets.token_urlsafe(16), **claims}
        signed, _ = await self._sign(access, None, self.keys.current.kid, opaque=opaque)
        return signed, str(access["jti"])

    def mint_id_token(self, claims: dict[str, Any], expires_in: int, alg: str = "RS256") -> str:
        """An id_token (OIDC Core §2) with `claims` (`sub` and `aud` among them) over `iss`,
        `iat`, `exp` and `auth_time`."""
        now = int(self.clock.now())
        key = self.keys.id_key(alg)
        body = {"iss": self.issuer, "iat": now, "exp": now + expires_in, "auth_time": now,
                **claims}
        return sign_jwt(body, key.private_key, key.alg, key.kid, "JWT")

    def access_claims(self, grant: Grant, now: int) -> dict[str, Any]:
        """RFC 9068 §2.2: the claims of a JWT access token (an opaque one's, held here)."""
        user = self.users.get(grant.sub)
        return {
            **(user.access_token_claims() if user else {}),
            "iss": self.issuer, "sub": grant.sub, "aud": grant.audience or self.audience,
            "client_id": grant.client_id, "iat": now, "exp": now + self.access_ttl,
            "jti": secrets.token_urlsafe(16), "scope": " ".join(grant.scopes),
            **({"auth_time": grant.auth_time} if grant.auth_time else {}),  # no user: none
            **({"act": grant.act} if grant.act else {}),
            **({"cnf": {"jkt": grant.jkt}} if grant.jkt else {}),  # RFC 9449 §6.1
        }

    def id_claims(self, grant: Grant, now: int, *, nonce: bool) -> dict[str, Any]:
        """OIDC Core §2 and §5.4: the id_token's claims, without `at_hash` (signing adds it)."""
        user = self.users.get(grant.sub)
        claims: dict[str, Any] = user.claims_for(grant.scopes) if user else {"sub": grant.sub}
        claims.update({
            "iss": self.issuer, "sub": grant.sub, "aud": grant.client_id, "azp": grant.client_id,
            "iat": now, "exp": now + self.id_ttl, "auth_time": grant.auth_time,
        })
        if nonce and grant.nonce is not None:
            claims["nonce"] = grant.nonce
        return claims

    def verify_id_token(self, token: str, *, allow_expired: bool = False) -> dict[str, Any]:
        """An id_token this server issued (to any client): signature, issuer, expiry.

        `allow_expired` skips the expiry: a logout's `id_token_hint` may have expired (OIDC
        RP-Initiated Logout §2: the OP SHOULD accept it "even when the exp time has passed")."""
        try:
            key = self.keys.by_kid(str(jwt.get_unverified_header(token).get("kid", "")))
            if key is None or key not in self.keys.id_keys:
                raise InvalidToken("the token is not an id_token issued by this server",
                                   rfc="OIDC Core §2")
            claims: dict[str, Any] = jwt.decode(
                token, key.public_key, algorithms=[key.alg],
                options={"verify_exp": False, "verify_aud": False, "verify_iat": False})
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"the id_token is malformed or its signature is invalid ({exc})",
                               rfc="OIDC Core §3.1.3.7") from None
        if claims.get("iss") != self.issuer:
            raise InvalidToken("the id_token was issued by another issuer", rfc="OIDC Core §2")
        if not allow_expired and self.clock.now() >= float(claims.get("exp", 0)):
            raise InvalidToken("the id_token expired", rfc="OIDC Core §3.1.3.7 (9)")
        return claims

    def verify_access_token(self, token: str) -> dict[str, Any]:
        """The claims of an access token of either form, checked: an opaque one must be held
        here (RFC 6749 §1.4, RFC 7662 §2.2), a JWT verified (RFC 9068 §4); both unexpired on the
        injected clock. Revocation is the TokenStore's (`is_revoked(claims["jti"])`)."""
        claims = self._opaque_claims(token) if form_of(token) == OPAQUE \
            else self._verify_jwt(token)
        if self.clock.now() >= float(claims.get("exp", 0)):
            raise InvalidToken("the access token expired", rfc="RFC 6750 §3.1")
        return claims

    def _opaque_claims(self, token: str) -> dict[str, Any]:
        """RFC 6749 §1.4: an opaque token means what the server holds for it, nothing else."""
        claims = self.opaque.claims(token)
        if claims is None:
            raise InvalidToken("the access token is unknown here: not issued by this server, "
                               "or expired, revoked or evicted since", rfc="RFC 6750 §3.1")
        return claims

    def _verify_jwt(self, token: str) -> dict[str, Any]:
        """RFC 9068 §4: signature, `typ` and issuer (the caller checks the expiry)."""
        try:
            header = jwt.get_unverified_header(token)
            key = self.keys.by_kid(str(header.get("kid", "")))
            if key is None or header.get("typ") != "at+jwt":
                raise InvalidToken("the token is not an access token issued by this server",
                                   rfc="RFC 9068 §4")
            claims: dict[str, Any] = jwt.decode(
                token, key.public_key, algorithms=[key.alg],
                options={"verify_exp": False, "verify_aud": False, "verify_iat": False},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"the access token is malformed or its signature is invalid "
                               f"({exc})", rfc="RFC 6750 §3.1") from None
        if claims.get("iss") != self.issuer:
            raise InvalidToken("the access token was issued by another issuer", rfc="RFC 9068 §4")
        return claims


def form_of(token: str) -> str:
    """JWT for a JWS compact serialization (RFC 7515 §7.1: three parts joined by '.'), else
    OPAQUE: an opaque token is base64url (RFC 6749 §1.4, §10.10), which has no '.'."""
    return JWT if token.count(".") == 2 else OPAQUE


def trace_verified(trace: TraceBuilder, token: str) -> None:
    """The decision-trace line for an access token `verify_access_token` accepted."""
    if form_of(token) == JWT:
        trace.check("access token signature, issuer and expiry", True, "a JWT access token",
                    "RFC 9068 §4")
    else:
        trace.check("opaque access token is held by this server and unexpired", True,
                    "an opaque access token: its claims are looked up here",
                    "RFC 6749 §1.4, RFC 7662 §2.2")


def require_openid(claims: dict[str, Any]) -> None:
    """OIDC Core §5.3: userinfo needs an access token granted the `openid` scope."""
    if "openid" not in str(claims.get("scope", "")).split():
        raise InsufficientScope("the access token was not granted the 'openid' scope",
                                rfc="OIDC Core §5.3")
