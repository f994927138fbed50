"""Helpers of the Python interop checks: `oauth-playground serve` as a child process, and a
tiny browser (httpx + the HTML forms of the login and consent pages).

Standard library and httpx only, and nothing from the `playground` package: the checks run in a
scratch virtual environment that has the client library under test (see README.md), and talk to
the server only over HTTP, like any other client.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urljoin

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CLIENTS = HERE / "seed-clients.json"
SEED_ID = "c02d5bf5-993e-4c6a-a248-6c307cc7681b"
SEED_REDIRECT = "http://client.server.com/callback"
WEB_ID = "interop-web"
WEB_SECRET = "interop-web-secret-5d0b7c2e9a4f41c8b6e3a1f7d2c9e8b4"
WEB_REDIRECT = "http://localhost:8080/callback"
NATIVE_ID = "interop-native"
SERVICE_ID = "interop-service"  # a machine client: client_credentials only (RFC 6749 §4.4)
SERVICE_SECRET = "interop-service-secret-9c4e1a7b3d5f4e2a8b6c0d9e1f3a5b7c"
GATEWAY_ID = "interop-gateway"  # a machine client that may exchange tokens (RFC 8693)
GATEWAY_SECRET = "interop-gateway-secret-4f8a2c6e0b1d4937a5e7c9b3d1f0a2e6"


def project_python() -> str:
    venv = ROOT / ".venv" / "bin" / "python"
    return os.environ.get("PLAYGROUND_PYTHON") or (str(venv) if venv.exists() else sys.executable)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Serve:
    issuer: str
    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)

    @property
    def log(self) -> str:
        return "".join(self.lines)


# The resources the battery's tokens are for (RFC 8707): serve refuses any other target.
RESOURCES = ("--resource", "https://api.playground.example",
             "--resource", "https://api.playground.example/orders",
             "--resource", "https://orders.example")


@contextlib.contextmanager
def serve(*args: str, port: int | None = None,
          clients: Path | str | None = CLIENTS) -> Iterator[Serve]:
    """`oauth-playground serve --port P --clients seed-clients.json ARGS`; SIGTERM on exit.
    `clients` names another clients file; None runs the built-in clients."""
    port = port or free_port()
    cmd = [project_python(), "-m", "playground", "serve", "--port", str(port),
           *(("--clients", str(clients)) if clients is not None else ()), *RESOURCES, *args]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, bufsize=1)
    assert proc.stdout is not None
    lines: list[str] = []
    issuer = None
    deadline = time.monotonic() + 20
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("issuer") and issuer is None:
            issuer = line.split()[1]
        if "Press Ctrl-C" in line or time.monotonic() > deadline:
            break
    if issuer is None or proc.poll() is not None:
        proc.kill()
        raise SystemExit("serve did not start:\n" + "".join(lines))
    handle = Serve(issuer, proc, lines)
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout or ()), daemon=True)
    reader.start()
    try:
        yield handle
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        reader.join(2)


class _Forms(HTMLParser):
    """The first form of a page: action, hidden fields, radios, checked checkboxes, buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: list[tuple[str, str]] = []
        self.radios: dict[str, list[str]] = {}
        self.buttons: list[tuple[str, str]] = []
        self._in_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and self.action is None:
            self.action, self._in_form = a.get("action", ""), True
        elif tag == "input" and self._in_form:
            kind = a.get("type", "text")
            if kind == "radio":
                self.radios.setdefault(a["name"], []).append(a["value"])
            elif kind == "checkbox":
                if "checked" in a:
                    self.fields.append((a["name"], a["value"]))
            else:
                self.fields.append((a.get("name", ""), a.get("value", "")))
        elif tag == "button" and self._in_form and a.get("name"):
            self.buttons.append((a["name"], a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False


def browse_to_callback(http: httpx.Client, url: str, redirect_prefix: str, *,
                       user: str = "alice", decision: str = "allow", hops: int = 12) -> str:
    """Follow redirects and submit the login and consent forms like a person would (pick
    `user`, press Allow); return the URL that starts with `redirect_prefix`."""
    form: list[tuple[str, str]] | None = None
    for _ in range(hops):
        if url.startswith(redirect_prefix):
            return url
        response = http.post(url, content=urlencode(form), headers={
            "Content-Type": "application/x-www-form-urlencoded"}) if form is not None \
            else http.get(url)
        if response.is_redirect:
            url, form = urljoin(url, response.headers["location"]), None
            continue
        if response.status_code != 200 or "<form" not in response.text:
            raise RuntimeError(f"unexpected page at {url} (HTTP {response.status_code}): "
                               f"{response.text[:300]}")
        parser = _Forms()
        parser.feed(response.text)
        fields = list(parser.fields)
        if "user" in parser.radios:
            fields.append(("user", user))
        if any(name == "decision" for name, _ in parser.buttons):
            fields.append(("decision", decision))
        url, form = urljoin(url, parser.action or url), fields
    raise RuntimeError(f"no redirect to {redirect_prefix} after {hops} hops")


class Report:
    """PASS/FAIL lines and the closing 'N passed, N failed' line."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.passed = 0
        self.failed = 0
        print(f"\n== {title}")

    def check(self, name: str, ok: object, detail: object = "") -> bool:
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        print(f"  {'PASS' if ok else 'FAIL'}  {name}" + (f"  ({detail})" if detail else ""))
        return bool(ok)

    def done(self) -> int:
        print(f"\n{self.title}: {self.passed} passed, {self.failed} failed")
        return 1 if self.failed else 0
