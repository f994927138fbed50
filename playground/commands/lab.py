"""`oauth-playground lab`: the guided break-it scenarios, headless.

`lab --list` prints one scenario a line (name, short title); `lab run NAME` runs one and
`lab run --all` runs them all against a fresh embedded server, printing each verdict with its
explanation; `--json` prints the verdicts as JSON instead. Exit 0 only when every scenario
ended as expected, 1 otherwise, 2 for an unknown name or a missing one. The lab and server
packages are imported inside `run`, so `oauth-playground --help` stays fast.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playground.lab import Scenario, Verdict


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--list", action="store_true", help="list the scenarios, one per line")
    parser.add_argument("--json", action="store_true", help="print the verdicts as JSON")
    sub = parser.add_subparsers(dest="lab_command", metavar="ACTION")
    run_parser = sub.add_parser("run", help="run one scenario, or all of them with --all")
    run_parser.add_argument("name", nargs="?", help="the scenario's name (see --list)")
    run_parser.add_argument("--all", action="store_true", help="run every scenario")
    run_parser.add_argument("--json", action="store_true", dest="run_json",
                            help="print the verdicts as JSON")


def run(args: argparse.Namespace) -> int:
    from playground.lab import SCENARIOS, find

    if args.list or args.lab_command is None:
        width = max(len(s.name) for s in SCENARIOS)
        for scenario in SCENARIOS:
            print(f"{scenario.name:<{width}}  {scenario.title}")
        return 0
    if args.all:
        chosen = list(SCENARIOS)
    else:
        found = find(args.name or "")
        if found is None:
            what = f"unknown scenario {args.name!r}" if args.name else "name a scenario or --all"
            print(f"oauth-playground lab: {what}; see 'oauth-playground lab --list'",
                  file=sys.stderr)
            return 2
        chosen = [found]
    verdicts = asyncio.run(_run(chosen))
    if args.json or getattr(args, "run_json", False):
        print(json.dumps([_json(v) for v in verdicts], indent=2))
    else:
        _print(verdicts)
    return 0 if all(v.passed for v in verdicts) else 1


async def _run(scenarios: list[Scenario]) -> list[Verdict]:
    from playground.lab import run_scenarios
    from playground.server import EmbeddedServer

    with EmbeddedServer() as server:
        return await run_scenarios(scenarios, server)


def _json(verdict: Verdict) -> dict[str, object]:
    data = verdict.to_dict()
    data.pop("traces")
    return data


def _print(verdicts: list[Verdict]) -> None:
    for verdict in verdicts:
        mark = "PASS" if verdict.passed else "FAIL"
        print(f"{mark}  {verdict.name}: {verdict.title}")
        print(f"      expected: {verdict.expected}")
        print(f"      {verdict.explanation}")
    passed = sum(v.passed for v in verdicts)
    print(f"{passed}/{len(verdicts)} scenarios ended as expected")
