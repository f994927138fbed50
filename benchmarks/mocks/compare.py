"""Our `oauth-playground serve` against three mock OAuth/OIDC servers, on the same work, in one run.

    .venv/bin/python benchmarks/mocks/compare.py              # set-up + everything, ~2 minutes
    .venv/bin/python benchmarks/mocks/compare.py --spawns 3 --seconds 2

Compared: oidc-provider-mock and nanoidp (PyPI, in the scratch venv benchmarks/mocks/.venv) and
node oauth2-mock-server (npm, in benchmarks/mocks/node_modules); install.py sets them up, and
servers.py says how each is configured and started. A tool that cannot be installed or started
here is reported as `skipped: <reason>`, never with a number.

Figures, each measured in this run for every server:

1. Time to first discovery answer: from just before the process is spawned until
   `GET /.well-known/openid-configuration` first answers 200 (polled every 10 ms); one unmeasured
   spawn per server first (it warms the disk cache and lets nanoidp write its keys), then the
   median of `--spawns` spawns, the servers taking turns. Python packages are byte-compiled first
   (this machine sets PYTHONDONTWRITEBYTECODE=1).
2. Complete flows per second: authorize → the server's own sign-in → code → token request with the
   PKCE verifier (drive.py), 8 concurrent fresh user agents for `--seconds` after a 0.5 s warm-up;
   only flows that end with an access token count. The server's CPU time (its process and its
   children, from /proc) over the measured part, divided by the flows, is printed beside it: the
   driver shares the 2 cores, so flows/s is partly bounded by the client.
3. Strictness checks (checks.py): eleven requests a certified server refuses, each pass/fail
   with the HTTP status seen; also against the two Python mocks' out-of-the-box defaults.

Writes benchmarks/mocks/results.md and results.json. Always exits 0: benchmarks report.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import subprocess
import sys
import time
import traceback
from collections.abc import Iterator
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

import install
import report
from checks import run_checks
from drive import Target, run_flows
from servers import SPECS, Credentials, Spec, spawned

sys.path.insert(0, str(install.ROOT / "benchmarks"))
from common import cpu_seconds, free_port, median


def wait_discovery(port: int, proc: subprocess.Popen[bytes], limit: float = 60) -> dict:  # type: ignore[type-arg]
    """Poll the discovery document until it answers 200; its JSON."""
    url = f"http://127.0.0.1:{port}/.well-known/openid-configuration"
    deadline = time.perf_counter() + limit
    with httpx.Client(timeout=2) as client:
        while time.perf_counter() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"exited with {proc.returncode} before answering "
                                   f"(see {install.WORK.name}/*.log)")
            with contextlib.suppress(httpx.HTTPError):
                response = client.get(url)
                if response.status_code == 200:
                    return response.json()  # type: ignore[no-any-return]
            time.sleep(0.01)
    raise RuntimeError(f"no discovery answer after {limit:g} s")


def time_to_discovery(spec: Spec) -> float:
    port = free_port()
    began = time.perf_counter()
    with spawned(spec, port) as proc:
        wait_discovery(port, proc)
        return (time.perf_counter() - began) * 1000


def register(issuer: str, meta: dict) -> Credentials:  # type: ignore[type-arg]
    """RFC 7591 registration of our client's shape (oidc-provider-mock's strict mode)."""
    creds = Credentials()
    body = {"redirect_uris": [creds.redirect], "token_endpoint_auth_method": "client_secret_basic"}
    answer = httpx.post(meta.get("registration_endpoint", f"{issuer}/oauth2/clients"), json=body)
    answer.raise_for_status()
    data = answer.json()
    return Credentials(data["client_id"], data["client_secret"], creds.redirect)


@contextlib.contextmanager
def running(spec: Spec) -> Iterator[Target]:
    port = free_port()
    with spawned(spec, port) as proc:
        meta = wait_discovery(port, proc)
        issuer = f"http://127.0.0.1:{port}"
        creds = register(issuer, meta) if spec.register else Credentials()
        yield Target(spec.kind, issuer, proc.pid, creds, meta)


def measure_startup(specs: list[Spec], spawns: int, results: dict) -> None:  # type: ignore[type-arg]
    runs: dict[str, list[float]] = {s.name: [] for s in specs}
    failed: dict[str, str] = {}
    for round_ in range(spawns + 1):  # round 0 is the unmeasured warm-up
        for spec in specs:
            if spec.name in failed:
                continue
            try:
                ms = time_to_discovery(spec)
            except (RuntimeError, OSError) as exc:
                failed[spec.name] = str(exc)
                continue
            if round_:
                runs[spec.name].append(round(ms, 1))
        print(f"  start-up round {round_}/{spawns} done", flush=True)
    for spec in specs:
        results[spec.name]["startup"] = (
            {"error": failed[spec.name]} if spec.name in failed
            else {"median_ms": round(median(runs[spec.name]), 1), "runs_ms": runs[spec.name]})


def measure_server(spec: Spec, seconds: float, entry: dict) -> None:  # type: ignore[type-arg]
    try:
        with running(spec) as target:
            entry["checks"] = {k: vars(v) for k, v in asyncio.run(run_checks(target)).items()}
            if not spec.checks_only:
                entry["flows"] = asyncio.run(run_flows(target, seconds, cpu_seconds))
    except (RuntimeError, OSError, httpx.HTTPError) as exc:
        entry["error"] = f"{type(exc).__name__}: {exc}"[:300]


def set_up(specs: list[Spec]) -> dict:  # type: ignore[type-arg]
    results = {}
    for spec in specs:
        problem = spec.setup()
        version = spec.version() if problem is None else None
        results[spec.name] = {"config": spec.config, "version": version, "skipped": problem,
                              "checks_only": spec.checks_only}
        print(f"  {spec.name}: {'skipped: ' + problem if problem else version}", flush=True)
    install.compile_python()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--spawns", type=int, default=5, help="measured spawns per server")
    parser.add_argument("--seconds", type=float, default=5.0, help="flows run length")
    args = parser.parse_args()
    began = time.perf_counter()
    print("set-up", flush=True)
    results = set_up(SPECS)
    ready = [s for s in SPECS if not results[s.name]["skipped"]]
    print("time to first discovery answer", flush=True)
    measure_startup([s for s in ready if not s.checks_only], args.spawns, results)
    for spec in ready:
        print(f"strictness checks{'' if spec.checks_only else ' + flows'}: {spec.name}", flush=True)
        measure_server(spec, args.seconds, results[spec.name])
    run = {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
           "command": " ".join([".venv/bin/python", "benchmarks/mocks/compare.py", *sys.argv[1:]]),
           "spawns": args.spawns, "seconds": args.seconds,
           "elapsed_s": round(time.perf_counter() - began, 1), "servers": results}
    print(report.write(run))
    return 0


if __name__ == "__main__":
    try:
        main()
    except Exception:  # a benchmark reports; it never fails the command
        traceback.print_exc()
    sys.exit(0)
