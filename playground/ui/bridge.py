"""The one bridge from core and server events to Qt signals.

The embedded server calls its subscribers on its own thread; the flow session calls them on the
asyncio (= Qt main) thread. The bridge lives in the main thread and only emits signals, so a
call from the server thread becomes a queued connection and every slot runs on the main thread:
the server never touches a Qt object. Events stay plain data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal


class Subscribable(Protocol):
    def subscribe(self, callback: Callable[[Any], None]) -> Callable[[], None]: ...


class Bridge(QObject):
    trace_recorded = Signal(object)  # DecisionTrace, from the server thread
    session_event = Signal(object)  # StepStarted | StepFinished | ExchangeRecorded | …

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._unsubscribe: dict[str, Callable[[], None]] = {}

    def attach(self, name: str, source: Subscribable, signal: Any) -> None:
        """Forward `source`'s events to `signal`; attaching `name` again replaces the first."""
        self.detach(name)
        self._unsubscribe[name] = source.subscribe(signal.emit)

    def attach_server(self, server: Subscribable) -> None:
        self.attach("server", server, self.trace_recorded)

    def attach_session(self, session: Subscribable) -> None:
        self.attach("session", session, self.session_event)

    def detach(self, name: str) -> None:
        unsubscribe = self._unsubscribe.pop(name, None)
        if unsubscribe is not None:
            unsubscribe()

    def detach_all(self) -> None:
        for name in list(self._unsubscribe):
            self.detach(name)

