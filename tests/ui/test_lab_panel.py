"""The lab panel against the real embedded server: scenarios, fault switches, the clock, tamper
actions on the current flow and the lint list — clicked as a user would, asserted on what the
user sees."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QTreeWidgetItem
from pytestqt.qtbot import QtBot

from playground.core.flow.session import FlowSession, StepState
from playground.core.flow.stepinfo import ClientConfig
from playground.core.flow.useragent import InAppAgent
from playground.core.flows import AUTH_CODE_PKCE
from playground.lab import SCENARIOS
from playground.ui.lab_panel import NAME_ROLE, LabPanel
from playground.ui.server_control import ServerController
from playground.ui.tasks import TaskRunner

TIMEOUT = 10000
TO_CALLBACK = ("discovery", "pkce", "authorize_url", "user_agent", "callback")


def wait(qtbot: QtBot, coro: Coroutine[Any, Any, Any]) -> Any:
    task = asyncio.ensure_future(coro)
    qtbot.waitUntil(task.done, timeout=TIMEOUT)
    return task.result()


@pytest.fixture
def session(qtbot: QtBot, loop: asyncio.AbstractEventLoop,
            server: ServerController) -> Iterator[FlowSession]:
    flow = FlowSession(ClientConfig(server.issuer or ""), user_agent=InAppAgent(),
                       trace_lookup=server.trace, clock=server.clock, spec=AUTH_CODE_PKCE)
    yield flow
    wait(qtbot, flow.aclose())


@pytest.fixture
def panel(qtbot: QtBot, loop: asyncio.AbstractEventLoop, server: ServerController,
          session: FlowSession) -> Iterator[LabPanel]:
    tasks = TaskRunner()
    widget = LabPanel(lambda: server.server, lambda: session, tasks)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    wait(qtbot, tasks.aclose())
    server.clock.reset()


def item(panel: LabPanel, name: str) -> QTreeWidgetItem:
    for i in range(panel.scenario_list.topLevelItemCount()):
        found = panel.scenario_list.topLevelItem(i)
        if found.data(0, NAME_ROLE) == name:
            return found
    raise AssertionError(name)


def test_lists_every_scenario(panel: LabPanel) -> None:
    assert panel.scenario_list.topLevelItemCount() == len(SCENARIOS) >= 15
    assert item(panel, "code-replay").text(0) == "Code replay revokes the first tokens"


def test_run_one_scenario_shows_its_verdict_and_rule(qtbot: QtBot, panel: LabPanel) -> None:
    panel.scenario_list.setCurrentItem(item(panel, "mix-up-iss"))
    enabled_while_running: list[bool] = []
    panel.scenario_finished.connect(lambda _: enabled_while_running.append(
        panel.run_button.isEnabled()))
    with qtbot.waitSignal(panel.scenario_finished, timeout=TIMEOUT) as finished:
        panel.run_button.click()
    assert finished.args[0].passed
    assert enabled_while_running == [False]
    qtbot.waitUntil(panel.run_button.isEnabled, timeout=TIMEOUT)
    assert item(panel, "mix-up-iss").text(1) == "as expected"
    assert "RFC 9207 §2.4" in panel.verdict_text.toPlainText()
    assert "mix-up" in panel.verdict_text.toPlainText()
    assert panel.summary.text() == "1/1 ended as expected"


def test_run_all_marks_every_scenario(qtbot: QtBot, panel: LabPanel) -> None:
    with qtbot.waitSignal(panel.scenarios_finished, timeout=30000) as finished:
        panel.run_all_button.click()
    assert all(v.passed for v in finished.args[0])
    assert panel.summary.text() == f"{len(SCENARIOS)}/{len(SCENARIOS)} ended as expected"
    assert {item(panel, s.name).text(1) for s in SCENARIOS} == {"as expected"}
    assert panel.run_all_button.isEnabled()


def test_fault_checkbox_switches_the_servers_fault(qtbot: QtBot, panel: LabPanel,
                                                   server: ServerController,
                                                   session: FlowSession) -> None:
    assert server.server is not None
    box = panel.fault_boxes["iss-wrong"]
    with qtbot.waitSignal(panel.fault_toggled) as toggled:
        box.click()
    assert toggled.args == ["iss-wrong", True]
    assert server.server.faults.active() == {"iss-wrong"}
    for key in TO_CALLBACK:
        step = wait(qtbot, session.run(key))
    assert step.state is StepState.FAILED and step.error.rfc == "RFC 9207 §2.4"
    panel.fault_boxes["id-token-alg-none"].click()
    panel.clear_faults_button.click()
    assert server.server.faults.active() == frozenset()
    assert not box.isChecked()


def test_clock_buttons_move_the_server_clock(qtbot: QtBot, panel: LabPanel,
                                             server: ServerController) -> None:
    assert panel.clock_label.text() == "Server clock: real time"
    with qtbot.waitSignal(panel.clock_moved) as moved:
        panel.clock_buttons["+10 min"].click()
    assert moved.args == [600.0] or moved.args[0] == pytest.approx(600)
    panel.clock_buttons["+1 h"].click()
    assert panel.clock_label.text() == "Server clock: +1 h 10 min"
    assert server.clock.offset == pytest.approx(4200)
    panel.clock_reset_button.click()
    assert panel.clock_label.text() == "Server clock: real time"


def test_tamper_button_acts_on_the_current_flow(qtbot: QtBot, panel: LabPanel,
                                                session: FlowSession) -> None:
    for key in TO_CALLBACK:
        wait(qtbot, session.run(key))
    button = panel.tamper_buttons["wrong-verifier"]
    with qtbot.waitSignal(panel.tamper_finished, timeout=TIMEOUT) as finished:
        button.click()
    assert finished.args[0].ok
    text = panel.tamper_text.toPlainText()
    assert "invalid_grant" in text and "RFC 7636 §4.6" in text and "as expected" in text
    assert button.isEnabled()
    rules = {panel.lint_list.topLevelItem(i).text(2)
             for i in range(panel.lint_list.topLevelItemCount())}
    assert "redirect-uri-http" in rules  # the seed's http://client.server.com redirect


def test_tamper_says_what_the_flow_needs_first(qtbot: QtBot, panel: LabPanel) -> None:
    panel.tamper_buttons["replay-code"].click()
    qtbot.waitUntil(lambda: "run " in panel.tamper_text.toPlainText(), timeout=TIMEOUT)
    assert panel.tamper_text.toPlainText() == "Replay a used code: run token first: this tamper " \
        "needs it"
    qtbot.waitUntil(panel.tamper_buttons["replay-code"].isEnabled, timeout=TIMEOUT)
