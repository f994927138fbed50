"""`playground.commands.foreground`: output that never blocks its caller, signals that stop."""

from __future__ import annotations

import io
import subprocess
import sys
import threading
import time
from pathlib import Path

from playground.commands.foreground import LineWriter

ROOT = Path(__file__).resolve().parents[1]


class _StuckStream(io.StringIO):
    """A stdout nobody reads: write() blocks until `release` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.entered = threading.Event()

    def write(self, text: str) -> int:
        self.entered.set()
        self.release.wait()
        return super().write(text)


def test_put_never_waits_on_a_blocked_output_and_counts_what_it_drops() -> None:
    stream = _StuckStream()
    writer = LineWriter(stream, limit=10)
    writer.put("first")
    assert stream.entered.wait(5)  # the writer thread is now stuck in write()
    began = time.monotonic()
    for i in range(25):
        writer.put(f"line {i}")
    assert time.monotonic() - began < 1.0  # not one put waited for the output
    assert writer.dropped == 15  # 10 queued behind the stuck one, the rest dropped
    assert not writer.close(timeout=0.2)  # still stuck: close gives up, it does not hang
    stream.release.set()
    assert writer.close(timeout=5)
    lines = stream.getvalue().splitlines()
    assert lines[0] == "first"
    assert lines[1] == "... 15 log entries dropped: the output was not being read"
    assert lines[2:] == [f"line {i}" for i in range(10)]


def test_a_reader_that_left_ends_the_output_quietly() -> None:
    class Gone(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    writer = LineWriter(Gone())
    writer.put("nobody reads this")
    assert writer.close(timeout=5)  # no exception escaped the writer's thread (pytest would say)


def test_entries_are_written_in_order_and_close_waits_for_them() -> None:
    stream = io.StringIO()
    writer = LineWriter(stream)
    for i in range(1000):
        writer.put(f"entry {i}\n    detail")
    assert writer.close(timeout=5)
    assert stream.getvalue() == "".join(f"entry {i}\n    detail\n" for i in range(1000))
    assert writer.dropped == 0


# The main thread paused (for 0.3 s) inside threading.Condition.wait while it holds the Event's
# lock, as an OS preemption under load does, and a SIGTERM arriving then. A Python handler that
# set the Event there waited on that lock forever, every later signal nesting another such
# handler; the C-level wakeup pipe does not run Python code in the handler at all.
PAUSED_IN_WAIT = """
import os, signal, sys, threading, time
from playground.commands.foreground import StopSignals
paused = threading.Event()
def profile(frame, event, arg):
    if event == "call" and frame.f_code.co_name == "_is_owned" and not paused.is_set():
        paused.set()
        sys.setprofile(None)
        time.sleep(0.3)
def send():
    paused.wait()
    time.sleep(0.05)
    os.kill(os.getpid(), signal.SIGTERM)
signals = StopSignals(5.0, on_force=lambda: None)
signals.install()
threading.Thread(target=send, daemon=True).start()
threading.Timer(0.1, lambda: None).start()  # a thread, so Condition.wait runs in main
sys.setprofile(profile)
print("stopping on", signal.Signals(signals.wait()).name, "paused", paused.is_set(), flush=True)
"""


def test_a_signal_while_the_main_thread_holds_the_wait_lock_still_stops() -> None:
    result = subprocess.run([sys.executable, "-c", PAUSED_IN_WAIT], cwd=ROOT, capture_output=True,
                            text=True, timeout=20, check=False)
    assert result.stdout == "stopping on SIGTERM paused True\n", result.stderr
    assert result.returncode == 0
