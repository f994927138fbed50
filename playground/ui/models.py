"""Small table models shared by the panels: name/value pairs and pass/fail check lists.

`RowsModel` is the base of every flat table in the window: one row per item of a list, one
column per title; a subclass says only how an item is shown (`data`).

`PairsModel` shows ordered pairs (HTTP headers with duplicates kept, form fields, parameters).
`ChecksModel` shows a list of checks in order: the server's decision trace (`trace.Check`, a
bool `passed`) and the client's token verification (`jwt.TokenCheck`, pass/fail/skip) alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from playground.ui import theme

Index = QModelIndex | QPersistentModelIndex
Role = Qt.ItemDataRole
T = TypeVar("T")


class RowsModel(QAbstractTableModel, Generic[T]):
    """A flat table over a list: one row per item, one column per title."""

    TITLES: tuple[str, ...] = ()

    def __init__(self, parent: Any = None, titles: tuple[str, ...] | None = None) -> None:
        super().__init__(parent)
        self.titles = titles or self.TITLES
        self._rows: list[T] = []

    def set_rows(self, rows: Iterable[T]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[T]:
        return list(self._rows)

    def append_row(self, item: T) -> None:
        row = len(self._rows)
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.append(item)
        self.endInsertRows()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.titles)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Role.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Role.DisplayRole:
            return self.titles[section]
        return None


class PairsModel(RowsModel[tuple[str, str]]):
    def __init__(self, headers: tuple[str, str] = ("Name", "Value"), parent: Any = None) -> None:
        super().__init__(parent, headers)

    def set_pairs(self, pairs: Sequence[tuple[str, str]]) -> None:
        self.set_rows((str(k), str(v)) for k, v in pairs)

    def pairs(self) -> list[tuple[str, str]]:
        return self.rows()

    def data(self, index: Index, role: int = Role.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role in (Role.DisplayRole, Role.ToolTipRole, Role.EditRole):
            return self._rows[index.row()][index.column()]
        return None


@dataclass(frozen=True, slots=True)
class CheckRow:
    status: str  # "pass" | "fail" | "skip"
    name: str
    detail: str
    rfc: str


SYMBOLS = {
    "pass": "\u2714 pass", "fail": "\u2718 FAIL", "skip": "\u2013 skip", "warn": "\u26a0 warn",
}


def check_rows(checks: Sequence[Any]) -> list[CheckRow]:
    """Rows from trace `Check`s (bool `passed`, `detail`) or `TokenCheck`s (`status`, `reason`)."""
    rows = []
    for check in checks:
        status = getattr(check, "status", None) or ("pass" if check.passed else "fail")
        detail = str(getattr(check, "detail", None) or getattr(check, "reason", ""))
        rows.append(CheckRow(status, check.name, detail, getattr(check, "rfc", "")))
    return rows


class ChecksModel(RowsModel[CheckRow]):
    TITLES = ("Result", "Check", "Detail", "Rule")

    def data(self, index: Index, role: int = Role.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Role.DisplayRole:
            return (SYMBOLS.get(row.status, row.status), row.name, row.detail, row.rfc)[column]
        if role == Role.ToolTipRole:
            return row.detail or None
        if role == Role.ForegroundRole and column == 0:
            palette = theme.colors()
            return {"pass": palette.ok, "fail": palette.failed, "warn": palette.warning}.get(
                row.status, palette.muted
            )
        return None
