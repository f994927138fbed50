"""The inspector's filter and sort with 100,000 exchanges; prints one JSON line. Offscreen.

    python benchmarks/inspector_sort.py

Each figure is the wall-clock time of one user action on the real `Inspector` widget (shown,
1400x800), including Qt processing the resulting layout change: typing a filter, clicking a
column header (first click sorts ascending, second reverses), filtering while sorted.
Target (issue 6): every filter <= 100 ms; the table stays interactive.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ui_probe import _exchange

ROWS = 100_000


def main() -> int:
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtWidgets import QApplication

    from playground.ui.inspector import Inspector

    app = QApplication(sys.argv[:1])
    widget = Inspector()
    widget.resize(1400, 800)
    widget.show()
    for seq in range(ROWS):
        widget.add_exchange(_exchange(seq))  # type: ignore[arg-type]
    QCoreApplication.processEvents()

    def timed(action: Callable[[], object]) -> float:
        started = time.perf_counter()
        action()
        QCoreApplication.processEvents()
        return round((time.perf_counter() - started) * 1000, 1)

    filters = {n or "(cleared)": timed(lambda n=n: widget.filter_edit.setText(n))
               for n in ("t", "to", "token", "400", "oauth2/userinfo?n=9999", "")}
    sorts = {}
    for column, title in enumerate(widget.model.TITLES):
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            name = f"{title} {'asc' if order == Qt.SortOrder.AscendingOrder else 'desc'}"
            sorts[name] = timed(lambda c=column, o=order: widget.table.sortByColumn(c, o))
    sorted_filters = {n or "(cleared)": timed(lambda n=n: widget.filter_edit.setText(n))
                      for n in ("token", "400", "")}
    print(json.dumps({"rows": widget.model.rowCount(), "filter_ms": filters, "sort_ms": sorts,
                      "filter_while_sorted_ms": sorted_filters,
                      "max_ms": max([*filters.values(), *sorts.values(),
                                     *sorted_filters.values()])}))
    app.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
