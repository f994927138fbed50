"""Building, storing and publishing the decision trace of each request.

Every request the server handles yields one `DecisionTrace` (playground.core.trace): what came in,
each check made in order with pass/fail, detail and the RFC section, and the outcome. The trace is
stored before the response leaves the server, so `server.trace(id)` finds it as soon as the
client sees the `X-Playground-Trace` header. Subscribers are called on the server thread; an
exception in a subscriber is logged and never breaks the server.

The store keeps the last `limit` traces (ServerConfig.trace_limit, 500), each for at most
TRACE_TTL on the injected clock (playground.server.expiring); an evicted or expired trace is just
no longer found by id — the app's server panel keeps its own copy of those it showed.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import secrets
import threading
from collections.abc import Callable, Iterator

from playground.core.clock import Clock
from playground.core.errors import OAuthError
from playground.core.protocol import lint
from playground.core.trace import Check, DecisionTrace, Finding
from playground.server.expiring import ExpiringMap

log = logging.getLogger(__name__)

Subscriber = Callable[[DecisionTrace], None]
TRACE_TTL = 24 * 3600.0


class TraceBuilder:
    """Collects the checks of one request, in order."""

    __slots__ = ("at", "checks", "client_id", "endpoint", "error", "findings", "id", "method",
                 "outcome", "path")

    def __init__(self, trace_id: str, at: float, method: str, path: str, endpoint: str) -> None:
        self.id = trace_id
        self.at = at
        self.method = method
        self.path = path
        self.endpoint = endpoint
        self.client_id: str | None = None
        self.checks: list[Check] = []
        self.findings: list[Finding] = []
        self.outcome = ""
        self.error: str | None = None

    def check(self, name: str, passed: bool, detail: str = "", rfc: str = "") -> bool:
        """Record one rule and return whether it passed."""
        self.checks.append(Check(name, passed, detail, rfc))
        return passed

    def require(self, name: str, passed: bool, error: OAuthError | None = None,
                detail: str = "") -> None:
        """Record a rule; when it failed, raise `error` (its description is the detail)."""
        if passed:
            self.checks.append(Check(name, True, detail, error.rfc if error else ""))
            return
        assert error is not None
        self.checks.append(Check(name, False, error.description, error.rfc))
        raise error

    @contextlib.contextmanager
    def guard(self, name: str) -> Iterator[None]:
        """Name the rule when the block raises an OAuthError without recording a failed check."""
        try:
            yield
        except OAuthError as exc:
            if not self.checks or self.checks[-1].passed:
                self.checks.append(Check(name, False, exc.description, exc.rfc))
            raise

    def ensure_failed_check(self, error: OAuthError) -> None:
        """Every error names the check that decided it (a fallback for unguarded raises)."""
        if not any(not c.passed for c in self.checks):
            self.checks.append(Check(error.error, False, error.description, error.rfc))

    def finding(self, rule: str, message: str, rfc: str, fix: str,
                severity: str = "warning") -> None:
        self.findings.append(Finding(rule, message, rfc, fix, severity))  # type: ignore[arg-type]

    def lint(self, rule: str, message: str) -> None:
        """A finding of the shared lint rule `rule` (playground.core.protocol.lint), in context."""
        self.findings.append(lint.finding(rule, message))

    def add_findings(self, findings: tuple[Finding, ...]) -> None:
        """Lint findings of the whole request, except rules the endpoint already noted."""
        self.findings = lint.merge(self.findings, findings)

    def fail(self, error: OAuthError | str, outcome: str = "") -> None:
        """Mark the request as answered with an error code."""
        self.error = error if isinstance(error, str) else error.error
        self.outcome = outcome or (error if isinstance(error, str) else error.description)

    def build(self, status: int) -> DecisionTrace:
        return DecisionTrace(
            id=self.id, at=self.at, method=self.method, path=self.path, endpoint=self.endpoint,
            status=status, outcome=self.outcome, client_id=self.client_id, error=self.error,
            checks=tuple(self.checks), findings=tuple(self.findings),
        )


class TraceStore:
    """The last `limit` traces by id (`traces`, the map), plus the subscribers that hear about
    each new one."""

    def __init__(self, clock: Clock, limit: int = 500, ttl: float = TRACE_TTL) -> None:
        self._clock = clock
        self.traces: ExpiringMap[str, DecisionTrace] = ExpiringMap(clock, ttl, limit)
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()
        self._prefix = secrets.token_hex(3)
        self._counter = itertools.count(1)

    def begin(self, method: str, path: str, endpoint: str) -> TraceBuilder:
        trace_id = f"{self._prefix}-{next(self._counter):06d}"
        return TraceBuilder(trace_id, self._clock.now(), method, path, endpoint)

    def publish(self, trace: DecisionTrace) -> None:
        """Store `trace`, then tell every subscriber (on the calling, i.e. server, thread)."""
        with self._lock:
            self.traces.put(trace.id, trace)
            subscribers = tuple(self._subscribers)
        for callback in subscribers:
            try:
                callback(trace)
            except Exception:
                log.exception("decision-trace subscriber %r failed", callback)

    def get(self, trace_id: str) -> DecisionTrace | None:
        with self._lock:
            return self.traces.get(trace_id)

    def recent(self) -> list[DecisionTrace]:
        """The held traces, oldest first."""
        with self._lock:
            return self.traces.values()

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Add `callback`; returns a function that removes it again."""
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe
