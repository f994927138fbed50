"""The user agent: how the authorize URL is visited and the redirect back to the client obtained.

Three modes. In-app (against the embedded server): follow the authorize redirect hop by hop,
read the pending interaction as JSON (`GET /interaction/{uid}`, `Accept: application/json`), ask
a `ConsentDecider`, post the login and consent forms exactly as the HTML forms would, and
capture the final redirect to `redirect_uri` without following it (every hop is recorded).
System browser: open the URL with `webbrowser` and catch the redirect on a loopback listener
(RFC 8252 §7.3, see loopback.py). Manual: show the URL and accept the pasted redirect URL.
"""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol
from urllib.parse import urlencode, urljoin, urlsplit

import httpx

from playground.core.flowerrors import FlowError, UserAgentError
from playground.core.protocol.callback import is_redirect_target
from playground.core.protocol.wire import json_object

MAX_HOPS = 12


@dataclass(frozen=True, slots=True)
class ScopeInfo:
    name: str
    description: str


@dataclass(frozen=True, slots=True)
class PendingInteraction:
    """The login or consent the authorization server waits for (docs/architecture.md)."""

    uid: str
    prompt: Literal["login", "consent"]
    action: str
    csrf: str
    client: dict[str, Any]
    scopes: tuple[ScopeInfo, ...]
    users: tuple[dict[str, Any], ...]
    user: dict[str, Any] | None
    url: str

    @property
    def first_party(self) -> bool:
        return bool(self.client.get("firstParty"))


@dataclass(frozen=True, slots=True)
class ConsentDecision:
    """`user` answers a login prompt (None: the first listed user); `allow` and `scopes` answer
    the consent prompt (scopes None: every requested scope)."""

    allow: bool = True
    scopes: tuple[str, ...] | None = None
    user: str | None = None


ConsentDecider = Callable[[PendingInteraction], Awaitable[ConsentDecision]]


def approve(user: str | None = None, scopes: tuple[str, ...] | None = None) -> ConsentDecider:
    """A decider that signs in `user` and allows `scopes` (default: all requested)."""

    async def decide(_: PendingInteraction) -> ConsentDecision:
        return ConsentDecision(True, scopes, user)

    return decide


def deny(user: str | None = None) -> ConsentDecider:
    """A decider that signs in `user` and then denies consent."""

    async def decide(_: PendingInteraction) -> ConsentDecision:
        return ConsentDecision(False, None, user)

    return decide


class UserAgent(Protocol):
    """Visits the authorize URL and returns the full redirect URL back to the client."""

    mode: str

    async def visit(
        self, http: httpx.AsyncClient, authorize_url: str, redirect_uri: str
    ) -> str: ...


@dataclass
class ManualAgent:
    """Manual mode: `provide(authorize_url)` shows the URL and returns the pasted redirect."""

    provide: Callable[[str], Awaitable[str]]
    mode: str = field(default="manual", init=False)

    async def visit(self, http: httpx.AsyncClient, authorize_url: str, redirect_uri: str) -> str:
        pasted = (await self.provide(authorize_url)).strip()
        if not pasted:
            raise UserAgentError("no redirect URL was pasted", rfc="RFC 6749 §4.1.2")
        return pasted


@dataclass
class InAppAgent:
    """In-app mode against the embedded server (or any server speaking its interaction JSON)."""

    decider: ConsentDecider = field(default_factory=approve)
    max_hops: int = MAX_HOPS
    mode: str = field(default="in_app", init=False)
    interactions: list[PendingInteraction] = field(default_factory=list, init=False)

    async def visit(self, http: httpx.AsyncClient, authorize_url: str, redirect_uri: str) -> str:
        self.interactions.clear()
        url, method, form = authorize_url, "GET", None
        for _ in range(self.max_hops):
            if is_redirect_target(url, redirect_uri):
                return url
            response = await _request(http, method, url, form)
            url, method, form = await self._next(http, response)
        raise UserAgentError(f"no redirect to {redirect_uri} after {self.max_hops} hops")

    async def _next(
        self, http: httpx.AsyncClient, response: httpx.Response
    ) -> tuple[str, str, list[tuple[str, str]] | None]:
        if response.is_redirect:
            return _location(response), "GET", None
        interaction = parse_interaction(response)
        if interaction is None:
            raise _stopped(response)
        self.interactions.append(interaction)
        decision = await self.decider(interaction)
        return interaction.action, "POST", interaction_form(interaction, decision)


async def _request(
    http: httpx.AsyncClient, method: str, url: str, form: list[tuple[str, str]] | None
) -> httpx.Response:
    reads_interaction = method == "GET" and "/interaction/" in urlsplit(url).path
    headers = [("Accept", "application/json")] if reads_interaction else []
    if form is not None:
        headers += [("Content-Type", "application/x-www-form-urlencoded"), ("Origin", _origin(url))]
    try:
        return await http.request(
            method, url, headers=headers, content=urlencode(form).encode() if form else None
        )
    except httpx.HTTPError as exc:
        raise UserAgentError(f"{method} {url}: {exc or type(exc).__name__}") from None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _location(response: httpx.Response) -> str:
    location: str | None = response.headers.get("location")
    if not location:
        raise UserAgentError(f"HTTP {response.status_code} redirect without a Location header")
    return urljoin(str(response.url), location)


def parse_interaction(response: httpx.Response) -> PendingInteraction | None:
    """The pending interaction when the response is its JSON form, else None."""
    if response.status_code != 200 or "json" not in response.headers.get("content-type", ""):
        return None
    try:
        data = json_object(response.content, response.headers.get("content-type"), what="x")
    except FlowError:
        return None
    if not {"uid", "prompt", "action", "csrf"} <= data.keys():
        return None
    return _interaction(data, str(response.url))


def _interaction(data: dict[str, Any], url: str) -> PendingInteraction:
    scopes = tuple(
        ScopeInfo(str(s.get("name", "")), str(s.get("description", "")))
        for s in data.get("scopes") or []
        if isinstance(s, dict)
    )
    return PendingInteraction(
        uid=str(data["uid"]),
        prompt="login" if data["prompt"] == "login" else "consent",
        action=urljoin(url, str(data["action"])),
        csrf=str(data["csrf"]),
        client=dict(data.get("client") or {}),
        scopes=scopes,
        users=tuple(u for u in data.get("users") or [] if isinstance(u, dict)),
        user=data.get("user") if isinstance(data.get("user"), dict) else None,
        url=url,
    )


def interaction_form(
    interaction: PendingInteraction, decision: ConsentDecision
) -> list[tuple[str, str]]:
    """The fields the HTML form would post, in document order (the submit button last)."""
    if interaction.prompt == "login":
        return [("csrf", interaction.csrf), ("user", _user(interaction, decision))]
    granted = decision.scopes
    if granted is None:
        granted = tuple(s.name for s in interaction.scopes)
    scopes = [("scope", name) for name in granted] if decision.allow else []
    return [
        ("csrf", interaction.csrf),
        *scopes,
        ("decision", "allow" if decision.allow else "deny"),
    ]


def _user(interaction: PendingInteraction, decision: ConsentDecision) -> str:
    if decision.user:
        return decision.user
    if not interaction.users:
        raise UserAgentError("the login page lists no user to sign in as")
    return str(interaction.users[0].get("sub", ""))


def _stopped(response: httpx.Response) -> UserAgentError:
    """The server answered neither a redirect nor an interaction: say what it showed."""
    kind = response.headers.get("content-type", "").split(";")[0]
    if response.status_code == 200 and kind == "text/html":
        return UserAgentError(
            f"the authorization server shows an HTML page at {response.url} (its own login "
            "page?) that the in-app agent cannot fill in: use the system browser or manual mode",
            rfc="RFC 8252 §7.3",
        )
    text = f"the authorization server stopped at HTTP {response.status_code}"
    detail = _page_text(response.content)
    return UserAgentError(
        text + (f" ({kind}): {detail}" if detail else ""), rfc="RFC 6749 §4.1.2.1"
    )


def _page_text(body: bytes, limit: int = 200) -> str:
    """The visible words of a small page (an error page's message), whitespace collapsed."""
    text = body.decode("utf-8", "replace")
    text = re.sub(r"(?is)<(script|style|head)\b.*?</\1>", " ", text)
    text = html.unescape(" ".join(re.sub(r"<[^>]+>", " ", text).split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"
