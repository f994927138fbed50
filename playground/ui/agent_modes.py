"""The user-agent step's three modes: in-app, system browser + loopback catcher, manual.

- In-app (default): the engine walks the embedded server's pages; login and consent are shown
  natively (consent.py).
- System browser (RFC 8252 §7.3): a `LoopbackCatcher` listens on 127.0.0.1 (a port the OS
  picks); the redirect URI sent is the client's loopback redirect with that port (§7.3: any
  port at request time). The URL is always shown to copy: `webbrowser.open` returning True
  only means a launcher started, and when none could start the window says so and keeps
  listening, so the user can paste the URL into any browser.
- Manual: the URL is shown; the user signs in wherever they like and pastes the redirect URL.

`AgentModes` owns the agents and the catcher and reports through signals; `ExternalAgentPage`
is what the step shows in the two external modes.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Callable
from urllib.parse import urlsplit

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from playground.core.flow.loopback import (
    BrowserAgent,
    LoopbackCatcher,
    launch_browser,
    with_port,
)
from playground.core.flow.useragent import ConsentDecider, InAppAgent, ManualAgent, UserAgent
from playground.ui import theme

MODES = {
    "in_app": "In-app: the embedded server's login and consent, shown here",
    "browser": "System browser + loopback redirect catcher (RFC 8252 §7.3)",
    "manual": "Manual: open the URL anywhere, paste the redirect URL back",
}
LOOPBACK_REDIRECT = "http://127.0.0.1/callback"
Launcher = Callable[[str], bool]


def is_loopback(uri: str | None) -> bool:
    parts = urlsplit(uri or "")
    return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "::1")


class AgentModes(QObject):
    """Builds the session's user agent for a mode; owns the loopback catcher while needed."""

    browser_launched = Signal(str, bool)  # the URL, whether a launcher started
    paste_requested = Signal(str)  # the URL the user should open (manual mode)

    def __init__(self, decider: ConsentDecider, launcher: Launcher = launch_browser,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.mode = "in_app"
        self.launcher = launcher
        self._decider = decider
        self.catcher: LoopbackCatcher | None = None
        self._pasted: asyncio.Future[str] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._switching: asyncio.Lock | None = None

    async def switch(self, mode: str, registered_redirect: str | None) -> tuple[UserAgent, str]:
        """The agent for `mode` and the redirect URI the authorization request must send.

        Switches run one at a time: a quick second choice waits until the catcher of the first
        is listening (or closed), so no listener is left behind.
        """
        if self._switching is None:
            self._switching = asyncio.Lock()
        async with self._switching:
            return await self._switch(mode, registered_redirect)

    async def _switch(self, mode: str, registered_redirect: str | None) -> tuple[UserAgent, str]:
        self.cancel_paste()
        if mode != "browser":
            await self.close_catcher()
            self.mode = mode
            agent: UserAgent = (ManualAgent(self._provide) if mode == "manual"
                                else InAppAgent(self._decider))
            return agent, registered_redirect or ""
        base = registered_redirect if registered_redirect and is_loopback(registered_redirect) \
            else LOOPBACK_REDIRECT
        path = str(urlsplit(base).path) or "/callback"
        if self.catcher is None or self.catcher.path != path:
            await self.close_catcher()
            catcher = LoopbackCatcher(path=path)
            await catcher.start()
            self.catcher = catcher
        self._loop = asyncio.get_running_loop()
        self.mode = mode
        return BrowserAgent(self.catcher, open_url=self._open), with_port(base, self.catcher.port)

    # -- browser --------------------------------------------------------------------------
    def _open(self, url: str) -> bool:
        """Runs on a worker thread (BrowserAgent uses `asyncio.to_thread`)."""
        opened = bool(self.launcher(url))
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self.browser_launched.emit, url, opened)
        return True  # keep listening either way: the user can open the URL by hand

    async def close_catcher(self) -> None:
        if self.catcher is not None:
            await self.catcher.aclose()
            self.catcher = None

    # -- manual ---------------------------------------------------------------------------
    async def _provide(self, url: str) -> str:
        self._pasted = asyncio.get_running_loop().create_future()
        self.paste_requested.emit(url)
        try:
            return await self._pasted
        finally:
            self._pasted = None

    @property
    def waiting_for_paste(self) -> bool:
        return self._pasted is not None and not self._pasted.done()

    def paste(self, redirect_url: str) -> bool:
        """Hand the pasted redirect URL to the waiting manual agent; False if none waits."""
        if not self.waiting_for_paste or self._pasted is None:
            return False
        self._pasted.set_result(redirect_url)
        return True

    def cancel_paste(self) -> None:
        if self._pasted is not None and not self._pasted.done():
            self._pasted.cancel()

    async def aclose(self) -> None:
        self.cancel_paste()
        if self._switching is not None:
            async with self._switching:  # a switch under way finishes its catcher first
                await self.close_catcher()
        else:
            await self.close_catcher()


class ExternalAgentPage(QWidget):
    """The authorize URL to open or copy, what happened to the browser, the paste box."""

    pasted = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.url = QPlainTextEdit(readOnly=True)
        self.url.setFont(theme.monospace())
        self.url.setMaximumHeight(64)
        self.url.setPlaceholderText("The authorization URL appears here once the authorization "
                                    "request step has run.")
        self.copy_button = QPushButton("Copy URL")
        self.copy_button.clicked.connect(
            lambda: QGuiApplication.clipboard().setText(self.url.toPlainText()))
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.paste_edit = QLineEdit()
        self.paste_edit.setPlaceholderText("Paste the full redirect URL from the browser's "
                                           "address bar (…/callback?code=…&state=…)")
        self.continue_button = QPushButton("Continue with this redirect")
        self.continue_button.clicked.connect(
            lambda: self.pasted.emit(self.paste_edit.text().strip()))
        self.paste_edit.returnPressed.connect(self.continue_button.click)
        url_row = QHBoxLayout()
        url_row.addWidget(self.url, 1)
        url_row.addWidget(self.copy_button, 0, Qt.AlignmentFlag.AlignTop)
        paste_row = QHBoxLayout()
        paste_row.addWidget(self.paste_edit, 1)
        paste_row.addWidget(self.continue_button)
        self.paste_row = QWidget()
        self.paste_row.setLayout(paste_row)
        paste_row.setContentsMargins(0, 0, 0, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("<b>Authorization URL</b> (open it in any browser):"))
        layout.addLayout(url_row)
        layout.addWidget(self.status)
        layout.addWidget(self.paste_row)
        layout.addStretch(1)
        self.set_waiting(False)

    def set_mode(self, mode: str) -> None:
        self.paste_row.setVisible(mode == "manual")

    def set_url(self, url: str) -> None:
        if self.url.toPlainText() != url:
            self.url.setPlainText(url)

    def set_waiting(self, waiting: bool) -> None:
        self.continue_button.setEnabled(waiting)

    def say(self, text: str, ok: bool | None = None) -> None:
        colors = theme.colors()
        color = colors.muted if ok is None else colors.ok if ok else colors.failed
        self.status.setText(f"<span style='color:{color.name()}'>{html.escape(text)}</span>")

    def show_mode_ready(self, mode: str, redirect_uri: str, refused_by: str | None) -> None:
        """What the chosen mode will do; `refused_by` names a client whose registered
        redirects include no loopback one (the server will refuse the catcher's URI)."""
        if mode == "browser":
            note = "" if refused_by is None else (
                f" \u26a0 {refused_by} registers no loopback redirect, so the server will "
                "refuse this one: pick a client that does (e.g. the Native app).")
            self.say(f"The redirect catcher listens on {redirect_uri}; it is the redirect_uri "
                     f"sent (RFC 8252 §7.3). Run the step to open the browser.{note}",
                     None if refused_by is None else False)
        elif mode == "manual":
            self.say("Run the step, open the URL in a browser, sign in, then paste the redirect "
                     "URL from the address bar below.")

    def show_launched(self, url: str, opened: bool, where: str) -> None:
        self.set_url(url)
        if opened:
            self.say("A browser launcher started: sign in there. If no browser window appeared, "
                     f"copy the URL above into one. Waiting for the redirect on {where}\u2026",
                     True)
        else:
            self.say("\u2718 No browser could be launched here. Copy the URL above into a "
                     f"browser yourself; the redirect catcher keeps listening on {where}.", False)

    def show_paste_wait(self, url: str) -> None:
        self.set_url(url)
        self.set_waiting(True)
        self.say("Waiting for the redirect URL: open the URL above in a browser, sign in, then "
                 "paste the address the browser was sent to.")

    def show_pasted(self, given: bool, taken: bool) -> None:
        if not given:
            self.say("Paste the full redirect URL first.", False)
        elif taken:
            self.set_waiting(False)
            self.say("Redirect URL received.", True)
        else:
            self.say("Run this step first: the pasted URL is read while it waits.", False)
