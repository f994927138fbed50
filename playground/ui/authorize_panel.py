"""The authorize URL step: an editable parameter table and the URL it builds, updated live.

Rows can be added, edited, disabled and removed, including extra parameters (nonce, prompt,
response_mode, audience …); the endpoint's own query is kept (RFC 6749 §3.1). Copy puts the URL
on the clipboard; Open hands it to the system browser and says plainly that this only starts a
launcher (the in-app flow does not need it).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QUrl,
    Signal,
)
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from playground.core.flowerrors import AuthorizeUrlError
from playground.core.protocol.authorize import Param, build_url
from playground.ui import theme
from playground.ui.models import RowsModel

Index = QModelIndex | QPersistentModelIndex
Role = Qt.ItemDataRole


class ParamsModel(RowsModel[Param]):
    """Rows of `Param` (name, value, enabled); column 0 is the checkbox that sends the row."""

    TITLES = ("Send", "Parameter", "Value")
    edited = Signal()

    def params(self) -> list[Param]:
        return self.rows()

    def set_params(self, params: Sequence[Param]) -> None:
        self.set_rows(params)

    def add(self, name: str = "", value: str = "") -> int:
        self.append_row(Param(name, value))
        self.edited.emit()
        return len(self._rows) - 1

    def remove(self, row: int) -> None:
        if 0 <= row < len(self._rows):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            self.endRemoveRows()
            self.edited.emit()

    def data(self, index: Index, role: int = Role.DisplayRole) -> Any:
        if not index.isValid():
            return None
        param, column = self._rows[index.row()], index.column()
        if column == 0:
            if role == Role.CheckStateRole:
                return Qt.CheckState.Checked if param.enabled else Qt.CheckState.Unchecked
            return None
        if role in (Role.DisplayRole, Role.EditRole, Role.ToolTipRole):
            return param.name if column == 1 else param.value
        if role == Role.FontRole and column == 2:
            return theme.monospace()
        return None

    def setData(self, index: Index, value: Any, role: int = Role.EditRole) -> bool:
        if not index.isValid():
            return False
        param, column = self._rows[index.row()], index.column()
        if column == 0 and role == Role.CheckStateRole:
            checked = Qt.CheckState(value) == Qt.CheckState.Checked
            self._rows[index.row()] = Param(param.name, param.value, checked)
        elif column in (1, 2) and role == Role.EditRole:
            text = str(value)
            self._rows[index.row()] = (
                Param(text.strip(), param.value, param.enabled) if column == 1
                else Param(param.name, text, param.enabled)
            )
        else:
            return False
        self.dataChanged.emit(index, index, [role])
        self.edited.emit()
        return True

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == 0:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        return base | Qt.ItemFlag.ItemIsEditable


class ParamsEditor(QWidget):
    """The editable name/value table with Add and Remove; `changed` carries every row."""

    changed = Signal(object)  # list[Param]

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ParamsModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.setColumnWidth(1, 170)
        theme.compact(self.table)
        self.add_button = QPushButton("Add parameter")
        self.remove_button = QPushButton("Remove")
        self.buttons = QHBoxLayout()
        self.buttons.addWidget(self.add_button)
        self.buttons.addWidget(self.remove_button)
        self.buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(self.buttons)
        self.model.edited.connect(lambda: self.changed.emit(self.model.params()))
        self.add_button.clicked.connect(self.add_parameter)
        self.remove_button.clicked.connect(self.remove_selected)

    def params(self) -> list[Param]:
        return self.model.params()

    def show_params(self, params: Sequence[Param]) -> None:
        """Show rows without emitting `changed`."""
        self.model.set_params(params)

    def add_parameter(self) -> None:
        row = self.model.add("", "")
        self.table.setCurrentIndex(self.model.index(row, 1))
        self.table.edit(self.model.index(row, 1))

    def remove_selected(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            self.model.remove(index.row())


class AuthorizePanel(QWidget):
    """Endpoint, parameter table, live URL, Copy and Open in browser."""

    changed = Signal(str, object)  # endpoint, list[Param]

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.endpoint = QLineEdit(placeholderText="authorization_endpoint (from discovery)")
        self.editor = ParamsEditor()
        self.model = self.editor.model
        self.copy_button = QPushButton("Copy URL")
        self.open_button = QPushButton("Open in browser")
        self.url = QPlainTextEdit(readOnly=True)
        self.url.setFont(theme.monospace())
        self.url.setMaximumHeight(64)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.editor.buttons.addWidget(self.copy_button)
        self.editor.buttons.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.endpoint)
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.url)
        layout.addWidget(self.message)
        self.endpoint.textEdited.connect(lambda _t: self._edited())
        self.editor.changed.connect(lambda _params: self._edited())
        self.copy_button.clicked.connect(self.copy_url)
        self.open_button.clicked.connect(self.open_in_browser)

    def show_params(self, endpoint: str, params: Sequence[Param]) -> None:
        """Show what the session holds (no `changed` signal)."""
        self.endpoint.setText(endpoint)
        self.editor.show_params(params)
        self.refresh_url()

    def url_text(self) -> str:
        return self.url.toPlainText()

    def refresh_url(self) -> bool:
        if not self.endpoint.text().strip():
            self.url.clear()
            self.message.setText("The authorization endpoint comes from discovery: run it first.")
            return False
        try:
            url = build_url(self.endpoint.text(), self.model.params())
        except AuthorizeUrlError as exc:
            self.url.clear()
            self.message.setText(f"<span style='color:{theme.colors().failed.name()}'>"
                                 f"\u2718 {html.escape(str(exc))}</span>")
            return False
        self.url.setPlainText(url)
        self.message.clear()
        return True

    def _edited(self) -> None:
        if self.refresh_url():
            self.changed.emit(self.endpoint.text().strip(), self.model.params())

    def copy_url(self) -> None:
        if self.url_text():
            QGuiApplication.clipboard().setText(self.url_text())
            self.message.setText("URL copied to the clipboard.")

    def open_in_browser(self) -> None:
        url = self.url_text()
        if not url:
            return
        if QDesktopServices.openUrl(QUrl(url)):
            self.message.setText("Asked the system to open a browser. If none appeared, copy the "
                                 "URL above. (The in-app user agent below does not need it.)")
        else:
            self.message.setText("No browser could be started here: copy the URL above and paste "
                                 "it into one.")
