"""The current step: title, state, what it does and why, its inputs and outcome, its error.

Run / Next / Run all / Reset are the main window's actions (with their shortcuts) shown here as
buttons. A failed step shows the engine's one-line message and the rule it enforces, in the
step itself; the app keeps running.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from playground.core.flow.flowspec import FlowSpec, StepSpec
from playground.core.flow.session import FlowSession, StepState
from playground.ui import theme
from playground.ui.device_views import DEVICE_VIEWS
from playground.ui.generic_view import GenericStepView
from playground.ui.step_views import VIEWS, StepView, TokenView


def view_for(spec: StepSpec[Any]) -> StepView:
    """The dedicated view of the step's outcome type when it is this step's, else the form."""
    view_type = VIEWS.get(spec.key.outcome_type) or DEVICE_VIEWS.get(spec.key.outcome_type)
    if view_type is not None and view_type.key == spec.key:
        return view_type()
    return GenericStepView(spec)


class StepPanel(QWidget):
    input_edited = Signal(str, str, object)
    work_requested = Signal(object, str)  # a view's work on the session, its name
    key_requested = Signal()  # a token step asks for a new client key pair

    def __init__(self, actions: list[QAction], flow: FlowSpec,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = ""
        self.title = QLabel()
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.title.setFont(font)
        self.state = QLabel()
        self.rfc = QLabel()
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.setFrameShape(QFrame.Shape.StyledPanel)
        self.buttons: dict[str, QToolButton] = {}
        self.views: dict[str, StepView] = {}
        self._flows: dict[str, dict[str, StepView]] = {}
        self._by_spec: dict[int, tuple[StepSpec[Any], StepView]] = {}
        self.stack = CurrentPageStack()
        self.set_flow(flow)
        self._layout(actions)

    def set_flow(self, flow: FlowSpec) -> None:
        """Show `flow`'s steps: one view per step, made the first time the flow is chosen and
        kept (with what was typed in them) when another flow is. A step that is the very same
        `StepSpec` in two flows (the sign-out flow signs in with the code flow's steps) has one
        view, so the consent prompt and the client picker are the ones the window wires."""
        if flow.name not in self._flows:
            self._flows[flow.name] = {spec.key: self._view(spec) for spec in flow.steps}
        self.views = self._flows[flow.name]

    def _view(self, spec: StepSpec[Any]) -> StepView:
        known = self._by_spec.get(id(spec))
        if known is None or known[0] is not spec:
            known = self._by_spec[id(spec)] = (spec, self._add(view_for(spec)))
        return known[1]

    def _add(self, view: StepView) -> StepView:
        view.input_edited.connect(self.input_edited)
        view.work_requested.connect(self.work_requested)
        if isinstance(view, TokenView):
            view.options.key_requested.connect(self.key_requested)
        self.stack.addWidget(view)
        return view

    def _layout(self, actions: list[QAction]) -> None:
        head = QHBoxLayout()
        head.addWidget(self.title)
        head.addWidget(self.state)
        head.addStretch(1)
        for action in actions:
            button = QToolButton()
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            self.buttons[action.objectName()] = button
            head.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addLayout(head)
        layout.addWidget(self.explanation)
        layout.addWidget(self.rfc)
        layout.addWidget(self.error)
        layout.addWidget(self.stack, 1)

    def view(self, key: str, flow: str | None = None) -> StepView:
        """The view of step `key` of the current flow (or of the flow named `flow`)."""
        return self._flows[flow][key] if flow else self.views[key]

    def show_step(self, session: FlowSession, key: str) -> None:
        self.key = key
        step = session.step(key)
        number = list(session.steps).index(key) + 1
        self.title.setText(f"{number}. {step.title}")
        self.explanation.setText(step.explanation)
        self.rfc.setText(f"<i>{html.escape(step.rfc)}</i>")
        self._show_state(step.state)
        self._show_error(step.error, step.state)
        self.stack.setCurrentWidget(self.views[key])
        self.views[key].show_session(session)

    def _show_state(self, state: StepState) -> None:
        colors = theme.colors()
        color = {StepState.DONE: colors.ok, StepState.FAILED: colors.failed,
                 StepState.STALE: colors.warning, StepState.RUNNING: colors.running}.get(
                     state, colors.muted)
        self.state.setText(f"<span style='color:{color.name()}'>\u25cf {state.value}</span>")

    def _show_error(self, error: Exception | None, state: StepState) -> None:
        if error is None or state is not StepState.FAILED:
            self.error.hide()
            self.error.clear()
            return
        rule = getattr(error, "rfc", "")
        code = getattr(error, "error_code", None)
        text = html.escape(str(error))
        extra = " \u00b7 ".join(x for x in (f"error={code}" if code else "", rule) if x)
        self.error.setText(
            f"<span style='color:{theme.colors().failed.name()}'><b>\u2718 Failed:</b> {text}"
            + (f"<br><i>{html.escape(extra)}</i>" if extra else "") + "</span>"
        )
        self.error.show()

    def error_text(self) -> str:
        return self.error.text() if self.error.isVisible() or self.error.text() else ""


class CurrentPageStack(QStackedWidget):
    """A stack as tall as its current page needs, not as its tallest page needs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.currentChanged.connect(lambda _index: self.updateGeometry())

    def sizeHint(self) -> QSize:
        page = self.currentWidget()
        return page.sizeHint() if page is not None else super().sizeHint()

    def minimumSizeHint(self) -> QSize:
        page = self.currentWidget()
        return page.minimumSizeHint() if page is not None else super().minimumSizeHint()

