"""The HTTP inspector: rows per exchange, filtering, detail with body views, trace and curl."""

from __future__ import annotations

import shlex

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from playground.ui.main_window import MainWindow
from tests.ui.flowhelpers import run_whole_flow


def _select(window: MainWindow, text: str) -> None:
    inspector = window.inspector
    inspector.filter_edit.setText(text)
    assert inspector.proxy.rowCount() >= 1
    inspector.table.selectRow(0)


def test_filter_and_token_exchange_detail(qtbot: QtBot, window: MainWindow) -> None:
    run_whole_flow(qtbot, window)
    inspector = window.inspector
    qtbot.keyClicks(inspector.filter_edit, "oauth2/token")
    assert inspector.proxy.rowCount() == 1
    assert inspector.count_label.text() == "1 of 9 exchanges shown"
    inspector.table.selectRow(0)

    detail = inspector.detail
    assert detail.request.start_line.text().startswith("POST http://127.0.0.1:")
    assert detail.request.body.view_label.text().startswith("Form fields")
    request_body = detail.request.body.text.toPlainText()
    assert "grant_type    = authorization_code" in request_body
    assert "code_verifier = " in request_body
    assert detail.response.start_line.text().startswith("HTTP 200")
    assert detail.response.body.view_label.text().startswith("JSON")
    assert '"token_type": "Bearer"' in detail.response.body.text.toPlainText()
    header_names = [k.lower() for k, _ in detail.response.headers.pairs()]
    assert "cache-control" in header_names

    detail.tabs.setCurrentIndex(1)
    assert "token" in detail.trace.summary.text()
    rows = detail.trace.checks.rows()
    assert rows and all(r.status == "pass" for r in rows)

    detail.copy_curl.click()
    command = QApplication.clipboard().text()
    argv = shlex.split(command.replace("\\\n", " "))
    assert argv[:3] == ["curl", "-X", "POST"]
    assert "--data-raw" in argv


def test_body_view_can_be_switched_to_raw(qtbot: QtBot, window: MainWindow) -> None:
    run_whole_flow(qtbot, window)
    _select(window, "jwks")
    body = window.inspector.detail.response.body
    assert body.view_label.text().startswith("JSON")
    body.chooser.setCurrentText("Raw")
    assert body.view_label.text().startswith("Raw")
    assert body.text.toPlainText().startswith('{"keys":')


def test_failed_request_is_red_and_filterable_by_status(qtbot: QtBot, window: MainWindow) -> None:
    run_whole_flow(qtbot, window)
    window.select_step("token")
    window.step_panel.buttons["run"].click()
    qtbot.waitUntil(lambda: window.inspector.model.rowCount() == 10, timeout=5000)
    # The failure selected the token step's newest exchange: the replayed code's 400.
    assert window.inspector.detail.response.start_line.text().startswith("HTTP 400")
    window.inspector.filter_edit.setText("error")
    assert window.inspector.proxy.rowCount() == 0  # no transport errors, only HTTP ones
    window.inspector.filter_edit.setText("/oauth2/token")
    assert window.inspector.proxy.rowCount() == 2
    window.inspector.table.selectRow(1)
    trace = window.inspector.detail.trace
    window.inspector.detail.tabs.setCurrentIndex(1)
    assert "invalid_grant" in trace.summary.text()
    assert any(r.status == "fail" for r in trace.checks.rows())


def test_copy_as_httpx_and_fetch(qtbot: QtBot, window: MainWindow) -> None:
    run_whole_flow(qtbot, window)
    _select(window, "oauth2/token")
    detail = window.inspector.detail
    titles = [a.text() for a in detail.copy_as.menu().actions()]
    assert titles == ["HTTPie", "Python httpx", "JavaScript fetch"]
    detail.copy_as.menu().actions()[1].trigger()
    code = QApplication.clipboard().text()
    assert code.startswith("import httpx") and "/oauth2/token" in code
    compile(code, "<snippet>", "exec")  # it is Python that runs
    detail.copy_as.menu().actions()[2].trigger()
    assert "await fetch(" in QApplication.clipboard().text()
