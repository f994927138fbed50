"""Choosing the flow: the window steps through Client Credentials as it does Authorization Code."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from playground.ui.main_window import MainWindow
from playground.ui.step_views import TokenView
from tests.ui.flowhelpers import click, run_whole_flow, step_states, wait_idle

TIMEOUT = 10_000


def _choose(window: MainWindow, title: str) -> None:
    combo = window.flow_picker.combo
    combo.setCurrentIndex(combo.findText(title))
    combo.activated.emit(combo.currentIndex())


def test_client_credentials_in_the_window(qtbot: QtBot, window: MainWindow) -> None:
    recorded = window.inspector.model.rowCount()
    _choose(window, "Client Credentials")
    model = window.steps_model
    titles = [model.index(r).data() for r in range(model.rowCount())]
    assert [t.split(". ", 1)[1].split("  ")[0] for t in titles] == [
        "Discovery", "Token request (client credentials)", "Verify the access token",
        "Introspect"]
    assert window.session.inputs("token")["client_id"] == "playground-service"
    assert window.step_panel.title.text() == "1. Discovery"

    click(window, "run_all")
    wait_idle(qtbot, window)
    assert set(step_states(window).values()) == {"done"}, step_states(window)
    window.select_step("token")
    view = window.step_panel.view("token")
    assert isinstance(view, TokenView)
    assert "grant_type=client_credentials" in view.request.toPlainText()
    assert "Authorization: Basic" in view.request.toPlainText()
    window.select_step("introspect")
    assert "active: true" in window.step_panel.view("introspect").outcome.toPlainText()
    assert window.inspector.model.rowCount() == recorded + 4  # the log goes on across flows
    page = window.tokens.page("access token")
    assert page.claims.find("sub").siblingAtColumn(1).data() == "playground-service"
    assert "checks passed" in page.status.text()
    assert "No refresh token" in window.tokens.page("refresh token").status.text()


def test_back_to_the_code_flow_keeps_its_views(qtbot: QtBot, window: MainWindow) -> None:
    _choose(window, "Client Credentials")
    _choose(window, "Authorization Code with PKCE")
    assert window.steps_model.rowCount() == 8
    assert window.session.inputs("authorize_url")["client_id"] != "playground-service"
    run_whole_flow(qtbot, window)
    assert window.flow_picker.combo.currentText() == "Authorization Code with PKCE"


def test_token_exchange_starts_from_the_users_token(qtbot: QtBot, window: MainWindow) -> None:
    run_whole_flow(qtbot, window)
    user_token = window.session.outcome("token").response.access_token
    _choose(window, "Token Exchange")
    assert window.session.inputs("subject")["subject_token"] == user_token
    assert window.session.inputs("token")["client_id"] == "playground-service"
    window.select_step("subject")
    field = window.step_panel.view("subject").fields["subject_token"]
    assert field.text() == user_token
    click(window, "run_all")
    wait_idle(qtbot, window)
    assert set(step_states(window).values()) == {"done"}, step_states(window)
    page = window.tokens.page("access token")
    assert page.claims.find("sub").siblingAtColumn(1).data() == "alice"
    assert page.claims.find("aud").siblingAtColumn(1).data() == "https://api.example"


def test_a_refresh_starts_from_the_code_flows_refresh_token(qtbot: QtBot,
                                                            window: MainWindow) -> None:
    run_whole_flow(qtbot, window)
    before = window.session.outcome("token").response.refresh_token
    _choose(window, "Refresh")
    assert window.session.inputs("token")["refresh_token"] == before
    click(window, "run_all")
    wait_idle(qtbot, window)
    assert set(step_states(window).values()) == {"done"}, step_states(window)
    window.select_step("tokens")
    rows = window.step_panel.view("tokens").checks.rows()
    assert any(r.name == "refresh token rotated" and r.status == "pass" for r in rows)
