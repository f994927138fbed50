"""`oauth-playground flow --grant device_code` (RFC 8628): the terminal is the device; in-app
approval by default, --deny, --browser and --manual, exit codes as for the other grants."""

from __future__ import annotations

import argparse
import io
import re
import sys
from typing import Any

import httpx
import pytest

from playground.commands import flow


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="flow")
    flow.configure(parser)
    return flow.run(parser.parse_args(["--grant", "device_code", *argv]))


def approve(url: str, user_code: str | None = None) -> None:
    """The user on another device: the code page, sign in as bob, allow."""
    json = {"Accept": "application/json"}
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        view = browser.get(url, headers=json).json()
        code = user_code or view["user_code"]
        answer = browser.post(httpx.URL(url).join(view["action"]),
                              data={"csrf": view["csrf"], "user_code": code})
        location = httpx.URL(url).join(answer.headers["location"])
        for data in ({"user": "bob"}, {"decision": "allow"}):
            step = browser.get(location, headers=json).json()
            browser.post(location.join(step["action"]), data={"csrf": step["csrf"], **data})


def test_in_app_approval_as_the_demo_user(capsys: pytest.CaptureFixture[str]) -> None:
    assert run() == 0
    out = capsys.readouterr().out
    assert "client: playground-tv (the embedded server's device client)" in out
    assert "=== Device authorization request (RFC 8628 §3.1, §3.2)" in out
    assert re.search(r"user_code: [B-Z]{4}-[B-Z]{4}", out)
    assert "POST /oauth2/device_authorization HTTP/1.1" in out
    assert re.search(r"in-app: entered [B-Z]{4}-[B-Z]{4} at \S+/device\?user_code=\S+, signed "
                     r"in as alice: approved", out)
    assert "polls: 1" in out and "#1 at +0 s: tokens" in out
    assert "PASS  signature: RS256 signature verified" in out
    assert out.rstrip().endswith("flow complete: tokens obtained and verified")


def test_deny_exits_1_at_the_poll(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("--deny", "--user", "bob") == 1
    captured = capsys.readouterr()
    assert "signed in as bob: denied" in captured.out
    assert ("flow failed at step 'token' (Poll the token endpoint): the token endpoint answered "
            "access_denied") in captured.err
    assert "[RFC 8628 §3.5]" in captured.err and "Traceback" not in captured.err


def test_browser_opens_the_complete_uri(monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    opened: list[str] = []

    def browser(url: str, *_: Any, **__: Any) -> bool:
        opened.append(url)
        approve(url)  # the user finishes in the browser before the device's first poll
        return True

    monkeypatch.setattr("webbrowser.open", browser)
    assert run("--browser") == 0
    out = capsys.readouterr().out
    assert len(opened) == 1 and "/device?user_code=" in opened[0]
    assert f"Opening the system browser at:\n{opened[0]}" in out
    assert "system browser opened" in out


class Person(io.StringIO):
    """Standard output read by a person who types the printed code on another device."""

    def write(self, text: str) -> int:
        url = re.search(r"^(http\S+/device\?user_code=\S+)$", text, re.M)
        if url:
            approve(url.group(1))  # the complete URI, printed alone on its line
        return super().write(text)


def test_manual_prints_the_code_and_polls_until_it_is_entered(
        monkeypatch: pytest.MonkeyPatch) -> None:
    person = Person()
    monkeypatch.setattr(sys, "stdout", person)
    assert run("--manual") == 0
    out = person.getvalue()
    assert re.search(r"carries the code [B-Z]{4}-[B-Z]{4}\), sign in and approve:\n"
                     r"http://127\.0\.0\.1:\d+/device\?user_code=[B-Z]{4}-[B-Z]{4}\n", out)
    assert "#1 at +0 s: tokens" in out
    assert "flow complete" in out


@pytest.mark.parametrize(("argv", "message"), [
    (("--redirect-uri", "http://127.0.0.1/cb"), "the device grant has no redirect"),
    (("--deny", "--manual"), "--deny needs the in-app mode"),
    (("--auth-method", "client_secret_post"), "needs --client-secret"),
    (("--issuer", "https://op.example"), "needs --client-id"),
])
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: tuple[str, ...],
                             message: str) -> None:
    assert run(*argv) == 2
    assert message in capsys.readouterr().err


def test_without_a_complete_uri_the_uri_and_the_code_are_lines_of_their_own() -> None:
    from playground.core.flow.device_user import DeviceUserOutcome
    from playground.core.flows.device_code import manual_lines

    lines = manual_lines(DeviceUserOutcome("manual", "https://op.example/device", "WDJB-MJHT"))
    assert lines[1:3] == ["https://op.example/device", "WDJB-MJHT"]

