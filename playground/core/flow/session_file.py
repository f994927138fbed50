"""A whole session as one JSON file: File ▸ Save / Open, and `oauth-playground --open FILE`.

What is saved: the flow, the client configuration, each step's inputs, state, outcome and error,
and every exchange (with the server's decision and the lint findings). Outcomes are dataclasses
(playground.core.flow.steps and the protocol modules); they are written field by field
(`transcript.jsonable`) and read back by their type (`revive`, driven by the `StepKey`'s
`outcome_type` and the dataclasses' annotations), so an opened session shows every step as it
was: the metadata, the verifier, the URL, the tokens, the verification checklist.

Not saved: a DPoP key and any other private key made during the run (`FlowSession.keep`): a
file must not carry them; a reopened session makes new ones when run again. The file does hold
the client secret, codes and tokens, as the window showed them: share a redacted HAR instead.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

from playground.core.flow import autosave, transcript
from playground.core.flow.flowspec import FlowSpec
from playground.core.flow.session import FlowSession, StepState
from playground.core.flow.stepinfo import ClientConfig
from playground.core.flowerrors import FlowError
from playground.core.protocol.authorize import Param

KIND = "oauth-playground-session"
VERSION = 1
# Inputs whose values are not plain JSON: the edited parameter and field tables.
INPUT_TYPES: dict[str, Any] = {"params": list[Param] | None, "fields": list[tuple[str, str]] | None,
                               "extra": list[tuple[str, str]], "algorithms": tuple[str, ...]}


class SessionFileError(ValueError):
    """Not a session file this version reads (one line)."""


def to_dict(session: FlowSession) -> dict[str, Any]:
    return {
        "kind": KIND, "version": VERSION, "flow": session.spec.name,
        "config": transcript.jsonable(session.config),
        "steps": {key: _step(session, key) for key in session.keys},
        "exchanges": [json.loads(autosave.exchange_line(e)) for e in session.log],
    }


def _step(session: FlowSession, key: str) -> dict[str, Any]:
    step = session.step(key)
    error = step.error
    return {
        "inputs": transcript.jsonable(dict(step.inputs)),
        "state": step.state.value,
        "outcome": transcript.jsonable(step.outcome),
        "error": None if error is None else {"message": error.message, "rfc": error.rfc},
    }


def write(session: FlowSession, path: str | Path) -> None:
    Path(path).write_text(json.dumps(to_dict(session), indent=1, ensure_ascii=False), "utf-8")


def is_session_file(path: str | Path) -> bool:
    try:
        with Path(path).open("r", encoding="utf-8") as file:
            head = file.read(200)
    except (OSError, UnicodeDecodeError):
        return False
    return f'"kind": "{KIND}"' in head


def read(path: str | Path, specs: Mapping[str, FlowSpec], **session: Any) -> FlowSession:
    """The saved session, as a `FlowSession` (made with `session`'s keyword arguments) whose
    steps and log are as they were saved."""
    try:
        data = json.loads(Path(path).read_text("utf-8-sig"))
    except (OSError, ValueError) as exc:
        raise SessionFileError(f"{path}: not readable as a session file ({exc})") from None
    try:
        return from_dict(data, specs, **session)
    except (KeyError, TypeError, ValueError) as exc:
        raise SessionFileError(f"{path}: {exc}") from None


def from_dict(data: Any, specs: Mapping[str, FlowSpec], **session: Any) -> FlowSession:
    if not isinstance(data, dict) or data.get("kind") != KIND:
        raise ValueError(f"not an OAuth Playground session (no \"kind\": \"{KIND}\")")
    if data.get("version") != VERSION:
        raise ValueError(f"session file version {data.get('version')!r}; this version reads "
                         f"{VERSION}")
    spec = specs.get(data["flow"]) if isinstance(data.get("flow"), str) else None
    if spec is None:
        raise ValueError(f"unknown flow {data.get('flow')!r}; the flows are {', '.join(specs)}")
    for name, kind in (("config", dict), ("steps", dict), ("exchanges", list)):
        if not isinstance(data.get(name), kind):
            raise ValueError(f"{name!r} must be a JSON {'object' if kind is dict else 'list'}")
    restored = FlowSession(revive(ClientConfig, data["config"]), spec=spec, **session)
    for step_spec in spec.steps:
        _restore_step(restored, step_spec.key, data["steps"][step_spec.key])
    for record in data["exchanges"]:
        restored.log.append(autosave.exchange_from_record(record))
    return restored


def _restore_step(session: FlowSession, key: Any, saved: Any) -> None:
    if not isinstance(saved, dict) or not isinstance(saved.get("inputs"), dict):
        raise ValueError(f"step {key!r}: expected an object with its inputs")
    step = session.step(key)
    step.inputs.update({name: revive(INPUT_TYPES.get(name, Any), value)
                        for name, value in saved["inputs"].items()})
    step.state = StepState(saved["state"])
    step.outcome = revive(key.outcome_type, saved["outcome"])
    error = saved.get("error")
    step.error = None if error is None else FlowError(error["message"], rfc=error["rfc"])


def revive(kind: Any, data: Any) -> Any:
    """`data` (as `transcript.jsonable` wrote it) back as a value of type `kind`."""
    if data is None or kind is Any:
        return data
    origin = get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        return _union(kind, data)
    if origin is typing.Literal:
        return data
    if origin is tuple or origin is list:
        return _sequence(kind, origin, data)
    if origin in (dict, Mapping) or kind is dict:
        args = get_args(kind)
        return {k: revive(args[1], v) for k, v in data.items()} if args else dict(data)
    return _plain(kind, data)


def _union(kind: Any, data: Any) -> Any:
    problems = []
    for member in (a for a in get_args(kind) if a is not type(None)):
        try:
            return revive(member, data)
        except (TypeError, ValueError, KeyError) as exc:
            problems.append(str(exc))
    raise TypeError(f"{data!r:.60} fits no member of {kind}: {'; '.join(problems)}")


def _sequence(kind: Any, origin: Any, data: Any) -> Any:
    if not isinstance(data, list):
        raise TypeError(f"expected a list for {kind}, found {type(data).__name__}")
    args = get_args(kind)
    if origin is list:
        return [revive(args[0] if args else Any, item) for item in data]
    if len(args) == 2 and args[1] is Ellipsis:
        return tuple(revive(args[0], item) for item in data)
    return tuple(revive(a, item) for a, item in zip(args, data, strict=True))


def _plain(kind: Any, data: Any) -> Any:
    if dataclasses.is_dataclass(kind) and isinstance(kind, type):
        if not isinstance(data, dict):
            raise TypeError(f"expected an object for {kind.__name__}")
        hints = get_type_hints(kind)
        return kind(**{f.name: revive(hints[f.name], data[f.name])
                       for f in dataclasses.fields(kind) if f.init and f.name in data})
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return kind(data)
    if kind is bytes:
        return autosave.body_bytes(data)
    if kind in (str, int, bool) or kind is float:
        if kind is float and isinstance(data, int | float) and not isinstance(data, bool):
            return float(data)
        if not isinstance(data, kind) or (kind is int and isinstance(data, bool)):
            raise TypeError(f"expected {kind.__name__}, found {type(data).__name__}")
        return data
    raise TypeError(f"cannot read a {kind!r} back")
