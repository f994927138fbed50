"""The device grant's stores on an injected clock: the §6.1 user code, the §3.5 answers, and
that device codes and wrong-code counters are bounded and forget by time (nothing is timed)."""

from __future__ import annotations

import pytest

from playground.core.clock import AdjustableClock
from playground.core.errors import (
    AccessDenied,
    AuthorizationPending,
    ExpiredToken,
    InvalidGrant,
    SlowDown,
)
from playground.server.device_attempts import UserCodeAttempts
from playground.server.device_store import (
    EXPIRED_GRACE,
    USER_CODE_ALPHABET,
    DeviceStore,
    display_user_code,
    new_user_code,
    normalize_user_code,
)
from playground.server.store import CodeRecord, Grant

TTL, INTERVAL = 600.0, 5


def _store(max_size: int = 4096) -> tuple[DeviceStore, AdjustableClock]:
    clock = AdjustableClock()
    return DeviceStore(clock, TTL, INTERVAL, max_size), clock


def _never(_: CodeRecord) -> None:
    raise AssertionError("no replay here")


def test_user_codes_use_the_base_20_consonants_and_read_as_xxxx_xxxx() -> None:
    assert USER_CODE_ALPHABET == "BCDFGHJKLMNPQRSTVWXZ" and len(set(USER_CODE_ALPHABET)) == 20
    codes = {new_user_code() for _ in range(500)}
    assert len(codes) == 500  # 20^8 of them: no repeats among a few hundred
    assert all(len(c) == 8 and set(c) <= set(USER_CODE_ALPHABET) for c in codes)
    assert set("".join(codes)) == set(USER_CODE_ALPHABET)  # every letter is drawn
    assert display_user_code("WDJBMJHT") == "WDJB-MJHT"


@pytest.mark.parametrize(("typed", "code"), [
    ("WDJB-MJHT", "WDJBMJHT"), ("wdjb mjht", "WDJBMJHT"), (" wd-jb-mj-ht ", "WDJBMJHT"),
    ("WDJB-MJH", None), ("WDJB-MJHA", None), ("WDJB-MJH0", None), ("", None),
    ("WDJB\u2013MJHT", None), ("\uff37DJBMJHT", None),
])
def test_entered_codes_are_case_insensitive_and_ignore_dashes_and_blanks(
        typed: str, code: str | None) -> None:
    assert normalize_user_code(typed) == code


def test_a_poll_answers_pending_slow_down_denied_expired_and_the_tokens_once() -> None:
    store, clock = _store()
    record = store.issue("tv", ("openid",))
    with pytest.raises(AuthorizationPending):
        store.redeem(record.device_code, "tv", _never)
    with pytest.raises(SlowDown):
        store.redeem(record.device_code, "tv", _never)
    assert record.interval == INTERVAL + 5
    with pytest.raises(InvalidGrant):
        store.redeem(record.device_code, "another-client", _never)
    assert store.decide(record, Grant("tv", "alice", ("openid",), 0))
    assert not store.decide(record, None), "decided once"
    assert store.redeem(record.device_code, "tv", _never).approval is record.approval
    replayed: list[CodeRecord] = []
    with pytest.raises(InvalidGrant, match="already redeemed"):
        store.redeem(record.device_code, "tv", replayed.append)
    assert replayed == [record.approval]

    denied = store.issue("tv", ())
    assert store.decide(denied, None)
    with pytest.raises(AccessDenied):
        store.redeem(denied.device_code, "tv", _never)
    clock.advance(TTL)
    with pytest.raises(ExpiredToken):
        store.redeem(denied.device_code, "tv", _never)
    clock.advance(EXPIRED_GRACE)
    with pytest.raises(InvalidGrant):  # long expired: forgotten, so unknown
        store.redeem(denied.device_code, "tv", _never)


def test_an_expired_code_cannot_be_approved() -> None:
    store, clock = _store()
    record = store.issue("tv", ())
    clock.advance(TTL)
    assert not store.decide(record, Grant("tv", "alice", (), 0))


def test_device_codes_are_bounded_by_lifetime_and_by_the_cap() -> None:
    store, clock = _store()
    step, peak = 10.0, 0
    for _ in range(3000):  # ~8 simulated hours
        record = store.issue("tv", ())
        assert store.by_user_code(record.user_code) is record
        clock.advance(step)
        peak = max(peak, *store.sizes().values())
    assert peak <= (TTL + EXPIRED_GRACE) / step + 1
    capped, _clock = _store(max_size=50)
    records = [capped.issue("tv", ()) for _ in range(200)]
    assert capped.sizes() == {"device_codes": 50, "user_codes": 50}
    assert capped.by_user_code(records[0].user_code) is None  # the oldest went first
    assert capped.by_user_code(records[-1].user_code) is records[-1]


def test_wrong_codes_lock_a_session_then_are_forgotten() -> None:
    clock = AdjustableClock()
    attempts = UserCodeAttempts(clock, max_wrong=3, lockout=300, per_minute=100)
    assert [attempts.wrong("s1") for _ in range(3)] == [2, 1, 0]
    assert attempts.refusal("s1") is not None and "3 wrong codes" in str(attempts.refusal("s1"))
    assert attempts.refusal("s2") is None
    clock.advance(299)
    assert attempts.refusal("s1") is not None
    clock.advance(1)
    assert attempts.refusal("s1") is None


def test_wrong_codes_in_total_are_a_sliding_minute() -> None:
    clock = AdjustableClock()
    attempts = UserCodeAttempts(clock, max_wrong=1000, per_minute=10)
    for n in range(10):
        attempts.wrong(f"s{n}")
        clock.advance(3)
    assert "in the last minute" in str(attempts.refusal("new"))
    clock.advance(31)  # the first wrong code is 61 s old now
    assert attempts.refusal("new") is None


def test_the_counters_are_bounded() -> None:
    clock = AdjustableClock()
    attempts = UserCodeAttempts(clock, per_minute=10, max_sessions=100)
    for n in range(5000):
        attempts.wrong(f"session-{n}")
    assert attempts.sizes() == {"sessions": 100, "last_minute": 10}
