"""One run of a flow as explicit, re-runnable steps: any `FlowSpec`, Authorization Code +
PKCE by default (`playground.core.flows`).

Each `Step` has editable `inputs`, a `state`, an `outcome` and an `error`. Editing an input or
re-running a step marks the later steps stale. What a step needs, what runs it and which step
holds the tokens come from the spec; the session only keeps the state machine. It publishes
`StepStarted`, `StepFinished`, `ExchangeRecorded` and `StepsInvalidated` to plain-callable
observers (no Qt; the UI bridges them to signals).
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar, overload

import httpx

from playground.core.clock import Clock, SystemClock, sleep_on
from playground.core.flow import steps
from playground.core.flow.flowspec import FlowSpec, StepKey, StepSpec
from playground.core.flow.stepinfo import ClientConfig
from playground.core.flow.useragent import InAppAgent, UserAgent
from playground.core.flowerrors import FlowError
from playground.core.protocol import authorize, tls
from playground.core.protocol.authorize import Param
from playground.core.protocol.revocation import Introspection, TokenTypeHint
from playground.core.protocol.wire import HttpRequest
from playground.core.record.exchange import Exchange
from playground.core.record.recorder import ExchangeLog, RecordingTransport, TraceLookup

log = logging.getLogger(__name__)
T = TypeVar("T")


class StepState(enum.Enum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    STALE = "stale"


@dataclass
class Step:
    """A step of this session: its spec, and what running it has made of it so far."""

    spec: StepSpec[Any]
    inputs: dict[str, Any]
    state: StepState = StepState.PENDING
    outcome: Any = None
    error: FlowError | None = None

    @property
    def key(self) -> str:
        return self.spec.key

    @property
    def title(self) -> str:
        return self.spec.title

    @property
    def explanation(self) -> str:
        return self.spec.explanation

    @property
    def rfc(self) -> str:
        return self.spec.rfc

    @property
    def requires(self) -> tuple[str, ...]:
        return self.spec.requires


@dataclass(frozen=True, slots=True)
class StepStarted:
    key: str


@dataclass(frozen=True, slots=True)
class StepFinished:
    key: str
    state: StepState
    error: str | None = None


@dataclass(frozen=True, slots=True)
class ExchangeRecorded:
    exchange: Exchange


@dataclass(frozen=True, slots=True)
class StepsInvalidated:
    keys: tuple[str, ...]


Event = StepStarted | StepFinished | ExchangeRecorded | StepsInvalidated
Observer = Callable[[Event], None]

@dataclass
class FlowSession:
    """The engine the desktop app, the `flow` command, the lab and the tests all drive."""

    config: ClientConfig
    user_agent: UserAgent = field(default_factory=InAppAgent)
    trace_lookup: TraceLookup | None = None
    transport: httpx.AsyncBaseTransport | None = None
    clock: Clock = field(default_factory=SystemClock)
    timeout: float = 10.0
    log: ExchangeLog = field(default_factory=ExchangeLog)
    spec: FlowSpec = field(kw_only=True)  # the flow to run (playground.core.flows)

    def __post_init__(self) -> None:
        self.steps: dict[str, Step] = {}
        self._observers: list[Observer] = []
        self._recorder = self._new_recorder()
        self._http: httpx.AsyncClient | None = None
        self._running: asyncio.Lock | None = None
        self._kept: dict[str, Any] = {}
        self.log.subscribe(lambda exchange: self._emit(ExchangeRecorded(exchange)))
        self._build_steps()

    def _build_steps(self) -> None:
        self.steps = {spec.key: Step(spec, spec.defaults(self.config)) for spec in self.spec.steps}

    @property
    def keys(self) -> tuple[str, ...]:
        """The step keys, in the flow's order."""
        return self.spec.keys

    # -- observing ------------------------------------------------------------------------
    def subscribe(self, observer: Observer) -> Callable[[], None]:
        """Call `observer(event)` for every event; returns the unsubscribe function."""
        self._observers.append(observer)
        return lambda: self._observers.remove(observer) if observer in self._observers else None

    def _emit(self, event: Event) -> None:
        for observer in list(self._observers):
            observer(event)

    # -- StepContext (what runners see) ---------------------------------------------------
    @property
    def http(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(
                transport=self._recorder, follow_redirects=False, timeout=self.timeout
            )
        return self._http

    def inputs(self, key: str) -> Mapping[str, Any]:
        return self.steps[key].inputs

    @overload
    def outcome(self, key: StepKey[T]) -> T | None: ...
    @overload
    def outcome(self, key: str) -> Any: ...
    def outcome(self, key: str) -> Any:
        return self.steps[key].outcome

    def now(self) -> float:
        return self.clock.now()

    async def sleep(self, seconds: float) -> None:
        """Wait on the session's clock: real time, or at once on a `SimulatedClock`."""
        await sleep_on(self.clock, seconds)

    def keep(self, name: str, make: Callable[[], T]) -> T:
        """An object this run keeps, made once by `make` (the DPoP key, RFC 9449 §4.1); a
        reset forgets it."""
        if name not in self._kept:
            self._kept[name] = make()
        kept: T = self._kept[name]
        return kept

    def adopt_kept(self, other: FlowSession) -> None:
        """Keep what `other` kept (its DPoP key): a refresh that continues another flow's run
        must prove possession of the same key (RFC 9449 §5: a public client's refresh token
        is bound to it)."""
        self._kept.update(other._kept)

    # -- editing --------------------------------------------------------------------------
    def step(self, key: str) -> Step:
        return self.steps[key]

    def set_input(self, key: str, name: str, value: Any) -> None:
        """Edit one input; this step (if it had run) and every later one become stale."""
        self.steps[key].inputs[name] = value
        self._invalidate(self.spec.index(key))

    def _invalidate(self, start: int) -> None:
        stale = []
        for key in self.keys[start:]:
            step = self.steps[key]
            if step.state in (StepState.DONE, StepState.FAILED):
                step.state = StepState.STALE
                stale.append(key)
        if stale:
            self._emit(StepsInvalidated(tuple(stale)))

    def reset(self) -> None:
        """Back to the start: default inputs, no outcomes, no cookies (the log is kept)."""
        self._build_steps()
        self._kept.clear()
        if self._http is not None:
            self._http.cookies.clear()
        self._emit(StepsInvalidated(self.keys))

    # -- running --------------------------------------------------------------------------
    async def run(self, key: str) -> Step:
        """Run one step; it fails (with a message) if a step it needs has not been run.

        Runs are serialised: a second call waits for the first (the recorder names one step).
        """
        if self._running is None:
            self._running = asyncio.Lock()
        async with self._running:
            return await self._run(key)

    async def _run(self, key: str) -> Step:
        step = self.steps[key]
        self._invalidate(self.spec.index(key) + 1)
        step.state, step.outcome, step.error = StepState.RUNNING, None, None
        self._recorder.step = key
        self._emit(StepStarted(key))
        try:
            self._check_requirements(step)
            step.outcome = await step.spec.runner(self)
            step.state = StepState.DONE
        except FlowError as exc:
            self._fail(step, exc)
        except Exception as exc:  # an engine bug must not take the app or the CLI down
            log.debug("step %s crashed", key, exc_info=True)
            self._fail(step, FlowError(f"unexpected {type(exc).__name__}: {exc}"))
        except asyncio.CancelledError:  # the UI cancelled the task: the step did not finish
            self._fail(step, FlowError("cancelled before it finished"))
            raise
        finally:
            self._recorder.step = ""
            self._emit(StepFinished(key, step.state, str(step.error) if step.error else None))
        return step

    def _check_requirements(self, step: Step) -> None:
        missing = step.spec.missing(lambda k: self.steps[k].state is StepState.DONE, step.inputs)
        if missing:
            raise FlowError(f"run {', '.join(missing)} first ({step.title} needs it)")

    def _fail(self, step: Step, exc: FlowError) -> None:
        step.state, step.error, step.outcome = StepState.FAILED, exc, exc.outcome

    async def run_next(self) -> Step | None:
        """Run the first step that is not done; None when every step is done."""
        for key in self.keys:
            if self.steps[key].state is not StepState.DONE:
                return await self.run(key)
        return None

    async def run_all(self) -> bool:
        """Run the remaining steps in order until one fails; True when all are done."""
        while (step := await self.run_next()) is not None:
            if step.state is StepState.FAILED:
                return False
        return True

    # -- previews and extra actions (for the UI's editable tables) -------------------------
    def authorize_params(self) -> list[Param]:
        """The parameter rows the authorize step will send (needs the pkce step done).

        A fresh state and nonce are drawn and written into the inputs, so the table the UI
        shows is exactly what will be sent; editing a row then `set_input(..., "params", rows)`.
        """
        inputs = self.steps["authorize_url"].inputs
        if inputs.get("params") is not None:
            return list(inputs["params"])
        derived = self.steps["pkce"].outcome
        if derived is None:
            raise FlowError("run the pkce step first: the challenge is one of the parameters")
        rows = steps.default_authorize_params(inputs, derived)
        inputs["state"] = authorize.param_value(rows, "state") or ""
        inputs["nonce"] = authorize.param_value(rows, "nonce") or ""
        return rows

    def token_request_preview(self) -> HttpRequest:
        """The token request the token step would send now (raises `FlowError` if it can't)."""
        missing = [
            k
            for k in ("discovery", "pkce", "authorize_url", "callback")
            if self.steps[k].outcome is None
        ]
        if missing:
            raise FlowError(f"run {', '.join(missing)} first")
        return steps.build_token_request(self)

    async def fetch_jwks(self, url: str) -> dict[str, Any]:
        """GET a JWKS (recorded as 'jwks'), e.g. to verify a pasted token."""
        return await self._action("jwks", lambda: steps.fetch_jwks(self, url))

    async def refresh(self, scope: str | None = None) -> steps.TokenOutcome:
        """RFC 6749 §6: redeem the refresh token of the token step (recorded as 'refresh').

        On success the token step's outcome becomes the new tokens and the later steps stale.
        Raises `FlowError` (e.g. `invalid_grant` for a rotated-out token) without changing steps.
        """
        holder = self.spec.tokens_step
        if holder is None:
            raise FlowError(f"the {self.spec.title} flow has no tokens to refresh")
        outcome = await self._action("refresh", lambda: steps.run_refresh(self, scope))
        self.steps[holder].outcome = outcome
        self._invalidate(self.spec.index(holder) + 1)
        return outcome

    async def revoke(self, token: str, hint: TokenTypeHint | None = None) -> None:
        """RFC 7009: revoke a token (recorded as 'revoke'); raises `FlowError` on an error."""
        await self._action("revoke", lambda: steps.run_revoke(self, token, hint))

    async def introspect(self, token: str, hint: TokenTypeHint | None = None) -> Introspection:
        """RFC 7662: ask the provider whether a token is active (recorded as 'introspect')."""
        return await self._action("introspect", lambda: steps.run_introspect(self, token, hint))

    async def action(self, name: str, work: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """Run `work` (e.g. a lab tamper) with the session's client, recorded as `name`."""
        return await self._action(name, work)

    async def _action(self, name: str, work: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """Run an action outside the step list, serialised with steps, recorded as `name`."""
        if self._running is None:
            self._running = asyncio.Lock()
        async with self._running:
            self._recorder.step = name
            try:
                return await work()
            finally:
                self._recorder.step = ""

    @property
    def failed_step(self) -> Step | None:
        return next((s for s in self.steps.values() if s.state is StepState.FAILED), None)

    async def trust(self, ca_file: str | None) -> None:
        """From the next request on, trust the system's CAs plus `ca_file` (a profile's): the
        HTTP client and its connections are dropped, so TLS is negotiated anew."""
        self.config = replace(self.config, ca_file=ca_file)
        await self.aclose()
        self._recorder = self._new_recorder()

    def _new_recorder(self) -> RecordingTransport:
        """The recording transport, trusting the system's CAs plus `config.ca_file`."""
        return RecordingTransport(self.log, self.transport, trace_lookup=self.trace_lookup,
                                  verify=lambda: tls.context(self.config.ca_file))

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None
        else:
            await self._recorder.aclose()

    async def __aenter__(self) -> FlowSession:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
