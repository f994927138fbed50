"""The server panel: state, stop/start, a busy port, clients in the seed's shape, decisions."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from playground.core.trace import DecisionTrace
from playground.ui.main_window import MainWindow
from tests.ui.flowhelpers import run_whole_flow, step_states

TIMEOUT = 5000


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def _stop(qtbot: QtBot, window: MainWindow) -> None:
    panel = window.server_panel
    panel.start_stop.click()
    qtbot.waitUntil(lambda: panel.start_stop.text() == "Start server" and
                    panel.start_stop.isEnabled(), timeout=TIMEOUT)


def test_panel_shows_the_running_server(window: MainWindow) -> None:
    panel = window.server_panel
    assert panel.issuer.text() == window.server.issuer
    assert "running" in panel.state.text()
    assert panel.port.value() == window.server.server.port
    ids = [panel.clients.client(r).id for r in range(panel.clients.rowCount())]
    assert "c02d5bf5-993e-4c6a-a248-6c307cc7681b" in ids
    headers = [panel.clients.headerData(c, Qt.Orientation.Horizontal)
               for c in range(panel.clients.columnCount())]
    assert headers == ["id", "firstParty", "redirect", "grantTypes", "responseTypes",
                       "responseModes", "authMethods", "scopes"]


def test_busy_port_is_a_message_and_the_app_keeps_running(qtbot: QtBot, window: MainWindow,
                                                          busy_port: int) -> None:
    panel = window.server_panel
    _stop(qtbot, window)
    assert "stopped" in panel.state.text()
    panel.port.setValue(busy_port)
    panel.start_stop.click()
    qtbot.waitUntil(lambda: str(busy_port) in panel.state.text(), timeout=TIMEOUT)
    assert "stopped" in panel.state.text()
    assert "did not start" in window.message_text()

    panel.port.setValue(0)
    panel.start_stop.click()
    qtbot.waitUntil(lambda: window.server.running, timeout=TIMEOUT)
    issuer = window.server.issuer
    assert window.session.inputs("discovery")["issuer"] == issuer  # the flow follows the server
    run_whole_flow(qtbot, window)
    assert set(step_states(window).values()) == {"done"}


def test_discovery_fails_visibly_while_the_server_is_stopped(qtbot: QtBot,
                                                             window: MainWindow) -> None:
    _stop(qtbot, window)
    window.step_panel.buttons["run"].click()
    qtbot.waitUntil(lambda: step_states(window)["discovery"] == "failed", timeout=TIMEOUT)
    assert "cannot connect" in window.step_panel.error.text()


def test_compat_switch_reaches_the_server(window: MainWindow) -> None:
    window.server_panel.compat.setChecked(True)
    assert window.server.server.compat_seed is True
    window.server_panel.compat.setChecked(False)
    assert window.server.server.compat_seed is False


def test_add_and_edit_a_client(qtbot: QtBot, window: MainWindow) -> None:
    panel = window.server_panel
    before = panel.clients.rowCount()
    panel.add_client.click()
    dialog = panel.dialog
    assert dialog is not None
    dialog.editor.setPlainText("{not json")
    dialog.ok_button.click()
    assert "Not valid JSON" in dialog.error.text()
    data = {"id": "cli-test", "secret": "", "redirect": ["http://127.0.0.1/callback"],
            "firstParty": True, "grantTypes": ["authorization_code"], "responseTypes": ["code"],
            "responseModes": ["query"], "authMethods": ["none"], "scopes": ["openid"]}
    dialog.editor.setPlainText(json.dumps({**data, "redirect": ["not a uri"]}))
    dialog.ok_button.click()
    assert "redirect" in dialog.error.text()
    dialog.editor.setPlainText(json.dumps(data))
    dialog.ok_button.click()
    assert panel.clients.rowCount() == before + 1
    assert window.server.server.clients.get("cli-test") is not None
    assert window.authorize_view.client.findData("cli-test") >= 0

    panel.clients_view.selectRow(before)
    panel.edit_client.click()
    edited = panel.dialog
    assert edited is not None and '"cli-test"' in edited.editor.toPlainText()
    edited.editor.setPlainText(json.dumps({**data, "scopes": ["openid", "email"]}))
    edited.ok_button.click()
    assert window.server.server.clients.get("cli-test").scopes == ("openid", "email")


def test_decision_log_is_live(qtbot: QtBot, window: MainWindow) -> None:
    run_whole_flow(qtbot, window)
    log = window.server_panel.log
    qtbot.waitUntil(lambda: log.rowCount() == 9, timeout=TIMEOUT)
    requests = [log.index(r, 1).data() for r in range(log.rowCount())]
    assert "POST /oauth2/token" in requests
    interaction = next(r for r, text in enumerate(requests) if "/interaction/" in text)
    tooltip = log.index(interaction, 1).data(Qt.ItemDataRole.ToolTipRole)
    assert tooltip == requests[interaction]  # an elided path reads in full on hover
    panel = window.server_panel
    assert panel.decision.summary.text().startswith("Select a decision")
    panel.log_view.selectRow(requests.index("POST /oauth2/token"))
    assert panel.decision.checks.rowCount() > 0
    assert "<b>token</b>: tokens issued" in panel.decision.summary.text()
    assert "(HTTP 200)" in panel.decision.summary.text()


def test_decision_log_follows_the_newest_unless_scrolled_up(qtbot: QtBot,
                                                            window: MainWindow) -> None:
    panel = window.server_panel
    window.show_view("server")
    trace = DecisionTrace(id="t-1", at=0.0, method="GET", path="/oauth2/jwks", endpoint="jwks",
                          status=200, outcome="JWK Set served", client_id=None, error=None,
                          checks=(), findings=())
    bar = panel.log_view.verticalScrollBar()
    for _ in range(60):
        panel.add_trace(trace)
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=TIMEOUT)
    assert bar.value() == bar.maximum()
    bar.setValue(0)  # the user scrolls up to read an older decision
    panel.add_trace(trace)
    assert bar.value() == 0


def _crash(window: MainWindow) -> None:
    """Make the running server's event loop raise, as a bug inside it would."""
    assert window.server.server is not None
    uvicorn_server = window.server.server._server
    assert uvicorn_server is not None

    async def on_tick(counter: int) -> bool:
        raise RuntimeError("boom")

    uvicorn_server.on_tick = on_tick  # type: ignore[method-assign]


def test_a_crashed_server_is_reported_and_restarted_with_nothing_lost(qtbot: QtBot,
                                                                      window: MainWindow) -> None:
    run_whole_flow(qtbot, window)
    issuer, recorded = window.server.issuer, window.inspector.model.rowCount()
    _crash(window)
    qtbot.waitUntil(lambda: not window.server.running, timeout=TIMEOUT)
    assert "stopped unexpectedly (RuntimeError: boom)" in window.message_text()
    assert "Everything recorded so far is kept" in window.message_text()
    assert window.statusBar().currentMessage() == \
        "Embedded server stopped: crashed (RuntimeError: boom)"
    assert "stopped: crashed (RuntimeError: boom)" in window.server_panel.state.text()
    assert window.banner_action.isVisible() and window.banner_action.text() == "Restart server"

    window.banner_action.click()
    qtbot.waitUntil(lambda: window.server.running, timeout=TIMEOUT)
    assert window.server.issuer == issuer  # the same port: the flow's issuer still holds
    assert window.message_text() == "" and not window.banner_action.isVisible()
    assert window.inspector.model.rowCount() == recorded
    assert set(step_states(window).values()) == {"done"}
    window.reset_flow()
    run_whole_flow(qtbot, window)


def test_a_busy_port_offers_a_free_one(qtbot: QtBot, window: MainWindow,
                                       busy_port: int) -> None:
    _stop(qtbot, window)
    window.server_panel.port.setValue(busy_port)
    window.server_panel.start_stop.click()
    qtbot.waitUntil(lambda: "did not start" in window.message_text(), timeout=TIMEOUT)
    assert window.banner_action.text() == "Start on a free port"
    window.banner_action.click()
    qtbot.waitUntil(lambda: window.server.running, timeout=TIMEOUT)
    assert window.server.server is not None and window.server.server.port != busy_port
    assert window.session.inputs("discovery")["issuer"] == window.server.issuer
