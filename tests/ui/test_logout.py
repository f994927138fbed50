"""Sign-out in the window: choose the flow, sign in as a user would, sign out, see the proof."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from playground.ui.generic_view import GenericStepView
from playground.ui.main_window import MainWindow
from playground.ui.step_views import AuthorizeView, UserAgentView
from tests.ui.flowhelpers import TIMEOUT, click, select, step_states, wait_idle

SIGN_OUT = "Sign-out (RP-Initiated Logout)"


def _choose(window: MainWindow, title: str) -> None:
    combo = window.flow_picker.combo
    combo.setCurrentIndex(combo.findText(title))
    combo.activated.emit(combo.currentIndex())


def _pick_client(window: MainWindow, client_id: str) -> None:
    select(window, "authorize_url")
    view = window.step_panel.view("authorize_url")
    assert isinstance(view, AuthorizeView)
    view.client.setCurrentIndex(view.client.findData(client_id))
    view.client.activated.emit(view.client.currentIndex())


def _answer_on_screen(qtbot: QtBot, window: MainWindow, label: str) -> None:
    """Wait for the prompt in the step the window shows, and press its button."""
    def shown() -> bool:
        page = window.step_panel.stack.currentWidget()
        if not isinstance(page, UserAgentView):
            return False
        button = page.consent.allow_button
        return button.isVisible() and button.isEnabled() and button.text() == label
    qtbot.waitUntil(shown, timeout=TIMEOUT)
    page = window.step_panel.stack.currentWidget()
    assert isinstance(page, UserAgentView) and page is window.step_panel.view("user_agent")
    page.consent.allow_button.click()


def _outcome(window: MainWindow, key: str) -> str:
    select(window, key)
    view = window.step_panel.view(key)
    assert isinstance(view, GenericStepView)
    return view.outcome.toPlainText()


def test_sign_in_then_sign_out_returns_to_the_app_and_the_session_is_gone(
        qtbot: QtBot, window: MainWindow) -> None:
    _choose(window, SIGN_OUT)
    model = window.steps_model
    titles = [model.index(r).data().split(". ", 1)[1].split("  ")[0]
              for r in range(model.rowCount())]
    assert titles[-3:] == ["Verify tokens", "Sign out at the provider", "Check the session ended"]
    _pick_client(window, "playground-spa")  # first party: sign in, no consent
    click(window, "run_all")
    _answer_on_screen(qtbot, window, "Sign in")
    wait_idle(qtbot, window)
    assert set(step_states(window).values()) == {"done"}, window.step_panel.error_text()

    select(window, "logout")
    assert window.step_panel.title.text() == "8. Sign out at the provider"
    view = window.step_panel.view("logout")
    assert isinstance(view, GenericStepView)
    assert view.fields["post_logout_redirect_uri"].text() == "http://localhost:5173/signed-out"
    text = _outcome(window, "logout")
    assert "ended with: sent back to http://localhost:5173/signed-out?state=" in text
    assert "PASS  state: the state sent came back" in text
    assert "prompt=none answered: error=login_required" in _outcome(window, "session_check")
    rows = [window.inspector.model.exchange(r) for r in range(window.inspector.model.rowCount())]
    sign_out = [e for e in rows if e.step == "logout"]
    assert [(e.method, e.status) for e in sign_out] == [("GET", 303)]


def test_a_sign_out_without_a_hint_waits_for_confirmation_and_says_why(
        qtbot: QtBot, window: MainWindow) -> None:
    _choose(window, SIGN_OUT)
    select(window, "logout")
    view = window.step_panel.view("logout")
    assert isinstance(view, GenericStepView)
    for name in ("send_id_token_hint", "confirm"):
        view.fields[name].click()  # untick both, as a user would
    click(window, "run_all")
    _answer_on_screen(qtbot, window, "Sign in")  # the seed's client: sign in, then consent
    _answer_on_screen(qtbot, window, "Allow")
    wait_idle(qtbot, window)
    states = step_states(window)
    assert states["logout"] == "failed" and states["session_check"] == "pending"
    select(window, "logout")
    error = window.step_panel.error_text()
    assert "asks the user to confirm the sign-out" in error
    assert "OIDC RP-Initiated Logout §2, §5" in error
    assert "ended with: the confirmation page" in _outcome(window, "logout")


def test_the_sign_out_request_shows_in_the_inspector_without_widening_the_window(
        qtbot: QtBot, window: MainWindow) -> None:
    _choose(window, SIGN_OUT)
    _pick_client(window, "playground-spa")
    click(window, "run_all")
    _answer_on_screen(qtbot, window, "Sign in")
    wait_idle(qtbot, window)
    width = window.width()
    window.inspector.select_last("logout")  # its URL carries the id_token: ~1,300 characters
    qtbot.waitUntil(lambda: window.inspector.detail.exchange is not None, timeout=TIMEOUT)
    detail = window.inspector.detail
    assert detail.exchange is not None and detail.exchange.step == "logout"
    assert detail.request.start_line.text() == f"GET {detail.exchange.url}"
    QApplication.processEvents()  # the layout requests the new texts posted
    assert detail.minimumSizeHint().width() <= detail.width()  # it fits: no need to widen
    assert window.width() == width
    assert detail.heading.text().endswith("\u2026")
