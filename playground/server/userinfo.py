"""The UserInfo endpoint: OIDC Core §5.3, with RFC 6750 bearer token handling.

§5.3.1: GET or POST with the access token as a Bearer token (RFC 6750 §2.1), a JWT or an
opaque one (RFC 6749 §1.4, resolved by `TokenIssuer.verify_access_token`); §5.3.2: a JSON
object with `sub` and the claims the granted scopes release. RFC 6750 §3: a missing token answers
401 with `WWW-Authenticate: Bearer` and no error code; an invalid one adds
`error="invalid_token"`; a token without `openid` gets 403 `insufficient_scope`.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from playground.core.errors import InvalidDPoPProof, InvalidToken, OAuthError, UseDPoPNonce
from playground.server import dpop
from playground.server.context import ServerContext
from playground.server.http import error_response, json_response, wire_description
from playground.server.tokens import require_openid, trace_verified
from playground.server.trace import TraceBuilder

REALM = 'Bearer realm="oauth-playground"'


class MissingToken(OAuthError):
    """RFC 6750 §3.1: no authentication information, so no error code in the challenge."""

    error = "invalid_request"
    status_code = 401


class DPoPInvalidToken(InvalidToken):
    """RFC 9449 §7.1: `invalid_token` answered with the DPoP challenge."""

    status_code = 401


async def userinfo(request: Request, ctx: ServerContext, trace: TraceBuilder) -> Response:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    trace.require("Bearer or DPoP access token in the Authorization header",
                  scheme.lower() in ("bearer", "dpop") and bool(token),
                  MissingToken("send the access token as 'Authorization: Bearer <token>' (or "
                               "'DPoP <token>' with a DPoP proof)", rfc="RFC 6750 §2.1"))
    claims = ctx.tokens.verify_access_token(token)
    trace_verified(trace, token)
    _sender(request, ctx, trace, scheme.lower() == "dpop", token, claims)
    trace.client_id = str(claims.get("client_id", "")) or None
    trace.require("access token is not revoked", not ctx.store.is_revoked(str(claims.get("jti"))),
                  InvalidToken("the access token was revoked", rfc="RFC 7009 §2"))
    require_openid(claims)
    trace.check("access token has the openid scope", True, "", "OIDC Core §5.3")
    user = ctx.users.get(str(claims.get("sub")))
    trace.require("the token's subject exists", user is not None,
                  InvalidToken("the token's subject is unknown", rfc="OIDC Core §5.3.3"))
    assert user is not None
    trace.outcome = f"claims of {user.sub} released"
    return json_response(user.claims_for(str(claims.get("scope", "")).split()))


def _sender(request: Request, ctx: ServerContext, trace: TraceBuilder, as_dpop: bool,
            token: str, claims: dict[str, Any]) -> None:
    """RFC 9449 §7.1: a DPoP-bound token (`cnf.jkt`) comes with the DPoP scheme and a proof
    whose key is the token's; a token without `cnf` is a Bearer token (RFC 6750)."""
    cnf = claims.get("cnf")
    jkt = cnf.get("jkt") if isinstance(cnf, dict) else None
    if not as_dpop:
        trace.require("a DPoP-bound token is not sent as a Bearer token", jkt is None,
                      DPoPInvalidToken("the access token is DPoP-bound: send it as "
                                       "'Authorization: DPoP <token>' with a DPoP proof",
                                       rfc="RFC 9449 §7.1"))
        return
    trace.require("the token sent with the DPoP scheme is DPoP-bound", jkt is not None,
                  DPoPInvalidToken("the access token is not DPoP-bound (no cnf.jkt): send it "
                                   "as 'Authorization: Bearer <token>'", rfc="RFC 9449 §7.1"))
    proven = dpop.check_proof(request, ctx, trace, access_token=token, errors=dpop.AT_RESOURCE)
    trace.require("the proof's key is the token's cnf.jkt", proven == jkt,
                  dpop.ResourceInvalidProof(f"the proof is signed with another key (jkt {proven})"
                                            f" than the token is bound to ({jkt})",
                                            rfc="RFC 9449 §7.1, §6.1"))


def _dpop_error(error: OAuthError) -> bool:
    return isinstance(error, InvalidDPoPProof | UseDPoPNonce | DPoPInvalidToken)


def userinfo_error(error: OAuthError) -> Response:
    """RFC 6750 §3: the WWW-Authenticate challenge for each error class; RFC 9449 §7.1: the
    DPoP challenge (with the accepted `algs`) for DPoP errors, and `DPoP-Nonce` (§9)."""
    if _dpop_error(error):
        challenge = (f'DPoP error="{error.error}", error_description='
                     f'"{_quoted(error.description)}", algs="{dpop.ALGS}"')
        return error_response(error, {"WWW-Authenticate": challenge,
                                      **dpop.error_headers(error)})
    if isinstance(error, MissingToken):
        return Response(b"", 401, {"WWW-Authenticate": REALM, "Cache-Control": "no-store"})
    challenge = f'{REALM}, error="{error.error}", error_description="{_quoted(error.description)}"'
    if error.error == "insufficient_scope":
        challenge += ', scope="openid"'
    return error_response(error, {"WWW-Authenticate": challenge})


def _quoted(text: str) -> str:
    """RFC 6750 §3: the error_description character set (no '"', no '\\', ASCII only)."""
    return wire_description(text)
