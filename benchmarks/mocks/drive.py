"""One httpx driver for all four servers: authorize → each server's own sign-in → code → token.

A flow is a fresh user agent (cookies cleared). The walk follows redirects and fills the sign-in
form each server shows, and stops at the first redirect to the client (captured, not followed):

- playground: the interaction read as JSON (`Accept: application/json`), posted as its HTML form
  would be: login (`csrf`, `user=alice`), then consent (`csrf`, `decision=allow`, the scopes), as
  benchmarks/flows.py does;
- oidc-provider-mock: its page posts back to the authorize URL with `sub=alice`;
- nanoidp: its page posts back to the authorize URL with `transaction_id`, `username`, `password`;
- oauth2-mock-server: none; `/authorize` redirects at once.

The token request is client_secret_basic with the PKCE verifier, the same on every server.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import html
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import httpx
from servers import NANO_PASSWORD, Credentials, playground_form

SCOPE = "openid email profile"  # offline_access is not a scope oidc-provider-mock knows
CONCURRENCY = 8
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
TRANSACTION = re.compile(r'name="transaction_id" value="([^"]+)"')


@dataclass
class Target:
    kind: str
    issuer: str
    pid: int
    creds: Credentials
    meta: dict  # type: ignore[type-arg]  # the discovery document

    @property
    def authorize(self) -> str:
        return str(self.meta["authorization_endpoint"])

    @property
    def token(self) -> str:
        return str(self.meta["token_endpoint"])


@dataclass
class Walk:
    """Where an authorization ended: `url` is the redirect to the client (None if it stopped
    before one), `status` the last HTTP status seen, `detail` a snippet when it stopped."""
    url: str | None
    status: int
    detail: str = ""

    def param(self, name: str) -> str | None:
        return dict(parse_qsl(urlsplit(self.url).query)).get(name) if self.url else None


class Stopped(Exception):
    """The response is neither a redirect nor a sign-in form the driver knows."""


def pkce(verifier: str | None = None) -> tuple[str, str]:
    verifier = verifier or secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_client() -> httpx.AsyncClient:
    headers = {"Accept": "application/json, text/html;q=0.9"}
    return httpx.AsyncClient(follow_redirects=False, timeout=10, headers=headers)


def login_form(kind: str, response: httpx.Response) -> tuple[str, list[tuple[str, str]]]:
    """The next form to post (url, fields) on a sign-in page, or Stopped."""
    if response.status_code != 200:
        raise Stopped
    if kind == "playground":
        return playground_form(response.json(), str(response.url))
    page = response.text
    if kind == "oidc-provider-mock" and 'name="sub"' in page:
        return str(response.url), [("sub", "alice")]
    found = TRANSACTION.search(page) if kind == "nanoidp" else None
    if found:
        return str(response.url), [("transaction_id", html.unescape(found.group(1))),
                                   ("username", "alice"), ("password", NANO_PASSWORD)]
    raise Stopped


async def walk(client: httpx.AsyncClient, t: Target, url: str, stops: tuple[str, ...]) -> Walk:
    """Follow redirects and sign-in forms until a redirect whose target starts with `stops`."""
    form: list[tuple[str, str]] | None = None
    for _ in range(12):
        try:
            response = await (client.post(url, content=urlencode(form), headers=FORM)
                              if form is not None else client.get(url))
        except httpx.HTTPError as exc:
            return Walk(None, 0, f"{type(exc).__name__} at {url}")
        if response.is_redirect:
            url, form = urljoin(url, response.headers["location"]), None
            if url.startswith(stops):
                return Walk(url, response.status_code)
            continue
        try:
            url, form = login_form(t.kind, response)
        except (Stopped, ValueError, KeyError):
            return Walk(None, response.status_code, response.text[:160])
    return Walk(None, 0, "more than 12 hops")


def authorize_url(t: Target, *, redirect: str | None = None, challenge: str | None = None,
                  method: str | None = "S256") -> str:
    query = {"response_type": "code", "client_id": t.creds.client_id,
             "redirect_uri": redirect or t.creds.redirect, "scope": SCOPE,
             "state": secrets.token_urlsafe(8), "nonce": secrets.token_urlsafe(8)}
    if challenge is not None:
        query["code_challenge"] = challenge
    if challenge is not None and method is not None:
        query["code_challenge_method"] = method
    return f"{t.authorize}?{urlencode(query)}"


async def start(client: httpx.AsyncClient, t: Target, **kw: str | None) -> Walk:
    """One authorization as a fresh user agent, up to the redirect to the client."""
    client.cookies.clear()
    redirect = kw.get("redirect") or t.creds.redirect
    return await walk(client, t, authorize_url(t, **kw), (redirect, t.creds.redirect))


async def code(client: httpx.AsyncClient, t: Target) -> tuple[str, str]:
    """(code, verifier) from a complete S256 authorization; RuntimeError if none came back."""
    verifier, challenge = pkce()
    result = await start(client, t, challenge=challenge)
    found = result.param("code")
    if not found:
        raise RuntimeError(f"no code (HTTP {result.status}): {result.url or result.detail}")
    return found, verifier


async def redeem(client: httpx.AsyncClient, t: Target, code_: str, verifier: str | None, *,
                 redirect: str | None = None, secret: str | None = None) -> httpx.Response:
    form = {"grant_type": "authorization_code", "code": code_,
            "redirect_uri": redirect or t.creds.redirect}
    if verifier is not None:
        form["code_verifier"] = verifier
    auth = (t.creds.client_id, t.creds.secret if secret is None else secret)
    return await client.post(t.token, data=form, auth=auth)


async def flow(client: httpx.AsyncClient, t: Target) -> None:
    """One complete flow; RuntimeError unless it ends with an access token."""
    code_, verifier = await code(client, t)
    response = await redeem(client, t, code_, verifier)
    if response.status_code != 200 or "access_token" not in response.json():
        raise RuntimeError(f"token HTTP {response.status_code}: {response.text[:160]}")


async def run_flows(t: Target, seconds: float, cpu: Callable[[int], float]) -> dict[str, object]:
    """CONCURRENCY workers doing flows for `seconds` (after a 0.5 s warm-up). `cpu(pid)` gives
    the server's CPU seconds, read around the measured part; the driver's own CPU is kept too."""
    counts = {"ok": 0, "failed": 0}
    first_error: list[str] = []
    deadline = 0.0

    async def worker() -> None:
        async with new_client() as client:
            while time.perf_counter() < deadline and counts["failed"] < 50:
                try:
                    await flow(client, t)
                    counts["ok"] += 1
                except (RuntimeError, httpx.HTTPError, ValueError) as exc:
                    counts["failed"] += 1
                    first_error[:] = first_error or [f"{type(exc).__name__}: {exc}"[:200]]

    deadline = time.perf_counter() + 0.5
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    counts.update(ok=0, failed=0)
    cpu0, own0, start_ = cpu(t.pid), time.process_time(), time.perf_counter()
    deadline = start_ + seconds
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    elapsed = time.perf_counter() - start_
    used = cpu(t.pid) - cpu0
    ok = counts["ok"]
    return {"flows": ok, "failed": counts["failed"], "seconds": round(elapsed, 3),
            "per_second": round(ok / elapsed, 1),
            "server_cpu_ms_per_flow": round(1000 * used / ok, 2) if ok else None,
            "server_cpu_cores": round(used / elapsed, 2),
            "driver_cpu_cores": round((time.process_time() - own0) / elapsed, 2),
            "first_error": first_error[0] if first_error else None}
