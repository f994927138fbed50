"""Shared helpers for the benchmarks: free ports, the two servers as subprocesses, statistics.

Every server runs in a process of its own, on loopback, and is stopped by the `with` block that
started it. Nothing here asserts a timing: benchmarks report, tests assert.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PROVIDER_DIR = HERE / "oidc-provider"
PYTHON = sys.executable

WEB_CLIENT = "playground-web"
WEB_SECRET = "web-secret-2a1f0c9e7b4d4f3a8e6c5b1d9f0a7c3e"
WEB_REDIRECT = "http://localhost:8080/callback"
SCOPE = "openid email profile offline_access"


class Skipped(Exception):
    """A figure cannot be measured here (the reason is its message)."""


@dataclass(frozen=True)
class Target:
    issuer: str
    kind: str  # "playground" or "oidc-provider"
    pid: int


def playground_form(item: dict[str, Any], url: str) -> tuple[str, list[tuple[str, str]]]:
    """Our interaction's next form, from its JSON view at `url`: sign alice in, or allow every
    requested scope."""
    from urllib.parse import urljoin

    fields = [("csrf", str(item["csrf"]))]
    if item["prompt"] == "login":
        fields.append(("user", "alice"))
    else:
        fields += [("decision", "allow"), *(("scope", s["name"]) for s in item["scopes"])]
    return urljoin(url, item["action"]), fields


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env(**extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    base.setdefault("QT_QPA_PLATFORM", "offscreen")
    return {**base, **extra}


def wait_port(port: int, proc: subprocess.Popen[bytes], limit: float = 20.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.02)
    raise RuntimeError(f"nothing listens on port {port} after {limit:g} s")


@contextlib.contextmanager
def _process(command: list[str], port: int, kind: str, cwd: Path) -> Iterator[Target]:
    proc = subprocess.Popen(command, cwd=cwd, env=env(PORT=str(port)),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_port(port, proc)
        yield Target(f"http://127.0.0.1:{port}", kind, proc.pid)
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[Any], timeout: float = 10) -> None:
    """SIGTERM, then SIGKILL if it is still there after `timeout` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def playground_server() -> contextlib.AbstractContextManager[Target]:
    """`oauth-playground serve` on a free port (its per-request log goes to /dev/null)."""
    port = free_port()
    command = [PYTHON, "-m", "playground", "serve", "--port", str(port)]
    return _process(command, port, "playground", ROOT)


def node_problem() -> str | None:
    """Why oidc-provider cannot run here, or None."""
    node = shutil.which("node")
    if node is None:
        return "node is not installed"
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        if shutil.which("npm") is None:
            return "npm is not installed"
        done = subprocess.run(["npm", "install", "--no-audit", "--no-fund"], cwd=PROVIDER_DIR,
                              capture_output=True, text=True, timeout=300, check=False)
        if done.returncode != 0:
            return f"`npm install` failed: {done.stderr.strip().splitlines()[-1:]}"
    return None


def oidc_provider() -> contextlib.AbstractContextManager[Target]:
    """node oidc-provider with bench-provider.mjs (configured like our server)."""
    problem = node_problem()
    if problem:
        raise Skipped(problem)
    port = free_port()
    command = ["node", str(PROVIDER_DIR / "bench-provider.mjs")]
    return _process(command, port, "oidc-provider", PROVIDER_DIR)


def run_json(command: list[str], timeout: float = 300) -> dict:  # type: ignore[type-arg]
    """Run a helper script that prints one JSON object as its last line of output."""
    import json

    done = subprocess.run(command, cwd=ROOT, env=env(), capture_output=True, text=True,
                          timeout=timeout, check=False)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{' '.join(command[1:3])} failed ({done.returncode}): "
                           f"{(done.stderr or done.stdout).strip()[-600:]}")
    return json.loads(lines[-1])  # type: ignore[no-any-return]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            found.extend(int(child) for child in task.read_text().split())
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its live descendants (Linux /proc): the
    server's helper processes (its token signers) count towards the server."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    ticks = os.sysconf("SC_CLK_TCK")
    own = (int(fields[11]) + int(fields[12])) / ticks
    return own + sum(cpu_seconds(child) for child in _children(pid))
