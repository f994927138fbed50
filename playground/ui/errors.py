"""Unexpected exceptions are logged and shown in the window, never a silent exit.

`ErrorReporter` becomes `sys.excepthook` (exceptions raised in Qt slots and virtual overrides
arrive there) and the asyncio loop's exception handler (exceptions in callbacks and tasks
nobody awaited). Each report is logged with its traceback and emitted as `reported`, which the
main window shows in its message banner.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import traceback
from types import TracebackType
from typing import Any

from PySide6.QtCore import QObject, Signal

log = logging.getLogger("playground")


class ErrorReporter(QObject):
    reported = Signal(str, str)  # one-line summary, full detail (traceback)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._previous_hook = sys.excepthook

    def install(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        sys.excepthook = self.excepthook
        if loop is not None:
            loop.set_exception_handler(self.loop_exception)

    def uninstall(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        if sys.excepthook == self.excepthook:
            sys.excepthook = self._previous_hook
        if loop is not None:
            loop.set_exception_handler(None)

    def excepthook(
        self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            self._previous_hook(kind, exc, tb)
            return
        self.report(exc, tb)

    def loop_exception(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        if isinstance(exc, BaseException):
            self.report(exc, exc.__traceback__, context.get("message", ""))
        else:
            log.error("asyncio: %s", context.get("message"))
            self.reported.emit(f"Unexpected error: {context.get('message')}", repr(context))

    def report(self, exc: BaseException, tb: TracebackType | None = None, where: str = "") -> None:
        detail = "".join(traceback.format_exception(type(exc), exc, tb or exc.__traceback__))
        log.error("unexpected error%s\n%s", f" ({where})" if where else "", detail)
        summary = f"Unexpected error: {type(exc).__name__}: {exc}"
        self.reported.emit(summary.splitlines()[0][:300], detail)
