"""Signing tokens in helper processes, so RSA signatures use the other cores.

An RSA-2048 signature costs ~215 µs of CPU; OpenSSL releases the GIL for it, but handing results
back between threads stalls on the GIL (benchmarks/README.md), so `ProcessSigner` uses helper
processes (`playground.server.signer_worker`): the server's event loop writes one JSON line per
token response to a helper's stdin and awaits its answer line, and other requests proceed
meanwhile. The private keys reach the helpers over that pipe, never on a command line. Until the
helpers are ready, and if one dies or goes silent, tokens are signed in the server's thread
instead: a request is never lost to a helper.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import sys
from typing import cast

from cryptography.hazmat.primitives import serialization

from playground.server.keys import KeySet
from playground.server.signing import InlineSigner, Signed, SigningRequest, knows

log = logging.getLogger(__name__)

CLOSE_TIMEOUT = 0.5  # seconds a helper may take to exit before it is killed (it takes ~20 ms)

HELPER_FLAG = "--signing-helper"  # how a frozen build's executable is told to be a helper


def helper_command() -> list[str]:
    """The command line of a helper: this interpreter, or a frozen build's own executable."""
    if getattr(sys, "frozen", False):
        return [sys.executable, HELPER_FLAG]
    return [sys.executable, "-m", "playground.server.signer_worker"]


class _Helper(asyncio.SubprocessProtocol):
    """One helper process: requests go out in order, so answers are matched first in, first out."""

    def __init__(self) -> None:
        self.pending: collections.deque[asyncio.Future[Signed]] = collections.deque()
        self.transport: asyncio.SubprocessTransport | None = None
        self.alive = True
        self.exited: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._buffer = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.SubprocessTransport, transport)  # uvloop's is not a subclass

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        *lines, self._buffer = (self._buffer + data).split(b"\n")
        for line in lines:
            future = self.pending.popleft()
            if not future.done():  # else its request timed out and was signed in-process
                _settle(future, line)

    def process_exited(self) -> None:
        self.alive = False
        if not self.exited.done():
            self.exited.set_result(None)
        while self.pending:
            future = self.pending.popleft()
            if not future.done():
                future.set_exception(ConnectionError("the signing helper exited"))

    def write(self, data: bytes) -> None:
        self._stdin().write(data)

    def end_input(self) -> None:
        self._stdin().close()

    def kill(self) -> None:
        if self.alive and self.transport is not None:
            with contextlib.suppress(ProcessLookupError):
                self.transport.kill()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def _stdin(self) -> asyncio.WriteTransport:
        assert self.transport is not None
        return cast(asyncio.WriteTransport, self.transport.get_pipe_transport(0))


def _settle(future: asyncio.Future[Signed], line: bytes) -> None:
    try:
        answer = json.loads(line)
    except ValueError:
        future.set_exception(RuntimeError(f"unreadable answer {line[:60]!r}"))
        return
    if isinstance(answer, list) and len(answer) == 2:
        future.set_result((answer[0], answer[1]))
    else:
        error = answer.get("error") if isinstance(answer, dict) else None
        future.set_exception(RuntimeError(error or f"unexpected answer {line[:60]!r}"))


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("the signing helpers did not start; signing in-process",
                    exc_info=task.exception())


class ProcessSigner:
    """Signs in `count` helper processes, each request on the least busy one. A helper that
    has not answered within `answer_timeout` seconds is killed, and the request signed here."""

    answer_timeout = 10.0

    def __init__(self, keys: KeySet, count: int) -> None:
        self._keys = keys
        self._count = count
        self._helpers: list[_Helper] = []
        self._closing: list[_Helper] = []  # taken out of service by close(), not yet exited
        self._inline = InlineSigner(keys)
        self._starting: asyncio.Task[None] | None = None
        self._exported: set[str] = set()  # the kids the running helpers hold

    async def start(self) -> None:
        """Spawn the helpers in the background; the server answers meanwhile (inline)."""
        self._starting = asyncio.get_running_loop().create_task(self._spawn())
        self._starting.add_done_callback(_log_failure)

    async def _spawn(self) -> None:
        secret = await asyncio.to_thread(self._export_keys)  # waits for RSA key generation
        loop = asyncio.get_running_loop()
        for _ in range(self._count):
            try:
                _, helper = await loop.subprocess_exec(
                    _Helper, *helper_command(), stdout=asyncio.subprocess.PIPE, stderr=None)
            except OSError as exc:
                log.warning("cannot start a signing helper (%s); signing in-process", exc)
                return
            helper.write(secret)
            self._helpers.append(helper)

    def _export_keys(self) -> bytes:
        self._exported = {k.kid for k in self._keys.keys}
        pems = [[k.kid, k.alg, k.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()).decode("ascii")] for k in self._keys.keys]
        return json.dumps(pems).encode("ascii") + b"\n"

    @property
    def pids(self) -> list[int]:
        """The process ids of the helpers running now, those being closed included."""
        return [h.transport.get_pid() for h in self._helpers + self._closing
                if h.alive and h.transport is not None]

    @property
    def in_flight(self) -> int:
        """Requests sent to a helper and not yet answered."""
        return sum(len(h.pending) for h in self._helpers)

    async def sign(self, request: SigningRequest) -> Signed:
        helpers = [h for h in self._helpers if h.alive]
        if helpers and not knows(self._exported, request):
            self._replace_helpers()  # the keys were rotated
            helpers = []
        if not helpers:
            return await self._inline.sign(request)
        helper = min(helpers, key=lambda h: len(h.pending))
        future: asyncio.Future[Signed] = asyncio.get_running_loop().create_future()
        helper.pending.append(future)
        helper.write(request.to_line())
        try:
            return await asyncio.wait_for(future, self.answer_timeout)
        except TimeoutError:
            log.warning("a signing helper did not answer within %g s; stopping it and signing "
                        "in-process", self.answer_timeout)
            helper.kill()
        except (ConnectionError, RuntimeError) as exc:
            log.warning("a signing helper failed (%s); signing this response in-process", exc)
        return await self._inline.sign(request)

    def _replace_helpers(self) -> None:
        """Retire the helpers (they finish what they hold and exit at the end of their input)
        and spawn new ones with the current keys; meanwhile this process signs."""
        for helper in self._helpers:
            helper.end_input()
        self._closing += self._helpers
        self._helpers = []
        self._starting = asyncio.get_running_loop().create_task(self._spawn())
        self._starting.add_done_callback(_log_failure)

    async def close(self) -> None:
        """End the helpers' input (they exit at its end); kill any still running after
        `CLOSE_TIMEOUT`; return once every one has exited."""
        if self._starting is not None:
            self._starting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._starting
        self._closing, self._helpers = self._closing + self._helpers, []
        helpers = self._closing
        if not helpers:
            return
        for helper in helpers:
            helper.end_input()
        await asyncio.wait([h.exited for h in helpers], timeout=CLOSE_TIMEOUT)
        for helper in helpers:
            helper.kill()
        await asyncio.wait([h.exited for h in helpers], timeout=CLOSE_TIMEOUT)
        for helper in helpers:
            helper.close()
        self._closing = []
