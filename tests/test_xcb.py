"""The window on a real X server (Xvfb, Qt's xcb plugin), and the check that runs before Qt when
one of that plugin's system libraries is missing (Qt itself would abort the process)."""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from playground import qtlibs
from playground.display import qt_platform

ROOT = Path(__file__).resolve().parent.parent
QT_DIR = qtlibs._wheel_qt_dir()


def test_the_plugin_files_are_read_for_their_needed_libraries() -> None:
    assert QT_DIR is not None
    needed = qtlibs.needed_libraries(QT_DIR / "plugins/platforms/libqxcb.so")
    assert "libxcb.so.1" in needed and "libQt6XcbQpa.so.6" in needed
    assert qtlibs.needed_libraries(ROOT / "README.md") == []


def test_every_library_the_plugin_needs_has_its_package_in_the_setup_script() -> None:
    assert QT_DIR is not None
    script = re.findall(r"[a-z0-9][a-z0-9.+-]+", (ROOT / "scripts/qt-system-libs.sh").read_text())
    for path in qtlibs.PLUGIN_FILES["xcb"]:
        for soname in qtlibs.needed_libraries(QT_DIR / path):
            if qtlibs._is_external(soname, QT_DIR):
                assert soname in qtlibs.PACKAGES, f"{soname} (needed by {path}) has no package"
                assert qtlibs.PACKAGES[soname] in script, qtlibs.PACKAGES[soname]


def test_a_missing_library_is_named_with_its_package() -> None:
    def load(soname: str) -> object:
        if soname in ("libxcb-cursor.so.0", "libxcb-icccm.so.4"):
            raise OSError(f"{soname}: cannot open shared object file")
        return ctypes.CDLL(soname)

    problem = qtlibs.plugin_problem("xcb", load=load)
    assert problem is not None
    assert "libxcb-cursor.so.0, libxcb-icccm.so.4 are missing" in problem
    assert "apt-get install libxcb-cursor0 libxcb-icccm4`" in problem
    assert qtlibs.plugin_problem("xcb") is None  # this machine has them all
    assert qtlibs.plugin_problem("offscreen", load=load) is None


def test_the_platform_qt_will_load() -> None:
    assert qt_platform({"DISPLAY": ":0"}) == "xcb"
    assert qt_platform({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}) == "offscreen"
    assert qt_platform({"QT_QPA_PLATFORM": "wayland-egl"}) == "wayland"
    assert qt_platform({"WAYLAND_DISPLAY": "wayland-0"}) == "wayland"


@pytest.fixture(scope="module")
def x_display() -> Iterator[str]:
    """A real X server (Xvfb) on a free display number; CI must have it (.ci/run installs it)."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        if os.environ.get("CI"):
            pytest.fail("Xvfb is missing: `sh scripts/qt-system-libs.sh xvfb` installs it")
        pytest.skip("Xvfb is not installed (`sh scripts/qt-system-libs.sh xvfb`)")
    read_end, write_end = os.pipe()
    proc = subprocess.Popen([xvfb, "-displayfd", str(write_end), "-screen", "0", "1400x900x24",
                             "-nolisten", "tcp"], pass_fds=(write_end,),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_end)
    with os.fdopen(read_end) as numbers:
        number = numbers.readline().strip()
    try:
        assert number.isascii() and number.isdigit(), "Xvfb reported no display"
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait(10)


def _app(display: str, *args: str,
         prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
    env.pop("WAYLAND_DISPLAY", None)
    return subprocess.run([*prefix, sys.executable, "-m", "playground", *args], env=env,
                          capture_output=True, text=True, timeout=90, check=False)


def test_the_whole_flow_runs_in_a_window_on_a_real_x_server(x_display: str,
                                                            tmp_path: Path) -> None:
    png = tmp_path / "xcb.png"
    result = _app(x_display, "--auto", "--screenshot", str(png))
    assert result.returncode == 0, result.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000


def _library_path(soname: str) -> str:
    """Where the dynamic loader finds `soname` (it is mapped into this process once loaded)."""
    ctypes.CDLL(soname)
    maps = Path("/proc/self/maps").read_text().splitlines()
    return next(line.split()[-1] for line in maps if f"/{soname}" in line
                or line.rsplit("/", 1)[-1].startswith(soname))


def test_a_hidden_xcb_library_gets_one_line_and_exit_2(x_display: str, tmp_path: Path) -> None:
    """libxcb-cursor0 hidden in a private mount namespace, as on a desktop without it."""
    if shutil.which("unshare") is None or os.geteuid() != 0:
        pytest.skip("hiding a library needs root and unshare (util-linux)")
    hidden = _library_path("libxcb-cursor.so.0")
    prefix = ("unshare", "-m", "sh", "-c", f'mount --bind /dev/null "{hidden}" && exec "$@"', "-")
    result = _app(x_display, "--screenshot", str(tmp_path / "never.png"), prefix=prefix)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "libxcb-cursor.so.0 is missing" in lines[0], result.stderr
    assert "apt-get install libxcb-cursor0`" in lines[0]
    assert not (tmp_path / "never.png").exists()
