"""Token endpoint throughput: refresh_token grants and authorization_code redemptions.

For one server (ours via `oauth-playground serve`, or node oidc-provider): mint codes through
real flows (benchmarks/flows.py, `mint`), then drive the token endpoint with
benchmarks/loadgen.py — 8 keep-alive connections, bounded count and time, loopback — first
redeeming the codes (each once, with its verifier), then refreshing one refresh token of the
confidential client (not rotated on either server). The server's CPU use over each run is
reported next to the generator's.
"""

from __future__ import annotations

import base64
import json
import tempfile
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from common import (
    PYTHON,
    WEB_CLIENT,
    WEB_SECRET,
    Target,
    cpu_seconds,
    run_json,
)

HERE = Path(__file__).resolve().parent
CONNECTIONS = int(__import__("os").environ.get("BENCH_CONN", "8"))
CODES = 2500
REFRESH_COUNT = 30000
SECONDS = 8.0


def _request(endpoint: str, form: dict[str, str]) -> str:
    url = urlsplit(endpoint)
    body = urlencode(form)
    basic = base64.b64encode(f"{WEB_CLIENT}:{WEB_SECRET}".encode()).decode()
    return (f"POST {url.path} HTTP/1.1\r\nHost: {url.netloc}\r\n"
            f"Authorization: Basic {basic}\r\nAccept: application/json\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n\r\n{body}")


def _load(target: Target, requests: list[str], *, repeat: bool, count: int,
          seconds: float) -> dict:  # type: ignore[type-arg]
    port = urlsplit(target.issuer).port
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as job:
        json.dump({"port": port, "requests": requests, "repeat": repeat, "count": count,
                   "seconds": seconds, "connections": CONNECTIONS}, job)
    cpu0 = cpu_seconds(target.pid)
    result = run_json([PYTHON, str(HERE / "loadgen.py"), job.name])
    result["server_cpu"] = (cpu_seconds(target.pid) - cpu0) / result["seconds"]
    Path(job.name).unlink()
    return result


def measure(target: Target, codes: int = CODES) -> dict[str, dict]:  # type: ignore[type-arg]
    """{"authorization_code": loadgen result, "refresh_token": loadgen result}."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "minted.json"
        run_json([PYTHON, str(HERE / "flows.py"), target.issuer, "--kind", target.kind,
                  "--mode", "mint", "--count", str(codes + 200), "--out", str(out)])
        minted = json.loads(out.read_text())
    endpoint, redirect = minted["token_endpoint"], minted["redirect_uri"]
    redemptions = [_request(endpoint, {"grant_type": "authorization_code", "code": code,
                                       "redirect_uri": redirect, "code_verifier": verifier})
                   for code, verifier in minted["codes"]]
    _load(target, redemptions[:200], repeat=False, count=200, seconds=SECONDS)  # warm-up
    results = {"authorization_code": _load(target, redemptions[200:], repeat=False,
                                           count=codes, seconds=SECONDS)}
    refresh = [_request(endpoint, {"grant_type": "refresh_token",
                                   "refresh_token": minted["refresh_token"]})]
    _load(target, refresh, repeat=True, count=500, seconds=SECONDS)  # warm-up
    results["refresh_token"] = _load(target, refresh, repeat=True, count=REFRESH_COUNT,
                                     seconds=SECONDS)
    return results
