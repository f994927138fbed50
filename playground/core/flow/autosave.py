"""Autosave of the recorded exchanges: a crash or a `kill -9` loses nothing recorded.

Each exchange is appended as one JSON line (the transcript's form, playground.core.flow.
transcript, plus its lint findings) and flushed to the disk (`fsync`) as it is recorded, so a
process killed at any moment leaves every exchange it showed in the file, at worst with a torn
last line, which `recover` skips. A clean close deletes the file; a file found at start is the
last session that did not end cleanly, offered back to the user (`take_over`).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

from playground.core.flow.transcript import exchange_dict
from playground.core.record.exchange import Exchange
from playground.core.trace import Check, DecisionTrace, Finding

RECOVERED_SUFFIX = ".recovered"
ENV = "OAUTH_PLAYGROUND_AUTOSAVE"  # the window's autosave file (default: beside its settings)


def exchange_line(exchange: Exchange) -> str:
    record = {**exchange_dict(exchange), "duration_ms": exchange.duration_ms,  # unrounded
              "findings": [asdict(f) for f in exchange.findings]}
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def exchange_from_record(record: dict[str, Any]) -> Exchange:
    """The inverse of `exchange_line`'s record (KeyError/TypeError/ValueError if malformed)."""
    request, response = record["request"], record["response"]
    return Exchange(
        seq=int(record["seq"]), step=str(record["step"]), method=str(request["method"]),
        url=str(request["url"]), request_headers=_headers(request["headers"]),
        request_body=body_bytes(request),
        status=None if response is None else int(response["status"]),
        response_headers=() if response is None else _headers(response["headers"]),
        response_body=b"" if response is None else body_bytes(response),
        started_at=float(record["started_at"]), duration_ms=float(record["duration_ms"]),
        error=record.get("error"), trace=_trace(record.get("trace")),
        findings=tuple(Finding(**f) for f in record.get("findings") or ()),
    )


def _headers(pairs: list[list[str]]) -> tuple[tuple[str, str], ...]:
    return tuple((str(k), str(v)) for k, v in pairs)


def body_bytes(side: dict[str, Any]) -> bytes:
    """A body as `transcript` wrote it (`body`, or `body_base64` when not UTF-8)."""
    if "body_base64" in side:
        return base64.b64decode(side["body_base64"])
    return str(side.get("body", "")).encode("utf-8")


def _trace(data: dict[str, Any] | None) -> DecisionTrace | None:
    if data is None:
        return None
    checks = tuple(Check(**c) for c in data.get("checks") or ())
    findings = tuple(Finding(**f) for f in data.get("findings") or ())
    return DecisionTrace(**{**data, "checks": checks, "findings": findings})


def recover(path: Path) -> list[Exchange]:
    """Every whole line of an autosave file as an exchange; a torn or foreign line is skipped."""
    exchanges = []
    try:
        lines = path.read_text("utf-8", errors="replace").splitlines()
    except OSError:
        return []
    for line in lines:
        with contextlib.suppress(ValueError, KeyError, TypeError):
            exchanges.append(exchange_from_record(json.loads(line)))
    return exchanges


def take_over(path: Path) -> Path | None:
    """A file left at `path` by a session that did not close cleanly, moved aside (so this
    session autosaves afresh); None when the last session closed cleanly."""
    if not path.is_file() or path.stat().st_size == 0:
        return None
    aside = path.with_name(path.name + RECOVERED_SUFFIX)
    os.replace(path, aside)
    return aside


class ExchangeJournal:
    """Appends each exchange to `path` as it is recorded; `close()` on a clean exit deletes it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.failed: str | None = None  # why autosave stopped, if it did (a full disk…)

    def append(self, exchange: Exchange) -> None:
        """One line, on the disk before this returns (opened per exchange: a flow records a
        few a second, and no handle is left open for a crash to leave unflushed)."""
        if self.failed is not None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as file:
                file.write(exchange_line(exchange))
                file.flush()
                os.fsync(file.fileno())
        except OSError as exc:
            self.failed = f"cannot autosave to {self.path}: {exc.strerror or exc}"

    def close(self) -> None:
        """The session ended cleanly: nothing to recover next time."""
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
