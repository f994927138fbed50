"""Text the user must read is not elided at the default 1400x900: the server's check names,
the claims' meanings, the lab's scenario titles and lint findings."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QApplication
from pytestqt.qtbot import QtBot

from playground.ui.main_window import MainWindow
from tests.ui.flowhelpers import run_whole_flow


def _fits(view: QAbstractItemView, column: int, texts: list[str], margin: int = 6) -> list[str]:
    """The texts wider than `column` of `view` (the ones the user would see cut off)."""
    QApplication.processEvents()
    metrics = view.fontMetrics()
    width = view.columnWidth(column) if hasattr(view, "columnWidth") else 0
    return [t for t in texts if metrics.horizontalAdvance(t) + margin > width]


def test_server_check_names_are_whole(qtbot: QtBot, window: MainWindow) -> None:
    window.resize(1400, 900)
    run_whole_flow(qtbot, window)
    window.show_tab(0)
    window.inspector.filter_edit.setText("/oauth2/token")
    window.inspector.table.selectRow(0)
    trace = window.inspector.detail.trace
    window.inspector.detail.tabs.setCurrentWidget(trace)
    names = [row.name for row in trace.checks.rows()]
    assert "code is known, unused and unexpired" in names
    assert _fits(trace.table, 1, names) == []


def test_claim_meanings_are_whole(qtbot: QtBot, window: MainWindow) -> None:
    window.resize(1400, 900)
    run_whole_flow(qtbot, window)
    window.show_tab(1)
    page = window.tokens.page("ID token")
    window.tokens.tabs.setCurrentWidget(page)
    model = page.claims
    payload = model.index(1, 0)
    meanings = [model.index(r, 2, payload).data() for r in range(model.rowCount(payload))]
    assert "The user's email address" in meanings
    assert _fits(page.tree, 2, meanings) == []


def test_scenario_titles_and_lint_are_whole(qtbot: QtBot, window: MainWindow) -> None:
    window.resize(1400, 900)
    run_whole_flow(qtbot, window)
    window.show_view("lab")
    lab = window.lab
    titles = [lab.scenario_list.topLevelItem(i).text(0)
              for i in range(lab.scenario_list.topLevelItemCount())]
    assert "The seed's PKCE spelling meets a strict server" in titles
    assert _fits(lab.scenario_list, 0, titles) == []
    lab.tabs.setCurrentIndex(2)  # RFC lint: filled when shown
    assert lab.lint_list.topLevelItemCount() == 1
    assert lab.lint_summary.text().startswith("1 finding in the 9 requests")
    rules = [lab.lint_list.topLevelItem(0).text(2)]
    assert rules == ["redirect-uri-http"] and _fits(lab.lint_list, 2, rules) == []
