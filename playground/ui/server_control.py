"""The embedded server's life in the app: start, stop, restart on another port, its traces.

`ServerController` owns the `EmbeddedServer` (which never sees Qt) and keeps what must survive a
restart: the client registry's contents, the seed-compatibility switch and the clock. Stopping
takes up to ~200 ms, so it runs in the loop's executor and the window never freezes. Traces are
forwarded through the bridge (queued from the server thread).

The app paints its window first and starts the server right after: `start_async` imports the
server stack (Starlette, uvicorn: ~100 ms) on a worker thread while the window is already up,
and `starting` is true meanwhile. Should the server stop on its own (its loop crashed), `lost`
says why; the clients, the clock and the switches are kept, and `restart` brings it back.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from playground.core.clock import AdjustableClock
from playground.core.trace import DecisionTrace
from playground.server.clients import Client, default_clients
from playground.server.config import ServerConfig, ServerStartError
from playground.ui.bridge import Bridge

if TYPE_CHECKING:
    from playground.server.runner import EmbeddedServer

log = logging.getLogger(__name__)


class ServerController(QObject):
    state_changed = Signal()  # starting, started, stopped, or failed to start
    clients_changed = Signal()
    start_failed = Signal(str)
    lost = Signal(str)  # the server stopped on its own; why (e.g. "RuntimeError: boom")
    _exited = Signal(object, str)  # from the server thread: (server, reason)

    def __init__(self, bridge: Bridge, *, compat_seed: bool = False, port: int = 0,
                 starting: bool = False, parent: QObject | None = None) -> None:
        """`starting`: the caller will `start_async` as soon as the window is up."""
        super().__init__(parent)
        self.bridge = bridge
        self.clock = AdjustableClock()
        self.port = port
        self._compat_seed = compat_seed
        self._clients: list[Client] = default_clients()
        self.server: EmbeddedServer | None = None
        self.last_error = ""
        self.starting = starting
        self._exited.connect(self._server_exited)  # queued: emitted on the server thread

    @property
    def running(self) -> bool:
        return self.server is not None

    @property
    def issuer(self) -> str | None:
        return self.server.issuer if self.server is not None else None

    @property
    def compat_seed(self) -> bool:
        return self._compat_seed

    def set_compat_seed(self, enabled: bool) -> None:
        self._compat_seed = enabled
        if self.server is not None:
            self.server.compat_seed = enabled

    def trace(self, trace_id: str) -> DecisionTrace | None:
        return self.server.trace(trace_id) if self.server is not None else None

    def clients(self) -> list[Client]:
        return self.server.clients.list() if self.server is not None else list(self._clients)

    def client(self, client_id: str) -> Client | None:
        return next((c for c in self.clients() if c.id == client_id), None)

    def put_client(self, client: Client, *, replace: bool) -> None:
        """Register or replace `client`; ValueError when adding an id that exists."""
        if not replace and self.client(client.id) is not None:
            raise ValueError(f"a client with id {client.id!r} is already registered")
        if self.server is not None:
            self.server.clients.replace(client)
        self._clients = [c for c in self._clients if c.id != client.id] + [client]
        self.clients_changed.emit()

    async def start_async(self, port: int | None = None) -> bool:
        """Import the server stack off the UI thread (first time only), then `start`."""
        self.starting = True
        self.state_changed.emit()
        try:
            await asyncio.get_running_loop().run_in_executor(None, _import_server_stack)
        finally:
            self.starting = False
        return self.start(port)

    def start(self, port: int | None = None) -> bool:
        """Start synchronously (the server's start is a bind and a thread: milliseconds)."""
        if self.server is not None:
            return True
        self.port = self.port if port is None else port
        config = ServerConfig(port=self.port, compat_seed=self._compat_seed,
                              clients=self._clients, clock=self.clock)
        server = _import_server_stack()(config)
        try:
            server.start()
        except (ServerStartError, OSError) as exc:
            self.last_error = str(exc) or type(exc).__name__
            log.warning("embedded server did not start: %s", self.last_error)
            self.start_failed.emit(self.last_error)
            self.state_changed.emit()
            return False
        self.server, self.last_error = server, ""
        server.watch_exit(lambda reason: self._exited.emit(server, reason))
        self.bridge.attach_server(server)
        self.state_changed.emit()
        return True

    async def restart(self, port: int | None = None) -> bool:
        """Stop (if running) and start again, on `port` or the last one; the issuer stays the
        same when the port does."""
        await self.stop()
        return self.start(port)

    def _server_exited(self, server: EmbeddedServer, reason: str) -> None:
        if server is not self.server:
            return  # an old server, or one stopped on purpose
        self._clients, self.port = server.clients.list(), server.port  # restart: same issuer
        self.server = None
        self.bridge.detach("server")
        server.stop()  # its thread has ended: this only closes the socket
        self.last_error = f"crashed ({reason})"
        log.warning("the embedded server stopped unexpectedly: %s", reason)
        self.lost.emit(reason)
        self.state_changed.emit()

    async def stop(self) -> None:
        server, self.server = self.server, None
        if server is None:
            return
        self._clients = server.clients.list()
        self.bridge.detach("server")
        await asyncio.get_running_loop().run_in_executor(None, server.stop)
        self.state_changed.emit()

    def stop_now(self) -> None:
        """Blocking stop, for shutdown paths with no loop left."""
        server, self.server = self.server, None
        if server is not None:
            self.bridge.detach("server")
            server.stop()

    def describe(self) -> dict[str, Any]:
        return {"running": self.running, "issuer": self.issuer, "port": self.port,
                "error": self.last_error}


def _import_server_stack() -> type[EmbeddedServer]:
    from playground.server.runner import EmbeddedServer

    return EmbeddedServer
