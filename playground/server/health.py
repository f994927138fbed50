"""`GET /_playground/health`: whether the server answers, for CI and container health checks.

Under the prefix reserved for the playground's own endpoints (no OAuth or OIDC path starts with
`/_playground/`). The answer is `200 {"status": "ok", ...}` with the issuer, the uptime and how
many records each bounded store holds, so a test suite can also see that nothing piles up.
"""

from __future__ import annotations

import time

from starlette.requests import Request
from starlette.responses import Response

from playground.server.context import ServerContext
from playground.server.http import json_response
from playground.server.trace import TraceBuilder

PATH = "/_playground/health"


async def health(request: Request, ctx: ServerContext, trace: TraceBuilder) -> Response:
    trace.outcome = "healthy"
    return json_response({
        "status": "ok", "issuer": ctx.issuer,
        "uptime_seconds": round(time.monotonic() - ctx.started, 3),
        "stores": {**ctx.store.sizes(), "opaque_access_tokens": len(ctx.tokens.opaque),
                   "pushed_requests": len(ctx.pushed_requests),
                   "dpop_jtis": len(ctx.dpop_jtis), "assertion_jtis": len(ctx.assertion_jtis),
                   **ctx.devices.sizes(), "journal": len(ctx.journal),
                   "behaviours": len(ctx.behaviours)},
    })
