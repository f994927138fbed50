"""Interop check: PAR, DPoP, private_key_jwt, client_secret_jwt and signed request objects of
`oauth-playground flow` against node `oidc-provider` on loopback (all on in provider.mjs).

Starts provider.mjs on a free port and runs, each as its own `python -m playground flow`:

- client_credentials as `playground-jwt` with `--auth-method client_secret_jwt` (RFC 7523 §2.2,
  HS256 with its secret): exit 0;
- client_credentials as `playground-fapi` with `--auth-method private_key_jwt --dpop` and the
  bundled demo key (the provider holds its public half): exit 0, a DPoP-bound token;
- the authorization code flow as `playground-fapi` with `--par --dpop --auth-method
  private_key_jwt` in `--manual` mode (this script plays the user with httpx on the provider's
  devInteractions pages and pastes the redirect): exit 0 — the pushed request, the DPoP-bound
  tokens, and UserInfo with a proof;
- the same with `--request-object` (a signed request object pushed via PAR, RFC 9101): exit 0;
- `playground-fapi` without `--par`: exit 1, the provider refuses (it requires PAR);
- the seed's public client with `--dpop` (no PAR): the code is bound with `dpop_jkt` (RFC 9449
  §10): exit 0.

Prints PASS/FAIL per run; exits 1 on any failure. Not a unit test: it needs Node ≥ 20 and
`npm install` in this directory. Usage (from the project root):

    .venv/bin/python benchmarks/oidc-provider/drive_hardening.py [-v]
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from drive import ROOT, free_port, play_browser, start_provider  # noqa: E402

KEY = ROOT / "playground/assets/client-keys/playground-fapi.jwk"
JWT_SECRET = "jwt-secret-5f1e9c3a7d2b4e6f8a0c1b3d5e7f9a2c4b6d8e0f"
FAPI = ["--client-id", "playground-fapi", "--auth-method", "private_key_jwt", "--key", str(KEY)]
CODE_FLOW = [*FAPI, "--par", "--dpop", "--scope", "openid email profile", "--manual"]


@dataclass(frozen=True)
class Check:
    name: str
    args: list[str]
    expect_exit: int
    expect_text: str


CHECKS = (
    Check("client_secret_jwt (client credentials)",
          ["--grant", "client_credentials", "--client-id", "playground-jwt", "--client-secret",
           JWT_SECRET, "--auth-method", "client_secret_jwt", "--scope", "api:read"], 0, ""),
    Check("private_key_jwt + DPoP (client credentials)",
          ["--grant", "client_credentials", *FAPI, "--dpop", "--scope", "api:read"], 0, "DPoP"),
    Check("PAR + DPoP + private_key_jwt (authorization code)", CODE_FLOW, 0, "request_uri"),
    Check("PAR + signed request object + DPoP + private_key_jwt",
          [*CODE_FLOW, "--request-object"], 0, "request_uri"),
    Check("a PAR-only client without PAR is refused", [*FAPI, "--dpop", "--manual"], 1, ""),
    Check("DPoP with dpop_jkt, the seed's public client (code flow, refresh token bound)",
          ["--dpop", "--manual"], 0, "dpop_jkt"),
)


def run(issuer: str, check: Check, verbose: bool) -> bool:
    command = [sys.executable, "-m", "playground", "flow", "--issuer", issuer, *check.args]
    flow = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    assert flow.stdin is not None and flow.stdout is not None
    lines: list[str] = []
    try:
        for line in flow.stdout:
            lines.append(line)
            url = line.strip()
            if "--manual" in check.args and url.startswith(issuer) and "client_id=" in url:
                flow.stdin.write(_play(url) + "\n")
                flow.stdin.flush()
        code = flow.wait(timeout=60)
    finally:
        if flow.poll() is None:
            flow.kill()
    output = "".join(lines)
    ok = code == check.expect_exit and check.expect_text in output
    print(f"{'PASS' if ok else 'FAIL'}  {check.name}: exit {code} (expected {check.expect_exit})")
    if verbose or not ok:
        print("".join(lines[-40:]) if not verbose else output)
    return ok


def _play(url: str) -> str:
    """The redirect the user's browser ends at, or an error line the flow will refuse."""
    try:
        return play_browser(url)
    except SystemExit as exc:
        return f"http://client.server.com/callback?error=access_denied&error_description={exc}"


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    port = free_port()
    provider = start_provider(port)
    try:
        results = [run(f"http://localhost:{port}", check, verbose) for check in CHECKS]
    finally:
        provider.kill()
        provider.wait()
    print(f"{sum(results)}/{len(results)} passed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
