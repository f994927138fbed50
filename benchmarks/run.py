"""Run every benchmark of issue 6 and print one table: each figure, its reference measured in the
same run, the ratio, the target and whether it is met. Writes benchmarks/results.md and
benchmarks/results.json. Needs no display (Qt runs offscreen). Without node/npm the
oidc-provider comparisons say "skipped: <reason>". Exit status 0 whatever the figures say:
benchmarks report, tests assert.

    .venv/bin/python benchmarks/run.py                 # everything (`make bench`), ~6 minutes
    .venv/bin/python benchmarks/run.py --only startup,lifecycle --runs 5
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import throughput
from common import (
    HERE,
    PYTHON,
    Skipped,
    Target,
    cpu_seconds,
    env,
    median,
    oidc_provider,
    playground_server,
    run_json,
)

FRAME_MS = 16.0


@dataclass
class Row:
    figure: str
    measured: str
    reference: str
    ratio: str
    target: str
    result: str  # "met", "missed", "skipped: …", "error: …"


def _probe(mode: str) -> tuple[float, dict]:  # type: ignore[type-arg]
    """Spawn benchmarks/ui_probe.py MODE; (ms from spawn to its `painted`, its report)."""
    spawned = time.time()
    report = run_json([PYTHON, str(HERE / "ui_probe.py"), mode], timeout=120)
    return (report.get("painted", spawned) - spawned) * 1000, report


def _compile_playground() -> None:
    """Bytecode for the app's own modules, as an installed package or a bundle has (PySide6 and
    the other dependencies got theirs from pip): with PYTHONDONTWRITEBYTECODE set, as on some
    CI machines, every start would otherwise compile ~100 modules from source."""
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(HERE.parent / "playground")],
                   check=False, capture_output=True)


def startup(runs: int) -> list[Row]:
    _compile_playground()
    bare_ms, app_ms, bare_rss, app_rss, ready_ms = [], [], [], [], []
    for _ in range(runs):  # alternate, so drift on a shared machine hits both alike
        ms, report = _probe("bare")
        bare_ms.append(ms)
        bare_rss.append(report["rss_mib"])
        spawned = time.time()
        report = run_json([PYTHON, str(HERE / "ui_probe.py"), "app"], timeout=120)
        app_ms.append((report["painted"] - spawned) * 1000)
        app_rss.append(report["rss_mib"])
        ready = report["server_ready"]
        ready_ms.append((ready - spawned) * 1000 if ready is not None else float("inf"))
    bare, rss = median(bare_ms), median(app_rss)
    reference = f"bare PySide6 window {bare:.0f} ms, RSS {median(bare_rss):.0f} MiB"
    paint, ready = median(app_ms) / bare, median(ready_ms) / bare
    return [Row(f"cold start to first paint (median of {runs})",
                f"{median(app_ms):.0f} ms, RSS {rss:.0f} MiB", reference, f"{paint:.2f}x",
                "<= 1.6x, RSS <= 130 MiB", "met" if paint <= 1.6 and rss <= 130 else "missed"),
            Row(f"cold start to the embedded server ready (median of {runs})",
                f"{median(ready_ms):.0f} ms", reference, f"{ready:.2f}x", "<= 2.5x",
                "met" if ready <= 2.5 else "missed")]


def stall(runs: int) -> list[Row]:
    reports = [run_json([PYTHON, str(HERE / "ui_probe.py"), "stall"], timeout=120)
               for _ in range(max(1, runs // 2))]
    worst = max(r["max_gap_ms"] for r in reports)
    flow_ms = median([r["flow_ms"] for r in reports])
    return [Row(f"longest UI event-loop stall during the --auto flow (worst of {len(reports)})",
                f"{worst:.1f} ms (flow {flow_ms:.0f} ms)", f"one frame {FRAME_MS:.0f} ms",
                f"{worst / FRAME_MS:.2f}x", "<= 16 ms", "met" if worst <= FRAME_MS else "missed")]


def _best(results: list[dict]) -> dict:  # type: ignore[type-arg]
    """Per grant, the round with the most requests/s (drift on a shared machine only slows)."""
    return {grant: max((r[grant] for r in results), key=lambda x: x["per_second"])
            for grant in results[0]}


def _round_ratios(ours: list[dict], theirs: list[dict], grant: str) -> str:  # type: ignore[type-arg]
    """The ratio of each round (ours against the oidc-provider run right after it)."""
    ratios = [a[grant]["per_second"] / b[grant]["per_second"]
              for a, b in zip(ours, theirs, strict=True)]
    return ", ".join(f"{r:.2f}" for r in ratios)


def token_throughput(runs: int) -> list[Row]:
    rounds = 3 if runs >= 5 else 1
    ours, theirs = [], []
    skipped = None
    for _ in range(rounds):  # alternate the servers, so drift hits both alike
        with playground_server() as target:
            ours.append(throughput.measure(target))
        if skipped is None:
            try:
                with oidc_provider() as target:
                    theirs.append(throughput.measure(target))
            except Skipped as exc:
                skipped = str(exc)
    best = _best(ours)
    if skipped is not None:
        return [Row(f"token endpoint, {grant} grant", _rps(best[grant]), "oidc-provider", "-",
                    ">= 1.5x", f"skipped: {skipped}") for grant in best]
    other = _best(theirs)
    rows = []
    for grant in ("refresh_token", "authorization_code"):
        ratio = best[grant]["per_second"] / other[grant]["per_second"]
        rows.append(Row(f"token endpoint, {grant} grant (8 connections, best of {rounds})",
                        _rps(best[grant]), "oidc-provider " + _rps(other[grant]),
                        f"{ratio:.2f}x (rounds: {_round_ratios(ours, theirs, grant)})",
                        ">= 1.5x", "met" if ratio >= 1.5 else "missed"))
    return rows


def _rps(result: dict) -> str:  # type: ignore[type-arg]
    errors = result["requests"] - result["ok"]
    return (f"{result['per_second']:.0f} req/s ({result['ok']} ok"
            f"{f', {errors} failed' if errors else ''}; p50 {result['p50_ms']:.1f} ms; "
            f"server CPU {result['server_cpu']:.2f}, generator CPU {result['generator_cpu']:.2f})")


def _flows(target: Target, seconds: float) -> dict:  # type: ignore[type-arg]
    cpu0 = cpu_seconds(target.pid)
    result = run_json([PYTHON, str(HERE / "flows.py"), target.issuer, "--kind", target.kind,
                       "--mode", "flows", "--seconds", str(seconds), "--count", "100000"])
    # The driver warms up for ~1 s before its measured window; count that CPU's flows too.
    result["server_cpu_ms_per_flow"] = (cpu_seconds(target.pid) - cpu0) * 1000 / max(
        1, result["flows"] + result.get("warmup_flows", 0))
    return result


def _flow_text(result: dict) -> str:  # type: ignore[type-arg]
    return (f"{result['per_second']:.0f} flows/s (server CPU {result['server_cpu_ms_per_flow']:.1f}"
            f" ms a flow; driver CPU {result['driver_cpu']:.2f})")


def flows(runs: int) -> list[Row]:
    with playground_server() as target:
        ours = _flows(target, 5.0)
    text = _flow_text(ours)
    try:
        with oidc_provider() as target:
            theirs = _flows(target, 5.0)
    except Skipped as exc:
        return [Row("complete headless PKCE flows", text, "oidc-provider", "-", ">= 1.0x",
                    f"skipped: {exc}")]
    ratio = ours["per_second"] / theirs["per_second"]
    return [Row("complete headless PKCE flows (8 concurrent user agents)", text,
                f"oidc-provider {_flow_text(theirs)}", f"{ratio:.2f}x", ">= 1.0x",
                "met" if ratio >= 1.0 else "missed")]


def inspector(runs: int) -> list[Row]:
    r = run_json([PYTHON, str(HERE / "ui_probe.py"), "inspector"], timeout=300)
    per_row = list(r["bytes_per_row"].values())
    spread = max(per_row) / min(per_row)
    filters = ", ".join(f"'{k}' {v:.0f}" for k, v in r["filter_ms"].items())
    linear = spread <= 1.25
    return [
        Row("inspector, 100,000 exchanges: filtering", f"max {r['max_filter_ms']:.0f} ms "
            f"({filters})", "-", "-", "<= 100 ms",
            "met" if r["max_filter_ms"] <= 100 else "missed"),
        Row("inspector, 100,000 exchanges: memory", "; ".join(
            f"{int(n) // 1000}k: {mib:.0f} MiB" for n, mib in r["memory_mib"].items()),
            f"{min(per_row):.0f}-{max(per_row):.0f} bytes/row", f"{spread:.2f} (max/min per row)",
            "grows linearly", "met" if linear else "missed"),
        Row("inspector, 100,000 exchanges: interactive", f"scroll to end + select "
            f"{r['scroll_select_ms']:.0f} ms; append {r['append_us_per_row']:.0f} us/row",
            f"one frame {FRAME_MS:.0f} ms", f"{r['scroll_select_ms'] / FRAME_MS:.2f}x",
            "stays interactive", "met" if r["scroll_select_ms"] <= 100 else "missed"),
    ]


def lifecycle(runs: int) -> list[Row]:
    r = run_json([PYTHON, str(HERE / "lifecycle.py")])
    return [
        Row(f"embedded server start (median of {r['runs']}, {r['stack']})",
            f"{r['start_ms']:.1f} ms (max {r['start_max_ms']:.1f})", "-", "-", "<= 10 ms",
            "met" if r["start_ms"] <= 10 else "missed"),
        Row("embedded server stop (one idle keep-alive connection)",
            f"{r['stop_ms']:.0f} ms (max {r['stop_max_ms']:.0f})", "-", "-", "<= 200 ms",
            "met" if r["stop_ms"] <= 200 else "missed"),
    ]


FIGURES: dict[str, Callable[[int], list[Row]]] = {
    "startup": startup, "stall": stall, "throughput": token_throughput, "flows": flows,
    "inspector": inspector, "lifecycle": lifecycle,
}


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{os.cpu_count()} cores ({model}), {platform.system()} {platform.machine()}, "
            f"Python {platform.python_version()}")


def table(rows: list[Row]) -> str:
    lines = ["| figure | measured | reference (same run) | ratio | target | result |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {r.figure} | {r.measured} | {r.reference} | {r.ratio} | {r.target} | "
              f"{r.result} |" for r in rows]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help=f"comma-separated subset of {', '.join(FIGURES)}")
    parser.add_argument("--runs", type=int, default=7, help="runs of the start-up figures")
    args = parser.parse_args()
    os.environ.update(env())
    chosen = args.only.split(",") if args.only else list(FIGURES)
    rows: list[Row] = []
    for name in chosen:
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        try:
            rows += FIGURES[name](args.runs)
        except Skipped as exc:
            rows.append(Row(name, "-", "-", "-", "-", f"skipped: {exc}"))
        except Exception as exc:  # a broken figure must not hide the others
            last = [ln.strip() for ln in str(exc).splitlines() if ln.strip()][-1:] or ["?"]
            rows.append(Row(name, "-", "-", "-", "-",
                            f"error: {last[0]}"[:200].replace("|", "/")))
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = table(rows)
    print(text)
    command = "make bench  (.venv/bin/python benchmarks/run.py" + \
        (f" --only {args.only}" if args.only else "") + ")"
    (HERE / "results.md").write_text(
        f"# Benchmark results\n\n{stamp} · {machine()} · `{command}`\n\n{text}\n")
    (HERE / "results.json").write_text(json.dumps(
        {"date": stamp, "machine": machine(), "command": command,
         "rows": [asdict(r) for r in rows]}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
