"""Every model passes Qt's model tester, filled with real data from a real flow."""

from __future__ import annotations

import sys

from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from playground.core.jose.jwt import inspect
from playground.core.protocol.authorize import Param
from playground.ui.authorize_panel import ParamsModel
from playground.ui.claims_model import ClaimsTreeModel
from playground.ui.inspector import ExchangeFilterProxy, ExchangeTableModel
from playground.ui.main_window import MainWindow
from playground.ui.models import ChecksModel, PairsModel, check_rows
from playground.ui.server_panel import ClientsModel, DecisionLogModel
from tests.ui.flowhelpers import run_whole_flow


def test_models_of_a_finished_flow(qtbot: QtBot, qtmodeltester: ModelTester,
                                   window: MainWindow) -> None:
    run_whole_flow(qtbot, window)
    qtmodeltester.check(window.steps_model)
    qtmodeltester.check(window.inspector.model)
    qtmodeltester.check(window.inspector.proxy)
    qtmodeltester.check(window.tokens.page("ID token").claims)
    qtmodeltester.check(window.tokens.page("ID token").checks)
    qtmodeltester.check(window.authorize_view.panel.model)
    qtmodeltester.check(window.server_panel.clients)
    qtmodeltester.check(window.server_panel.log)
    qtmodeltester.check(window.step_panel.view("callback").received)


def test_exchange_model_grows_row_by_row(qtmodeltester: ModelTester, window: MainWindow,
                                         qtbot: QtBot) -> None:
    run_whole_flow(qtbot, window)
    model = ExchangeTableModel()
    qtmodeltester.check(model, force_py=True)
    proxy = ExchangeFilterProxy()
    proxy.setSourceModel(model)
    for exchange in window.session.log:
        model.append(exchange)
    assert model.rowCount() == len(window.session.log)
    proxy.set_filter_text("/interaction/")
    assert proxy.rowCount() == 4  # login page, login, consent page, consent
    proxy.set_filter_text("userinfo")
    assert proxy.rowCount() == 1
    qtmodeltester.check(proxy, force_py=True)


def test_claims_tree_from_a_token(qtmodeltester: ModelTester, window: MainWindow,
                                  qtbot: QtBot) -> None:
    run_whole_flow(qtbot, window)
    token = window.session.step("token").outcome.response.id_token
    model = ClaimsTreeModel()
    model.set_inspection(inspect(token))
    qtmodeltester.check(model, force_py=True)
    assert [model.index(r, 0).data() for r in range(3)] == ["Header", "Payload", "Signature"]
    exp = model.find("exp")
    assert "UTC" in exp.siblingAtColumn(1).data()


def test_small_models_empty_and_filled(qtmodeltester: ModelTester) -> None:
    pairs = PairsModel()
    pairs.set_pairs([("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")])
    qtmodeltester.check(pairs, force_py=True)
    assert pairs.rowCount() == 2  # duplicates kept
    params = ParamsModel()
    params.set_params([Param("client_id", "x"), Param("prompt", "login", enabled=False)])
    qtmodeltester.check(params, force_py=True)
    checks = ChecksModel()
    qtmodeltester.check(checks, force_py=True)
    log = DecisionLogModel()
    qtmodeltester.check(log, force_py=True)
    clients = ClientsModel()
    qtmodeltester.check(clients, force_py=True)
    assert check_rows([]) == []


def test_the_decision_log_keeps_the_newest_decisions(qtbot: QtBot) -> None:
    from playground.core.trace import DecisionTrace

    log = DecisionLogModel()
    log.LIMIT, log.DROP = 50, 10
    removed: list[tuple[int, int]] = []
    log.rowsRemoved.connect(lambda _parent, first, last: removed.append((first, last)))
    for n in range(75):
        log.append(DecisionTrace(id=f"t{n}", at=0.0, method="GET", path=f"/{n}",
                                 endpoint="discovery", status=200, outcome="ok"))
    assert log.rowCount() == 45 and removed == [(0, 9), (0, 9), (0, 9)]
    assert log.trace(0).id == "t30" and log.trace(log.rowCount() - 1).id == "t74"



def test_qt_calls_do_not_steal_references_from_none(window: MainWindow) -> None:
    """PySide6 6.12.0 on CPython 3.11 took one reference from None per void call and from
    True/False per emit(), aborting the interpreter after a few thousand calls; pyproject.toml
    keeps that release out. This fails at once if a PySide6 with the bug is installed."""
    label = window.step_panel.title
    model = window.steps_model
    before = [sys.getrefcount(s) for s in (None, True, False)]
    for _ in range(500):
        label.setText("x")
        model.refresh()
    after = [sys.getrefcount(s) for s in (None, True, False)]
    assert all(a > b - 400 for a, b in zip(after, before, strict=True)), (before, after)
