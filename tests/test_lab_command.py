"""`oauth-playground lab`: --list, run NAME, run --all, --json, exit codes."""

from __future__ import annotations

import json

import pytest

from playground.cli import main
from playground.lab import SCENARIOS


def test_list_prints_one_scenario_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lab", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(SCENARIOS) >= 15
    for line, scenario in zip(lines, SCENARIOS, strict=True):
        name, title = line.split(maxsplit=1)
        assert (name, title) == (scenario.name, scenario.title)


def test_unknown_name_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lab", "run", "no-such-scenario"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "no-such-scenario" in captured.err


def test_run_without_a_name_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lab", "run"]) == 2
    assert "name a scenario or --all" in capsys.readouterr().err


def test_run_one_prints_its_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lab", "run", "mix-up-iss"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("PASS  mix-up-iss: Mix-up attack stopped by iss")
    assert "RFC 9207 §2.4" in out and "1/1 scenarios ended as expected" in out


def test_run_all_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lab", "run", "--all", "--json"]) == 0
    verdicts = json.loads(capsys.readouterr().out)
    assert [v["name"] for v in verdicts] == [s.name for s in SCENARIOS]
    for verdict in verdicts:
        assert verdict["passed"] is True
        assert verdict["rule"] in verdict["explanation"]
        assert {"expected", "title", "exchanges"} <= verdict.keys()


def test_exit_1_when_a_scenario_does_not_end_as_expected(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server that allows plain: the downgrade scenario's expectation is not met."""
    from playground.server import ServerConfig

    original = ServerConfig.__init__

    def allow_plain(self: ServerConfig, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        self.allow_plain = True

    monkeypatch.setattr(ServerConfig, "__init__", allow_plain)
    assert main(["lab", "run", "plain-downgrade", "--json"]) == 1
    [verdict] = json.loads(capsys.readouterr().out)
    assert verdict["passed"] is False
    assert "accepted" in verdict["explanation"]
