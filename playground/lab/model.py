"""What a scenario is, what it returns, and the context it runs in.

A `Scenario` names an attack or a server fault, the outcome a correct system produces, and the
rule that decides it. Running one yields a `Verdict`: whether the expected outcome happened, an
explanation naming the RFC section, and the exchanges (with the server's decision traces) that
show it. No Qt: the `lab` command, the tests and the desktop panel all use these.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from playground.core.flow.flowspec import FlowSpec
from playground.core.flow.session import FlowSession
from playground.core.flow.stepinfo import ClientConfig
from playground.core.flow.tamper import TamperOptions
from playground.core.flow.useragent import InAppAgent, approve
from playground.core.flows import DEFAULT_FLOW
from playground.core.record.exchange import Exchange
from playground.core.trace import DecisionTrace

if TYPE_CHECKING:  # the server stack (uvicorn, Starlette) loads only when a server runs
    from playground.server.runner import EmbeddedServer


@dataclass(frozen=True, slots=True)
class Result:
    """What a scenario's run observed: did the expected outcome happen, and what happened."""

    passed: bool
    happened: str


@dataclass
class LabContext:
    """One scenario's run: the server, and the sessions it opened (closed by the runner)."""

    server: EmbeddedServer
    timeout: float = 5.0
    sessions: list[FlowSession] = field(default_factory=list)

    def session(self, spec: FlowSpec = DEFAULT_FLOW, **config: Any) -> FlowSession:
        """A new client session of `spec` against the server, on the server's clock."""
        created = FlowSession(ClientConfig(self.server.issuer, **config),
                              user_agent=InAppAgent(approve()), trace_lookup=self.server.trace,
                              clock=self.server.clock, timeout=self.timeout, spec=spec)
        self.sessions.append(created)
        return created

    @property
    def options(self) -> TamperOptions:
        code_ttl = self.server.config.code_ttl
        return TamperOptions(advance_clock=self.server.clock.advance, code_ttl=code_ttl)

    def exchanges(self) -> list[Exchange]:
        return [e for s in self.sessions for e in s.log]

    async def aclose(self) -> None:
        for created in self.sessions:
            await created.aclose()


Run = Callable[[LabContext], Awaitable[Result]]


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    title: str
    description: str
    expected: str
    rule: str
    why: str
    run: Run


@dataclass(frozen=True, slots=True)
class ExchangeSummary:
    """One exchange as a verdict lists it: the request, the answer, the deciding check."""

    seq: int
    step: str
    method: str
    url: str
    status: int | None
    decision: str
    findings: tuple[str, ...]

    @classmethod
    def of(cls, exchange: Exchange) -> ExchangeSummary:
        trace = exchange.trace
        failed = trace.failed_check if trace else None
        decision = (f"{failed.name}: {failed.detail} ({failed.rfc})" if failed
                    else trace.outcome if trace else exchange.error or "")
        return cls(exchange.seq, exchange.step, exchange.method, exchange.url.split("?")[0],
                   exchange.status, decision, tuple(f.rule for f in exchange.findings))


@dataclass(frozen=True, slots=True)
class Verdict:
    name: str
    title: str
    expected: str
    passed: bool
    explanation: str
    rule: str
    exchanges: tuple[ExchangeSummary, ...] = ()
    traces: tuple[DecisionTrace, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["traces"] = [t.to_dict() for t in self.traces]
        return data
