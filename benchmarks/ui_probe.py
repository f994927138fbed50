"""Child process for the UI figures; prints one JSON line. Offscreen, no display needed.

    python benchmarks/ui_probe.py bare        # bare PySide6 window: time of first paint, RSS
    python benchmarks/ui_probe.py app         # the app: first paint with the server started
    python benchmarks/ui_probe.py stall       # the app's --auto flow, longest event-loop gap
    python benchmarks/ui_probe.py inspector   # the inspector's real models, 100,000 exchanges

Times are wall-clock (`time.time()`), so the parent can subtract the moment it spawned us.
`bare` and `app` leave with os._exit right after the first paint: what follows (grab, shutdown)
is not start-up.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def rss_mib() -> dict[str, float]:
    status = Path("/proc/self/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return {name: int(fields[key].split()[0]) / 1024 for name, key in
            (("rss_mib", "VmRSS"), ("peak_rss_mib", "VmHWM"))}


def report(**values: object) -> None:
    print(json.dumps({**values, **rss_mib()}), flush=True)


def bare() -> int:
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setCentralWidget(QLabel("Hello"))

    class Painted(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                report(painted=time.time())
                os._exit(0)
            return False

    watcher = Painted()
    window.installEventFilter(watcher)
    window.show()
    return app.exec()


def app_start() -> int:
    """The app's first paint, then the moment its embedded server is ready (it starts after the
    paint). The hooks sit on what the app calls at those moments; ServerController is patched
    only once the window is up, so this probe imports nothing before the app does."""
    from playground import app, cli

    original_first_paint = app.first_paint

    async def first_paint(widget: object, limit: float = 3.0) -> None:
        await original_first_paint(widget, limit)  # type: ignore[arg-type]
        painted = time.time()
        from playground.ui.server_control import ServerController

        original_start = ServerController.start_async

        async def start_async(self: ServerController, port: int | None = None) -> bool:
            ok = await original_start(self, port)
            report(painted=painted, server_ready=time.time() if ok else None)
            os._exit(0)

        ServerController.start_async = start_async  # type: ignore[method-assign]

    app.first_paint = first_paint  # type: ignore[assignment]
    return cli.main(["--screenshot", "/tmp/oauth-playground-bench.png"])


def stall() -> int:
    from PySide6.QtCore import QElapsedTimer, Qt, QTimer

    from playground import cli
    from playground.ui import main_window

    gaps: list[float] = []
    original = main_window.MainWindow.run_auto

    async def run_auto(self: main_window.MainWindow, *args: object, **kwargs: object) -> bool:
        clock, timer = QElapsedTimer(), QTimer()
        timer.setTimerType(Qt.TimerType.PreciseTimer)
        timer.setInterval(1)
        last = [0]

        def tick() -> None:
            now = clock.nsecsElapsed()
            gaps.append((now - last[0]) / 1e6)
            last[0] = now

        timer.timeout.connect(tick)
        clock.start()
        timer.start()
        started = time.perf_counter()
        try:
            return await original(self, *args, **kwargs)  # type: ignore[arg-type]
        finally:
            timer.stop()
            report(ok=True, flow_ms=(time.perf_counter() - started) * 1000,
                   max_gap_ms=max(gaps[1:], default=float("nan")), ticks=len(gaps),
                   gaps_over_16ms=sum(g > 16 for g in gaps[1:]))

    main_window.MainWindow.run_auto = run_auto  # type: ignore[method-assign]
    return cli.main(["--auto", "--screenshot", "/tmp/oauth-playground-bench-auto.png"])


def _exchange(seq: int) -> object:
    from playground.core.record.exchange import Exchange

    steps = ("discovery", "user_agent", "token", "userinfo", "refresh")
    step = steps[seq % len(steps)]
    body = b'{"access_token":"eyJ...","token_type":"Bearer","expires_in":3600}'
    return Exchange(
        seq=seq, step=step, method="POST" if step in ("token", "refresh") else "GET",
        url=f"http://127.0.0.1:9400/oauth2/{step}?n={seq}",
        request_headers=(("host", "127.0.0.1:9400"), ("accept", "application/json")),
        request_body=b"grant_type=refresh_token&refresh_token=abc",
        status=(200, 302, 400)[seq % 3], response_headers=(("content-type", "application/json"),),
        response_body=body, started_at=1.7e9 + seq, duration_ms=1.5,
    )


def inspector() -> int:
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    from playground.ui.inspector import Inspector

    app = QApplication(sys.argv[:1])
    widget = Inspector()
    widget.resize(1400, 800)
    widget.show()
    QCoreApplication.processEvents()
    base = rss_mib()["rss_mib"]
    memory, append_s = {}, 0.0
    for count in (25_000, 50_000, 75_000, 100_000):
        exchanges = [_exchange(i) for i in range(widget.model.rowCount(), count)]
        started = time.perf_counter()
        for exchange in exchanges:
            widget.add_exchange(exchange)  # type: ignore[arg-type]
        append_s += time.perf_counter() - started
        QCoreApplication.processEvents()
        memory[count] = rss_mib()["rss_mib"] - base
    filters = {}
    for needle in ("token", "400", "oauth2/userinfo?n=9999", "nothing-matches", ""):
        started = time.perf_counter()
        widget.filter_edit.setText(needle)
        QCoreApplication.processEvents()
        filters[needle or "(cleared)"] = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    widget.table.scrollToBottom()
    widget.table.selectRow(widget.proxy.rowCount() - 1)
    widget.repaint()
    QCoreApplication.processEvents()
    interact_ms = (time.perf_counter() - started) * 1000
    per_row = {n: memory[n] * 1024 * 1024 / n for n in memory}
    report(rows=widget.model.rowCount(), append_us_per_row=append_s / 100_000 * 1e6,
           filter_ms=filters, max_filter_ms=max(filters.values()), scroll_select_ms=interact_ms,
           memory_mib=memory, bytes_per_row=per_row)
    app.quit()
    return 0


if __name__ == "__main__":
    sys.exit({"bare": bare, "app": app_start, "stall": stall,
              "inspector": inspector}[sys.argv[1]]())
