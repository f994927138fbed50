"""What the control API's request journal costs `serve`: the same flows with it on and off.

    .venv/bin/python benchmarks/control_cost.py                 # 3 rounds of 5 s each way
    .venv/bin/python benchmarks/control_cost.py --rounds 5 --seconds 8

`serve` (the journal on, its default since issue 12) and `serve --no-control-api` run in turn,
each on its own port with `--signers 0` (all server work in one process), driven by
benchmarks/flows.py's complete flows (8 concurrent, authorize → sign in → consent → token). The
server's CPU per flow comes from /proc before and after each run (warm-up included in both, so
compare the ratio); the rounds alternate so drift hits both. A benchmark: it prints, it does not
assert.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from common import PYTHON, ROOT, cpu_seconds, free_port, median, stop, wait_port

FLOWS = [PYTHON, str(ROOT / "benchmarks" / "flows.py"), "--kind", "playground"]


def one_run(control: bool, seconds: float) -> dict[str, float]:
    """One server, one driver run: flows/s and server CPU ms per flow."""
    port = free_port()
    command = [PYTHON, "-m", "playground", "serve", "--port", str(port), "--signers", "0",
               *([] if control else ["--no-control-api"])]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_port(port, proc)
        before = cpu_seconds(proc.pid)
        done = subprocess.run([*FLOWS, "--seconds", str(seconds), f"http://127.0.0.1:{port}"],
                              capture_output=True, text=True, timeout=seconds + 120, check=True)
        used = cpu_seconds(proc.pid) - before
    finally:
        stop(proc)
    result = json.loads(done.stdout)
    flows = result["flows"] + result["warmup_flows"]
    return {"per_second": result["per_second"], "cpu_ms_per_flow": 1000 * used / flows}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    runs: dict[bool, list[dict[str, float]]] = {True: [], False: []}
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(ROOT / "playground")], check=False)
    for round_ in range(args.rounds):
        for control in ((True, False) if round_ % 2 == 0 else (False, True)):
            runs[control].append(one_run(control, args.seconds))
    on, off = (median([r["cpu_ms_per_flow"] for r in runs[c]]) for c in (True, False))
    rate_on, rate_off = (median([r["per_second"] for r in runs[c]]) for c in (True, False))
    print(f"journal on : {on:.2f} ms server CPU a flow, {rate_on:.0f} flows/s (median of "
          f"{args.rounds})")
    print(f"journal off: {off:.2f} ms server CPU a flow, {rate_off:.0f} flows/s")
    print(f"ratio on/off: CPU per flow {on / off:.2f}x, flows/s {rate_on / rate_off:.2f}x")
    print("rounds (CPU ms a flow, on/off): " + ", ".join(
        f"{a['cpu_ms_per_flow']:.2f}/{b['cpu_ms_per_flow']:.2f}"
        for a, b in zip(runs[True], runs[False], strict=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
