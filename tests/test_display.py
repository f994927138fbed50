"""The display check that runs before Qt is imported: Qt aborts on a display it cannot reach."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from playground.display import NO_DISPLAY, display_problem


@pytest.fixture
def x_socket(tmp_path: Path) -> Iterator[str]:
    """A listening unix socket standing in for an X server; DISPLAY names it as path:0."""
    path = tmp_path / "X0"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(path))
        server.listen(1)
        yield f"{path}:0"


def test_no_display_variables_at_all() -> None:
    assert display_problem({}, "linux") == NO_DISPLAY
    assert display_problem({"QT_QPA_PLATFORM": "xcb"}, "linux") == NO_DISPLAY


def test_headless_platforms_and_other_systems_need_nothing() -> None:
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert display_problem({"QT_QPA_PLATFORM": "minimal:foo=1"}, "linux") is None
    assert display_problem({}, "darwin") is None
    assert display_problem({}, "win32") is None


def test_a_display_that_answers(x_socket: str) -> None:
    assert display_problem({"DISPLAY": x_socket}, "linux") is None
    assert display_problem({"DISPLAY": x_socket, "QT_QPA_PLATFORM": "xcb"}, "linux") is None


def test_a_display_nobody_answers_is_named_not_aborted_on(tmp_path: Path) -> None:
    gone = f"{tmp_path / 'nothing-here'}:0"
    problem = display_problem({"DISPLAY": gone}, "linux")
    assert problem is not None and repr(gone) in problem and "offscreen" in problem
    assert display_problem({"DISPLAY": ":not-a-number"}, "linux") is not None


def test_tcp_display_is_probed_on_port_6000_plus_n() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        for number in range(40, 99):
            try:
                server.bind(("127.0.0.1", 6000 + number))
                break
            except OSError:
                continue
        else:
            pytest.skip("no free port in 6040-6098 for a stand-in X server")
        server.listen(1)
        assert display_problem({"DISPLAY": f"127.0.0.1:{number}.0"}, "linux") is None
    assert display_problem({"DISPLAY": f"127.0.0.1:{number}"}, "linux") is not None


def test_wayland_socket(tmp_path: Path) -> None:
    env = {"WAYLAND_DISPLAY": "wayland-9", "XDG_RUNTIME_DIR": str(tmp_path)}
    assert display_problem(env, "linux") is not None
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(tmp_path / "wayland-9"))
        server.listen(1)
        assert display_problem(env, "linux") is None
