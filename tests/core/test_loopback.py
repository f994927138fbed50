"""System-browser mode: the loopback catcher on 127.0.0.1 (RFC 8252 §7.3)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from playground.core.flow.loopback import BrowserAgent, LoopbackCatcher, with_port
from playground.core.flowerrors import UserAgentError


def test_catcher_returns_the_full_redirect_url_and_answers_the_browser() -> None:
    async def main() -> tuple[str, httpx.Response, str]:
        async with LoopbackCatcher() as catcher, httpx.AsyncClient() as browser:
            uri = catcher.redirect_uri
            page = await browser.get(f"{uri}?code=abc&state=s")
            return uri, page, await catcher.wait(5)

    uri, page, caught = asyncio.run(main())
    assert uri.startswith("http://127.0.0.1:") and uri.endswith("/callback")
    assert caught == f"{uri}?code=abc&state=s"
    assert page.status_code == 200 and "close this tab" in page.text


def test_catcher_ignores_other_paths_and_times_out() -> None:
    async def main() -> None:
        async with LoopbackCatcher() as catcher, httpx.AsyncClient() as browser:
            await browser.get(f"http://127.0.0.1:{catcher.port}/favicon.ico")
            await catcher.wait(0.05)

    with pytest.raises(UserAgentError, match="no redirect reached"):
        asyncio.run(main())


def test_browser_agent_opens_the_url_and_waits() -> None:
    opened: list[str] = []

    async def main() -> str:
        async with LoopbackCatcher() as catcher, httpx.AsyncClient() as http:

            def open_url(url: str) -> bool:
                opened.append(url)
                asyncio.run_coroutine_threadsafe(http.get(f"{catcher.redirect_uri}?code=1"), loop)
                return True

            loop = asyncio.get_running_loop()
            agent = BrowserAgent(catcher, timeout=5, open_url=open_url)
            return await agent.visit(http, "http://op/authorize", catcher.redirect_uri)

    assert asyncio.run(main()).endswith("/callback?code=1")
    assert opened == ["http://op/authorize"]


def test_no_browser_is_a_clear_error() -> None:
    async def main() -> str:
        async with LoopbackCatcher() as catcher, httpx.AsyncClient() as http:
            agent = BrowserAgent(catcher, timeout=1, open_url=lambda url: False)
            return await agent.visit(http, "http://op/authorize", catcher.redirect_uri)

    with pytest.raises(UserAgentError, match="no browser could be opened"):
        asyncio.run(main())


def test_with_port() -> None:
    assert with_port("http://127.0.0.1/callback", 4321) == "http://127.0.0.1:4321/callback"


def test_catcher_waits_for_a_new_redirect_on_each_run() -> None:
    async def main() -> list[str]:
        caught = []
        async with LoopbackCatcher() as catcher, httpx.AsyncClient() as browser:
            for code in ("1", "2"):
                catcher.expect()
                await browser.get(f"{catcher.redirect_uri}?code={code}")
                caught.append(await catcher.wait(5))
        return caught

    first, second = asyncio.run(main())
    assert first.endswith("?code=1") and second.endswith("?code=2")
