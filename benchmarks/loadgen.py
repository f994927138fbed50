"""A small HTTP/1.1 load generator: N keep-alive connections on loopback, bounded count and time.

Runs in a process of its own so it never shares an interpreter with the server it measures. Every
request is built before the clock starts (raw bytes; one per request for code redemptions, one
repeated for refresh grants); every response's status is checked, so errors never count as
throughput. Reports its own CPU use: near 1.0 would mean the
generator, not the server, is the bottleneck. (Plain asyncio: under uvloop 0.23 this protocol
stalled after its first writes.)

    python benchmarks/loadgen.py JOB.json     # prints one JSON line of results

JOB: {"port", "requests": [str, ...] (raw HTTP requests, latin-1), "repeat": bool,
      "connections": 8, "count": N, "seconds": S}
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from pathlib import Path


class Connection(asyncio.Protocol):
    """One keep-alive connection sending the next request as soon as a response is complete."""

    def __init__(self, bench: Bench) -> None:
        self.bench = bench
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.sent_at = 0.0
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.send()

    def send(self) -> None:
        request = self.bench.next_request()
        assert self.transport is not None
        if request is None:
            self.transport.close()
            return
        self.sent_at = time.perf_counter()
        self.transport.write(request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buffer[:end]).lower()
            length = 0
            for line in head.split(b"\r\n")[1:]:
                if line.startswith(b"content-length:"):
                    length = int(line[15:])
                elif line.startswith(b"transfer-encoding:"):
                    raise RuntimeError("chunked responses are not supported")
            if len(self.buffer) < end + 4 + length:
                return
            status = int(head[9:12])
            if status != 200 and not self.bench.sample:
                self.bench.sample = bytes(self.buffer[end + 4: end + 4 + length])[:300]
            del self.buffer[: end + 4 + length]
            self.bench.record(status, time.perf_counter() - self.sent_at)
            self.send()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_result(None)


class Bench:
    def __init__(self, job: dict) -> None:  # type: ignore[type-arg]
        self.requests = [r.encode("latin-1") for r in job["requests"]]
        self.repeat = bool(job.get("repeat"))
        self.count = int(job["count"]) if self.repeat else min(int(job["count"]),
                                                               len(self.requests))
        self.seconds = float(job["seconds"])
        self.sent = 0
        self.deadline = 0.0
        self.statuses: Counter[int] = Counter()
        self.latencies: list[float] = []
        self.sample: bytes = b""

    def next_request(self) -> bytes | None:
        if self.sent >= self.count or time.perf_counter() > self.deadline:
            return None
        request = self.requests[0] if self.repeat else self.requests[self.sent]
        self.sent += 1
        return request

    def record(self, status: int, latency: float) -> None:
        self.statuses[status] += 1
        self.latencies.append(latency)


async def run(job: dict) -> dict:  # type: ignore[type-arg]
    loop = asyncio.get_running_loop()
    bench = Bench(job)
    bench.deadline = time.perf_counter() + bench.seconds
    cpu0, start = time.process_time(), time.perf_counter()
    connections = []
    for _ in range(int(job.get("connections", 8))):
        _, conn = await loop.create_connection(lambda: Connection(bench), "127.0.0.1",
                                               int(job["port"]))
        connections.append(conn)
    await asyncio.gather(*(c.done for c in connections))
    elapsed = time.perf_counter() - start
    answered = sum(bench.statuses.values())
    lat = sorted(bench.latencies) or [float("nan")]
    return {
        "requests": answered, "ok": bench.statuses.get(200, 0),
        "statuses": {str(k): v for k, v in sorted(bench.statuses.items())},
        "seconds": elapsed, "per_second": bench.statuses.get(200, 0) / elapsed,
        "p50_ms": lat[len(lat) // 2] * 1000, "p99_ms": lat[int(len(lat) * 0.99)] * 1000,
        "generator_cpu": (time.process_time() - cpu0) / elapsed,
        "error_sample": bench.sample.decode("utf-8", "replace"),
    }


def main() -> int:
    job = json.loads(Path(sys.argv[1]).read_text())
    print(json.dumps(asyncio.run(run(job))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
