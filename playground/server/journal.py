"""The request journal: every request the server answered, with its parameters and decision.

What a test asserts on after its app signed in: "the app sent `prompt=consent`", "the token
request carried a `code_verifier`", "the refresh was refused with `invalid_grant` because …".
Each entry holds the method, path, the query and form (or JSON) parameters, the status and the
decision trace (outcome, error, the checks in order with their RFC sections). The control API's
own requests are not journaled. The journal is an `ExpiringMap`: the newest `limit` entries, each
for at most `ttl` seconds, so a server that runs for days holds a bounded journal.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from playground.core.clock import Clock
from playground.core.trace import DecisionTrace
from playground.server.expiring import ExpiringMap

JOURNAL_LIMIT = 2000
JOURNAL_TTL = 24 * 3600.0
Params = dict[str, str | list[str]]


@dataclass(frozen=True, slots=True)
class JournalEntry:
    trace: DecisionTrace
    params: Params

    def to_json(self) -> dict[str, Any]:
        trace = self.trace
        failed = trace.failed_check
        return {
            "id": trace.id, "at": trace.at, "method": trace.method, "path": trace.path,
            "endpoint": trace.endpoint, "params": self.params, "status": trace.status,
            "client_id": trace.client_id,
            "decision": {
                "outcome": trace.outcome, "error": trace.error,
                "failed_check": None if failed is None else {
                    "name": failed.name, "detail": failed.detail, "rfc": failed.rfc},
                "checks": [{"name": c.name, "passed": c.passed, "detail": c.detail,
                            "rfc": c.rfc} for c in trace.checks],
            },
        }


def request_params(query: bytes, body: bytes, content_type: str) -> Params:
    """The query's parameters, then the body's (a form, or a JSON object's top-level members);
    a name given more than once becomes a list."""
    pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    media = content_type.split(";")[0].strip().lower()
    if media == "application/x-www-form-urlencoded":
        pairs += parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    elif media == "application/json" and body:
        pairs += _json_pairs(body)
    params: Params = {}
    for name, value in pairs:
        held = params.get(name)
        if held is None:
            params[name] = value
        else:
            params[name] = [*([held] if isinstance(held, str) else held), value]
    return params


def _json_pairs(body: bytes) -> list[tuple[str, str]]:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # nested past the parser's depth: no ValueError
        return []
    if not isinstance(data, dict):
        return []
    return [(str(k), v if isinstance(v, str) else json.dumps(v)) for k, v in data.items()]


class Journal:
    """The newest `limit` entries, oldest first; thread-safe."""

    def __init__(self, clock: Clock, limit: int = JOURNAL_LIMIT, ttl: float = JOURNAL_TTL) -> None:
        self._lock = threading.Lock()
        self._entries: ExpiringMap[str, JournalEntry] = ExpiringMap(clock, ttl, limit)

    def __len__(self) -> int:
        return len(self._entries)

    def record(self, entry: JournalEntry) -> None:
        with self._lock:
            self._entries.put(entry.trace.id, entry)

    def entries(self, keep: Callable[[JournalEntry], bool] = lambda _e: True) -> list[JournalEntry]:
        with self._lock:
            return [e for e in self._entries.values() if keep(e)]

    def take(self, keep: Callable[[JournalEntry], bool] = lambda _e: True) -> list[JournalEntry]:
        """The entries `keep` selects, removed from the journal."""
        with self._lock:
            taken = [e for e in self._entries.values() if keep(e)]
            for entry in taken:
                self._entries.pop(entry.trace.id)
            return taken

    def clear(self) -> int:
        return len(self.take())
