"""`EmbeddedServer`: the authorization server on a loopback port, in a thread of its own.

The listening socket is bound here (with IPPROTO_TCP, so uvicorn recognises it as TCP and
disables Nagle's algorithm on connections; otherwise every request pays ~40 ms), then handed to
uvicorn, which runs with its own event loop in a daemon thread. `start()` returns once uvicorn
reports `started`; `stop()` sets `should_exit` and joins. uvicorn calls `sys.exit` on failure, so
the thread catches `BaseException` and `start()` re-raises it as `ServerStartError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import replace
from types import TracebackType

import uvicorn
import uvicorn.lifespan.off  # imported now, not lazily in start(), so start() stays ~1 ms
from starlette.types import ASGIApp

from playground.core.clock import AdjustableClock
from playground.core.trace import DecisionTrace
from playground.server.app import build_app
from playground.server.clients import ClientRegistry, default_clients
from playground.server.config import ServerConfig, ServerStartError
from playground.server.context import ServerContext
from playground.server.faults import FaultSwitches
from playground.server.signing import TokenSigner
from playground.server.tenants import Dispatch, Mount
from playground.server.trace import TraceStore
from playground.server.users import DEMO_USERS, UserDirectory

START_TIMEOUT = 10.0
HANG_UP_AFTER = 0.5  # seconds into a shutdown after which the open connections are closed


def _stack() -> tuple[str, Callable[[], asyncio.AbstractEventLoop] | None]:
    """httptools + uvloop when installed, else h11 + asyncio: the C parser and loop answer ~1.2x
    the token endpoint's requests/s with ~20 % less CPU each (benchmarks/README.md). The protocol
    module is imported here, at import time, so `start()` stays a few ms."""
    try:
        import uvicorn.protocols.http.httptools_impl
        http = "httptools"
    except ImportError:
        import uvicorn.protocols.http.h11_impl  # noqa: F401
        http = "h11"
    try:
        import uvloop
    except ImportError:
        return http, None
    return http, uvloop.new_event_loop


HTTP, LOOP_FACTORY = _stack()


class _Uvicorn(uvicorn.Server):
    """uvicorn.Server that signals a threading.Event once listening (or failing), and starts and
    closes the token signer (its helper processes belong to this loop)."""

    def __init__(self, config: uvicorn.Config, ready: threading.Event,
                 signer: TokenSigner) -> None:
        super().__init__(config)
        self.ready = ready
        self.signer = signer
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self.crash: Exception | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        await self.signer.start()
        await super().startup(sockets=sockets)
        self.ready.set()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        hang_up = asyncio.get_running_loop().call_later(HANG_UP_AFTER, self._hang_up)
        try:
            await super().shutdown(sockets=sockets)
        finally:
            hang_up.cancel()
            await self.signer.close()

    def _hang_up(self) -> None:
        """Close the connections still open `HANG_UP_AFTER` seconds into the shutdown. uvicorn
        closes idle ones at once but waits for a request in progress, so a client that never
        finishes sending its body would hold the shutdown for `timeout_graceful_shutdown` and
        then have its task cancelled, with a traceback; hung up on, the request ends as a
        disconnect (`ClientGone`)."""
        for connection in list(self.server_state.connections):
            connection.transport.close()

    async def main_loop(self) -> None:
        """uvicorn's loop ticks every 0.1 s; this one also wakes at once when asked to exit.

        Should a tick raise (a bug), the loop ends as if asked to exit, so uvicorn's shutdown
        still closes the socket and every connection; `crash` keeps the exception."""
        assert self._wake is not None
        counter = 0
        try:
            while not await self.on_tick(counter):
                counter = (counter + 1) % 864000
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), 0.1)
        except Exception as exc:
            logging.getLogger(__name__).error("the server's main loop failed: %r", exc)
            self.crash = exc

    def request_exit(self) -> None:
        self.should_exit = True
        if self._loop is not None and self._wake is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._wake.set)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(1024)
    except OverflowError:
        sock.close()
        raise ServerStartError(f"port {port} is out of range (0-65535)") from None
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ServerStartError(f"port {port} on {host} is already in use") from None
        raise ServerStartError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.setblocking(False)
    return sock


def _issuer(config: ServerConfig, sock: socket.socket) -> str:
    """The configured issuer; a path alone (`/idp`) is put below the listening address."""
    if config.issuer and not config.issuer.startswith("/"):
        return config.issuer.rstrip("/")
    return _origin(config, sock) + (config.issuer or "").rstrip("/")


def _origin(config: ServerConfig, sock: socket.socket) -> str:
    port = sock.getsockname()[1]
    host = config.host
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


class EmbeddedServer:
    """The embedded authorization server; use as a context manager or call start()/stop()."""

    def __init__(self, config: ServerConfig | None = None) -> None:
        self.config = config or ServerConfig()
        self.clock: AdjustableClock = self.config.clock or AdjustableClock()
        self.config.clock = self.clock
        initial = default_clients() if self.config.clients is None else self.config.clients
        self.clients = ClientRegistry(initial)
        self.users = UserDirectory(DEMO_USERS if self.config.users is None
                                   else self.config.users)
        self.faults = FaultSwitches()
        self._traces = TraceStore(self.clock, self.config.trace_limit)
        self._port = 0
        self._ctx: ServerContext | None = None
        self._sock: socket.socket | None = None
        self._server: _Uvicorn | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._compat_seed = self.config.compat_seed
        self._stopping = False
        self._exit_watchers: list[Callable[[str], None]] = []
        self.tenants: dict[str, ServerContext] = {}  # by path, once started

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> EmbeddedServer:
        if self._thread is not None:
            raise ServerStartError("the server is already running")
        self._sock = _bind(self.config.host, self.config.port)
        self._port = int(self._sock.getsockname()[1])
        self._ctx = ServerContext.create(self.config, _issuer(self.config, self._sock),
                                         self.clients, self._traces, self.users)
        self._ctx.compat_seed = self._compat_seed
        self._ctx.faults = self.faults
        self.tenants = self._tenant_contexts()
        ready = threading.Event()
        uv_config = uvicorn.Config(
            self._app(), lifespan="off", log_config=None, log_level="warning",
            access_log=False, loop="none", http=HTTP, ws="none", server_header=False,
            proxy_headers=False,  # nothing proxies a loopback server: trust no X-Forwarded-*
            timeout_graceful_shutdown=1,
        )
        self._server = _Uvicorn(uv_config, ready, self._ctx.tokens.signer)
        self._error, self._stopping = None, False
        self._thread = threading.Thread(target=self._run, args=(ready,), name="oauth-server",
                                        daemon=True)
        self._thread.start()
        ready.wait(START_TIMEOUT)
        if self._error is not None or not self._server.started:
            self._cleanup()
            raise ServerStartError(f"the server did not start: {self._error!r}")
        return self

    def _tenant_contexts(self) -> dict[str, ServerContext]:
        """One context per tenant: its issuer is this server's origin and the tenant's path;
        the clock and the trace store are shared; it signs in the server's thread."""
        origin = self.context.issuer[: len(self.context.issuer) - len(self.context.base_path)]
        contexts = {}
        for tenant in self.config.tenants:
            config = replace(tenant.config, clock=self.clock, signers=0, host=self.config.host,
                             port=self._port, control_api=self.config.control_api)
            clients = ClientRegistry(default_clients() if config.clients is None
                                     else config.clients)
            contexts[tenant.path] = ServerContext.create(config, origin + tenant.path, clients,
                                                         self._traces)
        return contexts

    def _app(self) -> ASGIApp:
        """The root issuer's application, or the dispatch to it and the tenants when the
        root issuer has a path or there are tenants (playground.server.tenants)."""
        root = self.context
        if not self.tenants and not root.base_path:
            return build_app(root)
        mounts = [Mount(root.base_path, build_app(root), root.issuer)]
        mounts += [Mount(path, build_app(ctx), ctx.issuer) for path, ctx in self.tenants.items()]
        return Dispatch(mounts)

    def _run(self, ready: threading.Event) -> None:
        assert self._server is not None and self._sock is not None
        try:
            with asyncio.Runner(loop_factory=LOOP_FACTORY) as runner:
                runner.run(self._server.serve(sockets=[self._sock]))
        except BaseException as exc:  # uvicorn calls sys.exit(1) on startup failure
            self._error = exc
        finally:
            ready.set()
            server = self._server
            if not self._stopping and server is not None and server.started:
                self._report_exit(self._error or server.crash)

    def watch_exit(self, callback: Callable[[str], None]) -> None:
        """Call `callback(reason)`, on the server thread, if the server ever stops without
        `stop()` having been called: its loop crashed or ended on its own."""
        self._exit_watchers.append(callback)

    def _report_exit(self, error: BaseException | None) -> None:
        reason = f"{type(error).__name__}: {error}" if error else "its event loop ended"
        for callback in self._exit_watchers:
            try:
                callback(reason)
            except Exception:
                logging.getLogger(__name__).exception("exit watcher %r failed", callback)

    def stop(self) -> None:
        self._stopping = True
        if self._server is not None:
            self._server.request_exit()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._cleanup()

    def _cleanup(self) -> None:
        if self._sock is not None:
            self._sock.close()
        self._sock = None
        self._thread = None
        self._server = None

    def __enter__(self) -> EmbeddedServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # -- the API of docs/architecture.md -------------------------------------------------------
    @property
    def context(self) -> ServerContext:
        if self._ctx is None:
            raise RuntimeError("the server has not been started")
        return self._ctx

    @property
    def issuer(self) -> str:
        return self.context.issuer

    @property
    def port(self) -> int:
        return self._port

    @property
    def compat_seed(self) -> bool:
        return self._compat_seed

    @compat_seed.setter
    def compat_seed(self, value: bool) -> None:
        self._compat_seed = bool(value)
        if self._ctx is not None:
            self._ctx.compat_seed = self._compat_seed

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def subscribe(self, callback: Callable[[DecisionTrace], None]) -> Callable[[], None]:
        """Call `callback(trace)` on the server thread for every request; returns unsubscribe."""
        return self._traces.subscribe(callback)

    def trace(self, trace_id: str) -> DecisionTrace | None:
        return self._traces.get(trace_id)

    def traces(self) -> list[DecisionTrace]:
        return self._traces.recent()
