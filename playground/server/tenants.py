"""Issuers under paths: tenants (`/tenant-a`, `/tenant-b`) and an issuer with a path (`/idp`).

Each tenant is a whole authorization server of its own — keys, clients, users, stores, journal,
control API — sharing the listening socket, the clock and the trace store. `Dispatch` routes a
request by its path prefix to the tenant's application with the ASGI `root_path` set to the
prefix (the endpoints match the rest, `playground.server.http.route_path`); the URLs the tenant
puts in its metadata, pages and cookies start with its issuer.

Metadata is found both ways (RFC 8414 §3.1 and OIDC Discovery §4.1):

- `/tenant-a/.well-known/openid-configuration` — the issuer with `/.well-known/…` appended;
- `/.well-known/oauth-authorization-server/tenant-a` — the well-known segment inserted between
  the host and the issuer's path.

A path under no issuer is a 404 that names the issuers there are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from playground.server.http import json_response

WELL_KNOWN = ("/.well-known/oauth-authorization-server", "/.well-known/openid-configuration")


@dataclass(frozen=True, slots=True)
class Mount:
    prefix: str  # "/tenant-a"; "" for an issuer at the root
    app: ASGIApp
    issuer: str


class Dispatch:
    """ASGI: each request to the mount whose prefix its path starts with (longest first)."""

    def __init__(self, mounts: Sequence[Mount]) -> None:
        self._mounts = sorted(mounts, key=lambda m: len(m.prefix), reverse=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        for mount in self._mounts:
            routed = _route(path, mount.prefix)
            if routed is not None:
                await mount.app(_child(scope, routed, mount.prefix), receive, send)
                return
        await self._no_issuer(scope, receive, send)

    async def _no_issuer(self, scope: Scope, receive: Receive, send: Send) -> None:
        issuers = ", ".join(m.issuer for m in reversed(self._mounts))
        shown = scope["path"][:200]
        response = json_response({
            "error": "invalid_request",
            "error_description": f"no issuer serves {shown}; the issuers here are {issuers}, "
                                 "each with its metadata at /.well-known/openid-configuration "
                                 "below it (RFC 8414 §3.1)"}, 404)
        await response(scope, receive, send)


def _child(scope: Scope, path: str, prefix: str) -> Scope:
    if not prefix:
        return scope
    child = {**scope, "root_path": prefix}
    if path != scope["path"]:  # the RFC 8414 §3.1 spelling, rewritten
        child.update(path=path, raw_path=path.encode("latin-1", "replace"))
    return child


def _route(path: str, prefix: str) -> str | None:
    """The path the mount at `prefix` is asked for (the whole path, as ASGI has it with
    `root_path`), or None when the request is not for that mount."""
    if not prefix:
        return path
    if path == prefix or path.startswith(prefix + "/"):
        return path
    for well_known in WELL_KNOWN:  # RFC 8414 §3.1: /.well-known/<name>/tenant-a
        if path == well_known + prefix:
            return prefix + well_known
    return None
