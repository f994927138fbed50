"""The desktop app's wiring: display check, QApplication, one qasync loop, the embedded server,
the main window, and `--screenshot` / `--auto` for docs and checks.

Order matters. The display, and the system libraries of the platform plugin Qt will load, are
checked before Qt is imported (either missing would otherwise abort the process inside Qt). The
window paints first, and the embedded server starts right after: its stack (Starlette, uvicorn)
is imported on a worker thread once the window is up, and the status bar says it is starting.
The flow engine is imported before Qt, which saves ~40 ms of cold start (see
`_import_before_qt`; `_quiet_pyside_import_hook` saves the same for what comes after), and the
garbage collector rests until the window is built, which saves ~25 ms more (see
`_settle_collector`). `setQuitOnLastWindowClosed(False)`:
closing the window resolves a future, the coroutine then closes the session's HTTP client and
stops the server while the loop still runs, and only then does `run` return.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from playground.display import display_problem, qt_platform
from playground.qtlibs import plugin_problem

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication, QWidget

    from playground.ui.errors import ErrorReporter
    from playground.ui.main_window import MainWindow
    from playground.ui.server_control import ServerController

log = logging.getLogger("playground")

OFFSCREEN_NOISE = "This plugin does not support propagateSizeHints()"


def run(args: argparse.Namespace) -> int:
    problem = display_problem(os.environ) or plugin_problem(qt_platform(os.environ))
    if problem:
        print(problem, file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    gc.disable()  # until the window is built: see _settle_collector
    _import_before_qt()
    import qasync  # type: ignore[import-untyped]
    from PySide6.QtWidgets import QApplication

    _quiet_pyside_import_hook()

    from playground.ui import theme

    _route_qt_messages()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("OAuth Playground")
    app.setQuitOnLastWindowClosed(False)
    theme.apply(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        return int(loop.run_until_complete(_main(app, args, loop)))
    finally:
        loop.close()
        asyncio.set_event_loop(None)
        gc.enable()


def _import_before_qt() -> None:
    """Import the Qt-free part the window needs (the flow engine, the lab) before PySide6.

    PySide6 installs an import hook that calls `inspect.getsource` on every module imported
    after it, to see whether the module mentions PySide6 (its `__feature__` support,
    PYSIDE-2029); for the ~390 modules these pull in (starlette, uvicorn, PyJWT, cryptography,
    httpx, ...) that is ~40 ms. httpx's optional command-line client, `httpx._main`, imports
    rich, click and pygments when they are installed (~35 ms); the app never uses it, so a None
    entry in `sys.modules` keeps it out and httpx defines its stub `main` instead.
    """
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
    import playground.core.flow.session
    import playground.lab  # noqa: F401


class _NotPySide:
    """A meta-path finder that finds nothing; it tells PySide6's feature table that a module
    about to be imported is not Qt code, so the import hook skips reading its source."""

    def __init__(self, table: dict[str, int]) -> None:
        self.table = table

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if not name.startswith(("PySide6", "shiboken6", "qasync", "playground.ui")):
            self.table.setdefault(name, -1)  # -1: "ignore this module" (no __feature__ use)


def _quiet_pyside_import_hook() -> None:
    """After PySide6, each newly imported module has its source read (`inspect.getsource`, to
    see whether it says "PySide6"; PYSIDE-2029) unless its name is already in the feature
    table. The server stack, imported after the first paint, is ~390 such modules (~40 ms).
    The table is PySide6's internal `shibokensupport.feature.pyside_feature_dict`; where a
    release has none, nothing changes but the speed."""
    feature = sys.modules.get("shibokensupport.feature")
    table = getattr(feature, "pyside_feature_dict", None)
    if isinstance(table, dict):
        sys.meta_path.insert(0, _NotPySide(table))


async def _main(app: QApplication, args: argparse.Namespace,
                loop: asyncio.AbstractEventLoop) -> int:
    from playground.ui.bridge import Bridge
    from playground.ui.errors import ErrorReporter
    from playground.ui.server_control import ServerController

    errors = ErrorReporter()
    errors.install(loop)
    bridge = Bridge()
    server = ServerController(bridge, compat_seed=getattr(args, "compat", "strict") == "seed",
                              starting=True)
    window = None
    try:
        window = _window(server, errors, screenshot=bool(args.screenshot))
        _settle_collector()
        closed = loop.create_future()
        window.closed.connect(lambda: _resolve(closed))
        window.show_view(getattr(args, "show", "flow"))
        window.show()
        await first_paint(window)
        await server.start_async()
        if getattr(args, "flow", None):
            await _choose_flow(window, args.flow, auto=bool(args.auto))
        if getattr(args, "client", None) and not _choose_client(window, server, args.client):
            return 2
        if getattr(args, "open", None) and not window.open_file(args.open) and args.screenshot:
            return 2
        if args.screenshot:
            return await _screenshot(window, Path(args.screenshot), auto=bool(args.auto),
                                     show=getattr(args, "show", "flow"))
        await closed
        return 0
    finally:
        if window is not None:
            await window.aclose()
        await server.stop()
        bridge.detach_all()
        errors.uninstall(loop)


# --auto --flow refresh needs a refresh token: the code flow (with offline_access) runs first and
# the window carries its token over, as when a user picks Refresh after signing in.
AUTO_PRELUDE = {"refresh": "auth_code_pkce"}


async def _choose_flow(window: MainWindow, name: str, *, auto: bool) -> None:
    from playground.core.flows import FLOWS

    if auto and name in AUTO_PRELUDE:
        window.choose_flow(FLOWS[AUTO_PRELUDE[name]])
        await window.run_auto()
    window.choose_flow(FLOWS[name])


def _choose_client(window: MainWindow, server: ServerController, client_id: str) -> bool:
    """Start with the embedded server's client `client_id` (its PAR, DPoP and key settings
    too); False, with one line on stderr, when no such client is registered."""
    client = server.client(client_id)
    if client is None:
        known = ", ".join(c.id for c in server.clients())
        print(f"oauth-playground: --client {client_id}: no such client; registered: {known}",
              file=sys.stderr)
        return False
    window.choose_client(client)
    return True


def _settle_collector() -> None:
    """Resume cyclic garbage collection, now that start-up is over; `run` paused it.

    Start-up makes ~80,000 tracked objects (modules, classes, widgets) that live as long as the
    process and next to no garbage (~600 objects, ~90 KB), yet the collector would make ~130
    passes over them, one full pass of ~12 ms included: ~25 ms of the cold start in all. This is
    the pattern the `gc.freeze` docs give for a pre-fork server: `gc.disable` early, then
    `gc.freeze` moves everything alive into the permanent generation, which later passes skip
    (so a full pass during a flow stays short too); the start-up garbage is never freed.
    """
    gc.freeze()
    gc.enable()


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _window(server: object, errors: ErrorReporter, *, screenshot: bool) -> MainWindow:
    from playground.ui.main_window import MainWindow
    from playground.ui.settings import open_settings

    # A screenshot must not depend on (or change) the user's remembered state.
    path = str(Path(tempfile.mkdtemp(prefix="oauth-playground-")) / "s.ini") if screenshot else None
    window = MainWindow(server, open_settings(path), restore=not screenshot)  # type: ignore[arg-type]
    errors.reported.connect(lambda summary, _detail: window.show_message(summary))
    return window


async def _screenshot(window: MainWindow, path: Path, *, auto: bool, show: str = "flow") -> int:
    """Save a PNG of the shown window; with `auto`, after the default flow (and with `show`
    'lab', after every lab scenario). 1 when that work did not end as expected."""
    window.show_view(show)
    if not window.isVisible():
        window.show()
        await first_paint(window)
    ok, lab_ok = True, True
    if auto:
        ok = await window.run_auto(show)
        if show == "lab":
            lab_ok = await window.run_lab()
        await asyncio.sleep(0.05)
    pixmap = window.grab()
    path.parent.mkdir(parents=True, exist_ok=True)
    if not pixmap.save(str(path), "PNG"):
        print(f"oauth-playground: could not write {path}", file=sys.stderr)
        return 1
    if not ok:
        failed = window.session.failed_step
        reason = f"{failed.title}: {failed.error}" if failed else "the tokens did not verify"
        print(f"oauth-playground: the flow failed at {reason}", file=sys.stderr)
        return 1
    if not lab_ok:
        print(f"oauth-playground: lab: {window.lab.summary.text()}", file=sys.stderr)
        return 1
    return 0


async def first_paint(widget: QWidget, limit: float = 3.0) -> None:
    """Resolve after `widget` has been painted once (or after `limit` seconds)."""
    from PySide6.QtCore import QEvent, QObject

    painted = asyncio.get_running_loop().create_future()

    class Watcher(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and not painted.done():
                painted.set_result(None)
            return False

    watcher = Watcher()
    widget.installEventFilter(watcher)
    widget.update()
    try:
        await asyncio.wait_for(painted, limit)
    except TimeoutError:
        log.warning("no paint event within %.1f s; grabbing anyway", limit)
    finally:
        widget.removeEventFilter(watcher)


def _route_qt_messages() -> None:
    """Qt's own warnings go to logging; the offscreen plugin's size-hint notice is dropped."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    qt_log = logging.getLogger("qt")
    levels = {QtMsgType.QtDebugMsg: logging.DEBUG, QtMsgType.QtInfoMsg: logging.INFO,
              QtMsgType.QtWarningMsg: logging.WARNING}

    def handler(mode: QtMsgType, _context: object, message: str) -> None:
        if OFFSCREEN_NOISE not in message:
            qt_log.log(levels.get(mode, logging.ERROR), "%s", message)

    qInstallMessageHandler(handler)
