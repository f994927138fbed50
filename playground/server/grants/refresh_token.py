"""The refresh_token grant: RFC 6749 §6, with rotation for public clients (RFC 9700 §4.14.2)."""

from __future__ import annotations

from typing import Any, ClassVar

from playground.core.errors import InvalidDPoPProof, InvalidRequest, InvalidScope
from playground.server import dpop
from playground.server.clients import Client
from playground.server.context import ServerContext
from playground.server.grants.response import token_response
from playground.server.http import Params
from playground.server.store import Grant, RefreshRecord
from playground.server.trace import TraceBuilder


class RefreshTokenGrant:
    grant_type: ClassVar[str] = "refresh_token"

    async def issue(self, params: Params, ctx: ServerContext, client: Client, method: str,
                    trace: TraceBuilder) -> dict[str, Any]:
        token = params.get("refresh_token")
        trace.require("refresh_token is present", token is not None,
                      InvalidRequest("refresh_token is missing", rfc="RFC 6749 §6"))
        assert token is not None
        rotate = method == "none"
        requested = tuple(dict.fromkeys((params.get("scope") or "").split()))
        name = "refresh token is known, unused and unexpired"

        def validate(record: RefreshRecord) -> None:
            trace.check(name, True, "rotated (public client)" if rotate
                        else "kept (confidential client)", "RFC 6749 §6, RFC 9700 §4.14.2")
            wider = [s for s in requested if s not in record.grant.scopes]
            trace.require("scope is within the original grant", not wider, InvalidScope(
                f"scope(s) {' '.join(wider)} exceed the original grant", rfc="RFC 6749 §6"))
            _same_key(record, trace)

        with trace.guard(name):
            record = ctx.store.use_refresh(token, client.id, rotate, validate)
        grant = record.grant
        narrowed = Grant(grant.client_id, grant.sub, requested or grant.scopes, grant.auth_time)
        return await token_response(ctx, narrowed, trace, family=record.family,
                                    refresh_grant=grant if rotate else None)


def _same_key(record: RefreshRecord, trace: TraceBuilder) -> None:
    """RFC 9449 §5: a refresh token issued to a public client with DPoP is bound to the key;
    the refresh request must prove possession of that same key."""
    bound, binding = record.grant.jkt, dpop.current()
    if bound is None:
        return
    given = binding.jkt if binding else None
    trace.require("DPoP proof with the refresh token's key", given == bound, InvalidDPoPProof(
        "the refresh token is DPoP-bound: send a DPoP proof signed with the key it was issued "
        "to" if given is None else "the refresh token is bound to another DPoP key (jkt "
        f"{bound}); this proof's key is {given}", rfc="RFC 9449 §5"))
