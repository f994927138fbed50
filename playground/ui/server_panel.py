"""The server panel: issuer, port, running state, start/stop, clients, compat switch, decisions.

The clients table shows the registry in the seed's shape (its field names verbatim); a client is
added or edited as the seed's JSON object and validated by the server's own loader, so what the
dialog accepts is exactly what a clients file accepts. The decision log lists every request the
embedded server decided, live; selecting one shows its checks in order.
"""

from __future__ import annotations

import html
import json
import time
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from playground.core.trace import DecisionTrace
from playground.server.clients import Client, ClientsFileError, client_from_dict
from playground.ui import theme
from playground.ui.exchange_view import TraceView
from playground.ui.models import RowsModel
from playground.ui.server_control import ServerController
from playground.ui.tasks import TaskRunner, busy

Index = QModelIndex | QPersistentModelIndex
Role = Qt.ItemDataRole
SELECT_A_DECISION = ("Select a decision above to see each check the server made, in order, with "
                     "the RFC section behind it.")
CLIENT_FIELDS = ("id", "firstParty", "redirect", "grantTypes", "responseTypes", "responseModes",
                 "authMethods", "scopes")


class ClientsModel(RowsModel[Client]):
    TITLES = CLIENT_FIELDS

    def set_clients(self, clients: list[Client]) -> None:
        self.set_rows(clients)

    def client(self, row: int) -> Client:
        return self._rows[row]

    def data(self, index: Index, role: int = Role.DisplayRole) -> Any:
        if not index.isValid() or role not in (Role.DisplayRole, Role.ToolTipRole):
            return None
        client = self._rows[index.row()]
        value = getattr(client, CLIENT_FIELDS[index.column()])
        if index.column() == 0 and role == Role.ToolTipRole:
            return client.display_name
        if isinstance(value, bool):
            return "true" if value else "false"
        return ", ".join(value) if isinstance(value, tuple) else str(value)


class DecisionLogModel(RowsModel[DecisionTrace]):
    """The live decision log: the newest `LIMIT` decisions (the oldest `DROP` go at once when
    it is full, so a window left open for days keeps flat memory and cheap appends)."""

    TITLES = ("Time", "Request", "Status", "Outcome", "Client")
    LIMIT, DROP = 10_000, 1_000

    def append(self, trace: DecisionTrace) -> None:
        if len(self._rows) >= self.LIMIT:
            self.beginRemoveRows(QModelIndex(), 0, self.DROP - 1)
            del self._rows[:self.DROP]
            self.endRemoveRows()
        self.append_row(trace)

    def trace(self, row: int) -> DecisionTrace:
        return self._rows[row]

    def data(self, index: Index, role: int = Role.DisplayRole) -> Any:
        if not index.isValid():
            return None
        trace = self._rows[index.row()]
        if role in (Role.DisplayRole, Role.ToolTipRole):  # the tooltip: the text a column elides
            return (
                time.strftime("%H:%M:%S", time.localtime(trace.at)),
                f"{trace.method} {trace.path}",
                str(trace.status),
                trace.error or trace.outcome,
                trace.client_id or "",
            )[index.column()]
        if role == Role.ForegroundRole and index.column() in (2, 3):
            colors = theme.colors()
            return colors.failed if trace.status >= 400 or trace.error else colors.ok
        return None


class ClientDialog(QDialog):
    """Add or edit one client as the seed's JSON object; validated like a clients file."""

    accepted_client = Signal(object, bool)  # Client, replace

    def __init__(self, client: Client | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.replace = client is not None
        self.setWindowTitle("Edit client" if client else "Add client")
        template = client.to_dict() if client else _template()
        self.editor = QPlainTextEdit(json.dumps(template, indent=2))
        self.editor.setFont(theme.monospace())
        self.error = QLabel()
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.try_accept)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("The client in the seed's shape (field names verbatim):"))
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(560, 480)

    def try_accept(self) -> None:
        try:
            data = json.loads(self.editor.toPlainText())
            client = client_from_dict(data, "client")
        except json.JSONDecodeError as exc:
            self._fail(f"Not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}")
            return
        except ClientsFileError as exc:
            self._fail(str(exc))
            return
        self.accepted_client.emit(client, self.replace)

    def _fail(self, text: str) -> None:
        self.error.setText(f"<span style='color:{theme.colors().failed.name()}'>"
                           f"\u2718 {html.escape(text)}</span>")


def _template() -> dict[str, Any]:
    return {"id": "my-client", "secret": "", "redirect": ["http://127.0.0.1/callback"],
            "firstParty": False, "grantTypes": ["authorization_code"], "responseTypes": ["code"],
            "responseModes": ["query"], "authMethods": ["none"],
            "scopes": ["openid", "email", "profile", "offline_access"]}


def _table(model: QAbstractTableModel) -> QTableView:
    table = QTableView()
    table.setModel(model)
    table.verticalHeader().hide()
    table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
    table.setWordWrap(False)
    table.horizontalHeader().setStretchLastSection(True)
    table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
    theme.compact(table)
    return table


class ServerPanel(QWidget):
    def __init__(self, controller: ServerController, tasks: TaskRunner,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller, self.tasks = controller, tasks
        self.dialog: ClientDialog | None = None
        self.issuer = QLabel()
        self.issuer.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.port = QSpinBox(minimum=0, maximum=65535, value=controller.port)
        self.port.setSpecialValueText("any free port")
        self.start_stop = QPushButton()
        self.start_stop.clicked.connect(self.toggle)
        self.compat = QCheckBox("Seed compatibility (--compat seed)")
        self.compat.setToolTip("Accept the seed's code_challenge_method=SHA-256 and padded base64 "
                               "challenge, recording a lint warning; strict RFC 7636 when off")
        self.compat.setChecked(controller.compat_seed)
        self.compat.toggled.connect(controller.set_compat_seed)
        self.clients = ClientsModel(self)
        self.clients_view = _table(self.clients)
        self.clients_view.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.add_client = QPushButton("Add client\u2026")
        self.edit_client = QPushButton("Edit client\u2026")
        self.add_client.clicked.connect(lambda: self.open_client_dialog(None))
        self.edit_client.clicked.connect(self._edit_selected)
        self.log = DecisionLogModel(self)
        self.log_view = _table(self.log)
        log_header = self.log_view.horizontalHeader()
        for column in (0, 2, 4):
            log_header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        log_header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.log_view.setColumnWidth(1, 230)
        self.decision = TraceView(self)
        self.decision.summary.setText(SELECT_A_DECISION)
        self._layout()
        self.log_view.selectionModel().currentRowChanged.connect(self._trace_selected)
        controller.state_changed.connect(self.refresh)
        controller.clients_changed.connect(self.refresh_clients)
        controller.bridge.trace_recorded.connect(self.add_trace)
        self.refresh()
        self.refresh_clients()

    def _layout(self) -> None:
        form = QFormLayout()
        form.addRow("Issuer:", self.issuer)
        port_row = QHBoxLayout()
        port_row.addWidget(self.port)
        port_row.addWidget(self.start_stop)
        port_row.addStretch(1)
        form.addRow("Port:", port_row)
        form.addRow("State:", self.state)
        form.addRow("", self.compat)
        clients_box = QGroupBox("Registered clients")
        clients_layout = QVBoxLayout(clients_box)
        clients_layout.addWidget(self.clients_view)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_client)
        buttons.addWidget(self.edit_client)
        buttons.addStretch(1)
        clients_layout.addLayout(buttons)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(form)
        left_layout.addWidget(clients_box, 1)
        log_box = QGroupBox("Server decisions (live)")
        log_split = QSplitter(Qt.Orientation.Vertical)
        log_split.addWidget(self.log_view)
        log_split.addWidget(self.decision)
        QVBoxLayout(log_box).addWidget(log_split)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(log_box)
        split.setSizes([620, 780])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(split)

    def refresh(self) -> None:
        c, colors = self.controller, theme.colors()
        self.issuer.setText(c.issuer or "\u2014")
        if c.running:
            self.state.setText(f"<span style='color:{colors.ok.name()}'>\u25cf running</span>")
            self.port.setValue(c.server.port if c.server else c.port)
        elif c.starting:
            self.state.setText(f"<span style='color:{colors.running.name()}'>\u25cc starting"
                               "\u2026</span>")
        elif c.last_error:
            self.state.setText(f"<span style='color:{colors.failed.name()}'>\u25cb stopped: "
                               f"{html.escape(c.last_error)}</span>")
        else:
            self.state.setText("\u25cb stopped")
        self.start_stop.setText("Stop server" if c.running else "Start server")
        self.start_stop.setEnabled(not c.starting)
        self.port.setEnabled(not c.running and not c.starting)

    def refresh_clients(self) -> None:
        self.clients.set_clients(self.controller.clients())

    def toggle(self) -> None:
        self.tasks.start(self._toggle(), "start/stop server")

    async def _toggle(self) -> None:
        with busy(self.start_stop):
            if self.controller.running:
                await self.controller.stop()
            else:
                self.controller.start(self.port.value())

    def add_trace(self, trace: DecisionTrace) -> None:
        """Append a decision; the view follows the newest unless scrolled up to read."""
        bar = self.log_view.verticalScrollBar()
        following = bar.value() >= bar.maximum()
        self.log.append(trace)
        if following:
            self.log_view.scrollToBottom()

    def _trace_selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self.decision.show_trace(None, None)
            self.decision.summary.setText(SELECT_A_DECISION)
            return
        self.decision.show_trace(self.log.trace(current.row()), None)

    def _edit_selected(self) -> None:
        index = self.clients_view.currentIndex()
        if index.isValid():
            self.open_client_dialog(self.clients.client(index.row()))

    def open_client_dialog(self, client: Client | None) -> ClientDialog:
        self.dialog = ClientDialog(client, self)
        self.dialog.accepted_client.connect(self._client_accepted)
        self.dialog.open()
        return self.dialog

    def _client_accepted(self, client: Client, replace: bool) -> None:
        try:
            self.controller.put_client(client, replace=replace)
        except ValueError as exc:
            if self.dialog is not None:
                self.dialog._fail(str(exc))
            return
        if self.dialog is not None:
            self.dialog.accept()
            self.dialog = None
