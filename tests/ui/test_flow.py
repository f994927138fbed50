"""Click through the Authorization Code + PKCE flow in the real window against the real server."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from playground.ui.main_window import MainWindow
from playground.ui.steps_model import StateRole
from tests.ui.flowhelpers import (
    TIMEOUT,
    click,
    run_whole_flow,
    select,
    sign_in_and_allow,
    step_states,
    wait_for_prompt,
    wait_idle,
)

SEED_SCOPES = ["openid", "email", "profile", "offline_access"]


def test_window_opens_with_the_server_ready_and_every_step_pending(window: MainWindow) -> None:
    assert window.server.running
    assert window.step_panel.view("discovery").issuer.text() == window.server.issuer
    assert set(step_states(window).values()) == {"pending"}
    assert window.step_panel.title.text() == "1. Discovery"
    assert window.inspector.model.rowCount() == 0
    tabs = [window.bottom.tabText(i) for i in range(window.bottom.count())]
    assert tabs == ["HTTP inspector", "Tokens", "Server", "Lab", "Sequence"]


def test_whole_flow_with_native_consent(qtbot: QtBot, window: MainWindow) -> None:
    click(window, "run_all")
    consent = window.user_agent_view.consent
    wait_for_prompt(qtbot, window, "Sign in")
    assert step_states(window)["user_agent"] == "running"
    assert not window.run_all_action.isEnabled()  # no second run while one is under way
    consent.allow_button.click()
    wait_for_prompt(qtbot, window, "Allow")
    assert consent.scope_names() == SEED_SCOPES
    assert "c02d5bf5-993e-4c6a-a248-6c307cc7681b" in consent.client_label.text()
    assert consent.first_party_label.text().startswith("no")
    consent.allow_button.click()
    wait_idle(qtbot, window)

    assert set(step_states(window).values()) == {"done"}
    assert window.run_all_action.isEnabled()
    # discovery, authorize, login page, login, consent page, consent, token, jwks, userinfo
    assert window.inspector.model.rowCount() == 9
    assert window.inspector.count_label.text() == "9 exchanges"
    page = window.tokens.page("ID token")
    email = page.claims.find("email")
    assert email.siblingAtColumn(1).data() == "alice@example.com"
    assert "The user's email address" in email.siblingAtColumn(2).data()
    assert "all 12 checks passed" in page.status.text()
    qtbot.waitUntil(lambda: "expires in 59m" in page.countdown.text(), timeout=3000)
    refresh = window.tokens.page("refresh token")
    assert "Opaque refresh token" in refresh.status.text()


def test_next_runs_one_step_at_a_time(qtbot: QtBot, window: MainWindow) -> None:
    click(window, "next")
    qtbot.waitUntil(lambda: step_states(window)["discovery"] == "done", timeout=TIMEOUT)
    assert step_states(window)["pkce"] == "pending"
    metadata = window.step_panel.view("discovery").metadata.pairs()
    assert ("token_endpoint", f"{window.server.issuer}/oauth2/token") in metadata

    wait_idle(qtbot, window)
    click(window, "next")
    qtbot.waitUntil(lambda: step_states(window)["pkce"] == "done", timeout=TIMEOUT)
    pkce = window.step_panel.view("pkce").panel
    assert len(pkce.challenge.text()) == 43
    assert len(pkce.digest.text()) == 64
    assert window.step_panel.title.text() == "2. PKCE verifier and challenge"


def test_deny_ends_in_access_denied_at_the_callback(qtbot: QtBot, window: MainWindow) -> None:
    click(window, "run_all")
    consent = window.user_agent_view.consent
    wait_for_prompt(qtbot, window, "Sign in")
    consent.allow_button.click()
    wait_for_prompt(qtbot, window, "Allow")
    consent.deny_button.click()
    wait_idle(qtbot, window)

    states = step_states(window)
    assert states["user_agent"] == "done"
    assert states["callback"] == "failed"
    assert states["token"] == "pending"
    assert window.step_panel.title.text() == "5. Callback"
    assert "access_denied" in window.step_panel.error.text()
    assert "Denied" in consent.status.text()
    received = dict(window.step_panel.view("callback").received.pairs())
    assert received["error"] == "access_denied"


def test_unchecked_scope_is_not_granted(qtbot: QtBot, window: MainWindow) -> None:
    click(window, "run_all")
    consent = window.user_agent_view.consent
    wait_for_prompt(qtbot, window, "Sign in")
    consent.allow_button.click()
    wait_for_prompt(qtbot, window, "Allow")
    consent.set_scope_checked("offline_access", False)
    consent.allow_button.click()
    wait_idle(qtbot, window)

    assert step_states(window)["tokens"] == "done"
    assert "No refresh token" in window.tokens.page("refresh token").status.text()


def test_state_mismatch_is_shown_in_the_callback_step(qtbot: QtBot, window: MainWindow) -> None:
    run_whole_flow(qtbot, window)
    select(window, "callback")
    view = window.step_panel.view("callback")
    view.expected_state.setText("somesecretstatethatshouldmatch")
    view.expected_state.editingFinished.emit()
    assert step_states(window)["callback"] == "stale"
    assert step_states(window)["tokens"] == "stale"

    click(window, "run")
    wait_idle(qtbot, window)
    assert step_states(window)["callback"] == "failed"
    assert "state" in window.step_panel.error.text().lower()
    assert window.step_panel.error.isVisible()


def test_server_error_is_shown_in_the_token_step(qtbot: QtBot, window: MainWindow) -> None:
    run_whole_flow(qtbot, window)
    select(window, "token")
    click(window, "run")  # the code was redeemed already: a replay
    wait_idle(qtbot, window)

    assert step_states(window)["token"] == "failed"
    error = window.step_panel.error.text()
    assert "invalid_grant" in error
    assert "RFC 6749 §5.2" in error
    last = window.inspector.model.exchange(window.inspector.model.rowCount() - 1)
    assert (last.step, last.status) == ("token", 400)


def test_first_party_client_skips_consent_visibly(qtbot: QtBot, window: MainWindow) -> None:
    select(window, "authorize_url")
    view = window.authorize_view
    first_party = next(c for c in window.server.clients() if c.firstParty)
    view.client.setCurrentIndex(view.client.findData(first_party.id))
    view.client.activated.emit(view.client.currentIndex())
    assert window.session.inputs("token")["client_id"] == first_party.id

    click(window, "run_all")
    consent = window.user_agent_view.consent
    wait_for_prompt(qtbot, window, "Sign in")
    consent.allow_button.click()
    wait_idle(qtbot, window)

    assert step_states(window)["tokens"] == "done", window.step_panel.error.text()
    select(window, "user_agent")
    assert "Consent skipped" in consent.heading.text()
    assert "first-party" in consent.heading.text()


def test_reset_while_waiting_for_consent(qtbot: QtBot, window: MainWindow) -> None:
    click(window, "run_all")
    wait_for_prompt(qtbot, window, "Sign in")
    click(window, "reset")
    wait_idle(qtbot, window)
    assert set(step_states(window).values()) == {"pending"}
    assert not window.user_agent_view.consent.waiting
    assert window.run_all_action.isEnabled()
    run_whole_flow(qtbot, window)


def test_keyboard_shortcuts_drive_the_flow(qtbot: QtBot, window: MainWindow) -> None:
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_F5)  # run the selected step (discovery)
    qtbot.waitUntil(lambda: step_states(window)["discovery"] == "done", timeout=TIMEOUT)
    index = window.steps_model.index(0)
    assert index.data(StateRole) == "done"
    assert index.data().endswith("1. Discovery   \u00b7 done")
    wait_idle(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_F7)  # run all
    sign_in_and_allow(qtbot, window)
    wait_idle(qtbot, window)
    assert set(step_states(window).values()) == {"done"}
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.bottom.currentIndex() == 0
    assert window.inspector.filter_edit.hasFocus()
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.bottom.currentWidget() is window.tokens
    qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    assert window.bottom.currentIndex() == 3
    assert window.lab.isVisible()
