"""What a user does in the window, as small helpers the UI tests share."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from playground.core.flow.session import StepState
from playground.ui.main_window import MainWindow
from playground.ui.steps_model import StateRole

TIMEOUT = 10_000


def step_states(win: MainWindow) -> dict[str, str]:
    model = win.steps_model
    return {model.key(r): model.index(r).data(StateRole) for r in range(model.rowCount())}


def click(win: MainWindow, button: str) -> None:
    win.step_panel.buttons[button].click()


def wait_for_prompt(qtbot: QtBot, win: MainWindow, label: str) -> None:
    consent = win.user_agent_view.consent
    qtbot.waitUntil(lambda: consent.allow_button.isEnabled()
                    and consent.allow_button.text() == label, timeout=TIMEOUT)


def wait_idle(qtbot: QtBot, win: MainWindow) -> None:
    qtbot.waitUntil(lambda: win.flow_task is not None and win.flow_task.done(), timeout=TIMEOUT)


def sign_in_and_allow(qtbot: QtBot, win: MainWindow) -> None:
    consent = win.user_agent_view.consent
    wait_for_prompt(qtbot, win, "Sign in")
    consent.allow_button.click()
    wait_for_prompt(qtbot, win, "Allow")
    consent.allow_button.click()


def run_whole_flow(qtbot: QtBot, win: MainWindow) -> None:
    """Run all, sign in as the first demo user, allow every scope, wait for the end."""
    click(win, "run_all")
    sign_in_and_allow(qtbot, win)
    wait_idle(qtbot, win)
    assert set(step_states(win).values()) == {StepState.DONE.value}, step_states(win)


def select(win: MainWindow, key: str) -> None:
    row = win.steps_model.row_of(key)
    win.steps_view.setCurrentIndex(win.steps_model.index(row))
