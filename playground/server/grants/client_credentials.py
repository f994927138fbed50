"""The client_credentials grant: RFC 6749 §4.4, the client acting on its own behalf.

§4.4: "The client credentials grant type MUST only be used by confidential clients"; §4.4.2:
`scope` is optional and checked against what the client may ask for (§3.3); §4.4.3: "A refresh
token SHOULD NOT be included". No user is involved, so no id_token (OIDC scopes are refused)
and the access token's `sub` is the client (RFC 9068 §2.2: "the client_id ... when the client
is acting on its own behalf"). A `resource` (RFC 8707 §2) or `audience` becomes the token's `aud`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from playground.core.errors import InvalidScope, UnauthorizedClient
from playground.server.clients import Client
from playground.server.context import ServerContext
from playground.server.grants.response import target_audience, token_response
from playground.server.http import Params
from playground.server.store import Grant
from playground.server.trace import TraceBuilder

USER_SCOPES = frozenset({"openid", "profile", "email", "address", "phone", "offline_access"})


class ClientCredentialsGrant:
    grant_type: ClassVar[str] = "client_credentials"

    async def issue(self, params: Params, ctx: ServerContext, client: Client, method: str,
                    trace: TraceBuilder) -> dict[str, Any]:
        trace.require("the client is confidential", method != "none", UnauthorizedClient(
            "a public client cannot use client_credentials: it has no credentials to present",
            rfc="RFC 6749 §4.4"))
        scopes = _scopes(params, client, trace)
        grant = Grant(client.id, client.id, scopes, auth_time=0,
                      audience=target_audience(params, ctx, trace))
        trace.check("sub is the client itself", True, client.id, "RFC 9068 §2.2")
        return await token_response(ctx, grant, trace)


def _scopes(params: Params, client: Client, trace: TraceBuilder) -> tuple[str, ...]:
    """The scopes asked for (all the client's machine scopes when none are, RFC 6749 §3.3)."""
    allowed = tuple(s for s in client.scopes if s not in USER_SCOPES)
    asked = tuple(dict.fromkeys((params.get("scope") or "").split())) or allowed
    user = [s for s in asked if s in USER_SCOPES]
    trace.require("no scope needs a user", not user, InvalidScope(
        f"scope(s) {' '.join(user)} need a signed-in user; client_credentials has none (use "
        "the authorization code flow)", rfc="RFC 6749 §4.4.2, OIDC Core §3.1.2.1"))
    unknown = [s for s in asked if s not in allowed]
    trace.require("every scope is one the client may ask for", not unknown, InvalidScope(
        f"scope(s) {' '.join(unknown)} are not registered for this client; it may ask for "
        f"{' '.join(allowed) or '(none)'}", rfc="RFC 6749 §3.3"))
    return asked
