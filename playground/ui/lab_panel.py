"""The lab panel: guided scenarios, server fault switches, clock control, tampers and lint.

Four self-contained areas over the lab (playground.lab), the tamper actions
(playground.core.flow.tamper), the server's fault switches and the RFC lint. The panel is given
callables for the running `EmbeddedServer` (None while stopped) and the window's current
`FlowSession`; it emits past-tense signals and never reaches into its siblings. Async work runs
in thin `@asyncSlot` handlers that disable the control, await, and re-enable it in `finally`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from playground.core.flow import tamper
from playground.core.flow.session import FlowSession
from playground.core.flowerrors import FlowError
from playground.core.trace import Finding
from playground.lab import SCENARIOS, SCENARIOS_BY_NAME, Verdict, run_scenario
from playground.lab import clock as lab_clock
from playground.server.faults import FAULTS
from playground.ui import theme
from playground.ui.tasks import TaskRunner, busy

if TYPE_CHECKING:
    from playground.server.runner import EmbeddedServer

ServerSource = Callable[[], "EmbeddedServer | None"]
SessionSource = Callable[[], FlowSession]
NAME_ROLE = Qt.ItemDataRole.UserRole


def _text_box(placeholder: str) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setReadOnly(True)
    box.setPlaceholderText(placeholder)
    return box


class LabPanel(QWidget):
    scenario_finished = Signal(object)  # Verdict
    scenarios_finished = Signal(list)  # list[Verdict]
    fault_toggled = Signal(str, bool)
    clock_moved = Signal(float)  # the new offset in seconds
    tamper_finished = Signal(object)  # TamperResult

    def __init__(self, server: ServerSource, session: SessionSource, tasks: TaskRunner,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._server = server
        self._session = session
        self.tasks = tasks
        self.verdicts: dict[str, Verdict] = {}
        breaking = QSplitter(Qt.Orientation.Horizontal)
        breaking.addWidget(self._tamper_box())
        breaking.addWidget(self._server_box())
        breaking.setSizes([700, 700])
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self._scenarios_box(), "Scenarios")
        self.tabs.addTab(breaking, "Tamper, faults, clock")
        self.tabs.addTab(self._lint_box(), "RFC lint")
        self.tabs.currentChanged.connect(self._tab_shown)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self.refresh()

    # -- construction -------------------------------------------------------------------------
    def _scenarios_box(self) -> QWidget:
        """The list at full height on the left, the selected scenario's verdict beside it."""
        self.scenario_list = QTreeWidget()
        self.scenario_list.setHeaderLabels(["Scenario", "Verdict"])
        self.scenario_list.setRootIsDecorated(False)
        self.scenario_list.setAlternatingRowColors(True)
        for scenario in SCENARIOS:
            item = QTreeWidgetItem([scenario.title, ""])
            item.setData(0, NAME_ROLE, scenario.name)
            item.setToolTip(0, f"{scenario.description}\nExpected: {scenario.expected} "
                               f"({scenario.rule})")
            self.scenario_list.addTopLevelItem(item)
        _stretch(self.scenario_list, 0)
        first = self.scenario_list.topLevelItem(0)
        if first is not None:
            self.scenario_list.setCurrentItem(first)
        self.scenario_list.currentItemChanged.connect(lambda *_: self._show_verdict())
        self.scenario_list.itemDoubleClicked.connect(lambda *_: self.run_selected())
        self.run_button = QPushButton("Run")
        self.run_button.setToolTip("Run the selected scenario on a clean server (double-click)")
        self.run_all_button = QPushButton("Run all")
        self.run_button.clicked.connect(self.run_selected)
        self.run_all_button.clicked.connect(self.run_all)
        self.summary = QLabel("")
        self.verdict_text = _text_box("Run a scenario to see its verdict and the rule behind it.")
        buttons = QHBoxLayout()
        for widget in (self.run_button, self.run_all_button):
            buttons.addWidget(widget)
        buttons.addWidget(self.summary, 1)
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.scenario_list, 1)
        column.addLayout(buttons)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.verdict_text)
        split.setSizes([560, 840])
        return split

    def _tamper_box(self) -> QWidget:
        box = QGroupBox("Tamper with the current flow (one click each; the server's answer below)")
        grid = QGridLayout()
        self.tamper_buttons: dict[str, QPushButton] = {}
        for i, action in enumerate(tamper.TAMPERS):
            button = QPushButton(action.title)
            button.setObjectName(f"tamper-{action.name}")
            button.setToolTip(f"Expected: {action.expected} ({action.rule})")
            button.clicked.connect(lambda _=False, name=action.name: self.run_tamper(name))
            grid.addWidget(button, i // 2, i % 2)
            self.tamper_buttons[action.name] = button
        self.tamper_text = _text_box("The server's answer and the rule appear here.")
        layout = QVBoxLayout(box)
        layout.addLayout(grid)
        layout.addWidget(self.tamper_text, 1)
        return box

    def _lint_box(self) -> QWidget:
        self.lint_list = QTreeWidget()
        self.lint_list.setHeaderLabels(["#", "Severity", "Rule", "Message", "RFC", "Fix"])
        self.lint_list.setRootIsDecorated(False)
        self.lint_list.setAlternatingRowColors(True)
        self.lint_list.setWordWrap(True)
        header = self.lint_list.header()
        header.setStretchLastSection(False)
        mode = QHeaderView.ResizeMode
        for column, how in enumerate((mode.ResizeToContents, mode.ResizeToContents,
                                      mode.ResizeToContents, mode.Stretch,
                                      mode.ResizeToContents, mode.Stretch)):
            header.setSectionResizeMode(column, how)
        self.lint_button = QPushButton("Lint the current flow")
        self.lint_button.clicked.connect(self.show_lint)
        self.lint_summary = QLabel("Every request the flow sent, checked against the RFCs: "
                                   "deviations with the rule, the section and the fix.")
        self.lint_summary.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.lint_summary, 1)
        row.addWidget(self.lint_button)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(self.lint_list, 1)
        return page

    def _server_box(self) -> QWidget:
        faults = QGroupBox("Server faults")
        self.fault_boxes: dict[str, QCheckBox] = {}
        grid = QGridLayout()
        half = (len(FAULTS) + 1) // 2
        for i, fault in enumerate(FAULTS):
            check = QCheckBox(fault.title)
            check.setToolTip(f"{fault.what}. The client must catch it: {fault.rule}")
            check.toggled.connect(lambda on, name=fault.name: self.set_fault(name, on))
            grid.addWidget(check, i % half, i // half)
            self.fault_boxes[fault.name] = check
        self.clear_faults_button = QPushButton("All faults off")
        self.clear_faults_button.clicked.connect(self.clear_faults)
        off_row = QHBoxLayout()
        off_row.addWidget(QLabel("Each fault alters what the embedded server sends; the client "
                                 "engine must catch it."), 1)
        off_row.addWidget(self.clear_faults_button)
        fault_layout = QVBoxLayout(faults)
        fault_layout.addLayout(grid)
        fault_layout.addLayout(off_row)
        fault_layout.addStretch(1)
        clock = QGroupBox("Server clock")
        clock_layout = QHBoxLayout(clock)
        self.clock_label = QLabel()
        self.clock_buttons: dict[str, QPushButton] = {}
        for label, seconds in lab_clock.STEPS:
            button = QPushButton(label)
            button.clicked.connect(lambda _=False, s=seconds: self.move_clock(s))
            clock_layout.addWidget(button)
            self.clock_buttons[label] = button
        self.clock_reset_button = QPushButton("Reset")
        self.clock_reset_button.clicked.connect(lambda: self.move_clock(None))
        clock_layout.addWidget(self.clock_reset_button)
        clock_layout.addWidget(self.clock_label, 1)
        column = QWidget()
        layout = QVBoxLayout(column)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(faults, 1)
        layout.addWidget(clock)
        return column

    def _tab_shown(self, index: int) -> None:
        if self.tabs.widget(index) is self.lint_list.parentWidget():
            self.show_lint()  # what the flow has sent since the last look

    # -- state shown ----------------------------------------------------------------------------
    def refresh(self) -> None:
        """Show the server's current fault switches and clock (e.g. after a restart)."""
        server = self._server()
        active = server.faults.active() if server is not None else frozenset()
        for name, check in self.fault_boxes.items():
            check.blockSignals(True)
            check.setChecked(name in active)
            check.setEnabled(server is not None)
            check.blockSignals(False)
        offset = server.clock.offset if server is not None else 0.0
        self.clock_label.setText(f"Server clock: {lab_clock.describe(offset)}")

    def selected_scenario(self) -> str:
        item = self.scenario_list.currentItem()
        return str(item.data(0, NAME_ROLE)) if item is not None else ""

    def _show_verdict(self) -> None:
        verdict = self.verdicts.get(self.selected_scenario())
        self.verdict_text.setPlainText(_verdict_text(verdict) if verdict else "")

    def _record(self, verdict: Verdict) -> None:
        self.verdicts[verdict.name] = verdict
        for i in range(self.scenario_list.topLevelItemCount()):
            item = self.scenario_list.topLevelItem(i)
            if item is not None and item.data(0, NAME_ROLE) == verdict.name:
                item.setText(1, "as expected" if verdict.passed else "NOT as expected")
                color = theme.colors().ok if verdict.passed else theme.colors().failed
                item.setForeground(1, color)
                item.setToolTip(1, verdict.explanation)
        self._show_verdict()

    # -- faults and clock -----------------------------------------------------------------------
    def set_fault(self, name: str, on: bool) -> None:
        server = self._server()
        if server is None:
            return
        server.faults.set(name, on)
        self.fault_toggled.emit(name, on)

    def clear_faults(self) -> None:
        server = self._server()
        if server is not None:
            server.faults.clear()
        self.refresh()

    def move_clock(self, seconds: float | None) -> None:
        """Move the server clock by `seconds`, or back to real time with None."""
        server = self._server()
        if server is None:
            return
        if seconds is None:
            lab_clock.reset(server.clock)
        else:
            lab_clock.advance(server.clock, seconds)
        self.refresh()
        self.clock_moved.emit(server.clock.offset)

    # -- async handlers -------------------------------------------------------------------------
    def run_selected(self) -> None:
        self.tasks.start(self._run([self.selected_scenario()]), "lab: run scenario")

    def run_all(self) -> None:
        self.tasks.start(self._run([s.name for s in SCENARIOS]), "lab: run all scenarios")

    async def run_scenarios(self, names: list[str] | None = None) -> list[Verdict]:
        """Run `names` (default: every scenario) as the Run all button does; their verdicts."""
        await self.tasks.start(self._run(names or [s.name for s in SCENARIOS]),
                               "lab: run scenarios")
        return [self.verdicts[n] for n in names or [s.name for s in SCENARIOS]
                if n in self.verdicts]

    async def _run(self, names: list[str]) -> None:
        server = self._server()
        if server is None:
            self.summary.setText("Start the embedded server first.")
            return
        verdicts: list[Verdict] = []
        with busy(self.run_button, self.run_all_button):
            for name in names:
                self.summary.setText(f"Running {name}…")
                verdict = await run_scenario(SCENARIOS_BY_NAME[name], server)
                verdicts.append(verdict)
                self._record(verdict)
                self.scenario_finished.emit(verdict)
        passed = sum(v.passed for v in verdicts)
        self.summary.setText(f"{passed}/{len(verdicts)} ended as expected")
        self.refresh()
        self.scenarios_finished.emit(verdicts)

    def run_tamper(self, name: str) -> None:
        self.tasks.start(self._tamper(name), f"lab: tamper {name}")

    async def _tamper(self, name: str) -> None:
        server = self._server()
        options = tamper.TamperOptions(
            advance_clock=server.clock.advance if server is not None else None,
            code_ttl=server.config.code_ttl if server is not None else 60.0)
        with busy(*self.tamper_buttons.values()):
            try:
                result = await tamper.run_tamper(name, self._session(), options)
            except FlowError as exc:
                self.tamper_text.setPlainText(f"{tamper.TAMPERS_BY_NAME[name].title}: {exc}")
                return
        self.tamper_text.setPlainText(_tamper_text(result))
        self.refresh()
        self.show_lint()
        self.tamper_finished.emit(result)

    def show_lint(self) -> None:
        self.lint_list.clear()
        log = list(self._session().log)
        for exchange in log:
            for found in exchange.findings:
                self.lint_list.addTopLevelItem(_lint_item(exchange.seq, exchange.step, found))
        count = self.lint_list.topLevelItemCount()
        findings = "1 finding" if count == 1 else f"{count} findings"
        requests = "1 request" if len(log) == 1 else f"{len(log)} requests"
        self.lint_summary.setText(f"{findings} in the {requests} this flow sent (each with the "
                                  "rule, the RFC section and the fix)." if log
                                  else "The flow has sent no request yet: run it, then lint.")


def _stretch(tree: QTreeWidget, column: int) -> None:
    """`column` takes the spare width; the others fit their contents."""
    header = tree.header()
    header.setStretchLastSection(False)
    for i in range(tree.columnCount()):
        mode = QHeaderView.ResizeMode.Stretch if i == column else \
            QHeaderView.ResizeMode.ResizeToContents
        header.setSectionResizeMode(i, mode)


def _verdict_text(verdict: Verdict) -> str:
    lines = [f"{verdict.title}: {'as expected' if verdict.passed else 'NOT as expected'}",
             f"Expected: {verdict.expected}", "", verdict.explanation, "", "Exchanges:"]
    lines += [f"  {e.seq}. {e.method} {e.url} → {e.status}  {e.decision}"
              + (f"  [lint: {', '.join(e.findings)}]" if e.findings else "")
              for e in verdict.exchanges]
    return "\n".join(lines)


def _tamper_text(result: tamper.TamperResult) -> str:
    lines = [f"{result.title}: {'as expected' if result.ok else 'NOT as expected'}", "",
             result.explanation]
    for exchange in result.exchanges:
        trace = exchange.trace
        failed = trace.failed_check if trace else None
        decided = f" — {failed.name}: {failed.detail} ({failed.rfc})" if failed else ""
        lines.append(f"  {exchange.method} {exchange.url.split('?')[0]} → {exchange.status}"
                     f"{decided}")
    return "\n".join(lines)


def _lint_item(seq: int, step: str, found: Finding) -> QTreeWidgetItem:
    item = QTreeWidgetItem([f"{seq} {step}", found.severity, found.rule, found.message,
                            found.rfc, found.fix])
    color = {"error": theme.colors().failed, "warning": theme.colors().warning}.get(
        found.severity, theme.colors().muted)
    item.setForeground(1, color)
    item.setToolTip(3, found.message)
    return item
