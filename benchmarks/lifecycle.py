"""Embedded server start and stop, in this process (what the app pays when it starts or restarts
the server). Start: bind, build the app, start the thread, wait for uvicorn's `started`. Stop:
with one idle keep-alive connection open (as the app's HTTP client leaves it), `should_exit`,
join. Prints one JSON line."""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from playground.server import EmbeddedServer, runner

RUNS = 15


def main() -> int:
    starts, stops = [], []
    with httpx.Client() as client:
        for _ in range(RUNS):
            server = EmbeddedServer()
            began = time.perf_counter()
            server.start()
            starts.append((time.perf_counter() - began) * 1000)
            client.get(f"{server.issuer}/.well-known/openid-configuration").raise_for_status()
            began = time.perf_counter()
            server.stop()
            stops.append((time.perf_counter() - began) * 1000)
    loop = "uvloop" if runner.LOOP_FACTORY else "asyncio"
    print(json.dumps({"start_ms": statistics.median(starts), "stop_ms": statistics.median(stops),
                      "start_max_ms": max(starts), "stop_max_ms": max(stops), "runs": RUNS,
                      "stack": f"{runner.HTTP} + {loop}"}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
