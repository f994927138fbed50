"""Run scenarios against an embedded server, each in isolation, and produce verdicts.

Each run starts from a clean server state — no fault switched on, the clock at real time,
compat seed off — and puts back whatever the user had set afterwards, so the lab can share
the desktop app's server. A scenario that cannot run (an engine error) is a failed verdict
with the reason, never an exception.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from playground.core.flowerrors import FlowError
from playground.lab.model import ExchangeSummary, LabContext, Result, Scenario, Verdict

if TYPE_CHECKING:  # the server stack (uvicorn, Starlette) loads only when a server runs
    from playground.server.runner import EmbeddedServer

log = logging.getLogger(__name__)


@contextlib.contextmanager
def isolated(server: EmbeddedServer) -> Iterator[None]:
    """A clean server for one scenario; the user's switches, clock and compat come back after."""
    faults, slow = server.faults.active(), server.faults.slow_seconds
    offset, compat = server.clock.offset, server.compat_seed
    server.faults.clear()
    server.clock.reset()
    server.compat_seed = False
    try:
        yield
    finally:
        server.faults.restore(faults)
        server.faults.slow_seconds = slow
        server.clock.reset()
        server.clock.advance(offset)
        server.compat_seed = compat


async def run_scenario(scenario: Scenario, server: EmbeddedServer,
                       http_timeout: float = 5.0) -> Verdict:
    """Run one scenario; `http_timeout` bounds each of its client sessions' requests."""
    ctx = LabContext(server, http_timeout)
    with isolated(server):
        try:
            result = await scenario.run(ctx)
        except FlowError as exc:
            result = Result(False, f"the scenario could not run: {exc}")
        except Exception as exc:  # a lab bug must end in a verdict, not a traceback
            log.debug("scenario %s crashed", scenario.name, exc_info=True)
            result = Result(False, f"the scenario crashed: {type(exc).__name__}: {exc}")
        finally:
            await ctx.aclose()
    exchanges = ctx.exchanges()
    return Verdict(
        name=scenario.name, title=scenario.title, expected=scenario.expected,
        passed=result.passed, explanation=f"{result.happened} — {scenario.why} ({scenario.rule}).",
        rule=scenario.rule, exchanges=tuple(ExchangeSummary.of(e) for e in exchanges),
        traces=tuple(e.trace for e in exchanges if e.trace is not None),
    )


async def run_scenarios(scenarios: Sequence[Scenario], server: EmbeddedServer) -> list[Verdict]:
    return [await run_scenario(s, server) for s in scenarios]
