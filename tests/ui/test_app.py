"""The entry point: no display → one line and exit 2; screenshots; remembered settings."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from playground import app as app_module
from playground.ui.main_window import MainWindow
from playground.ui.server_control import ServerController
from tests.ui.conftest import close_window

ROOT = Path(__file__).resolve().parents[2]


def _env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    return {**env, **overrides}


def _run_app(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m playground ARGS` as a user runs it, with its own settings file."""
    return subprocess.run(
        [sys.executable, "-m", "playground", *args], cwd=ROOT, capture_output=True, text=True,
        timeout=60, env=_env(OAUTH_PLAYGROUND_SETTINGS=str(tmp_path / "s.ini"), **env),
        check=False,
    )


def test_no_display_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    result = _run_app(tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "QT_QPA_PLATFORM=offscreen" in lines[0]
    assert "serve" in lines[0] and "flow" in lines[0]
    assert not (tmp_path / "s.ini").exists()


def test_auto_screenshot_runs_the_flow_and_saves_a_png(tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    result = _run_app(tmp_path, "--auto", "--screenshot", str(shot), QT_QPA_PLATFORM="offscreen")
    assert result.returncode == 0, result.stderr
    image = QImage(str(shot))
    assert (image.width(), image.height()) == (1400, 900)
    assert result.stderr == ""


@pytest.mark.parametrize("name", ["refresh", "device_code"])
def test_auto_runs_the_chosen_flow_to_its_end(tmp_path: Path, name: str) -> None:
    """`--auto --flow NAME`: the window steps through that flow (refresh after the code flow
    that obtains its token) and the exit status says whether every step ended done."""
    shot = tmp_path / f"{name}.png"
    result = _run_app(tmp_path, "--auto", "--flow", name, "--screenshot", str(shot),
                      QT_QPA_PLATFORM="offscreen")
    assert result.returncode == 0, result.stderr
    assert not QImage(str(shot)).isNull() and result.stderr == ""


def test_auto_lab_screenshot_runs_every_scenario(tmp_path: Path) -> None:
    shot = tmp_path / "lab.png"
    result = _run_app(tmp_path, "--auto", "--show", "lab", "--screenshot", str(shot),
                      QT_QPA_PLATFORM="offscreen")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert QImage(str(shot)).size().toTuple() == (1400, 900)


def test_the_flow_engine_is_imported_before_qt(tmp_path: Path) -> None:
    """PySide6's import hook reads the source of every module imported after it, so the app
    imports the flow engine first; httpx's command-line client (rich, pygments) stays out."""
    result = _run_app(tmp_path, "--screenshot", str(tmp_path / "w.png"),
                      QT_QPA_PLATFORM="offscreen", PYTHONPROFILEIMPORTTIME="1")
    assert result.returncode == 0, result.stderr
    imported = [line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines()
                if line.startswith("import time:")]  # in the order each import finished
    qt = next(i for i, name in enumerate(imported) if name.startswith(("PySide6", "shiboken")))
    for name in ("jwt", "httpx", "playground.core.flow.session", "playground.lab"):
        assert imported.index(name) < qt, f"{name} is imported after PySide6"
    assert not [name for name in imported if name.startswith(("rich", "pygments"))]


PAINT_FIRST_PROBE = """
import sys
from playground import app, cli
shown = app.first_paint
async def first_paint(widget, limit=3.0):
    await shown(widget, limit)
    from playground.ui.server_control import ServerController
    print("painted", "uvicorn" in sys.modules, widget.statusBar().currentMessage())
    start = ServerController.start_async
    async def start_async(self, port=None):
        ok = await start(self, port)
        table = sys.modules["shibokensupport.feature"].pyside_feature_dict
        print("started", ok, table.get("uvicorn.server"), table.get("starlette.routing"))
        return ok
    ServerController.start_async = start_async
app.first_paint = first_paint
sys.exit(cli.main(["--screenshot", sys.argv[1]]))
"""


def test_the_window_paints_before_the_server_stack_loads(tmp_path: Path) -> None:
    """First paint, then the server: the status bar says it is starting; the stack imported
    after Qt is marked as no Qt code, so PySide6's hook does not read its source."""
    result = subprocess.run(
        [sys.executable, "-c", PAINT_FIRST_PROBE, str(tmp_path / "w.png")], cwd=ROOT,
        capture_output=True, text=True, timeout=60, check=False,
        env=_env(OAUTH_PLAYGROUND_SETTINGS=str(tmp_path / "s.ini"), QT_QPA_PLATFORM="offscreen"),
    )
    assert result.returncode == 0, result.stderr
    painted, started = result.stdout.splitlines()[:2]
    assert painted == "painted False Starting the embedded authorization server\u2026"
    assert started == "started True -1 -1"


COLLECTOR_PROBE = """
import gc, sys
from playground import app, cli
shown = app.first_paint
async def first_paint(widget, limit=3.0):
    await shown(widget, limit)
    print(gc.isenabled(), gc.get_freeze_count() > 0)
app.first_paint = first_paint
sys.exit(cli.main(["--screenshot", sys.argv[1]]))
"""


def test_the_collector_runs_again_once_the_window_is_up(tmp_path: Path) -> None:
    """Start-up pauses the garbage collector and then freezes what it built (see
    `app._settle_collector`); by the first paint it must collect again, or every reference
    cycle the running app makes would leak."""
    result = subprocess.run(
        [sys.executable, "-c", COLLECTOR_PROBE, str(tmp_path / "w.png")], cwd=ROOT,
        capture_output=True, text=True, timeout=60, check=False,
        env=_env(OAUTH_PLAYGROUND_SETTINGS=str(tmp_path / "s.ini"), QT_QPA_PLATFORM="offscreen"),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]


def test_show_picks_the_pane_and_lab_verdicts_appear(qtbot: QtBot, window: MainWindow,
                                                     tmp_path: Path) -> None:
    window.show_view("server")
    assert window.bottom.currentWidget() is window.server_panel
    task = asyncio.ensure_future(
        app_module._screenshot(window, tmp_path / "lab.png", auto=True, show="lab"))
    qtbot.waitUntil(task.done, timeout=60_000)
    assert task.result() == 0
    assert window.bottom.currentWidget() is window.lab
    lab = window.lab
    verdicts = {lab.scenario_list.topLevelItem(i).text(1)
                for i in range(lab.scenario_list.topLevelItemCount())}
    assert verdicts == {"as expected"}
    assert lab.summary.text().endswith("ended as expected")


def test_plain_screenshot_with_the_seed_compat_switch(tmp_path: Path) -> None:
    shot = tmp_path / "window.png"
    result = _run_app(tmp_path, "--compat", "seed", "--screenshot", str(shot),
                      QT_QPA_PLATFORM="offscreen")
    assert result.returncode == 0, result.stderr
    assert not QImage(str(shot)).isNull()


def test_settings_remember_client_and_scopes(qtbot: QtBot, loop: object,
                                             server: ServerController,
                                             settings: QSettings) -> None:
    first = MainWindow(server, settings, restore=True)
    qtbot.addWidget(first)
    native = next(c for c in server.clients() if c.id != first.session.config.client_id
                  and not c.firstParty)
    view = first.authorize_view
    view.client.setCurrentIndex(view.client.findData(native.id))
    view.client.activated.emit(view.client.currentIndex())
    view.scope.setText("openid email")
    view.scope.editingFinished.emit()
    first.resize(700, 500)  # inside the offscreen 800x600 screen
    first.close()
    close_window(qtbot, first)

    second = MainWindow(server, settings, restore=True)
    qtbot.addWidget(second)
    assert second.session.inputs("authorize_url")["client_id"] == native.id
    assert second.session.inputs("authorize_url")["scope"] == "openid email"
    assert second.session.inputs("token")["client_id"] == native.id
    assert (second.width(), second.height()) == (700, 500)
    close_window(qtbot, second)


def test_auto_screenshot_exits_1_when_the_flow_fails(qtbot: QtBot, window: MainWindow,
                                                     tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    window.set_input("discovery", "issuer", "http://127.0.0.1:9")
    shot = tmp_path / "failed.png"
    task = asyncio.ensure_future(app_module._screenshot(window, shot, auto=True))
    qtbot.waitUntil(task.done, timeout=10_000)
    assert task.result() == 1
    assert "the flow failed at Discovery" in capsys.readouterr().err
    assert not QImage(str(shot)).isNull()  # the picture shows where it failed


def test_kill_9_during_a_flow_and_the_next_start_keeps_what_was_recorded(
        tmp_path: Path) -> None:
    """The real app, killed with SIGKILL while its flow runs: every exchange it had recorded
    is in its autosave file, and the next start takes the file over to offer it back."""
    import signal
    import time

    from playground.core.flow import autosave

    saved = tmp_path / "autosave.jsonl"
    env = _env(QT_QPA_PLATFORM="offscreen", OAUTH_PLAYGROUND_AUTOSAVE=str(saved),
               OAUTH_PLAYGROUND_SETTINGS=str(tmp_path / "s.ini"))
    proc = subprocess.Popen([sys.executable, "-m", "playground", "--auto", "--screenshot",
                             str(tmp_path / "a.png")], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if saved.is_file() and saved.read_bytes().count(b"\n") >= 1:
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.002)
    proc.wait(timeout=10)
    if proc.returncode != -signal.SIGKILL:
        pytest.skip("the flow ended before the kill landed (a race this machine's speed lost)")
    lines = saved.read_bytes().count(b"\n")
    recovered = autosave.recover(saved)
    assert len(recovered) == lines >= 1  # whole exchanges, nothing torn
    assert recovered[0].url.endswith("/.well-known/openid-configuration")

    _run_app(tmp_path, "--screenshot", str(tmp_path / "b.png"),
             OAUTH_PLAYGROUND_AUTOSAVE=str(saved), QT_QPA_PLATFORM="offscreen")
    aside = saved.with_name(saved.name + autosave.RECOVERED_SUFFIX)
    assert [e.url for e in autosave.recover(aside)] == [e.url for e in recovered]
