"""Which flow the window steps through: one entry per `FlowSpec` the engine knows."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from playground.core.flow.flowspec import FlowSpec
from playground.core.flows import FLOWS


class FlowPicker(QWidget):
    flow_chosen = Signal(object)  # the FlowSpec picked by the user

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox()
        for spec in FLOWS.values():
            self.combo.addItem(spec.title, spec.name)
            self.combo.setItemData(self.combo.count() - 1, f"{spec.title} ({spec.rfc})",
                                   Qt.ItemDataRole.ToolTipRole)
        self.combo.activated.connect(lambda i: self.flow_chosen.emit(FLOWS[self.combo.itemData(i)]))
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Flow:"))
        row.addWidget(self.combo, 1)

    def show_flow(self, spec: FlowSpec) -> None:
        self.combo.setCurrentIndex(self.combo.findData(spec.name))
