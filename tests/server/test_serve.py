"""`oauth-playground serve` as a subprocess: banner, request log, exit codes, stopping.

The stopping tests allow 5 s where the command's own deadline is 1.5 s (`STOP_DEADLINE`): they
say it stops, not how fast; the times are measured outside the tests.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
EXIT_WITHIN = 5.0  # seconds a stopping serve gets before the test calls it hung
SERVE = [sys.executable, "-m", "playground.commands.serve"]


def _serve(*args: str, buffered: bool = False, session: bool = False,
           command: list[str] = SERVE) -> subprocess.Popen[str]:
    """`serve` with its output on pipes; `buffered`: stdout block-buffered, as a pipe is by
    default; `session`: in a process group of its own, helpers included."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if not buffered:
        env["PYTHONUNBUFFERED"] = "1"
    return subprocess.Popen(
        [*command, *args], cwd=ROOT, env=env, start_new_session=session,
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


# -- stopping ----------------------------------------------------------------------------------
def _state(pid: int) -> str:
    """The process's state letter; "gone" once it no longer exists (a zombie has exited)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return "gone"


def _running(pids: list[int]) -> list[int]:
    return [pid for pid in pids if _state(pid) not in ("gone", "Z", "X")]


def _ignores_sigint(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status").read_text()
    ignored = int(re.search(r"SigIgn:\s*([0-9a-f]+)", status).group(1), 16)  # type: ignore[union-attr]
    return bool(ignored & (1 << (signal.SIGINT - 1)))


def _helpers(proc: subprocess.Popen[str], count: int) -> list[int]:
    """Wait until `serve` runs `count` signing helpers, each past its start (ignoring SIGINT)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                cmdline = (stat.parent / "cmdline").read_bytes()
                if int(fields[1]) == proc.pid and b"signer_worker" in cmdline:
                    found.append(int(stat.parent.name))
        with contextlib.suppress(OSError):
            if len(found) == count and all(_ignores_sigint(pid) for pid in found):
                return found
        time.sleep(0.05)
    raise AssertionError(f"serve did not start {count} signing helpers")


@contextlib.contextmanager
def _stopping(proc: subprocess.Popen[str], helpers: list[int]) -> Iterator[None]:
    """Kill whatever the test leaves running: serve, and helpers (SIGKILL stops a stopped one)."""
    try:
        yield
    finally:
        if proc.poll() is None:
            proc.kill()
        for pid in _running(helpers):
            os.kill(pid, signal.SIGKILL)
        proc.communicate(timeout=10)


def _assert_stops(proc: subprocess.Popen[str], helpers: list[int], code: int = 0) -> str:
    """`proc` has exited with `code` within EXIT_WITHIN s and left no helper; its stderr."""
    assert proc.wait(timeout=EXIT_WITHIN) == code
    _, stderr = proc.communicate(timeout=10)
    assert "Traceback" not in stderr
    assert _running(helpers) == []
    return stderr


def _issuer(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    match = re.match(r"issuer\s+(http://\S+)", proc.stdout.readline())
    assert match
    return match.group(1)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_while_idle_stops_serve_and_its_helpers(sig: signal.Signals) -> None:
    proc = _serve("--port", "0", "--signers", "2")
    helpers: list[int] = []
    with _stopping(proc, helpers):
        banner = _banner_lines(proc)
        helpers += _helpers(proc, 2)
        proc.send_signal(sig)
        assert proc.wait(timeout=EXIT_WITHIN) == 0
        assert proc.stdout is not None and proc.stdout.read() == "stopped\n"
        assert _running(helpers) == []
    assert banner[0].startswith("issuer  http://127.0.0.1:")


class _Load:
    """Clients that keep their connections open: `threads` keep-alive httpx clients asking in a
    loop, one idle keep-alive connection, one with half its headers, one with half its body."""

    def __init__(self, issuer: str, threads: int = 4) -> None:
        self.issuer = issuer
        self.done = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._ask, daemon=True) for _ in range(threads)]
        host, port = issuer.removeprefix("http://").split(":")
        self.sockets = [socket.create_connection((host, int(port))) for _ in range(3)]
        for sock, data in zip(self.sockets, [
            b"GET /.well-known/openid-configuration HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET /oauth2/authorize?client_id=x HTTP/1.1\r\nHost: x\r\n",
            b"POST /oauth2/token HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n\r\ngrant_type=",
        ], strict=True):
            sock.sendall(data)
        for thread in self._threads:
            thread.start()

    def _ask(self) -> None:
        with httpx.Client(timeout=10) as client:
            while not self._stop.is_set():
                try:
                    client.get(f"{self.issuer}/oauth2/authorize", params={"client_id": "nope"})
                except httpx.HTTPError:  # the server has stopped
                    return
                with self._lock:
                    self.done += 1

    def wait_for(self, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while self.done < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert self.done >= count, f"the server answered {self.done} requests, then stalled"

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=15)
        for sock in self.sockets:
            sock.close()


@pytest.mark.parametrize("buffered", [True, False], ids=["block-buffered", "unbuffered"])
def test_sigterm_under_load_with_stdout_unread_and_connections_open(buffered: bool) -> None:
    """Nobody reads serve's stdout after the first line: one request's log (~190 bytes) at a
    time, 800 requests overflow the 64 KiB pipe. Printing on the server's thread stalled the
    server there (~340 requests) and kept it from stopping; the log now drops entries instead."""
    proc = _serve("--port", "0", "--signers", "2", buffered=buffered)
    helpers: list[int] = []
    with _stopping(proc, helpers):
        load = _Load(_issuer(proc))
        try:
            helpers += _helpers(proc, 2)
            load.wait_for(800)
            proc.send_signal(signal.SIGTERM)
            stderr = _assert_stops(proc, helpers)
        finally:
            load.close()
    assert "stdout was not being read" in stderr


def test_sigint_to_the_process_group_stops_serve_and_its_helpers() -> None:
    """Ctrl-C in a terminal: SIGINT reaches serve and its helpers (which ignore it)."""
    proc = _serve("--port", "0", "--signers", "2", session=True)
    helpers: list[int] = []
    with _stopping(proc, helpers):
        load = _Load(_issuer(proc), threads=2)
        try:
            helpers += _helpers(proc, 2)
            load.wait_for(50)
            os.killpg(proc.pid, signal.SIGINT)
            _assert_stops(proc, helpers)
        finally:
            load.close()


def test_second_signal_while_stopping_exits_at_once() -> None:
    """A stopped helper holds the shutdown for CLOSE_TIMEOUT (0.5 s) before it is killed; a
    second SIGTERM in that time ends serve at once, the helpers killed first."""
    proc = _serve("--port", "0", "--signers", "2")
    helpers: list[int] = []
    with _stopping(proc, helpers):
        _issuer(proc)
        helpers += _helpers(proc, 2)
        os.kill(helpers[0], signal.SIGSTOP)
        proc.send_signal(signal.SIGTERM)
        time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        stderr = _assert_stops(proc, helpers, code=128 + signal.SIGTERM)
    assert stderr == "oauth-playground serve: second SIGTERM while stopping: exiting now\n"


STUCK_SHUTDOWN = """
import sys, time
from playground.commands.serve import main
from playground.server.signing_helpers import ProcessSigner
async def close(self):
    time.sleep(60)  # the server's thread stuck in its shutdown
ProcessSigner.close = close
sys.exit(main(sys.argv[1:]))
"""


def test_a_stuck_shutdown_is_cut_at_the_deadline() -> None:
    proc = _serve("--port", "0", "--signers", "2",
                  command=[sys.executable, "-c", STUCK_SHUTDOWN])
    helpers: list[int] = []
    with _stopping(proc, helpers):
        _issuer(proc)
        helpers += _helpers(proc, 2)
        proc.send_signal(signal.SIGTERM)
        stderr = _assert_stops(proc, helpers, code=1)
    assert stderr == ("oauth-playground serve: error: did not stop within 1.5 s of SIGTERM; "
                      "exiting now\n")


@pytest.mark.parametrize("buffered", [True, False], ids=["block-buffered", "unbuffered"])
def test_a_reader_that_leaves_after_the_first_line_changes_nothing(buffered: bool) -> None:
    """`serve | head -1`: later writes fail with EPIPE; serve still answers and stops with 0
    and nothing on stderr (the interpreter's exit used to fail flushing stdout: exit 120)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if not buffered:
        env["PYTHONUNBUFFERED"] = "1"
    read, write = os.pipe()
    proc = subprocess.Popen([*SERVE, "--port", "0", "--signers", "0"], cwd=ROOT, env=env,
                            stdout=write, stderr=subprocess.PIPE, text=True)
    os.close(write)
    with _stopping(proc, []):
        with os.fdopen(read) as head:
            match = re.match(r"issuer\s+(http://\S+)", head.readline())
        assert match
        for _ in range(5):
            response = httpx.get(f"{match.group(1)}/oauth2/authorize", params={"client_id": "x"})
            assert response.status_code == 400
        proc.send_signal(signal.SIGTERM)
        assert _assert_stops(proc, []) == ""


CRASHING_LOOP = """
import sys
from playground.commands.serve import main
from playground.server import runner
async def on_tick(self, counter):
    if counter == 5:
        raise RuntimeError("boom")
    return self.should_exit
runner._Uvicorn.on_tick = on_tick
sys.exit(main(sys.argv[1:]))
"""


def test_a_crashed_server_loop_ends_serve_with_exit_1() -> None:
    """A test environment's IdP that died must say so and exit, not wait for a signal."""
    proc = _serve("--port", "0", "--signers", "2", command=[sys.executable, "-c", CRASHING_LOOP])
    helpers: list[int] = []
    with _stopping(proc, helpers):
        _issuer(proc)
        stderr = _assert_stops(proc, helpers, code=1)
        out, _ = proc.communicate(timeout=10)
    assert "RuntimeError" in stderr
    assert "error: the server stopped unexpectedly (RuntimeError: boom)" in out


def test_resources_are_configurable() -> None:
    import argparse

    from playground.commands import serve

    parser = argparse.ArgumentParser()
    serve.configure(parser)
    assert parser.parse_args([]).resources is None
    args = parser.parse_args(["--resource", "https://a.example", "--resource", "https://b.example"])
    assert args.resources == ["https://a.example", "https://b.example"]


def test_require_par_and_dpop_nonce_switches() -> None:
    """`--require-par` (RFC 9126 §5) and `--dpop-nonce` (RFC 9449 §8), over real HTTP."""
    import jwt as pyjwt

    from playground.core.jose import jwk

    proc = _serve("--port", "0", "--signers", "0", "--require-par", "--dpop-nonce")
    try:
        assert proc.stdout is not None
        match = re.match(r"issuer\s+(http://127\.0\.0\.1:\d+)", proc.stdout.readline())
        assert match
        issuer = match.group(1)
        meta = httpx.get(f"{issuer}/.well-known/openid-configuration").json()
        assert meta["require_pushed_authorization_requests"] is True
        key = jwk.generate("ES256")
        proof = pyjwt.encode({"jti": "j1", "htm": "POST", "htu": f"{issuer}/oauth2/token",
                              "iat": int(time.time())}, key.key, algorithm="ES256",
                             headers={"typ": "dpop+jwt", "jwk": jwk.public_members(key.key)})
        answer = httpx.post(f"{issuer}/oauth2/token", data={"grant_type": "client_credentials"},
                            auth=("playground-service",
                                  "service-secret-7d3b9a1e5c2f4086b1d4e8a0c6f2b9d3"),
                            headers={"DPoP": proof})
        assert answer.status_code == 400 and answer.json()["error"] == "use_dpop_nonce"
        assert answer.headers["dpop-nonce"]
        plain = httpx.get(f"{issuer}/oauth2/authorize", params={
            "client_id": "playground-spa", "response_type": "code", "scope": "openid",
            "code_challenge": "x" * 43, "code_challenge_method": "S256"})
        assert "error=invalid_request" in plain.headers["location"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        _reap(proc)


def test_json_logs_and_the_health_endpoint() -> None:
    """`--log-format json`: one object per line (start, each request with its decision, stop);
    `/_playground/health` answers 200 with the store sizes."""
    proc = _serve("--port", "0", "--signers", "0", "--log-format", "json")
    try:
        assert proc.stdout is not None
        started = json.loads(proc.stdout.readline())
        assert started["event"] == "listening" and "playground-web" in started["clients"]
        issuer = started["issuer"]
        health = httpx.get(f"{issuer}/_playground/health")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        assert health.json()["stores"]["codes"] == 0
        assert health.json()["stores"]["journal"] == 0  # health checks are not journaled
        httpx.get(f"{issuer}/oauth2/authorize", params={"client_id": "nope"})
        entries = [json.loads(proc.stdout.readline()) for _ in range(2)]
        assert entries[0]["path"] == "/_playground/health" and entries[0]["status"] == 200
        refused = entries[1]
        assert refused["status"] == 400 and refused["error"] == "invalid_request"
        assert refused["failed_check"]["name"] == "client_id is registered"
        assert refused["failed_check"]["rfc"] == "RFC 6749 §2.2"
        assert refused["time"].endswith("Z")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert json.loads(proc.stdout.readline())["event"] == "stopped"
    finally:
        _reap(proc)
