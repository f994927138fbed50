"""Metadata and keys: OpenID Connect Discovery 1.0 §3, RFC 8414 §2, RFC 7517 §5.

Both well-known documents describe the same server; `authorization_response_iss_parameter_supported`
is RFC 9207 §3; `pushed_authorization_request_endpoint` and
`require_pushed_authorization_requests` RFC 9126 §5; `dpop_signing_alg_values_supported` RFC 9449
§5.1; the `*_auth_signing_alg_values_supported` RFC 8414 §2. The JSON is built once per server
(it only changes with `allow_plain`).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from playground.server import dpop
from playground.server.clients import ASSERTION_ALGORITHMS, AUTH_METHODS
from playground.server.context import ServerContext
from playground.server.grants import GRANTS
from playground.server.http import json_response
from playground.server.keys import ID_TOKEN_ALGORITHMS
from playground.server.trace import TraceBuilder
from playground.server.users import SCOPE_CLAIMS, SCOPE_DESCRIPTIONS

PATHS = {
    "authorization_endpoint": "/oauth2/authorize",
    "token_endpoint": "/oauth2/token",
    "userinfo_endpoint": "/oauth2/userinfo",
    "jwks_uri": "/oauth2/jwks",
    "revocation_endpoint": "/oauth2/revoke",
    "introspection_endpoint": "/oauth2/introspect",
    "end_session_endpoint": "/oauth2/logout",  # OIDC RP-Initiated Logout §2.1
    "device_authorization_endpoint": "/oauth2/device_authorization",  # RFC 8628 §4
    "pushed_authorization_request_endpoint": "/oauth2/par",  # RFC 9126 §5
}
# RFC 8414 §2: the algorithms of client assertions (RFC 7523), for every endpoint that
# authenticates clients.
AUTH_SIGNING_ALGS = [*ASSERTION_ALGORITHMS["private_key_jwt"],
                     *ASSERTION_ALGORITHMS["client_secret_jwt"]]
# RFC 9101 §10.1 / OIDC Discovery §3: the asymmetric algorithms, and HS256 with the secret.
REQUEST_OBJECT_ALGS = [*ASSERTION_ALGORITHMS["private_key_jwt"], "HS256"]


def metadata(ctx: ServerContext) -> dict[str, Any]:
    issuer = ctx.issuer
    claims = ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "azp"]
    claims += [c for names in SCOPE_CLAIMS.values() for c in names]
    return {
        "issuer": issuer,
        **{name: issuer + path for name, path in PATHS.items()},
        "scopes_supported": list(SCOPE_DESCRIPTIONS),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": list(GRANTS),
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": list(ID_TOKEN_ALGORITHMS),
        "token_endpoint_auth_methods_supported": list(AUTH_METHODS),
        "token_endpoint_auth_signing_alg_values_supported": AUTH_SIGNING_ALGS,
        "revocation_endpoint_auth_methods_supported": list(AUTH_METHODS),
        "revocation_endpoint_auth_signing_alg_values_supported": AUTH_SIGNING_ALGS,
        "introspection_endpoint_auth_methods_supported": list(AUTH_METHODS),
        "introspection_endpoint_auth_signing_alg_values_supported": AUTH_SIGNING_ALGS,
        "request_object_signing_alg_values_supported": REQUEST_OBJECT_ALGS,
        "require_pushed_authorization_requests": ctx.config.require_par,  # RFC 9126 §5
        "dpop_signing_alg_values_supported": list(dpop.ALGORITHMS),  # RFC 9449 §5.1
        "code_challenge_methods_supported": ["S256", "plain"] if ctx.config.allow_plain
        else ["S256"],
        "claims_supported": claims,
        "prompt_values_supported": ["none", "login", "consent", "select_account"],
        "authorization_response_iss_parameter_supported": True,
        "request_parameter_supported": True,  # RFC 9101
        "request_uri_parameter_supported": False,  # request_uri only from PAR (RFC 9126 §4)
        "claims_parameter_supported": False,
        # Sign-out is RP-initiated only (playground.server.logout): no logout notifications.
        "frontchannel_logout_supported": False,  # OIDC Front-Channel Logout §3
        "backchannel_logout_supported": False,  # OIDC Back-Channel Logout §2.1
    }


async def openid_configuration(request: Request, ctx: ServerContext,
                               trace: TraceBuilder) -> Response:
    trace.outcome = "metadata served"
    return json_response(metadata(ctx), no_store=False)


async def jwks(request: Request, ctx: ServerContext, trace: TraceBuilder) -> Response:
    trace.outcome = "JWK Set served"
    return json_response(ctx.keys.jwks(), no_store=False)
