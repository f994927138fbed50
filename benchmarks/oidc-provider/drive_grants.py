"""Interop check: the client credentials and device grants of `oauth-playground flow` against
node `oidc-provider` on loopback (its `clientCredentials` and `deviceFlow` features).

Starts provider.mjs on a free port and runs, each as its own `python -m playground flow`:

- client_credentials as the machine client `playground-service` (client_secret_basic) for the
  resource server's scopes: exit 0 (a JWT access token, RFC 9068, verified); the same with a
  wrong secret: exit 1 naming invalid_client;
- device_code --manual as the public device client `playground-tv`: this script reads the user
  code and the verification URI from the command's output while it polls, then plays the user
  with httpx against oidc-provider's own pages (the /device code form, its confirmation, the
  devInteractions login and consent), once typing the code at `verification_uri`, once opening
  `verification_uri_complete`: exit 0 (polled, tokens obtained and verified); then the user
  aborts on the confirmation page, and cancels at the consent page: exit 1 naming
  access_denied (RFC 8628 §3.5);
- refresh_token with the device grant's refresh token: exit 0.

Prints a PASS/FAIL line per run and a summary; exits 1 on any failure. Not a unit test: it
needs Node ≥ 20 and `npm install` in this directory. Usage (from the project root):

    .venv/bin/python benchmarks/oidc-provider/drive_grants.py [-v] [--trace] [--only WORD ...]

-v echoes every flow's whole transcript (otherwise a run's verdict lines, and a failing run's
last 40 lines); --trace prints each page the simulated user gets; --only runs the checks whose
name contains one of the words (client_credentials, device_code, abort, ...).
"""

from __future__ import annotations

import argparse
import html
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from drive import ROOT, free_port, read_form, start_provider  # noqa: E402

SERVICE_ID = "playground-service"
SERVICE_SECRET = "service-secret-7d3b9a1e5c2f4086b1d4e8a0c6f2b9d3"
DEVICE_ID = "playground-tv"
API_SCOPES = "api:read api:write"
COMPLETE = "flow complete: tokens obtained and verified"
TRACE = False
FLOW_TIMEOUT = 120.0  # s: a device run polls every 5 s; the user takes well under a second


@dataclass
class Run:
    """One flow command's exit code and whole output."""

    command: list[str]
    code: int | None = None
    lines: list[str] = field(default_factory=list)
    user: str = ""  # what the simulated user saw last (device runs)

    @property
    def text(self) -> str:
        return "".join(self.lines)


def flow_command(issuer: str, *args: str) -> list[str]:
    return [sys.executable, "-u", "-m", "playground", "flow", "--issuer", issuer, *args]


def run_flow(command: list[str], echo: bool,
             user: Callable[[dict[str, str]], str] | None = None) -> Run:
    """Run `command`, reading its output as it comes; with `user`, call it once the device
    grant's user code and verification URI are printed (the command is polling by then)."""
    run = Run(command)
    print("$ oauth-playground", " ".join(command[4:]), flush=True)
    proc = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, bufsize=1)
    assert proc.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    seen: dict[str, str] = {}
    deadline = time.monotonic() + FLOW_TIMEOUT
    try:
        while True:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                run.lines.append(f"[drive_grants] no exit after {FLOW_TIMEOUT:.0f} s: killed\n")
                break
            if line is None:
                break
            run.lines.append(line)
            if echo:
                sys.stdout.write(line)
            found = re.match(r"  (user_code|verification_uri|verification_uri_complete): (\S+)$",
                             line)
            if found:
                seen[found.group(1)] = found.group(2)
            # the code lines come as one block, then expires_in: act as the user after it
            if user and line.startswith("  expires_in:") and "user_code" in seen:
                try:
                    run.user = user(seen)
                except Exception as exc:  # the check reports it; the flow still runs out
                    run.user = f"the simulated user failed: {type(exc).__name__}: {exc}"
                run.lines.append(f"[drive_grants] user: {run.user}\n")
                if echo:
                    print(f"[drive_grants] user: {run.user}", flush=True)
                user = None
        run.code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        pass
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return run


# -- the user, at oidc-provider's device pages ----------------------------------------------
INPUT_FORM, CONFIRM_FORM = "op.deviceInputForm", "op.deviceConfirmForm"


def hidden_fields(page: str) -> dict[str, str]:
    return {m.group(1): html.unescape(m.group(2))
            for m in re.finditer(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)}


def form_action(page: str, form_id: str | None = None) -> str | None:
    pattern = (rf'<form[^>]*id="{re.escape(form_id)}"[^>]*action="([^"]+)"' if form_id
               else r'<form[^>]*action="([^"]+)"')
    found = re.search(pattern, page)
    return html.unescape(found.group(1)) if found else None


def title_of(page: str) -> str:
    found = re.search(r"<title>([^<]*)</title>", page)
    heading = re.search(r"<h1>([^<]*)</h1>", page)
    message = re.search(r'<p class="red">([^<]*)</p>', page)
    parts = [p.group(1).strip() for p in (found, heading, message) if p]
    return " / ".join(dict.fromkeys(parts))


def device_user(decision: str, complete: bool = False, user: str = "alice"
                ) -> Callable[[dict[str, str]], str]:
    """The user on another device: open the verification URI (or the complete one), enter the
    code, confirm it (or abort: `decision="abort"`), sign in, allow (or cancel the consent:
    `decision="cancel"`). Returns what the last page said."""

    def act(codes: dict[str, str]) -> str:
        start = codes.get("verification_uri_complete") if complete else None
        url, method, form = start or codes["verification_uri"], "GET", None
        with httpx.Client(follow_redirects=False, timeout=10) as browser:
            for _ in range(25):
                response = browser.request(method, url, data=form)
                if TRACE:
                    print(f"[user] {method} {url} -> {response.status_code} "
                          f"{response.headers.get('location', '')} {title_of(response.text)}")
                if response.is_redirect:
                    url = urljoin(url, response.headers["location"])
                    method, form = "GET", None
                    continue
                page = response.text
                if response.status_code != 200:
                    return f"HTTP {response.status_code}: {title_of(page) or page[:200]}"
                if form_action(page, INPUT_FORM) and '<p class="red">' in page:
                    return title_of(page)  # the code form again, with oidc-provider's error
                if form_action(page, INPUT_FORM):  # the code form (§3.3): type the code
                    url = urljoin(str(response.url), form_action(page, INPUT_FORM) or "")
                    method = "POST"
                    form = {**hidden_fields(page), "user_code": codes["user_code"]}
                elif form_action(page, CONFIRM_FORM):  # "is this the code on your device?"
                    url = urljoin(str(response.url), form_action(page, CONFIRM_FORM) or "")
                    method, form = "POST", hidden_fields(page)
                    if decision == "abort":  # the page's [ Abort ] button: abort=yes
                        form.pop("confirm", None)
                        form["abort"] = "yes"
                elif 'name="prompt"' in page:  # devInteractions: login, then consent
                    prompt = re.search(r'name="prompt" value="([^"]+)"', page)
                    cancel = re.search(r'<a href="([^"]+/abort)">\[ Cancel \]</a>', page)
                    if decision == "cancel" and prompt and prompt.group(1) == "consent" and cancel:
                        url = urljoin(str(response.url), html.unescape(cancel.group(1)))
                        method, form = "GET", None
                    else:
                        url, form = read_form(response, user)
                        method = "POST"
                elif form_action(page) and "document.forms[0].submit()" in page:
                    # verification_uri_complete answers an auto-submitting form_post page
                    url = urljoin(str(response.url), form_action(page) or "")
                    method, form = "POST", hidden_fields(page)
                else:
                    return title_of(page) or page[:200]
        return "no final page after 25 hops"

    return act


# -- the checks ------------------------------------------------------------------------------
@dataclass
class Check:
    name: str
    args: Callable[[dict[str, str]], list[str]]  # what earlier checks gave -> flow arguments
    expect_code: int
    expect_text: tuple[str, ...]
    user: Callable[[dict[str, str]], str] | None = None
    expect_user: str | None = None  # a phrase the user's last page must show
    gives: str | None = None  # keep this token of the answer for later checks
    needs: str | None = None  # a token an earlier check must have given


SUMMARY = re.compile(r"^(access_token: |id_token: |  refresh_token: |  scope: |  polls: "
                     r"|    #\d+ at |  FAILED: |flow )")


def summary_lines(text: str) -> list[str]:
    """The verdicts of a transcript: tokens, scope, polls, the last line."""
    return [line.rstrip() for line in text.splitlines() if SUMMARY.match(line)]


def device(_given: dict[str, str]) -> list[str]:
    return ["--grant", "device_code", "--client-id", DEVICE_ID, "--manual"]


def service(secret: str, scope: str) -> Callable[[dict[str, str]], list[str]]:
    return lambda _given: ["--grant", "client_credentials", "--client-id", SERVICE_ID,
                           "--client-secret", secret, "--scope", scope]


INTERRUPTED = "The Sign-in request was interrupted"  # oidc-provider's page after an abort
CHECKS = [
    Check("client_credentials", service(SERVICE_SECRET, API_SCOPES), 0,
          (COMPLETE, "typ is at+jwt", "signature verified", f"scope: {API_SCOPES}")),
    Check("client_credentials, wrong secret", service("not-the-secret", "api:read"), 1,
          ("invalid_client",)),
    Check("device_code, code typed at verification_uri", device, 0,
          (COMPLETE, "authorization_pending", "id_token: all"),
          device_user("approve"), "Sign-in Success", gives="refresh_token"),
    Check("device_code, verification_uri_complete", device, 0, (COMPLETE,),
          device_user("approve", complete=True), "Sign-in Success"),
    Check("device_code, user aborts on the confirmation page", device, 1,
          ("access_denied",), device_user("abort"), INTERRUPTED),
    Check("device_code, user cancels the consent", device, 1, ("access_denied",),
          device_user("cancel"), INTERRUPTED),
    Check("refresh_token, the device grant's",
          lambda given: ["--grant", "refresh_token", "--client-id", DEVICE_ID,
                         "--refresh-token", given["refresh_token"]],
          0, (COMPLETE,), needs="refresh_token"),
]


def token_of(text: str, name: str) -> str | None:
    """The last `name` in the token endpoint's JSON answers of a transcript."""
    found = re.findall(rf'"{name}":\s*"([^"]+)"', text)
    return found[-1] if found else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="echo every transcript")
    parser.add_argument("--trace", action="store_true",
                        help="print each request the simulated user makes, and the answer")
    parser.add_argument("--only", nargs="+", metavar="WORD",
                        help="run the checks whose name contains any of these words")
    args = parser.parse_args()
    global TRACE
    TRACE = args.trace
    checks = [c for c in CHECKS if not args.only or any(w in c.name for w in args.only)]

    port = free_port()
    provider = start_provider(port)
    issuer = f"http://localhost:{port}"
    print(f"oidc-provider at {issuer}", flush=True)
    results: list[tuple[str, bool, str]] = []
    given: dict[str, str] = {}
    try:
        for check in checks:
            if check.needs and check.needs not in given:
                results.append((check.name, False, f"no {check.needs} from an earlier check"))
                print(f"FAIL  {check.name}: no {check.needs} from an earlier check "
                      "(run it with the device checks)", flush=True)
                continue
            run = run_flow(flow_command(issuer, *check.args(given)), args.verbose, check.user)
            problems = []
            if run.code != check.expect_code:
                problems.append(f"exit {run.code}, expected {check.expect_code}")
            problems += [f"no {t!r} in the output" for t in check.expect_text
                         if t not in run.text]
            if check.expect_user and check.expect_user not in run.user:
                problems.append(f"the user's last page: {run.user!r}")
            if check.gives:
                token = token_of(run.text, check.gives)
                if token:
                    given[check.gives] = token
                else:
                    problems.append(f"no {check.gives} in the token answer")
            ok = not problems
            detail = "; ".join(problems) or f"exit {run.code}"
            if run.user:
                detail += f"; user's last page: {run.user}"
            results.append((check.name, ok, detail))
            print(f"{'PASS' if ok else 'FAIL'}  {check.name}: {detail}", flush=True)
            for line in summary_lines(run.text) if ok else run.lines[-40:]:
                print(f"      {line.rstrip()}")
    finally:
        provider.kill()
        provider.wait()
    failed = [name for name, ok, _ in results if not ok]
    print(f"\n{len(results) - len(failed)}/{len(results)} passed"
          + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    return 1 if failed or not results else 0


if __name__ == "__main__":
    raise SystemExit(main())
