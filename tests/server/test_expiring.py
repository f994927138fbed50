"""ExpiringMap: expiry on the injected clock, cap eviction oldest first, O(1) work per operation.

Work is counted (`examined`: entries pruning looked at), never timed.
"""

from __future__ import annotations

import pytest

from playground.server.expiring import ExpiringMap

from .clocks import ManualClock


def _map(clock: ManualClock, ttl: float = 10.0, max_size: int = 100) -> ExpiringMap[str, int]:
    return ExpiringMap(clock, ttl, max_size)


def test_entry_lives_exactly_ttl() -> None:
    clock = ManualClock()
    entries = _map(clock)
    entries.put("a", 1)
    clock.t += 9.999
    assert entries.get("a") == 1
    clock.t += 0.001
    assert entries.get("a") is None
    assert len(entries) == 0  # a read of an expired entry drops it


def test_put_again_renews_and_moves_to_the_back() -> None:
    clock = ManualClock()
    entries = _map(clock, max_size=2)
    entries.put("a", 1)
    clock.t += 5
    entries.put("b", 2)
    entries.put("a", 3)  # renewed: now the newest
    clock.t += 6
    assert entries.get("a") == 3
    entries.put("c", 4)  # over the cap: "b" is the oldest
    assert entries.get("b") is None
    assert entries.values() == [3, 4]


def test_cap_evicts_oldest_first() -> None:
    clock = ManualClock()
    entries = _map(clock, max_size=3)
    for i in range(5):
        clock.t += 1
        entries.put(f"k{i}", i)
    assert len(entries) == 3
    assert entries.evicted == 2
    assert entries.values() == [2, 3, 4]
    assert entries.get("k0") is None


def test_write_prunes_expired_entries_from_the_front() -> None:
    clock = ManualClock()
    entries = _map(clock)
    for i in range(10):
        entries.put(f"k{i}", i)
        clock.t += 1
    clock.t += 3  # k0..k3 expired (put at t0..t0+3, now t0+13)
    entries.put("new", 99)
    assert len(entries) == 7
    assert entries.evicted == 0


def test_pop_and_values_skip_expired_entries() -> None:
    clock = ManualClock()
    entries = _map(clock)
    entries.put("a", 1)
    clock.t += 5
    entries.put("b", 2)
    assert entries.pop("b") == 2
    assert entries.pop("b") is None
    entries.put("c", 3)
    clock.t += 5
    assert entries.values() == [3]
    assert entries.pop("a") is None  # expired: gone, and not returned


def test_a_write_with_20k_live_entries_examines_one() -> None:
    clock = ManualClock()
    entries = _map(clock, ttl=3600, max_size=50_000)
    for i in range(20_000):
        entries.put(str(i), i)
    before = entries.examined
    entries.put("one more", 0)
    assert entries.examined - before == 1
    assert len(entries) == 20_001


def test_pruning_examines_only_the_expired_entries_and_one_more() -> None:
    clock = ManualClock()
    entries = _map(clock, ttl=100, max_size=50_000)
    for i in range(20_000):
        if i % 1000 == 0:
            clock.t += 1  # 20 batches of 1000, one second apart
        entries.put(str(i), i)
    clock.t += 100 - 20 + 3  # the first three batches expired
    before = entries.examined
    entries.put("new", 0)
    assert entries.examined - before == 3000 + 1
    assert len(entries) == 17_001


def test_work_is_constant_amortised_over_a_long_run() -> None:
    clock = ManualClock()
    entries = _map(clock, ttl=60, max_size=1000)
    writes = 100_000
    for i in range(writes):
        clock.t += 0.25
        entries.put(str(i), i)
    # each entry is popped by pruning at most once, plus one look per write
    assert entries.examined <= 2 * writes
    assert len(entries) == 240  # the last 60 s of writes
    assert entries.evicted == 0
    assert clock.reads == writes


def test_clock_moved_back_never_returns_an_expired_entry() -> None:
    clock = ManualClock()
    entries = _map(clock, ttl=10)
    entries.put("early", 1)       # expires t0+10
    clock.t -= 5
    entries.put("late", 2)        # expires t0+5, behind an entry expiring later
    clock.t += 11                 # t0+6
    assert entries.get("late") is None
    assert entries.get("early") == 1


def test_max_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_size"):
        _map(ManualClock(), max_size=0)
