"""DPoP proofs (RFC 9449): checking them at the token endpoint and at UserInfo.

RFC 9449 §4.2: a proof is a JWS in the `DPoP` header, `typ: dpop+jwt`, signed with the private
key of the public `jwk` in its header; claims `jti htm htu iat`, `ath` when it comes with an
access token, `nonce` when the server asks for one (§8). §4.3 lists the checks, made here in
order, each one check of the decision trace. The answer is the key's thumbprint (RFC 7638), the
`jkt` a bound token's `cnf` carries (§6.1).

The token endpoint sets the proof's binding for the request (`bound`) and the token response
reads it (`current`), so no grant needs to know about DPoP. Nonces are stateless (§8): an HMAC
of a time bucket (`dpop_window` seconds) with the server's key, valid in the current and the
previous bucket.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import math
import re
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import jwt
from starlette.requests import Request

from playground.core.errors import InvalidDPoPProof, OAuthError, UseDPoPNonce
from playground.core.jose.dpop import ath as ath
from playground.core.jose.jwk import JwkError, b64url, public_key_of, thumbprint
from playground.server.context import ServerContext
from playground.server.http import route_path
from playground.server.trace import TraceBuilder

# RFC 9449 §4.3 step 5: asymmetric algorithms only; never `none` or a MAC (HS*).
ALGORITHMS = ("ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
              "EdDSA")
ALGS = " ".join(ALGORITHMS)
MAX_PROOF = 8192
MAX_JTI = 256


class ResourceInvalidProof(InvalidDPoPProof):
    """RFC 9449 §7.1: at a protected resource a bad proof is a 401 with a DPoP challenge."""

    status_code = 401


class ResourceUseNonce(UseDPoPNonce):
    """RFC 9449 §9: at a protected resource a missing nonce is a 401."""

    status_code = 401


@dataclass(frozen=True, slots=True)
class Binding:
    """The key a token request proved possession of (RFC 9449 §5), and whether the client is
    public (its refresh tokens are bound to the key too, §5)."""

    jkt: str
    public: bool


_CURRENT: ContextVar[Binding | None] = ContextVar("dpop_binding", default=None)


@contextlib.contextmanager
def bound(binding: Binding | None) -> Iterator[None]:
    """Within the block, `current()` is `binding` (the token request's proof)."""
    token = _CURRENT.set(binding)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def current() -> Binding | None:
    return _CURRENT.get()


def has_proof(request: Request) -> bool:
    return bool(request.headers.getlist("dpop"))


# -- nonces (§8) ------------------------------------------------------------------------------
def _nonce_for(ctx: ServerContext, bucket: int) -> str:
    mac = hmac.new(ctx.device_key, f"dpop-nonce:{bucket}".encode(), hashlib.sha256)
    return b64url(mac.digest()[:18])


def _bucket(ctx: ServerContext) -> int:
    return int(ctx.clock.now() // max(ctx.config.dpop_window, 1.0))


def fresh_nonce(ctx: ServerContext) -> str:
    """RFC 9449 §8: the nonce to send in `DPoP-Nonce` now."""
    return _nonce_for(ctx, _bucket(ctx))


def nonce_ok(ctx: ServerContext, nonce: object) -> bool:
    if not isinstance(nonce, str):
        return False
    now = _bucket(ctx)
    return any(hmac.compare_digest(nonce, _nonce_for(ctx, b)) for b in (now, now - 1))


# -- htu (§4.3 step 9) ------------------------------------------------------------------------
_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalized_uri(uri: str) -> str | None:
    """RFC 3986 §6.2.2-§6.2.3: scheme and host in lower case, percent-encodings normalised, no
    default port, an empty path is `/`; query and fragment dropped (RFC 9449 §4.3 step 9).
    None when it is not an absolute http(s) URI."""
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower()
    host = f"[{host}]" if ":" in host else host
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    return f"{scheme}://{netloc}{_percent(parts.path) or '/'}"


_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")


def _percent(path: str) -> str:
    """RFC 3986 §6.2.2.1-§6.2.2.2: upper-case hex digits, unreserved characters decoded."""
    def one(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else f"%{match.group(1).upper()}"
    return _PERCENT.sub(one, path)


def expected_htu(request: Request, ctx: ServerContext) -> str:
    """The URI the client reached: the issuer (the server's public address) and the path."""
    return f"{ctx.issuer.rstrip('/')}{route_path(request)}"


# -- the checks of §4.3 -----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ProofErrors:
    """The error classes of where the proof is checked: the token endpoint (400, §5) or a
    protected resource (401, §7.1)."""

    invalid: type[OAuthError]
    nonce: type[OAuthError]


AT_TOKEN = ProofErrors(InvalidDPoPProof, UseDPoPNonce)
AT_RESOURCE = ProofErrors(ResourceInvalidProof, ResourceUseNonce)


def check_proof(request: Request, ctx: ServerContext, trace: TraceBuilder, *,
                access_token: str | None = None, errors: ProofErrors = AT_TOKEN) -> str:
    """RFC 9449 §4.3: check the request's DPoP proof; the jkt of its key."""
    bad = _Bad(errors.invalid)
    headers = request.headers.getlist("dpop")
    trace.require("exactly one DPoP header", len(headers) == 1,
                  bad(f"expected exactly one DPoP header, got {len(headers)}", "§4.3 step 1"))
    proof = headers[0].strip()
    header = _header(proof, trace, bad)
    jwk = header["jwk"]
    claims = _verified(proof, header, trace, bad)
    jkt = thumbprint(jwk)
    _claims(request, ctx, claims, trace, bad)
    if access_token is not None:
        trace.require("ath is the hash of the access token", claims.get("ath") == ath(access_token),
                      bad("the proof's ath is not base64url(SHA-256(access token))",
                          "§4.3 step 11, §7.1"))
    if ctx.config.dpop_nonce:
        _nonce(ctx, claims, trace, errors)
    key = f"{jkt}:{claims['jti']}"
    trace.require("jti not used before", ctx.dpop_jtis.get(key) is None,
                  bad("the proof was already used (replayed jti); send a fresh proof",
                      "§4.3 step 12, §11.1"))
    ctx.dpop_jtis.put(key, True)
    trace.check("DPoP key thumbprint", True, jkt, "RFC 9449 §6.1, RFC 7638")
    return jkt


class _Bad:
    """Makes the invalid-proof error of the place the proof is checked, citing RFC 9449."""

    def __init__(self, cls: type[OAuthError]) -> None:
        self.cls = cls

    def __call__(self, text: str, section: str) -> OAuthError:
        return self.cls(text, rfc=f"RFC 9449 {section}")


def _header(proof: str, trace: TraceBuilder, bad: _Bad) -> dict[str, Any]:
    """§4.3 steps 2-7: a well-formed JWS, `typ`, `alg`, a public `jwk`."""
    header: Any = None
    if len(proof) <= MAX_PROOF and proof.count(".") == 2:
        with contextlib.suppress(jwt.PyJWTError, ValueError, TypeError):
            header = jwt.get_unverified_header(proof)
    trace.require("the DPoP proof is a JWS", isinstance(header, dict),
                  bad("the DPoP header is not a compact JWS (header.payload.signature)",
                      "§4.3 steps 2-3"))
    assert isinstance(header, dict)
    trace.require("typ is dpop+jwt", header.get("typ") == "dpop+jwt",
                  bad(f"the proof's typ is {header.get('typ')!r}; expected 'dpop+jwt'",
                      "§4.3 step 4"))
    alg = header.get("alg")
    trace.require("alg is an allowed asymmetric algorithm", alg in ALGORITHMS,
                  bad(f"the proof's alg {alg!r} is not allowed; use one of {ALGS}",
                      "§4.3 step 5"))
    jwk = header.get("jwk")
    trace.require("jwk is a JSON object", isinstance(jwk, dict),
                  bad("the proof's header has no jwk object", "§4.3 step 6"))
    assert isinstance(jwk, dict)
    trace.require("jwk holds no private key", "d" not in jwk,
                  bad("the proof's jwk holds a private key ('d'); send the public key only",
                      "§4.3 step 7"))
    return header


def _verified(proof: str, header: dict[str, Any], trace: TraceBuilder,
              bad: _Bad) -> dict[str, Any]:
    """§4.3 step 8: the signature verifies with the header's jwk."""
    claims: Any = None
    problem = ""
    try:
        key, _ = public_key_of(header["jwk"])
        thumbprint(header["jwk"])
        claims = jwt.decode(proof, key, algorithms=[header["alg"]], options={
            "verify_exp": False, "verify_iat": False, "verify_nbf": False, "verify_aud": False,
            "verify_iss": False})
    except (JwkError, jwt.PyJWTError, ValueError, TypeError, KeyError, AttributeError) as exc:
        problem = str(exc)[:200]
    trace.require("signature is valid with the jwk", isinstance(claims, dict),
                  bad(f"the proof's signature does not verify with its jwk ({problem})",
                      "§4.3 step 8"))
    assert isinstance(claims, dict)
    return claims


def _claims(request: Request, ctx: ServerContext, claims: dict[str, Any],
            trace: TraceBuilder, bad: _Bad) -> None:
    """§4.3 steps 9-10 and §4.2: jti, htm, htu, iat."""
    jti = claims.get("jti")
    trace.require("jti is present", isinstance(jti, str) and 0 < len(jti) <= MAX_JTI,
                  bad("the proof needs a jti (a unique string of at most 256 characters)",
                      "§4.2, §4.3 step 9"))
    htm = claims.get("htm")
    trace.require("htm is the request's method", htm == request.method,
                  bad(f"the proof's htm is {htm!r}; this request is {request.method}",
                      "§4.3 step 9"))
    _htu(request, ctx, claims.get("htu"), trace, bad)
    _iat(ctx, claims.get("iat"), trace, bad)


def _htu(request: Request, ctx: ServerContext, htu: object, trace: TraceBuilder,
         bad: _Bad) -> None:
    expected = expected_htu(request, ctx)
    given = normalized_uri(htu) if isinstance(htu, str) else None
    shown = htu if not isinstance(htu, str) or len(htu) <= 200 else f"{htu[:200]}…"
    trace.require("htu is the request's URI", given is not None
                  and given == normalized_uri(expected),
                  bad(f"the proof's htu is {shown!r}; expected {expected!r} (without query and "
                      "fragment; RFC 3986 §6.2 normalisation)", "§4.3 step 9"))


def _iat(ctx: ServerContext, iat: object, trace: TraceBuilder, bad: _Bad) -> None:
    number = isinstance(iat, int | float) and not isinstance(iat, bool) and math.isfinite(iat)
    trace.require("iat is a number", number,
                  bad("the proof needs iat (seconds since the epoch)", "§4.2"))
    assert isinstance(iat, int | float)
    offset = float(iat) - ctx.clock.now()
    window = ctx.config.dpop_window
    trace.require("iat is within the acceptable window", abs(offset) <= window,
                  bad(f"the proof's iat is {abs(offset):.0f} s in the "
                      f"{'future' if offset > 0 else 'past'}; at most {window:g} s is accepted",
                      "§4.3 step 10, §11.1"))


def _nonce(ctx: ServerContext, claims: dict[str, Any], trace: TraceBuilder,
           errors: ProofErrors) -> None:
    """§8 (and §9): the server's current nonce; else `use_dpop_nonce` with a fresh one."""
    given = claims.get("nonce")
    error = errors.nonce("missing DPoP nonce; retry with the nonce of the DPoP-Nonce header"
                         if given is None else "the proof's nonce is not current; retry with "
                         "the nonce of the DPoP-Nonce header", rfc="RFC 9449 §8")
    error.headers = {"DPoP-Nonce": fresh_nonce(ctx)}  # type: ignore[attr-defined]
    trace.require("nonce is the server's current nonce", nonce_ok(ctx, given), error)


def error_headers(error: OAuthError) -> dict[str, str]:
    """Headers a refused proof carries (RFC 9449 §8: `DPoP-Nonce`)."""
    extra = getattr(error, "headers", None)
    return dict(extra) if isinstance(extra, dict) else {}
