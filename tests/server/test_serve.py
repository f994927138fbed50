"""`oauth-playground serve` as a subprocess: banner, request log, exit codes."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _serve(*args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, "-m", "playground.commands.serve", *args], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "playground.commands.serve", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=30, check=False)


PUBLIC_AS_WRITTEN = {
    "id": "my-spa", "redirect": ["http://localhost:5173/callback"], "firstParty": True,
    "grantTypes": ["authorization_code"], "responseTypes": ["code"], "authMethods": ["none"],
    "scopes": ["openid"],
}


def _banner_lines(proc: subprocess.Popen[str]) -> list[str]:
    """The banner, up to and without its last line ("Press Ctrl-C to stop.")."""
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        if line.startswith("Press Ctrl-C"):
            return lines
        lines.append(line.rstrip("\n"))
    raise AssertionError(f"no banner: {lines}")


def _reap(proc: subprocess.Popen[str]) -> str:
    """Kill `proc` if it still runs; its stderr, which must hold no traceback."""
    if proc.poll() is None:
        proc.kill()
    _, stderr = proc.communicate(timeout=10)
    assert "Traceback" not in stderr
    return stderr


def test_busy_port_exits_2_with_one_line() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        result = _run("--port", str(port))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "already in use" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("content", "expected"), [
    (None, "cannot read clients file"),
    ("[{", "not valid JSON (line 1, column 3"),
    (json.dumps([{"id": "x"}]), "client [0]: field"),
    ("[]", "holds an empty list; give at least one client, e.g. [{"),
    ("[" * 100_000, "nested too deeply"),
    (b"\xff[]", "not UTF-8 text"),
    ("directory", "Is a directory"),
    (json.dumps([{**PUBLIC_AS_WRITTEN, "authMethods": ["client_secret_basic"]}]),
     "field 'secret' is missing but authMethods client_secret_basic needs one"),
])
def test_bad_clients_file_exits_2(tmp_path: Path, content: str | bytes | None,
                                  expected: str) -> None:
    path = tmp_path / "clients.json"
    if content == "directory":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    result = _run("--port", "0", "--clients", str(path))
    assert result.returncode == 2
    assert result.stderr.startswith("oauth-playground serve: error: ")
    assert expected in result.stderr
    assert str(path) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert result.stdout == ""  # refused before anything started


def test_clients_file_as_a_user_writes_it(tmp_path: Path) -> None:
    """A Windows editor's BOM, a public client with `"secret": null` and no responseModes."""
    path = tmp_path / "clients.json"
    text = json.dumps([{**PUBLIC_AS_WRITTEN, "secret": None}], indent=2)
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    proc = _serve("--port", "0", "--signers", "0", "--clients", str(path))
    try:
        banner = _banner_lines(proc)
        assert any(line.startswith("  my-spa  my-spa (first-party; auth none)")
                   for line in banner)
        assert "  note: responseModes defaulted to query for: my-spa" in banner
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        _reap(proc)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serves_logs_and_exits_0_on_signal(sig: signal.Signals) -> None:
    proc = _serve("--port", "0", "--compat", "seed", "--signers", "1")
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        match = re.match(r"issuer\s+(http://127\.0\.0\.1:\d+)", first)
        assert match, first
        issuer = match.group(1)
        banner = [proc.stdout.readline() for _ in range(12)]
        assert any("c02d5bf5-993e-4c6a-a248-6c307cc7681b" in line for line in banner)
        assert any("compat seed" in line for line in banner)
        assert any(line.startswith("signing in 1 helper process") for line in banner)
        httpx.get(f"{issuer}/oauth2/authorize", params={"client_id": "nope"})
        line = proc.stdout.readline()
        while line.startswith(("  ", "Press", "clients")):
            line = proc.stdout.readline()
        assert "GET /oauth2/authorize 400 [authorize]" in line
        assert "client_id is registered" in proc.stdout.readline()
        proc.send_signal(sig)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        _, stderr = proc.communicate(timeout=10)
    assert "Traceback" not in stderr


@pytest.mark.parametrize(("args", "expected"), [
    (("--port", "70000"), "out of range"),
    (("--host", "203.0.113.7", "--port", "0"), "cannot listen on 203.0.113.7:0"),
    (("--signers", "-1"), "'-1' is not a number of processes from 0 to 64"),
])
def test_unusable_address_exits_2(args: tuple[str, ...], expected: str) -> None:
    result = _run(*args)
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
