"""The `oauth-playground` entry point: help, usage errors, and a reader that leaves early."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from playground import __version__
from playground.cli import main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_help_names_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert all(name in out for name in ("serve", "flow", "lab", "--screenshot"))


def test_auto_without_screenshot_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--auto"])
    assert exit_info.value.code == 2
    assert "--auto needs --screenshot" in capsys.readouterr().err


def test_reader_leaving_early_gives_no_traceback() -> None:
    """`oauth-playground lab --list | head -1`: the closed pipe is not an error to report."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line is written
    try:
        result = subprocess.run(
            [sys.executable, "-m", "playground", "lab", "--list"],
            stdout=write_end, stderr=subprocess.PIPE, timeout=30, check=False,
        )
    finally:
        os.close(write_end)
    assert b"Traceback" not in result.stderr
    assert result.returncode == 1


def test_the_gui_flow_names_are_the_engines() -> None:
    from playground import cli
    from playground.core.flows import FLOWS

    assert set(cli.FLOWS) == set(FLOWS)
