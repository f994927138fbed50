"""Interop check: `oauth-playground flow --manual` against node `oidc-provider` on loopback.

Starts provider.mjs on a free port, runs the flow command in manual mode, plays the browser
(oidc-provider's devInteractions login and consent forms, with httpx and a cookie jar), feeds
the redirect URL to the command's standard input and reports its exit code. Not a unit test:
it needs Node ≥ 20 and `npm install` in this directory. Usage (from the project root):

    .venv/bin/python benchmarks/oidc-provider/drive.py [--token-body json] [-- extra flow args]
"""

from __future__ import annotations

import html
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlsplit

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SEED_REDIRECT_URI = "http://client.server.com/callback"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_provider(port: int) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        ["node", str(HERE / "provider.mjs")],
        env={**os.environ, "PORT": str(port)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 15
    for line in proc.stdout:
        if "listening" in line:
            return proc
        if time.monotonic() > deadline:
            break
    proc.kill()
    raise SystemExit(f"oidc-provider did not start (run `npm install` in {HERE})")


def play_browser(authorize_url: str, user: str = "alice") -> str:
    """Follow redirects, fill each devInteractions form, stop at the redirect_uri."""
    query = dict(parse_qsl(urlsplit(authorize_url).query))
    redirect_uri = query.get("redirect_uri", SEED_REDIRECT_URI)
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        url, form = authorize_url, None
        for _ in range(20):
            if url.startswith(redirect_uri):
                return url
            response = browser.post(url, data=form) if form else browser.get(url)
            if response.is_redirect:
                url, form = urljoin(url, response.headers["location"]), None
                continue
            url, form = read_form(response, user)
    raise SystemExit("no redirect to the client after 20 hops")


def read_form(response: httpx.Response, user: str) -> tuple[str, dict[str, str]]:
    page = response.text
    action = re.search(r'<form[^>]*action="([^"]+)"', page)
    prompt = re.search(r'name="prompt" value="([^"]+)"', page)
    if response.status_code != 200 or not action or not prompt:
        raise SystemExit(f"unexpected page (HTTP {response.status_code}): {page[:300]}")
    fields = {"prompt": prompt.group(1)}
    if fields["prompt"] == "login":
        fields |= {"login": user, "password": "any"}
    return urljoin(str(response.url), html.unescape(action.group(1))), fields


def main(extra: list[str]) -> int:
    port = free_port()
    provider = start_provider(port)
    issuer = f"http://localhost:{port}"
    command = [sys.executable, "-m", "playground", "flow", "--issuer", issuer, "--manual", *extra]
    print("$", " ".join(command), flush=True)
    flow = subprocess.Popen(
        command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert flow.stdin is not None and flow.stdout is not None
    try:
        for line in flow.stdout:
            sys.stdout.write(line)
            if line.startswith("http") and "code_challenge=" in line:
                redirect = play_browser(line.strip())
                print(f"[drive.py] pasting {redirect}", flush=True)
                flow.stdin.write(redirect + "\n")
                flow.stdin.close()
                break
        sys.stdout.write(flow.stdout.read())
        code = flow.wait(timeout=60)
    finally:
        provider.kill()
        provider.wait()
        if flow.poll() is None:
            flow.kill()
    print(f"[drive.py] oauth-playground flow exited {code}")
    return code


if __name__ == "__main__":
    args = sys.argv[1:]
    raise SystemExit(main(args[1:] if args[:1] == ["--"] else args))
