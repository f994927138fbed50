"""The user-agent step's modes in the window: system browser + loopback catcher (RFC 8252 §7.3)
and manual paste, each driven to the end of the flow by a stand-in browser."""

from __future__ import annotations

import asyncio

import httpx
from pytestqt.qtbot import QtBot

from playground.core.flow.useragent import InAppAgent, approve
from playground.ui.main_window import MainWindow
from tests.ui.flowhelpers import TIMEOUT, click, step_states, wait_idle

NATIVE = "playground-native"  # registers http://127.0.0.1/callback


async def _sign_in_elsewhere(url: str, redirect_uri: str) -> str:
    """What the user does in their own browser: sign in, allow, land on the redirect URL."""
    async with httpx.AsyncClient() as browser:
        return await InAppAgent(approve()).visit(browser, url, redirect_uri)


def _choose(window: MainWindow, client_id: str, mode: str) -> None:
    view = window.authorize_view
    view.client.setCurrentIndex(view.client.findData(client_id))
    view.client.activated.emit(view.client.currentIndex())
    modes = window.user_agent_view.mode
    modes.setCurrentIndex(modes.findData(mode))
    modes.activated.emit(modes.currentIndex())


def test_system_browser_mode_says_when_no_browser_started(qtbot: QtBot,
                                                          window: MainWindow) -> None:
    launched: list[str] = []
    window.user_agent.modes.launcher = lambda url: launched.append(url) is not None  # no browser
    _choose(window, NATIVE, "browser")
    external = window.user_agent_view.external
    qtbot.waitUntil(lambda: "catcher listens on" in external.status.text(), timeout=TIMEOUT)
    catcher = window.user_agent.modes.catcher
    assert catcher is not None and catcher.redirect_uri in external.status.text()
    inputs = window.session.inputs("authorize_url")
    assert inputs["redirect_uri"] == f"http://127.0.0.1:{catcher.port}/callback"
    assert external.isVisibleTo(window.user_agent_view)
    assert not window.user_agent_view.consent.isVisibleTo(window.user_agent_view)

    click(window, "run_all")
    qtbot.waitUntil(lambda: "No browser could be launched" in external.status.text(),
                    timeout=TIMEOUT)
    url = external.url.toPlainText()
    assert launched == [url] and "redirect_uri=http%3A%2F%2F127.0.0.1%3A" in url
    assert step_states(window)["user_agent"] == "running"
    redirect = asyncio.ensure_future(_sign_in_elsewhere(url, catcher.redirect_uri))
    qtbot.waitUntil(redirect.done, timeout=TIMEOUT)
    async def deliver() -> int:
        async with httpx.AsyncClient() as browser:
            return (await browser.get(redirect.result())).status_code
    delivered = asyncio.ensure_future(deliver())
    qtbot.waitUntil(delivered.done, timeout=TIMEOUT)
    assert delivered.result() == 200
    wait_idle(qtbot, window)
    assert set(step_states(window).values()) == {"done"}, step_states(window)
    assert window.session.step("user_agent").outcome.mode == "browser"


def test_manual_mode_takes_the_pasted_redirect(qtbot: QtBot, window: MainWindow) -> None:
    _choose(window, NATIVE, "manual")
    external = window.user_agent_view.external
    qtbot.waitUntil(lambda: external.paste_row.isVisibleTo(window.user_agent_view),
                    timeout=TIMEOUT)
    assert not external.continue_button.isEnabled()
    click(window, "run_all")
    qtbot.waitUntil(external.continue_button.isEnabled, timeout=TIMEOUT)
    url = external.url.toPlainText()
    assert url.startswith(f"{window.server.issuer}/oauth2/authorize?")
    redirect = asyncio.ensure_future(_sign_in_elsewhere(url, "http://127.0.0.1/callback"))
    qtbot.waitUntil(redirect.done, timeout=TIMEOUT)
    external.paste_edit.setText(redirect.result())
    external.continue_button.click()
    wait_idle(qtbot, window)
    assert set(step_states(window).values()) == {"done"}, step_states(window)
    assert window.session.step("user_agent").outcome.mode == "manual"


def test_back_to_in_app_restores_the_registered_redirect(qtbot: QtBot,
                                                         window: MainWindow) -> None:
    _choose(window, NATIVE, "browser")  # and at once back: the switches run in order
    modes = window.user_agent_view.mode
    modes.setCurrentIndex(modes.findData("in_app"))
    modes.activated.emit(modes.currentIndex())
    qtbot.waitUntil(lambda: window.tasks.running == 0, timeout=TIMEOUT)
    assert window.user_agent.modes.catcher is None
    assert window.session.inputs("authorize_url")["redirect_uri"] == "http://127.0.0.1/callback"
    assert window.user_agent_view.consent.isVisibleTo(window.user_agent_view)
