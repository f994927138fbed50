"""A server in the foreground: output that never blocks it, signals that always stop it.

`LineWriter` writes lines from a thread of its own through a bounded queue, so the server's event
loop, logging each request, never waits on stdout. When nobody reads the output (a pipe a test
harness never drains, a terminal paused with Ctrl-S) entries are dropped and counted instead; a
`print` on the loop's thread blocked the whole server there, holding stdout's lock.

`StopSignals` turns SIGINT and SIGTERM into a `threading.Event` without doing anything in a
Python signal handler: the interpreter's C-level handler writes the signal's number to a wakeup
socket (`signal.set_wakeup_fd`), which a watcher thread reads. A handler that set an Event itself
could deadlock: it runs on the main thread, possibly while that thread is inside `Event.wait`
holding the Event's lock, and every later signal nests another blocked handler. The watcher
also bounds the shutdown: a second signal, or a shutdown still running `deadline` seconds after
the first signal, ends the process at once (`os._exit`), after `on_force` (kill the helpers).
"""

from __future__ import annotations

import contextlib
import io
import os
import queue
import select
import signal
import socket
import threading
import time
from collections.abc import Callable
from typing import Any, NoReturn, TextIO

SIGNALS = (signal.SIGINT, signal.SIGTERM)
SAY_TIMEOUT = 0.2  # seconds a last message may take to write: stderr may be blocked too


def say(message: str) -> None:
    """Write `message` to stderr, giving up after `SAY_TIMEOUT` (a blocked stderr)."""
    data = message.encode("utf-8", "backslashreplace") + b"\n"
    writer = threading.Thread(target=_write_fd, args=(2, data), daemon=True)
    writer.start()
    writer.join(SAY_TIMEOUT)


def _write_fd(fd: int, data: bytes) -> None:
    with contextlib.suppress(OSError):
        os.write(fd, data)


class LineWriter:
    """Writes text to `stream` from its own thread; `put` never waits (it drops when full)."""

    def __init__(self, stream: TextIO, limit: int = 4096) -> None:
        self._stream = stream
        self._queue: queue.Queue[str | None] = queue.Queue(limit)
        self._lock = threading.Lock()
        self.dropped = 0
        self._reported = 0
        if isinstance(stream, io.TextIOWrapper):  # an unencodable character is escaped
            stream.reconfigure(errors="backslashreplace")
        self._thread = threading.Thread(target=self._drain, name="serve-output", daemon=True)
        self._thread.start()

    def put(self, text: str) -> None:
        try:
            self._queue.put_nowait(text)
        except queue.Full:
            with self._lock:
                self.dropped += 1

    def close(self, timeout: float) -> bool:
        """Write what is queued; False if that did not finish within `timeout` seconds."""
        end = time.monotonic() + timeout
        try:
            self._queue.put(None, timeout=max(0.0, timeout))
        except queue.Full:
            return False
        self._thread.join(max(0.0, end - time.monotonic()))
        return not self._thread.is_alive()

    def _drain(self) -> None:
        broken = False
        while True:
            batch = self._batch()
            texts = [text for text in batch if text is not None]
            if texts and not broken:
                broken = not self._write(texts)
            if None in batch:
                return

    def _batch(self, most: int = 256) -> list[str | None]:
        """The next entry (waiting for it) and those queued behind it: one write for them all."""
        batch = [self._queue.get()]
        with contextlib.suppress(queue.Empty):
            while len(batch) < most and batch[-1] is not None:
                batch.append(self._queue.get_nowait())
        return batch

    def _write(self, texts: list[str]) -> bool:
        with self._lock:
            dropped, self._reported = self.dropped - self._reported, self.dropped
        if dropped:
            texts.insert(0, f"... {dropped} log entr{'ies' if dropped > 1 else 'y'} dropped: "
                            "the output was not being read")
        try:
            self._stream.write("\n".join(texts) + "\n")
            self._stream.flush()
        except BrokenPipeError:  # the reader left (`serve | head`)
            _to_devnull(self._stream)
            return False
        except (OSError, ValueError):  # the stream was closed
            return False
        return True


def _to_devnull(stream: TextIO) -> None:
    """Point `stream`'s descriptor at /dev/null, so what it still holds is flushed there at
    exit instead of failing again ("Exception ignored ... BrokenPipeError", exit code 120)."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)


class StopSignals:
    """SIGINT/SIGTERM for a process's main thread; install once, then `wait()`."""

    def __init__(self, deadline: float, on_force: Callable[[], None]) -> None:
        self.deadline = deadline
        self.requested = threading.Event()
        self.signum = 0
        self._on_force = on_force
        self._wakeup = socket.socketpair()  # sockets, not a pipe: Windows wants a socket
        self._first_at = 0.0
        self._pending: list[int] = []  # signals read from the socket, not yet taken

    def install(self) -> None:
        """Route SIGINT and SIGTERM to the watcher thread (call on the main thread)."""
        write = self._wakeup[1]
        write.setblocking(False)
        signal.set_wakeup_fd(write.fileno(), warn_on_full_buffer=False)
        for sig in SIGNALS:
            signal.signal(sig, _noted_by_the_watcher)
        threading.Thread(target=self._watch, name="serve-signals", daemon=True).start()

    def wait(self) -> int:
        """Block until the first SIGINT or SIGTERM; its number."""
        self.requested.wait()
        return self.signum

    def remaining(self) -> float:
        """Seconds left of the shutdown's deadline."""
        return max(0.0, self._first_at + self.deadline - time.monotonic())

    def _watch(self) -> None:
        self.signum = self._next(None)
        self._first_at = time.monotonic()
        self.requested.set()
        second = self._next(self.deadline)
        if second:
            self._force(f"second {signal.Signals(second).name} while stopping: exiting now",
                        128 + second)
        name = signal.Signals(self.signum).name
        self._force(f"error: did not stop within {self.deadline:g} s of {name}; exiting now", 1)

    def _next(self, timeout: float | None) -> int:
        """The next SIGINT or SIGTERM's number; 0 if `timeout` seconds pass first."""
        end = None if timeout is None else time.monotonic() + timeout
        while not self._pending:
            left = None if end is None else max(0.0, end - time.monotonic())
            ready, _, _ = select.select([self._wakeup[0]], [], [], left)
            if not ready:
                return 0
            self._pending.extend(n for n in self._wakeup[0].recv(64) if n in SIGNALS)
        return self._pending.pop(0)

    def _force(self, message: str, code: int) -> NoReturn:
        with contextlib.suppress(Exception):
            self._on_force()
        say(f"oauth-playground serve: {message}")
        os._exit(code)


def _noted_by_the_watcher(signum: int, frame: Any) -> None:
    """Installed so the interpreter's C handler writes to the wakeup socket; does nothing."""
