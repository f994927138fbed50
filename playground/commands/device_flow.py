"""`oauth-playground flow --grant device_code`: the device grant (RFC 8628) in the terminal.

The terminal is the device: it asks for a code, shows the user code and the verification URI,
and polls. Who enters the code: by default the in-app agent, as the demo user (--user, --deny);
`--browser` opens `verification_uri_complete` in the system browser; `--manual` prints the code
and the URI and polls until someone enters it anywhere (or the code expires). On the embedded
server the client is its device client (playground-tv) unless --client-id says otherwise.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

    from playground.core.flow.session import FlowSession

NAME = "device_code"
GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"


def usage_problem(args: argparse.Namespace) -> str | None:
    if args.redirect_uri:
        return "--redirect-uri: the device grant has no redirect (RFC 8628 §3.3)"
    if args.deny and (args.browser or args.manual):
        return "--deny needs the in-app mode: with --browser or --manual, deny in the browser"
    if args.auth_method in ("client_secret_basic", "client_secret_post") and not args.client_secret:
        return f"--auth-method {args.auth_method} needs --client-secret"
    if args.issuer and not args.client_id:
        return "the device grant against another issuer needs --client-id"
    return None


def embedded_client(args: argparse.Namespace, clients: list[Any]) -> None:
    """The embedded server's device client, unless --client-id names one."""
    if args.client_id:
        return
    client = next(c for c in clients if GRANT_TYPE in c.grantTypes)
    args.client_id, args.client_secret = client.id, args.client_secret or client.secret or None
    print(f"client: {client.id} (the embedded server's device client)")


@dataclass
class BrowserOpener:
    """--browser: what the user step opens `verification_uri_complete` with (RFC 8628 §3.3.1);
    no redirect ever comes back, so `visit` is not for this grant."""

    open_url: Callable[[str], bool]
    mode: str = field(default="browser", init=False)

    async def visit(self, http: httpx.AsyncClient, authorize_url: str, redirect_uri: str) -> str:
        raise NotImplementedError("the device grant has no redirect to catch")


def user_agent(args: argparse.Namespace, open_url: Callable[[str], bool]) -> Any:
    from playground.core.flow.useragent import InAppAgent

    return BrowserOpener(open_url) if args.browser else InAppAgent()


def prepare(args: argparse.Namespace, session: FlowSession) -> None:
    """The user step's inputs: who enters the code, and what they decide."""
    if args.grant != NAME:
        return
    mode = "browser" if args.browser else "manual" if args.manual else "in_app"
    session.set_input("device_user", "mode", mode)
    session.set_input("device_user", "decision", "deny" if args.deny else "approve")
    session.set_input("device_user", "user", args.user)
