"""The whole flow as JSON: steps (inputs, state, outcome, error), exchanges, tokens and checks.

Bodies are kept exactly: UTF-8 text as `body`, anything else as `body_base64`. Outcomes are
converted field by field (dataclasses → objects, bytes → text); nothing is redacted, since
the playground exists to show every value — do not share a transcript of a real account.
"""

from __future__ import annotations

import base64
import dataclasses
import enum
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from playground.core.record.exchange import Exchange

if TYPE_CHECKING:
    from playground.core.flow.session import FlowSession

VERSION = 1


def to_dict(session: FlowSession) -> dict[str, Any]:
    return {
        "version": VERSION,
        "issuer": session.config.issuer,
        "client_id": session.config.client_id,
        "result": _result(session),
        "tokens": _tokens(session),
        "steps": [_step(session, key) for key in session.steps],
        "exchanges": [exchange_dict(e) for e in session.log],
    }


def _result(session: FlowSession) -> dict[str, Any]:
    failed = session.failed_step
    done = all(s.state.value == "done" for s in session.steps.values())
    return {
        "ok": done and failed is None,
        "failed_step": failed.key if failed else None,
        "error": str(failed.error) if failed and failed.error else None,
    }


def _tokens(session: FlowSession) -> dict[str, Any] | None:
    """The tokens received and, when the tokens step ran, every check on each of them."""
    token = session.steps["token"].outcome
    if token is None:
        return None
    checked = session.steps["tokens"].outcome
    answer = token.response
    return {
        "access_token": answer.access_token,
        "id_token": answer.id_token,
        "refresh_token": answer.refresh_token,
        "verification": None
        if checked is None
        else {
            "id_token": jsonable(checked.id_token),
            "access_token": jsonable(checked.access_token),
        },
    }


def _step(session: FlowSession, key: str) -> dict[str, Any]:
    step = session.steps[key]
    return {
        "key": key,
        "title": step.title,
        "state": step.state.value,
        "inputs": jsonable(_redacted(step.inputs)),
        "outcome": jsonable(step.outcome),
        "error": None
        if step.error is None
        else {
            "message": str(step.error),
            "rfc": step.error.rfc,
            "error": step.error.error_code,
        },
    }


def _redacted(inputs: dict[str, Any]) -> dict[str, Any]:
    """The inputs, without the client's private key (the assertions show its public side)."""
    if inputs.get("client_key") is None:
        return inputs
    return {**inputs, "client_key": "(private key, not written)"}


def exchange_dict(exchange: Exchange) -> dict[str, Any]:
    return {
        "seq": exchange.seq,
        "step": exchange.step,
        "started_at": exchange.started_at,
        "duration_ms": round(exchange.duration_ms, 3),
        "request": {
            "method": exchange.method,
            "url": exchange.url,
            "headers": [list(h) for h in exchange.request_headers],
            **_body(exchange.request_body),
        },
        "response": None
        if exchange.status is None
        else {
            "status": exchange.status,
            "headers": [list(h) for h in exchange.response_headers],
            **_body(exchange.response_body),
        },
        "error": exchange.error,
        "trace": None if exchange.trace is None else exchange.trace.to_dict(),
    }


def _body(body: bytes) -> dict[str, str]:
    try:
        return {"body": body.decode("utf-8")}
    except UnicodeDecodeError:
        return {"body_base64": base64.b64encode(body).decode("ascii")}


def jsonable(value: Any) -> Any:
    """Dataclasses, enums, tuples, bytes and properties-free objects as JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes):
        return _body(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def write(session: FlowSession, path: str | Path) -> None:
    text = json.dumps(to_dict(session), indent=2, ensure_ascii=False)
    Path(path).write_text(text + "\n", encoding="utf-8")
