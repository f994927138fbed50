"""The view of a step that has no view of its own: its inputs as a form, its outcome as text.

A new flow's steps work in the window before anyone draws them a dedicated view: each input
whose value is text, a number, a flag or unset gets a field, edits go up as `input_edited` like
every view's, and the outcome reads as the spec renders it for the `flow` command.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QFormLayout, QLineEdit, QPlainTextEdit, QWidget

from playground.core.flow.flowspec import StepSpec
from playground.core.flow.session import FlowSession
from playground.core.record.render import outcome_text
from playground.ui.step_views import StepView, outcome_of

EDITABLE = (str, int, float, bool, type(None))


class GenericStepView(StepView):
    def __init__(self, spec: StepSpec[Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = spec.key
        self.spec = spec
        self.form = QFormLayout()
        self.fields: dict[str, QLineEdit | QCheckBox] = {}
        self.outcome = QPlainTextEdit()
        self.outcome.setReadOnly(True)
        self.outcome.setPlaceholderText("Run the step to see what it produced.")
        self.layout_.addLayout(self.form)
        self.layout_.addWidget(self.outcome, 1)

    def show_session(self, session: FlowSession) -> None:
        for name, value in session.inputs(self.key).items():
            if isinstance(value, EDITABLE):
                self._field(name, value).blockSignals(True)
                self._set(self.fields[name], value)
                self.fields[name].blockSignals(False)
        lines = outcome_text(self.spec, outcome_of(session, self.key))
        self.outcome.setPlainText("\n".join(line.removeprefix("  ") for line in lines))

    def _field(self, name: str, value: Any) -> QLineEdit | QCheckBox:
        if name not in self.fields:
            field: QLineEdit | QCheckBox
            if isinstance(value, bool):
                field = QCheckBox()
                field.toggled.connect(lambda on: self.edit(name, on))
            else:
                field = QLineEdit()
                field.setPlaceholderText("(derived when empty)" if value is None else "")
                kind = type(value)
                field.editingFinished.connect(lambda: self._edited(name, kind, field))
            self.fields[name] = field
            self.form.addRow(f"{name}:", field)
        return self.fields[name]

    @staticmethod
    def _set(field: QLineEdit | QCheckBox, value: Any) -> None:
        if isinstance(field, QCheckBox):
            field.setChecked(bool(value))
        else:
            field.setText("" if value is None else str(value))

    def _edited(self, name: str, kind: type, field: QLineEdit | QCheckBox) -> None:
        assert isinstance(field, QLineEdit)
        text = field.text().strip()
        try:
            value = None if not text else kind(text) if kind in (int, float) else text
        except ValueError:
            field.setStyleSheet("QLineEdit { color: palette(link-visited); }")
            field.setToolTip(f"{name} must be a {kind.__name__}, e.g. 60")
            return
        field.setStyleSheet("")
        field.setToolTip("")
        self.edit(name, value)
