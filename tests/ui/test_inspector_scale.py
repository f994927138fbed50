"""The inspector with thousands of exchanges: filtering and sorting over cached lists, rows
appended in the current order, the selection kept across changes. (Timings: benchmarks/.)"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from playground.core.record.exchange import Exchange
from playground.ui.inspector import ExchangeRole, Inspector

COUNT = 3_000
STEPS = ("discovery", "user_agent", "token", "userinfo", "refresh")


def exchange(seq: int) -> Exchange:
    step = STEPS[seq % len(STEPS)]
    return Exchange(
        seq=seq, step=step, method="POST" if step in ("token", "refresh") else "GET",
        url=f"http://127.0.0.1:9400/oauth2/{step}?n={seq:05d}",
        request_headers=(("accept", "application/json"),), request_body=b"",
        status=(200, 302, 400)[seq % 3], response_headers=(), response_body=b"",
        started_at=1.7e9 + seq, duration_ms=float(seq % 97),
    )


@pytest.fixture
def inspector(qtbot: QtBot) -> Iterator[Inspector]:
    widget = Inspector()
    qtbot.addWidget(widget)
    widget.resize(1200, 600)
    widget.show()
    for seq in range(1, COUNT + 1):
        widget.add_exchange(exchange(seq))
    yield widget


def shown(inspector: Inspector, column: int = 0) -> list[str]:
    proxy = inspector.proxy
    return [proxy.index(row, column).data() for row in range(proxy.rowCount())]


def test_filter_counts_and_label(inspector: Inspector) -> None:
    assert inspector.count_label.text() == f"{COUNT} exchanges"
    inspector.filter_edit.setText("TOKEN")
    assert inspector.proxy.rowCount() == COUNT // 5
    assert set(shown(inspector, 1)) == {"token"}
    inspector.filter_edit.setText("token?n=0001")  # narrowing the same needle
    assert shown(inspector, 0) == [str(s) for s in range(1, COUNT + 1)
                                   if s % 5 == 2 and f"{s:05d}".startswith("0001")]
    inspector.filter_edit.setText("nothing matches this")
    assert inspector.count_label.text() == f"0 of {COUNT} exchanges shown"
    inspector.filter_edit.clear()
    assert inspector.proxy.rowCount() == COUNT


def test_header_click_sorts_and_a_second_click_reverses(inspector: Inspector) -> None:
    header = inspector.table.horizontalHeader()
    assert shown(inspector)[:3] == ["1", "2", "3"]  # recording order until a click
    inspector.table.sortByColumn(5, Qt.SortOrder.AscendingOrder)  # duration
    durations = [float(t.split()[0]) for t in shown(inspector, 5)]
    assert durations == sorted(durations)
    inspector.table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    steps = shown(inspector, 1)
    assert steps == sorted(steps, reverse=True)
    assert header.sortIndicatorSection() == 1
    inspector.table.sortByColumn(4, Qt.SortOrder.AscendingOrder)
    inspector.filter_edit.setText("refresh")
    statuses = [int(s) for s in shown(inspector, 4)]
    assert statuses == sorted(statuses) and len(statuses) == COUNT // 5


def test_new_rows_land_where_the_sort_puts_them(inspector: Inspector) -> None:
    inspector.table.sortByColumn(3, Qt.SortOrder.DescendingOrder)  # URL
    inspector.add_exchange(exchange(COUNT + 3))  # userinfo?n=03003
    urls = shown(inspector, 3)
    assert urls == sorted(urls, reverse=True)
    assert urls.index("/oauth2/userinfo?n=03003") == 0
    inspector.filter_edit.setText("discovery")
    inspector.add_exchange(exchange(COUNT + 5))  # discovery: shown
    inspector.add_exchange(exchange(COUNT + 6))  # user_agent: filtered out
    assert inspector.proxy.rowCount() == COUNT // 5 + 1
    assert shown(inspector, 3)[0] == "/oauth2/discovery?n=03005"
    assert inspector.count_label.text() == f"{COUNT // 5 + 1} of {COUNT + 3} exchanges shown"


def test_selection_follows_its_exchange(inspector: Inspector) -> None:
    inspector.filter_edit.setText("userinfo?n=01233")
    inspector.table.selectRow(0)
    chosen = inspector.detail.exchange
    assert chosen is not None and chosen.seq == 1233
    inspector.filter_edit.clear()
    inspector.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    current = inspector.table.currentIndex()
    assert current.data(ExchangeRole).seq == 1233
    assert current.row() == COUNT - 1233
    inspector.filter_edit.setText("token")  # the selected row is filtered out
    assert not inspector.table.currentIndex().isValid()


def test_proxy_passes_the_model_tester(qtmodeltester: ModelTester,
                                       inspector: Inspector) -> None:
    inspector.table.sortByColumn(2, Qt.SortOrder.AscendingOrder)
    inspector.filter_edit.setText("oauth2/u")
    qtmodeltester.check(inspector.proxy, force_py=True)
    inspector.add_exchange(exchange(COUNT + 4))
    inspector.filter_edit.setText("oauth2/us")
    inspector.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)
    inspector.model.clear()
    assert inspector.proxy.rowCount() == 0
