"""UI test setup: one qasync loop over the test's QApplication, isolated settings.

The offscreen platform cannot propagate size hints and says so as a Qt warning whenever a
top-level widget with a layout is shown; that is the test platform's limit, not the app's, so
it is the one Qt warning these tests ignore.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
import qasync
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from playground.ui.bridge import Bridge
from playground.ui.main_window import MainWindow
from playground.ui.server_control import ServerController

OFFSCREEN_LIMIT = "This plugin does not support propagateSizeHints"
HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_LIMIT))


@pytest.fixture(scope="session")
def session_loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    """One qasync loop for the whole run, as the app has one for its whole life.

    It is marked as running and is driven by whatever processes Qt events (qtbot.waitUntil and
    friends), so coroutines the UI starts make progress while a test waits for what it sees.
    """
    event_loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(event_loop)
    yield event_loop
    qapp.aboutToQuit.disconnect(event_loop._after_run_forever)
    # loop.stop() would call QApplication.exit(), which outside exec() leaves Qt's next event
    # processing broken; only clear qasync's running flag.
    event_loop._QEventLoop__is_running = False  # type: ignore[attr-defined]
    asyncio.events._set_running_loop(None)
    event_loop.close()
    asyncio.set_event_loop(None)


@pytest.fixture
def loop(session_loop: asyncio.AbstractEventLoop) -> Iterator[asyncio.AbstractEventLoop]:
    """The shared loop; tasks a test leaves behind are cancelled when it ends."""
    yield session_loop
    pending = [t for t in asyncio.all_tasks(session_loop) if not t.done()]
    for task in pending:
        task.cancel()
    if pending:
        QApplication.processEvents()


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def server(qapp: QApplication) -> Iterator[ServerController]:
    """The real embedded server on 127.0.0.1:0, through the app's controller and bridge."""
    controller = ServerController(Bridge())
    assert controller.start(), controller.last_error
    yield controller
    controller.stop_now()
    controller.bridge.detach_all()


@pytest.fixture
def window(qtbot: QtBot, loop: asyncio.AbstractEventLoop, server: ServerController,
           settings: QSettings) -> Iterator[MainWindow]:
    win = MainWindow(server, settings, restore=False)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    close_window(qtbot, win)


def close_window(qtbot: QtBot, win: MainWindow) -> None:
    """The app's shutdown order: async clean-up (tasks, HTTP client) while the loop still runs."""
    task = asyncio.ensure_future(win.aclose())
    qtbot.waitUntil(task.done, timeout=5000)
    task.result()
