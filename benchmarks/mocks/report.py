"""results.json and results.md from one run of compare.py (see its docstring for the figures)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from checks import CHECKS

HERE = Path(__file__).resolve().parent


def _figure(entry: dict[str, Any], key: str, field: str, unit: str = "") -> str:
    if entry.get("skipped"):
        return f"skipped: {entry['skipped']}"
    part = entry.get(key) or {}
    if "error" in part or (key != "startup" and "error" in entry):
        return f"error: {part.get('error') or entry.get('error')}"
    value = part.get(field)
    return "—" if value is None else f"{value:g}{unit}"


def _flows(entry: dict[str, Any]) -> str:
    text = _figure(entry, "flows", "per_second")
    flows = entry.get("flows") or {}
    if flows.get("failed"):
        text += f" ({flows['failed']} failed: {flows.get('first_error')})"
    return text


def _passed(entry: dict[str, Any]) -> str:
    if entry.get("skipped") or "checks" not in entry:
        return _figure(entry, "checks", "")
    outcomes = entry["checks"].values()
    text = f"{sum(o['passed'] is True for o in outcomes)}/{len(outcomes)}"
    unrun = sum(o["passed"] is None for o in outcomes)
    return text + (f" ({unrun} could not be run)" if unrun else "")


def figures_table(servers: dict[str, dict[str, Any]], spawns: int, seconds: float) -> list[str]:
    main = {k: v for k, v in servers.items() if not v["checks_only"]}
    rows = [
        ("version", lambda e: e.get("version") or "—"),
        ("configuration", lambda e: e["config"]),
        (f"time to first discovery answer, ms (median of {spawns} spawns)",
         lambda e: _figure(e, "startup", "median_ms")),
        (f"complete flows/s (8 concurrent, {seconds:g} s)", _flows),
        ("server CPU per flow, ms", lambda e: _figure(e, "flows", "server_cpu_ms_per_flow")),
        ("server CPU during the flows, cores", lambda e: _figure(e, "flows", "server_cpu_cores")),
        ("driver CPU during the flows, cores", lambda e: _figure(e, "flows", "driver_cpu_cores")),
        (f"strictness checks passed (of {len(CHECKS)})", _passed),
    ]
    lines = ["| | " + " | ".join(f"**{name}**" for name in main) + " |",
             "|---" * (len(main) + 1) + "|"]
    lines += [f"| {label} | " + " | ".join(cell(e) for e in main.values()) + " |"
              for label, cell in rows]
    return lines


def _cell(outcome: dict[str, Any] | None) -> str:
    if outcome is None:
        return "—"
    word = {True: "pass", False: "**FAIL**", None: "n/a"}[outcome["passed"]]
    return f"{word} {outcome['status']}" if outcome["status"] else word


def checks_table(servers: dict[str, dict[str, Any]]) -> list[str]:
    ran = {k: v for k, v in servers.items() if "checks" in v}
    lines = ["| check | " + " | ".join(ran) + " |", "|---" * (len(ran) + 1) + "|"]
    for name, title, _ in CHECKS:
        cells = [_cell(entry["checks"].get(name)) for entry in ran.values()]
        lines.append(f"| `{name}`: {title} | " + " | ".join(cells) + " |")
    return lines


def notes(servers: dict[str, dict[str, Any]]) -> list[str]:
    """What each server answered where it did not pass (and where a check could not run)."""
    lines = []
    for server, entry in servers.items():
        for name, outcome in (entry.get("checks") or {}).items():
            if outcome["passed"] is not True:
                lines.append(f"- {server}, `{name}`: HTTP {outcome['status']}, {outcome['note']}")
    for server, entry in servers.items():
        if entry.get("skipped") or entry.get("error"):
            lines.append(f"- {server}: {entry.get('skipped') or entry.get('error')}")
    return lines


def markdown(run: dict[str, Any]) -> str:
    servers = run["servers"]
    parts = [f"# Mock OAuth/OIDC servers compared — {run['date']}", "",
             f"`{run['command']}` (took {run['elapsed_s']:g} s; a shared 2-core machine: single "
             "runs drift by ±15 %)", "",
             *figures_table(servers, run["spawns"], run["seconds"]), "",
             "## Strictness checks (status = the HTTP status that decided the check)", "",
             *checks_table(servers), "",
             "## Where a server did not pass", "", *(notes(servers) or ["- none"]), ""]
    return "\n".join(parts)


def write(run: dict[str, Any]) -> str:
    (HERE / "results.json").write_text(json.dumps(run, indent=2) + "\n")
    text = markdown(run)
    (HERE / "results.md").write_text(text)
    return text
