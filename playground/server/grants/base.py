"""What every grant of the token endpoint is (Authlib's `rfc6749/grants/base.py` is the model).

A grant is one class with its `grant_type` (RFC 6749 §4.1.3, §4.4.2, §6; RFC 8628 §3.4; RFC 8693
§2.1) and `issue`, which runs its checks into the decision trace and returns the token response
body (RFC 6749 §5.1), or raises the `OAuthError` of RFC 6749 §5.2.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

from playground.server.clients import Client
from playground.server.context import ServerContext
from playground.server.http import Params
from playground.server.trace import TraceBuilder


class TokenGrant(Protocol):
    grant_type: ClassVar[str]

    async def issue(self, params: Params, ctx: ServerContext, client: Client, method: str,
                    trace: TraceBuilder) -> dict[str, Any]:
        """Check the request for this grant and issue its tokens (`method`: how the client
        authenticated, e.g. `none` for a public client)."""
        ...
