"""A flow is data: a `FlowSpec` is an ordered tuple of `StepSpec`s, and `FlowSession` runs any.

Each `StepSpec` carries everything about one step: its typed key, what it does and why (title,
explanation, RFC section), its default inputs, the runner that performs it, how its outcome reads
as text, the steps it needs, and which of those an input can stand in for. Rules that belong to
one flow (the callback that a pasted redirect URL lets run without the user-agent step; the step
a refresh writes new tokens into) are declared here, in its spec, not in the engine.

    session = FlowSession(config, spec=AUTH_CODE_PKCE)
    session.outcome(DISCOVERY)   # a ProviderMetadata (mypy knows)

The shape follows httpx's `Auth.auth_flow`: one object owns its whole flow, so adding a flow
touches no other flow.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from playground.core.flow.stepinfo import ClientConfig
    from playground.core.flow.steps import StepContext
    from playground.core.protocol.wire import HttpRequest

T = TypeVar("T")


class StepKey(str, Generic[T]):
    """A step's key, typed by what the step produces: `session.outcome(DISCOVERY)` is a
    `ProviderMetadata`. It is a `str`, so `"discovery"` and `DISCOVERY` name the same step."""

    __slots__ = ("outcome_type",)
    outcome_type: type[Any]

    def __new__(cls, key: str, outcome_type: type[T]) -> StepKey[T]:
        self = super().__new__(cls, key)
        self.outcome_type = outcome_type
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (StepKey, (str(self), self.outcome_type))


Runner = Callable[["StepContext"], Awaitable[T]]
Defaults = Callable[["ClientConfig"], dict[str, Any]]


def _no_inputs(_config: ClientConfig) -> dict[str, Any]:
    return {}


def _repr_lines(outcome: Any) -> list[str]:
    return [f"  {outcome}"]


@dataclass(frozen=True)
class StepSpec(Generic[T]):
    """One step: what it is, what it needs, what runs it, how its outcome reads.

    `waivers` maps a required step to the input of this step that stands in for it (the
    callback needs the user-agent step only while no redirect URL has been pasted)."""

    key: StepKey[T]
    title: str
    explanation: str
    rfc: str
    runner: Runner[T]
    defaults: Defaults = _no_inputs
    render: Callable[[T], list[str]] = _repr_lines
    requires: tuple[str, ...] = ()
    waivers: Mapping[str, str] = field(default_factory=dict)
    preview: Callable[[StepContext], HttpRequest] | None = None  # the request it will send

    def missing(self, done: Callable[[str], bool], inputs: Mapping[str, Any]) -> list[str]:
        """The required steps not done, less those an input of this step stands in for."""
        return [key for key in self.requires if not done(key)
                and not (key in self.waivers and inputs.get(self.waivers[key]))]


@dataclass(frozen=True)
class FlowSpec:
    """A whole flow: its steps in order, the step whose outcome holds the tokens (a refresh
    replaces that outcome and makes the steps after it stale), and the grant it uses."""

    name: str
    title: str
    rfc: str
    steps: tuple[StepSpec[Any], ...]
    tokens_step: str | None = None
    grant_type: str = "authorization_code"  # what a client must be registered for
    summary_step: str = "tokens"  # the step a finished run is best read at (`--auto`)

    def __post_init__(self) -> None:
        keys = self.keys
        if len(set(keys)) != len(keys):
            raise ValueError(f"flow {self.name!r} has two steps with the same key")
        for spec in self.steps:
            unknown = [k for k in (*spec.requires, *spec.waivers) if k not in keys]
            if self.summary_step not in keys and self.summary_step != "tokens":
                unknown.append(self.summary_step)
            if unknown:
                raise ValueError(f"step {spec.key!r} requires unknown steps {unknown}")

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(spec.key for spec in self.steps)

    def step(self, key: str) -> StepSpec[Any]:
        return self.steps[self.index(key)]

    def index(self, key: str) -> int:
        return self.keys.index(key)

    def __contains__(self, key: object) -> bool:
        return key in self.keys
