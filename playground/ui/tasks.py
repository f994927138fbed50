"""Async work for the UI: tasks that are kept, reported and cancelled on close.

mitmproxy bans bare `asyncio.create_task`: the loop keeps only a weak reference, so a task
can vanish mid-flight, and an exception in it is lost. `TaskRunner` holds every task until it
ends, hands unexpected exceptions to the error reporter, and cancels what is left on close.
`busy(*widgets)` is the thin-handler shape of STYLE.md: disable the control, await, re-enable.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine, Iterator
from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)


class TaskRunner(QObject):
    """Owns the UI's asyncio tasks; `idle` is emitted whenever the last one ends."""

    failed = Signal(str, object)  # task name, exception
    idle = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def running(self) -> int:
        return len(self._tasks)

    def start(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("task %s failed", task.get_name(), exc_info=exc)
            self.failed.emit(task.get_name(), exc)
        if not self._tasks:
            self.idle.emit()

    async def aclose(self) -> None:
        """Cancel what is still running and wait for it to unwind."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)


class Enableable(Protocol):
    def setEnabled(self, enabled: bool) -> None: ...


@contextlib.contextmanager
def busy(*widgets: Enableable) -> Iterator[None]:
    """Disable `widgets` for the duration of an awaited call, re-enable them in `finally`."""
    for widget in widgets:
        widget.setEnabled(False)
    try:
        yield
    finally:
        for widget in widgets:
            widget.setEnabled(True)
