"""System-browser mode: open the authorize URL and catch the redirect on a loopback listener.

RFC 8252 §7.3: a native app listens on the loopback interface (127.0.0.1, any port the OS
gives) and uses `http://127.0.0.1:{port}/{path}` as its redirect URI; §8.3: bind the loopback
IP, not `localhost`. The catcher answers the first GET with a page saying the browser may be
closed and hands the full redirect URL to the flow.
"""

from __future__ import annotations

import asyncio
import os
import sys
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from urllib.parse import urlsplit, urlunsplit

import httpx

from playground.core.flowerrors import UserAgentError

PAGE = (
    b"<!doctype html><meta charset=utf-8><title>OAuth Playground</title>"
    b"<p>The authorization response reached OAuth Playground. You can close this tab.</p>"
)


class LoopbackCatcher:
    """An HTTP listener on 127.0.0.1 that captures one redirect (use as an async context)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, path: str = "/callback") -> None:
        self.host, self.port, self.path = host, port, path
        self._server: asyncio.Server | None = None
        self._caught: asyncio.Future[str] | None = None

    @property
    def redirect_uri(self) -> str:
        return f"http://{self.host}:{self.port}{self.path}"

    async def start(self) -> str:
        """Bind (port 0: the OS chooses) and return the redirect URI to register/send."""
        self._caught = asyncio.get_running_loop().create_future()
        try:
            self._server = await asyncio.start_server(self._handle, self.host, self.port)
        except OSError as exc:
            raise UserAgentError(
                f"cannot listen on {self.host}:{self.port}: {exc.strerror}"
            ) from None
        self.port = self._server.sockets[0].getsockname()[1]
        return self.redirect_uri

    def expect(self) -> None:
        """Wait for a new redirect: a started catcher that already delivered one is re-armed
        (each run of the flow sends a new authorization request)."""
        if self._caught is not None and self._caught.done():
            self._caught = asyncio.get_running_loop().create_future()

    async def wait(self, seconds: float) -> str:
        """The full redirect URL, once the browser delivers it."""
        if self._caught is None:
            raise UserAgentError("the loopback catcher was not started")
        try:
            return await asyncio.wait_for(asyncio.shield(self._caught), seconds)
        except TimeoutError:
            raise UserAgentError(
                f"no redirect reached {self.redirect_uri} in {seconds:g} s"
            ) from None

    async def aclose(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> LoopbackCatcher:
        await self.start()
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Answer one connection; whatever a browser (or anything else on the loopback) sends,
        and however early it hangs up, ends here without an error."""
        try:
            target = await _read_request_target(reader)
            if target is not None and _target_path(target) == self.path:
                self._deliver(f"http://{self.host}:{self.port}{target}")
            status = b"200 OK" if target is not None else b"400 Bad Request"
            writer.write(
                b"HTTP/1.1 " + status + b"\r\nContent-Type: text/html; charset=utf-8\r\n"
                b"Content-Length: "
                + str(len(PAGE)).encode()
                + b"\r\nConnection: close\r\n\r\n"
                + PAGE
            )
            await writer.drain()
        except OSError:  # the browser hung up (reset, broken pipe): the redirect was kept
            pass
        finally:
            writer.close()

    def _deliver(self, url: str) -> None:
        if self._caught is not None and not self._caught.done():
            self._caught.set_result(url)


async def _read_request_target(reader: asyncio.StreamReader) -> str | None:
    """The request-target of a GET (RFC 9112 §3), headers read and dropped."""
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, OSError):
        return None
    parts = head.split(b"\r\n", 1)[0].split(b" ")
    if len(parts) != 3 or parts[0] != b"GET" or not parts[1].startswith(b"/"):
        return None
    return parts[1].decode("latin-1")


def _target_path(target: str) -> str | None:
    """The path of an origin-form request-target, or None if it does not parse (`//[::1`)."""
    try:
        return urlsplit(target).path
    except ValueError:
        return None


def with_port(redirect_uri: str, port: int) -> str:
    """The redirect URI with the catcher's port (RFC 8252 §7.3: any port at request time)."""
    parts = urlsplit(redirect_uri)
    host = parts.hostname or "127.0.0.1"
    return urlunsplit((parts.scheme, f"{host}:{port}", parts.path, parts.query, ""))


@dataclass
class BrowserAgent:
    """System-browser mode: the URL opens in the user's browser; the catcher gets the redirect.

    Start `catcher` before building the authorize URL and send `catcher.redirect_uri`.
    """

    catcher: LoopbackCatcher
    timeout: float = 300.0
    open_url: Callable[[str], bool] = field(default=lambda url: webbrowser.open(url))
    mode: str = field(default="browser", init=False)

    async def visit(self, http: httpx.AsyncClient, authorize_url: str, redirect_uri: str) -> str:
        if self.catcher.port == 0:
            await self.catcher.start()
        self.catcher.expect()
        opened = await asyncio.to_thread(self.open_url, authorize_url)
        if not opened:
            raise UserAgentError(f"no browser could be opened; visit {authorize_url} yourself")
        return await self.catcher.wait(self.timeout)


def launch_browser(url: str) -> bool:
    """Start the system browser at `url`; True only means a launcher started.

    Without a display on Linux, `webbrowser` would fall back to a console browser that takes
    over the terminal the app was started from: report that no browser could be launched.
    """
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY")
                                                 or os.environ.get("WAYLAND_DISPLAY")):
        return False
    try:
        return webbrowser.open(url, new=2)
    except webbrowser.Error:
        return False
