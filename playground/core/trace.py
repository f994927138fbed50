"""The embedded server's decision trace: what came in, each check in order, the outcome.

The server produces one `DecisionTrace` per request and sends its id back in the
`X-Playground-Trace` response header, so a recorded exchange can be joined with the server's
reasoning. Lint findings (departures from the RFCs that the server tolerated) ride along.
Plain data: the server, the client engine and the UI all read it; nobody mutates it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

TRACE_HEADER = "X-Playground-Trace"

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True, slots=True)
class Check:
    """One rule the server evaluated, e.g. ``redirect_uri matches a registered URI``."""

    name: str
    passed: bool
    detail: str
    rfc: str = ""


@dataclass(frozen=True, slots=True)
class Finding:
    """A lint finding: where a request departs from an RFC, and how to fix it."""

    rule: str
    message: str
    rfc: str
    fix: str
    severity: Severity = "warning"


@dataclass(frozen=True, slots=True)
class DecisionTrace:
    id: str
    at: float
    method: str
    path: str
    endpoint: str
    status: int
    outcome: str
    client_id: str | None = None
    error: str | None = None
    checks: tuple[Check, ...] = ()
    findings: tuple[Finding, ...] = field(default=())

    @property
    def failed_check(self) -> Check | None:
        """The first check that failed, which decided the error (if any)."""
        return next((c for c in self.checks if not c.passed), None)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
