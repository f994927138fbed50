"""Can Qt open a window here? Answered before Qt is imported, because Qt aborts the process
(SIGABRT, "could not connect to display") when the display it is told to use is not there.

Checks only what Qt would use: nothing for the headless platforms (offscreen, minimal, …), the
X server named by DISPLAY for xcb (its unix socket, or TCP port 6000+n for host:n), the
compositor's socket for Wayland. Each probe is one connect() on a local socket, well under 1 ms.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Mapping

HEADLESS_PLATFORMS = frozenset({"offscreen", "minimal", "vnc", "eglfs", "linuxfb", "vkkhrdisplay"})
WHAT_TO_DO = (
    "set QT_QPA_PLATFORM=offscreen (e.g. with --screenshot FILE), or use "
    "`oauth-playground serve` / `oauth-playground flow` in a terminal"
)
NO_DISPLAY = (
    "oauth-playground: no display available (DISPLAY and WAYLAND_DISPLAY are unset); " + WHAT_TO_DO
)
X_SOCKET_DIR = "/tmp/.X11-unix"


def display_problem(env: Mapping[str, str], platform: str = sys.platform) -> str | None:
    """Why Qt could not open a window here, as one line; None when it can."""
    if platform in ("win32", "darwin"):
        return None
    qpa = env.get("QT_QPA_PLATFORM", "").split(":", 1)[0].strip().lower()
    if qpa in HEADLESS_PLATFORMS:
        return None
    display, wayland = env.get("DISPLAY", ""), env.get("WAYLAND_DISPLAY", "")
    wants_x, wants_wayland = qpa == "xcb", qpa.startswith("wayland")
    if not qpa:
        wants_x, wants_wayland = bool(display), bool(wayland) and not display
    if not (wants_x and display) and not (wants_wayland and wayland):
        return NO_DISPLAY
    if wants_x and not x_server_answers(display):
        return f"oauth-playground: no X server answers on DISPLAY={display!r}; {WHAT_TO_DO}"
    if wants_wayland and not wayland_socket_answers(wayland, env.get("XDG_RUNTIME_DIR", "")):
        return f"oauth-playground: no Wayland compositor at {wayland!r}; {WHAT_TO_DO}"
    return None


def qt_platform(env: Mapping[str, str]) -> str:
    """The platform plugin Qt will load: QT_QPA_PLATFORM's, else xcb when DISPLAY is set (the
    choice `display_problem` makes), else wayland."""
    qpa = env.get("QT_QPA_PLATFORM", "").split(":", 1)[0].strip().lower()
    if qpa:
        return "wayland" if qpa.startswith("wayland") else qpa
    return "xcb" if env.get("DISPLAY") else "wayland"


def x_server_answers(display: str) -> bool:
    """Connect to the X server that DISPLAY names (`:n`, `unix:n`, `host:n`, with `.screen`)."""
    host, _, rest = display.rpartition(":")
    number = rest.split(".", 1)[0]
    if not number.isdigit():
        return False
    if host in ("", "unix") or host.startswith("/"):
        path = host if host.startswith("/") else f"{X_SOCKET_DIR}/X{number}"
        return _connects(socket.AF_UNIX, path) or _connects(socket.AF_UNIX, "\0" + path)
    return _connects(socket.AF_INET, (host, 6000 + int(number)))


def wayland_socket_answers(name: str, runtime_dir: str) -> bool:
    path = name if name.startswith("/") else os.path.join(runtime_dir, name)
    return _connects(socket.AF_UNIX, path)


def _connects(family: socket.AddressFamily, address: str | tuple[str, int]) -> bool:
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.5)
            sock.connect(address)
    except OSError:
        return False
    return True
