"""The device_code grant: RFC 8628 §3.4 (the device polls) and §3.5 (what it hears).

§3.4: `grant_type=urn:ietf:params:oauth:grant-type:device_code` with the `device_code`, the
client authenticating as for any token request (a public client sends `client_id`). §3.5: until
the user decides, `authorization_pending` (`slow_down` when polled faster than the interval);
then the tokens once, `access_denied`, or `expired_token` (playground.server.device_store). The
tokens are those of the authorization code flow: an id_token with `openid`, a refresh token
with `offline_access` (RFC 8628 §3.5: "the authorization server issues an access token and
optional refresh token").
"""

from __future__ import annotations

from typing import Any, ClassVar

from playground.core.errors import InvalidRequest
from playground.server.clients import Client
from playground.server.context import ServerContext
from playground.server.grants.response import token_response
from playground.server.http import Params
from playground.server.trace import TraceBuilder

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"


class DeviceCodeGrant:
    grant_type: ClassVar[str] = GRANT_TYPE

    async def issue(self, params: Params, ctx: ServerContext, client: Client, method: str,
                    trace: TraceBuilder) -> dict[str, Any]:
        device_code = params.get("device_code")
        trace.require("device_code is present", device_code is not None,
                      InvalidRequest("device_code is missing", rfc="RFC 8628 §3.4"))
        assert device_code is not None
        name = "device_code is known, unexpired, approved and not yet redeemed"
        with trace.guard(name):
            record = ctx.devices.redeem(device_code, client.id, ctx.store.revoke_code_tokens)
        approval = record.approval
        assert approval is not None
        trace.check(name, True, f"approved by {approval.grant.sub} for "
                    f"{' '.join(approval.grant.scopes)}", "RFC 8628 §3.5")
        return await token_response(ctx, approval.grant, trace, code_record=approval)
