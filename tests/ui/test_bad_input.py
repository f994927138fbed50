"""Bad input in any field is a message in the window; the app keeps running."""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from playground.ui.errors import ErrorReporter
from playground.ui.main_window import MainWindow
from tests.ui.flowhelpers import click, run_whole_flow, select, step_states, wait_idle


def _set_issuer(window: MainWindow, text: str) -> None:
    issuer = window.step_panel.view("discovery").issuer
    issuer.setText(text)
    issuer.editingFinished.emit()


@pytest.mark.parametrize(
    ("issuer", "expected"),
    [("not a url", "http"), ("http://127.0.0.1:9", "cannot connect")],
    ids=["malformed", "unreachable"],
)
def test_bad_issuer_fails_discovery_with_a_message(qtbot: QtBot, window: MainWindow,
                                                   issuer: str, expected: str) -> None:
    _set_issuer(window, issuer)
    click(window, "run")
    wait_idle(qtbot, window)
    assert step_states(window)["discovery"] == "failed"
    assert expected in window.step_panel.error.text()
    assert window.run_action.isEnabled()

    _set_issuer(window, window.server.issuer or "")
    run_whole_flow(qtbot, window)


def test_html_where_json_was_expected(qtbot: QtBot, window: MainWindow) -> None:
    _set_issuer(window, f"{window.server.issuer}/interaction/nothing-here")
    click(window, "run")
    wait_idle(qtbot, window)
    assert step_states(window)["discovery"] == "failed"
    assert window.step_panel.error.text()


def test_invalid_verifier_is_explained_before_anything_is_sent(window: MainWindow) -> None:
    select(window, "pkce")
    panel = window.step_panel.view("pkce").panel
    panel.verifier.setText("too-short")
    panel.verifier.textEdited.emit("too-short")
    assert "Not a valid code_verifier" in panel.message.text()
    assert panel.challenge.text() == ""


def test_rfc_7636_appendix_b_vector_in_the_pkce_panel(window: MainWindow) -> None:
    select(window, "pkce")
    panel = window.step_panel.view("pkce").panel
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    panel.verifier.setText(verifier)
    panel.verifier.textEdited.emit(verifier)
    assert panel.challenge.text() == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    assert window.session.inputs("pkce")["verifier"] == verifier


def test_authorize_parameters_edit_live_and_reject_an_empty_name(qtbot: QtBot,
                                                                 window: MainWindow) -> None:
    run_whole_flow(qtbot, window)
    select(window, "authorize_url")
    panel = window.authorize_view.panel
    model = panel.model
    panel.editor.add_button.click()
    row = model.rowCount() - 1
    assert "empty name" in panel.message.text()
    model.setData(model.index(row, 1), "prompt")
    model.setData(model.index(row, 2), "login")
    assert panel.url_text().endswith("&prompt=login")
    assert step_states(window)["authorize_url"] == "stale"
    scope_row = next(r for r in range(model.rowCount()) if model.index(r, 1).data() == "scope")
    unchecked = Qt.CheckState.Unchecked.value
    model.setData(model.index(scope_row, 0), unchecked, Qt.ItemDataRole.CheckStateRole)
    assert "scope=" not in panel.url_text()


@pytest.mark.qt_no_exception_capture
def test_unexpected_exception_is_logged_and_shown(qtbot: QtBot, window: MainWindow,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    reporter = ErrorReporter()
    reporter.reported.connect(lambda summary, _detail: window.show_message(summary))
    reporter.install()
    try:
        button = QPushButton("boom")
        qtbot.addWidget(button)

        def explode() -> None:
            raise RuntimeError("a bug in a slot")

        button.clicked.connect(explode)
        button.click()
    finally:
        reporter.uninstall()
    assert "RuntimeError: a bug in a slot" in window.message_text()
    assert "a bug in a slot" in caplog.text
    assert window.isVisible()


def test_exception_in_an_asyncio_callback_is_shown(window: MainWindow,
                                                   loop: asyncio.AbstractEventLoop) -> None:
    reporter = ErrorReporter()
    reporter.reported.connect(lambda summary, _detail: window.show_message(summary))
    reporter.install(loop)
    try:
        loop.call_exception_handler({"message": "Task exception was never retrieved",
                                     "exception": ValueError("lost in a task")})
    finally:
        reporter.uninstall(loop)
    assert "ValueError: lost in a task" in window.message_text()
    window.banner_close.click()
    assert window.message_text() == ""
