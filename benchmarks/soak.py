"""Soak: complete flows against `serve` for minutes, sampling the server's memory and CPU.

8 concurrent fresh user agents (benchmarks/flows.py's driver) each loop over one complete flow:
authorize → sign in → consent → redirect with `code` → token request with the verifier (HTTP
Basic, `playground-web`) → one refresh_token grant. Every `--interval` seconds the server's RSS
(`VmRSS`), its CPU seconds (`/proc`, helpers included) and the flows completed are sampled; the
table gives each interval's RSS, flows/s and server CPU ms per flow. The verdict compares the
last third of the samples after the warm-up with the first third: flat means RSS grew < 10 % and
CPU per flow stayed within ±15 %. The server's stdout (one line a request) and stderr are drained
by threads, so the pipes never fill.

    python benchmarks/soak.py                      # 10 minutes, a sample every 30 s
    python benchmarks/soak.py --minutes 1 --interval 5 --warmup 10

Results go to benchmarks/soak.json (`--out`). A benchmark, not a test: nothing asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    PYTHON,
    ROOT,
    WEB_CLIENT,
    WEB_SECRET,
    Target,
    cpu_seconds,
    env,
    free_port,
    stop,
    wait_port,
)
from flows import CONCURRENCY, Driver, new_client

HERE = Path(__file__).resolve().parent
RSS_LIMIT = 0.10   # RSS may grow 10 % from the first third to the last
CPU_LIMIT = 0.15   # CPU per flow may move ±15 %


@dataclass(frozen=True, slots=True)
class Sample:
    at: float          # seconds since the flows started
    rss_mib: float
    cpu_s: float       # server CPU seconds since start
    flows: int         # flows completed since start


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _drain(stream: IO[bytes], counter: list[int]) -> None:
    for _ in iter(stream.readline, b""):
        counter[0] += 1


@contextlib.contextmanager
def serve(signers: int, lines: list[int]) -> Iterator[Target]:
    """`serve` on a free port; threads drain its stdout and stderr (counting stdout lines)."""
    port = free_port()
    command = [PYTHON, "-m", "playground", "serve", "--port", str(port), "--signers",
               str(signers)]
    proc = subprocess.Popen(command, cwd=ROOT, env=env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    for stream, count in ((proc.stdout, lines), (proc.stderr, [0])):
        threading.Thread(target=_drain, args=(stream, count), daemon=True).start()
    try:
        wait_port(port, proc)
        yield Target(f"http://127.0.0.1:{port}", "playground", proc.pid)
    finally:
        stop(proc)


async def refresh(driver: Driver, client: httpx.AsyncClient, token: str) -> None:
    response = await client.post(driver.token, data={
        "grant_type": "refresh_token", "refresh_token": token}, auth=(WEB_CLIENT, WEB_SECRET))
    if response.status_code != 200:
        raise RuntimeError(f"refresh HTTP {response.status_code}: {response.text[:200]}")


async def one_flow(driver: Driver, client: httpx.AsyncClient) -> None:
    code, verifier = await driver.code(client)
    tokens = await driver.redeem(client, code, verifier)
    await refresh(driver, client, tokens["refresh_token"])


async def soak(target: Target, seconds: float, interval: float) -> list[Sample]:
    driver = Driver(target.issuer, "playground")
    done = 0
    deadline = time.monotonic() + seconds

    async def worker() -> None:
        nonlocal done
        async with new_client() as client:
            while time.monotonic() < deadline:
                await one_flow(driver, client)
                done += 1

    async def sampler(start: float, cpu0: float) -> list[Sample]:
        samples = [Sample(0.0, rss_mib(target.pid), 0.0, 0)]
        while (now := time.monotonic()) < deadline:
            await asyncio.sleep(min(interval, deadline - now))
            samples.append(Sample(time.monotonic() - start, rss_mib(target.pid),
                                  cpu_seconds(target.pid) - cpu0, done))
            print(row(samples[-2], samples[-1]), flush=True)
        return samples

    async with new_client() as client:
        await driver.discover(client)
    start, cpu0 = time.monotonic(), cpu_seconds(target.pid)
    results = await asyncio.gather(sampler(start, cpu0), *(worker() for _ in range(CONCURRENCY)))
    samples: list[Sample] = results[0]
    return samples


@dataclass(frozen=True, slots=True)
class Interval:
    end: float
    rss_mib: float
    flows_per_s: float
    cpu_ms_per_flow: float


def interval(a: Sample, b: Sample) -> Interval:
    flows = b.flows - a.flows
    return Interval(b.at, b.rss_mib, flows / (b.at - a.at),
                    1000 * (b.cpu_s - a.cpu_s) / flows if flows else float("nan"))


def row(a: Sample, b: Sample) -> str:
    i = interval(a, b)
    return (f"{i.end:7.0f} s  {i.rss_mib:8.1f} MiB  {i.flows_per_s:7.1f} flows/s  "
            f"{i.cpu_ms_per_flow:6.2f} ms CPU/flow")


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def verdict(intervals: list[Interval], warmup: float) -> dict[str, object]:
    """First third against last third of the intervals ending after the warm-up."""
    kept = [i for i in intervals if i.end > warmup]
    third = max(1, len(kept) // 3)
    if len(kept) < 2:
        return {"flat": None, "why": "too few samples after the warm-up"}
    first, middle, last = kept[:third], kept[third:-third] or kept[:third], kept[-third:]
    rss = _mean([i.rss_mib for i in last]) / _mean([i.rss_mib for i in first]) - 1
    settled = _mean([i.rss_mib for i in last]) / _mean([i.rss_mib for i in middle]) - 1
    cpu = _mean([i.cpu_ms_per_flow for i in last]) / _mean([i.cpu_ms_per_flow for i in first]) - 1
    rate = _mean([i.flows_per_s for i in last]) / _mean([i.flows_per_s for i in first]) - 1
    flat = rss < RSS_LIMIT and abs(cpu) <= CPU_LIMIT
    return {"flat": flat, "rss_growth": rss, "rss_growth_middle_to_last": settled,
            "cpu_per_flow_change": cpu,
            "flows_per_s_change": rate, "samples_per_third": third}


def describe(result: dict[str, object]) -> str:
    if result["flat"] is None:
        return f"verdict: {result['why']}"
    words = "FLAT" if result["flat"] else "NOT FLAT"
    return (f"verdict: {words} — last third vs first third after the warm-up: "
            f"RSS {result['rss_growth']:+.1%} (limit +{RSS_LIMIT:.0%}), "
            f"CPU/flow {result['cpu_per_flow_change']:+.1%} (limit ±{CPU_LIMIT:.0%}), "
            f"flows/s {result['flows_per_s_change']:+.1%}; RSS middle → last third "
            f"{result['rss_growth_middle_to_last']:+.1%}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--interval", type=float, default=30.0, help="seconds between samples")
    parser.add_argument("--warmup", type=float, default=60.0, help="seconds left out of the "
                        "verdict")
    parser.add_argument("--signers", type=int, default=0)
    parser.add_argument("--out", type=Path, default=HERE / "soak.json")
    args = parser.parse_args()
    lines = [0]
    print(f"{'end':>9}  {'RSS':>12}  {'rate':>15}  {'server CPU':>18}", flush=True)
    with serve(args.signers, lines) as target:
        samples = asyncio.run(soak(target, args.minutes * 60, args.interval))
    intervals = [interval(a, b) for a, b in itertools.pairwise(samples)]
    result = verdict(intervals, args.warmup)
    print(describe(result))
    print(f"{samples[-1].flows} flows, {lines[0]} log lines drained from the server's stdout")
    args.out.write_text(json.dumps({
        "minutes": args.minutes, "interval": args.interval, "warmup": args.warmup,
        "signers": args.signers, "concurrency": CONCURRENCY, "start_rss_mib": samples[0].rss_mib,
        "samples": [asdict(s) for s in samples], "intervals": [asdict(i) for i in intervals],
        "verdict": result}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
