"""Autosave: every exchange on the disk as it is recorded; a kill -9 loses none of them."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from playground.core.flow import autosave
from playground.core.record.exchange import Exchange
from playground.core.trace import Check, DecisionTrace, Finding

CHILD = """
import sys
from pathlib import Path
from playground.core.flow.autosave import ExchangeJournal
from playground.core.record.exchange import Exchange
journal = ExchangeJournal(Path(sys.argv[1]))
seq = 0
while True:
    seq += 1
    journal.append(Exchange(seq, "token", "POST", "http://as/oauth2/token", (("A", "b"),),
                            b"grant_type=x" * 50, 200, (), b"{}", 0.0, 1.0))
    print(seq, flush=True)
"""


def _exchange(seq: int) -> Exchange:
    trace = DecisionTrace("t-1", 1.0, "POST", "/oauth2/token", "token", 400, "refused",
                          "app", "invalid_grant",
                          (Check("code is known", False, "unknown code", "RFC 6749 §5.2"),))
    return Exchange(seq, "token", "POST", "http://as/oauth2/token", (("Content-Type", "x"),),
                    b"\xff\x00binary", 400, (("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")),
                    b'{"error":"invalid_grant"}', 1700000000.5, 12.25, None, trace,
                    (Finding("rule", "message", "RFC 1", "fix", "warning"),))


def test_a_line_reads_back_as_the_same_exchange(tmp_path: Path) -> None:
    journal = autosave.ExchangeJournal(tmp_path / "a.jsonl")
    journal.append(_exchange(1))
    journal.append(_exchange(2))
    assert autosave.recover(tmp_path / "a.jsonl") == [_exchange(1), _exchange(2)]


def test_a_torn_last_line_is_skipped_and_a_clean_close_leaves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    journal = autosave.ExchangeJournal(path)
    journal.append(_exchange(1))
    with path.open("a", encoding="utf-8") as torn:
        torn.write(autosave.exchange_line(_exchange(2))[:40])
    assert [e.seq for e in autosave.recover(path)] == [1]
    journal.close()
    assert not path.exists() and autosave.take_over(path) is None


def test_take_over_moves_a_crashed_sessions_file_aside(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    autosave.ExchangeJournal(path).append(_exchange(1))
    aside = autosave.take_over(path)
    assert aside is not None and not path.exists()
    assert [e.seq for e in autosave.recover(aside)] == [1]


def test_kill_9_loses_nothing_that_was_recorded(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE,
                             text=True)
    assert child.stdout is not None
    reported = 0
    deadline = time.monotonic() + 30
    while reported < 200 and time.monotonic() < deadline:
        reported = int(child.stdout.readline())
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    child.stdout.close()
    recovered = autosave.recover(path)
    # every exchange the child had written (and said so) is there, whole, in order
    assert len(recovered) >= reported >= 200
    assert [e.seq for e in recovered] == list(range(1, len(recovered) + 1))
    assert all(json.loads(line) for line in path.read_text().splitlines()[:-1])


def test_an_unwritable_place_stops_autosave_with_a_reason(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    journal = autosave.ExchangeJournal(blocker / "a.jsonl")
    journal.append(_exchange(1))
    assert journal.failed is not None and "cannot autosave" in journal.failed
