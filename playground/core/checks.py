"""The result of one client-side check (a token claim, the callback's state or iss …).

Unlike the server's `trace.Check`, a client check can be skipped: the at_hash check is skipped
when the ID token carries none, the iss check when the provider does not send one (RFC 9207 §2.4).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CheckStatus = Literal["pass", "fail", "skip"]


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check: its name, pass/fail/skip, the reason in a sentence and the rule."""

    name: str
    status: CheckStatus
    reason: str
    rfc: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    @property
    def failed(self) -> bool:
        return self.status == "fail"

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "status": self.status, "reason": self.reason, "rfc": self.rfc}
