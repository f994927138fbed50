"""The device grant (RFC 8628) in the window: chosen in the picker, approved in the app, and
approved alongside a device that is already polling; what the user sees at each point."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import zxingcpp
from PySide6.QtGui import QGuiApplication, QImage
from pytestqt.qtbot import QtBot

from playground.core.flow import device_user
from playground.ui.device_views import DevicePollView, DeviceUserView
from playground.ui.main_window import MainWindow
from playground.ui.qr_code import QrCode
from playground.ui.server_control import ServerController
from tests.ui.flowhelpers import step_states, wait_idle

TIMEOUT = 10_000
CODE = re.compile(r"[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}")


def _choose(window: MainWindow, title: str) -> None:
    combo = window.flow_picker.combo
    combo.setCurrentIndex(combo.findText(title))
    combo.activated.emit(combo.currentIndex())


def decoded(qr: QrCode) -> list[str]:
    """What a phone's camera would read off the widget as painted."""
    image = qr.grab().toImage().convertToFormat(QImage.Format.Format_Grayscale8)
    width, height, line = image.width(), image.height(), image.bytesPerLine()
    bits = bytes(image.constBits())
    pixels = b"".join(bits[y * line:y * line + width] for y in range(height))
    return [b.text for b in zxingcpp.read_barcodes(memoryview(pixels).cast("B", (height, width)))]


@pytest.fixture
def fast_polls(server: ServerController) -> Iterator[None]:
    """A 1 s interval, so the window's real-time polling is quick to watch."""
    assert server.server is not None
    devices = server.server.context.devices
    devices.interval = 1
    yield
    devices.interval = 5


def test_the_device_flow_approved_in_the_app(qtbot: QtBot, window: MainWindow) -> None:
    recorded = window.inspector.model.rowCount()
    _choose(window, "Device Authorization")
    model = window.steps_model
    titles = [model.index(r).data().split(". ", 1)[1].split("  ")[0]
              for r in range(model.rowCount())]
    assert titles == ["Discovery", "Device authorization request", "User enters the code",
                      "Poll the token endpoint", "Verify tokens", "UserInfo"]
    assert window.session.inputs("device_authorization")["client_id"] == "playground-tv"

    window.select_step("device_user")
    view = window.step_panel.view("device_user")
    assert isinstance(view, DeviceUserView) and view.isVisible()
    assert view.card.code.text() == "\u2014" and not view.card.qr.matrix
    view.approve.click()
    wait_idle(qtbot, window)
    assert set(step_states(window).values()) == {"done"}, step_states(window)

    window.select_step("device_user")
    auth = window.session.outcome("device_authorization")
    assert CODE.fullmatch(view.card.code.text()) and view.card.code.text() == auth.user_code
    assert view.card.code.font().pointSizeF() >= 2 * QGuiApplication.font().pointSizeF()
    assert view.card.uri.text() == f"{window.server.issuer}/device"
    assert view.status.text() == "Approved in the app as alice."
    assert view.card.expiry.text() == "The code is used up: the device has its tokens."
    size = len(view.card.qr.matrix)
    assert size >= 21 and (size - 17) % 4 == 0
    assert decoded(view.card.qr) == [auth.verification_uri_complete]

    window.select_step("token")
    polls = window.step_panel.view("token")
    assert isinstance(polls, DevicePollView)
    assert polls.polls.pairs() == [("#1 at +0 s", "tokens")]
    assert polls.next_poll.text() == "Tokens received after 1 poll(s)."
    steps = [window.inspector.model.exchange(r).step
             for r in range(recorded, window.inspector.model.rowCount())]
    assert steps.count("token") == 1 and steps.count("device_user") >= 5
    page = window.tokens.page("ID token")
    assert page.claims.find("sub").siblingAtColumn(1).data() == "alice"


def test_approved_in_the_app_while_the_device_polls(
        qtbot: QtBot, window: MainWindow, fast_polls: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr(device_user, "launch_browser", lambda url: opened.append(url) or True)
    _choose(window, "Device Authorization")
    window.select_step("device_user")
    window.step_panel.view("device_user").browser.click()  # type: ignore[attr-defined]
    view = window.step_panel.view("token")
    assert isinstance(view, DevicePollView)
    qtbot.waitUntil(lambda: view.isVisible() and view.next_poll.text().startswith(
        "Next poll in") and view.polls.rowCount() >= 1, timeout=TIMEOUT)
    assert view.polls.pairs()[0] == ("#1 at +0 s", "authorization_pending (HTTP 400)")
    assert "(every 1 s)" in view.next_poll.text()
    assert re.fullmatch(r"The code expires in (9:5\d|10:00)\.", view.card.expiry.text())
    assert opened == [window.session.outcome("device_authorization").verification_uri_complete]
    assert "system browser opened the page" in window.step_panel.view("device_user").status.text()

    view.user.setCurrentIndex(view.user.findData("bob"))
    view.approve.click()
    wait_idle(qtbot, window)
    assert set(step_states(window).values()) == {"done"}, step_states(window)
    answers = [answer for _, answer in view.polls.pairs()]
    assert answers[-1] == "tokens" and set(answers[:-1]) == {"authorization_pending (HTTP 400)"}
    assert window.session.outcome("userinfo").claims["sub"] == "bob"


def test_a_refused_approval_reads_in_the_view_not_as_a_crash(
        qtbot: QtBot, window: MainWindow, server: ServerController, fast_polls: None) -> None:
    _choose(window, "Device Authorization")
    window.select_step("device_user")
    window.step_panel.view("device_user").manual.click()  # type: ignore[attr-defined]
    view = window.step_panel.view("token")
    assert isinstance(view, DevicePollView)
    qtbot.waitUntil(lambda: view.next_poll.text().startswith("Next poll in"), timeout=TIMEOUT)
    assert server.server is not None
    server.server.clock.advance(601)  # the code expires before anyone enters it
    view.approve.click()
    qtbot.waitUntil(lambda: "has expired" in view.status.text(), timeout=TIMEOUT)
    assert "[RFC 8628 §3.3]" in view.status.text() and window.message_text() == ""
    wait_idle(qtbot, window)
    assert step_states(window)["token"] == "failed"
    assert view.polls.pairs()[-1][1] == "expired_token (HTTP 400)"
    assert view.card.expiry.text() == "The code has expired: Approve or Run gets a new one."
    assert "has expired" in view.status.text()  # still said once polling has ended
    server.server.clock.reset()
