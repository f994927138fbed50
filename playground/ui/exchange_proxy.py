"""Filtering and sorting the inspector's exchange log in Python, over cached lists.

A `QSortFilterProxyModel` sorts by calling `lessThan` (or the source's `data()`) from C++ for
every comparison: with 100,000 exchanges that is ~3 million calls into Python and 4-8 s per
click on a header, and every later filter change re-sorts the same way. This proxy keeps the
visible rows as a plain list of source rows instead:

- the filter is a substring test against one precomputed lower-case haystack per row
  (`ExchangeTableModel.search_texts`), narrowed from the rows already shown while the user
  keeps typing;
- a sort is Python's `sorted` over one cached key per row and column
  (`ExchangeTableModel.sort_keys`), computed once per column and kept current on append;
- a change is one `layoutChanged`, with the selection's persistent indexes moved along.

`data()` maps one visible cell straight to the source's `cell()`, so the view only pays for
the rows it paints.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractProxyModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

Index = QModelIndex | QPersistentModelIndex
Role = Qt.ItemDataRole
RECORDING_ORDER = -1


class Searchable(Protocol):
    """What the proxy needs from its source (`inspector.ExchangeTableModel`)."""

    def search_texts(self) -> Sequence[str]: ...
    def sort_keys(self, column: int) -> Sequence[Any]: ...
    def cell(self, row: int, column: int, role: int) -> Any: ...


class ExchangeFilterProxy(QAbstractProxyModel):
    """Case-insensitive substring filter on step, method, URL, status and error; any column
    sorts ascending or descending; new rows are placed where the current order puts them."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._needle = ""
        self._column = RECORDING_ORDER
        self._order = Qt.SortOrder.AscendingOrder
        self._visible: list[int] = []  # source rows, ascending by the sort key
        self._source_model: Any = None

    # -- source ---------------------------------------------------------------------------
    def setSourceModel(self, model: QAbstractItemModel) -> None:
        old = self.sourceModel()
        if old is not None:
            old.rowsInserted.disconnect(self._source_rows_inserted)
            old.modelAboutToBeReset.disconnect(self.beginResetModel)
            old.modelReset.disconnect(self._source_reset)
        self.beginResetModel()
        super().setSourceModel(model)
        self._source_model = model
        model.rowsInserted.connect(self._source_rows_inserted)
        # The view must not read rows the source is dropping: reset as the source resets.
        model.modelAboutToBeReset.connect(self.beginResetModel)
        model.modelReset.connect(self._source_reset)
        self._visible = self._compute(self._all_rows())
        self.endResetModel()

    def _source(self) -> Searchable:
        return self._source_model  # type: ignore[no-any-return]

    def _all_rows(self) -> Sequence[int]:
        return range(len(self._source().search_texts())) if self._source_model else range(0)

    def _source_reset(self) -> None:
        self._visible = self._compute(self._all_rows())
        self.endResetModel()

    def _source_rows_inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        if parent.isValid():
            return
        texts = self._source().search_texts()
        for row in range(first, last + 1):
            if self._needle in texts[row]:
                self._insert(row)

    def _insert(self, source_row: int) -> None:
        if self._column == RECORDING_ORDER:
            at = len(self._visible)
        else:
            keys = self._source().sort_keys(self._column)
            at = bisect.bisect_right(self._visible, keys[source_row], key=keys.__getitem__)
        shown = self._shown_row(at) if at < len(self._visible) else self._append_row()
        self.beginInsertRows(QModelIndex(), shown, shown)
        self._visible.insert(at, source_row)
        self.endInsertRows()

    def _append_row(self) -> int:
        return 0 if self._descending() else len(self._visible)

    # -- filter and sort ------------------------------------------------------------------
    def filter_text(self) -> str:
        return self._needle

    def set_filter_text(self, text: str) -> None:
        needle = text.strip().lower()
        if needle == self._needle:
            return
        narrowing = bool(self._needle) and self._needle in needle

        def refiltered() -> list[int]:
            self._needle = needle
            return self._compute(self._visible if narrowing else None)

        self._relayout(refiltered)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        column = column if 0 <= column < self.columnCount() else RECORDING_ORDER
        if (column, order) == (self._column, self._order):
            return
        same_keys = column == self._column

        def resorted() -> list[int]:
            self._column, self._order = column, order
            # Only the direction changed: the same list is read the other way round.
            return self._visible if same_keys else self._compute(None)

        self._relayout(resorted)

    def sort_column(self) -> int:
        return self._column

    def _compute(self, candidates: Sequence[int] | None) -> list[int]:
        """The visible source rows in ascending key order: `candidates` (already in that order)
        or every row, filtered by the current needle."""
        texts, needle = self._source().search_texts(), self._needle
        if candidates is None:
            candidates = self._all_rows()
            if self._column != RECORDING_ORDER:
                keys = self._source().sort_keys(self._column)
                candidates = sorted(candidates, key=keys.__getitem__)
        if not needle:
            return list(candidates)
        return [row for row in candidates if needle in texts[row]]

    def _relayout(self, compute: Callable[[], list[int]]) -> None:
        """Replace the visible rows by what `compute` (which may change the order) returns, in
        one layout change; the selection follows its rows."""
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        sources = [self._source_row(index.row()) for index in old]
        self._visible = compute()
        self.changePersistentIndexList(old, [self._moved(index, row)
                                             for index, row in zip(old, sources, strict=True)])
        self.layoutChanged.emit()

    def _moved(self, index: QModelIndex, source_row: int | None) -> QModelIndex:
        shown = self._shown_of(source_row) if source_row is not None else None
        return QModelIndex() if shown is None else self.index(shown, index.column())

    # -- row arithmetic -------------------------------------------------------------------
    def _descending(self) -> bool:
        return self._column != RECORDING_ORDER and self._order == Qt.SortOrder.DescendingOrder

    def _shown_row(self, at: int) -> int:
        """The view's row of position `at` in the ascending list."""
        return len(self._visible) - 1 - at if self._descending() else at

    def _source_row(self, shown: int) -> int | None:
        if not 0 <= shown < len(self._visible):
            return None
        return self._visible[self._shown_row(shown)]

    def _shown_of(self, source_row: int) -> int | None:
        try:
            at = self._visible.index(source_row)
        except ValueError:
            return None
        return self._shown_row(at)

    # -- QAbstractProxyModel --------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._visible)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        source = self.sourceModel()
        return 0 if parent.isValid() or source is None else source.columnCount()

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if parent.isValid() or not (0 <= row < len(self._visible)
                                    and 0 <= column < self.columnCount()):
            return QModelIndex()
        return self.createIndex(row, column)

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        return QModelIndex()

    def mapToSource(self, proxy_index: Index) -> QModelIndex:
        row = self._source_row(proxy_index.row()) if proxy_index.isValid() else None
        source = self.sourceModel()
        if row is None or source is None:
            return QModelIndex()
        return source.index(row, proxy_index.column())

    def mapFromSource(self, source_index: Index) -> QModelIndex:
        shown = self._shown_of(source_index.row()) if source_index.isValid() else None
        return QModelIndex() if shown is None else self.index(shown, source_index.column())

    def data(self, index: Index, role: int = Role.DisplayRole) -> Any:
        row = self._source_row(index.row()) if index.isValid() else None
        return None if row is None else self._source().cell(row, index.column(), role)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flag = Qt.ItemFlag
        return flag.ItemIsEnabled | flag.ItemIsSelectable | flag.ItemNeverHasChildren

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Role.DisplayRole) -> Any:
        source = self.sourceModel()
        if orientation == Qt.Orientation.Vertical or source is None:
            return None
        return source.headerData(section, orientation, role)

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and bool(self._visible)
