"""The flow's steps as a list model: number, title and state (pending, running, done, failed,
stale), coloured by state, with the step's explanation as the tooltip."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from playground.core.flow.session import FlowSession, StepState
from playground.ui import theme

Index = QModelIndex | QPersistentModelIndex
Role = Qt.ItemDataRole
KeyRole = Role.UserRole + 1
StateRole = Role.UserRole + 2

MARKS = {
    StepState.PENDING: "\u25cb",
    StepState.RUNNING: "\u25d4",
    StepState.DONE: "\u2714",
    StepState.FAILED: "\u2718",
    StepState.STALE: "\u21bb",
}


class StepListModel(QAbstractListModel):
    def __init__(self, session: FlowSession, parent: Any = None) -> None:
        super().__init__(parent)
        self._session = session
        self._keys = list(session.steps)

    def set_session(self, session: FlowSession) -> None:
        self.beginResetModel()
        self._session = session
        self._keys = list(session.steps)
        self.endResetModel()

    def key(self, row: int) -> str:
        return self._keys[row]

    def row_of(self, key: str) -> int:
        return self._keys.index(key)

    def refresh(self, key: str | None = None) -> None:
        """The step `key` (or every step) changed state."""
        first = 0 if key is None else self.row_of(key)
        last = len(self._keys) - 1 if key is None else first
        if self._keys:
            self.dataChanged.emit(self.index(first), self.index(last))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._keys)

    def data(self, index: Index, role: int = Role.DisplayRole) -> Any:
        if not index.isValid():
            return None
        step = self._session.steps[self._keys[index.row()]]
        if role == Role.DisplayRole:
            number = index.row() + 1
            return f"{MARKS[step.state]}  {number}. {step.title}   \u00b7 {step.state.value}"
        if role == Role.ToolTipRole:
            return f"{step.explanation}\n({step.rfc})"
        if role == Role.ForegroundRole:
            return _state_color(step.state)
        if role == KeyRole:
            return step.key
        if role == StateRole:
            return step.state.value
        return None


def _state_color(state: StepState) -> Any:
    colors = theme.colors()
    return {
        StepState.DONE: colors.ok,
        StepState.FAILED: colors.failed,
        StepState.STALE: colors.warning,
        StepState.RUNNING: colors.running,
    }.get(state)
