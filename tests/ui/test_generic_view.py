"""A step with no view of its own gets a form of its inputs and its outcome as text."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import QCheckBox, QLineEdit
from pytestqt.qtbot import QtBot

from playground.core.flow.flowspec import FlowSpec, StepKey, StepSpec
from playground.core.flow.session import FlowSession
from playground.core.flow.stepinfo import ClientConfig
from playground.core.flows import AUTH_CODE_PKCE
from playground.ui.generic_view import GenericStepView
from playground.ui.step_panel import StepPanel, view_for
from playground.ui.step_views import DiscoveryView


@dataclass(frozen=True)
class Echo:
    text: str


ECHO = StepKey("echo", Echo)


async def run_echo(ctx: Any) -> Echo:
    inputs = ctx.inputs("echo")
    return Echo(f"{inputs['word']} x{inputs['times']}" + (" loud" if inputs["loud"] else ""))


SPEC = FlowSpec("echo", "Echo", "RFC 0", (
    StepSpec(ECHO, "Echo", "Says the word back.", "RFC 0 §1", run_echo,
             lambda _config: {"word": "hello", "times": 2, "loud": False, "hidden": [1]},
             lambda outcome: [f"  said: {outcome.text}"]),
))


def test_views_are_chosen_by_outcome_type_for_their_own_step(qtbot: QtBot) -> None:
    dedicated, generic = view_for(AUTH_CODE_PKCE.step("discovery")), view_for(SPEC.step("echo"))
    qtbot.addWidget(dedicated)
    qtbot.addWidget(generic)
    assert isinstance(dedicated, DiscoveryView) and isinstance(generic, GenericStepView)


def test_the_form_edits_inputs_and_shows_the_outcome(qtbot: QtBot,
                                                      loop: asyncio.AbstractEventLoop) -> None:
    session = FlowSession(ClientConfig(issuer="http://127.0.0.1:9"), spec=SPEC)
    panel = StepPanel([], SPEC)
    qtbot.addWidget(panel)
    edits: list[tuple[str, str, object]] = []
    panel.input_edited.connect(lambda key, name, value: edits.append((key, name, value)))
    panel.show_step(session, "echo")
    view = panel.view("echo")
    assert isinstance(view, GenericStepView)
    assert set(view.fields) == {"word", "times", "loud"}  # a list is not a form field
    times, loud = view.fields["times"], view.fields["loud"]
    assert isinstance(times, QLineEdit) and isinstance(loud, QCheckBox)
    assert times.text() == "2"

    times.setText("three")
    times.editingFinished.emit()
    assert edits == [] and "must be a int" in times.toolTip()
    times.setText("3")
    times.editingFinished.emit()
    loud.setChecked(True)
    assert edits == [("echo", "times", 3), ("echo", "loud", True)]

    for _key, name, value in edits:
        session.set_input("echo", name, value)
    task = asyncio.ensure_future(session.run("echo"))
    qtbot.waitUntil(task.done, timeout=5000)
    panel.show_step(session, "echo")
    assert view.outcome.toPlainText() == "said: hello x3 loud"
    assert panel.title.text() == "1. Echo"
