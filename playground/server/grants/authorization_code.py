"""The authorization_code grant: RFC 6749 §4.1.3 and RFC 7636 §4.5-§4.6."""

from __future__ import annotations

from typing import Any, ClassVar

from playground.core.errors import InvalidDPoPProof, InvalidGrant, InvalidRequest
from playground.server import dpop, pkce_rules
from playground.server.clients import Client
from playground.server.context import ServerContext
from playground.server.grants.response import token_response
from playground.server.http import Params
from playground.server.store import CodeRecord
from playground.server.trace import TraceBuilder


class AuthorizationCodeGrant:
    grant_type: ClassVar[str] = "authorization_code"

    async def issue(self, params: Params, ctx: ServerContext, client: Client, method: str,
                    trace: TraceBuilder) -> dict[str, Any]:
        code = params.get("code")
        trace.require("code is present", code is not None,
                      InvalidRequest("code is missing", rfc="RFC 6749 §4.1.3"))
        assert code is not None
        if "scope" in params:
            trace.lint("token-scope-ignored", "scope is not a parameter of the "
                       "authorization_code token request; ignored")
        name = "code is known, unused and unexpired"

        def validate(record: CodeRecord) -> None:
            trace.check(name, True, "", "RFC 6749 §4.1.2")
            _bindings(record, params, ctx, client, trace)

        with trace.guard(name):
            record = ctx.store.redeem_code(code, validate)
        return await token_response(ctx, record.grant, trace, code_record=record)


def _bindings(record: CodeRecord, params: Params, ctx: ServerContext, client: Client,
              trace: TraceBuilder) -> None:
    """RFC 6749 §4.1.3 and RFC 7636 §4.6: the code's client, redirect URI and challenge."""
    trace.require("code was issued to this client", record.grant.client_id == client.id,
                  InvalidGrant("the code was issued to another client", rfc="RFC 6749 §4.1.3"))
    given = params.get("redirect_uri")
    trace.require("redirect_uri is present if it was in the authorization request",
                  given is not None or not record.redirect_uri_given,
                  InvalidGrant("redirect_uri is required: it was in the authorization request",
                               rfc="RFC 6749 §4.1.3"))
    trace.require("redirect_uri is identical to the authorization request's",
                  given is None or given == record.redirect_uri,
                  InvalidGrant(f"redirect_uri {given!r} differs from the authorization "
                               f"request's {record.redirect_uri!r}", rfc="RFC 6749 §4.1.3"))
    pkce_rules.check_verifier(record, params.get("code_verifier"), ctx, trace)
    _key_binding(record, trace)


def _key_binding(record: CodeRecord, trace: TraceBuilder) -> None:
    """RFC 9449 §10: a code requested with `dpop_jkt` is redeemed only with a proof of that
    key (`invalid_dpop_proof` otherwise)."""
    jkt = record.grant.jkt
    if jkt is None:
        return
    binding = dpop.current()
    proved = binding.jkt if binding else None
    trace.require("the token request proves the key the code is bound to (dpop_jkt)",
                  proved == jkt, InvalidDPoPProof(
                      f"the code is bound to DPoP key {jkt} (dpop_jkt); the token request "
                      + (f"proves key {proved}" if proved else "has no DPoP proof"),
                      rfc="RFC 9449 §10"))
