"""TokenStore on its own: revocation through families, expiry on the clock, caps that fail closed.

The endpoints' behaviour (replay, reuse, revocation over HTTP) is tested in test_token.py and
test_revocation.py; these tests drive the store the way token_endpoint.py does.
"""

from __future__ import annotations

import pytest

from playground.core.errors import InvalidGrant
from playground.server.store import REPLAY_GRACE, CodeRecord, Grant, TokenStore

from .clocks import ManualClock

GRANT = Grant("client", "alice", ("openid", "offline_access"), 0)
CODE_TTL, REFRESH_TTL, ACCESS_TTL = 60.0, 14 * 86400.0, 3600.0


def _store(clock: ManualClock, **caps: int) -> TokenStore:
    return TokenStore(clock, CODE_TTL, REFRESH_TTL, ACCESS_TTL, **caps)


def _accept(_: object) -> None:
    pass


def _code_flow(store: TokenStore, jti: str) -> tuple[CodeRecord, str, str]:
    """Redeem a fresh code as token_endpoint does: (record, refresh token, family)."""
    record = store.redeem_code(store.issue_code(GRANT, "uri", True, None, None), _accept)
    refresh, family = store.issue_refresh(GRANT)
    store.attach_to_family(family, jti)
    store.attach_to_code(record, jti, family)
    return record, refresh, family


def _rotate(store: TokenStore, refresh: str, jti: str) -> str:
    record = store.use_refresh(refresh, "client", True, _accept)
    token, _ = store.issue_refresh(record.grant, record.family)
    store.attach_to_family(record.family, jti)
    return token


def test_code_replay_revokes_the_code_and_its_family() -> None:
    store = _store(ManualClock())
    record, refresh, _ = _code_flow(store, "at-1")
    rotated = _rotate(store, refresh, "at-2")
    assert not store.is_revoked("at-1")
    with pytest.raises(InvalidGrant, match="already used"):
        store.redeem_code(record.code, _accept)
    assert store.is_revoked("at-1")
    assert store.is_revoked("at-2")
    assert store.active_refresh(rotated) is None


def test_refresh_reuse_revokes_every_access_token_of_the_family() -> None:
    store = _store(ManualClock())
    _, refresh, _ = _code_flow(store, "at-1")
    _rotate(store, refresh, "at-2")
    with pytest.raises(InvalidGrant, match="already used"):
        store.use_refresh(refresh, "client", True, _accept)
    assert store.is_revoked("at-1")
    assert store.is_revoked("at-2")


def test_a_token_attached_after_a_replay_is_revoked_too() -> None:
    store = _store(ManualClock())
    record = store.redeem_code(store.issue_code(GRANT, "uri", True, None, None), _accept)
    with pytest.raises(InvalidGrant):
        store.redeem_code(record.code, _accept)  # the replay wins the race
    store.attach_to_code(record, "at-late", None)
    assert store.is_revoked("at-late")


def test_revoking_an_access_token_leaves_the_others() -> None:
    store = _store(ManualClock())
    _code_flow(store, "at-1")
    _code_flow(store, "at-2")
    store.revoke_access("at-1")
    assert store.is_revoked("at-1")
    assert not store.is_revoked("at-2")


def test_an_unknown_jti_counts_as_revoked() -> None:
    assert _store(ManualClock()).is_revoked("never-issued")


def test_access_token_entry_lasts_as_long_as_the_token() -> None:
    clock = ManualClock()
    store = _store(clock)
    _code_flow(store, "at-1")
    clock.t += ACCESS_TTL - 1
    assert not store.is_revoked("at-1")
    clock.t += 1  # the token's exp: verification rejects it from now on anyway
    assert store.is_revoked("at-1")


def test_access_token_cap_fails_closed() -> None:
    store = _store(ManualClock(), max_access=3)
    for i in range(4):
        _code_flow(store, f"at-{i}")
    assert store.is_revoked("at-0")  # evicted: inactive early, never un-revoked
    assert not any(store.is_revoked(f"at-{i}") for i in (1, 2, 3))


def test_a_revoked_family_stays_revoked_after_its_refresh_tokens_are_evicted() -> None:
    store = _store(ManualClock(), max_refresh=1)
    _, refresh, _ = _code_flow(store, "at-1")
    assert store.revoke_refresh(refresh, "client")
    _code_flow(store, "at-2")  # evicts the first refresh token
    assert store.active_refresh(refresh) is None
    assert store.is_revoked("at-1")


def test_code_is_kept_for_replay_detection_after_it_expires() -> None:
    clock = ManualClock()
    store = _store(clock)
    record, _, _ = _code_flow(store, "at-1")
    clock.t += CODE_TTL + REPLAY_GRACE - 1
    with pytest.raises(InvalidGrant, match="already used"):
        store.redeem_code(record.code, _accept)
    assert store.is_revoked("at-1")


def test_code_is_unknown_after_the_grace() -> None:
    clock = ManualClock()
    store = _store(clock)
    code = store.issue_code(GRANT, "uri", True, None, None)
    clock.t += CODE_TTL
    with pytest.raises(InvalidGrant, match="expired"):
        store.redeem_code(code, _accept)
    clock.t += REPLAY_GRACE
    with pytest.raises(InvalidGrant, match="unknown"):
        store.redeem_code(code, _accept)


def test_code_cap_makes_the_oldest_unknown() -> None:
    store = _store(ManualClock(), max_codes=2)
    first = store.issue_code(GRANT, "uri", True, None, None)
    store.issue_code(GRANT, "uri", True, None, None)
    store.issue_code(GRANT, "uri", True, None, None)
    with pytest.raises(InvalidGrant, match="unknown"):
        store.redeem_code(first, _accept)
    assert store.sizes()["codes"] == 2


def test_refresh_token_expires_on_the_clock() -> None:
    clock = ManualClock()
    store = _store(clock)
    _, refresh, _ = _code_flow(store, "at-1")
    clock.t += REFRESH_TTL
    assert store.active_refresh(refresh) is None
    with pytest.raises(InvalidGrant, match="unknown"):
        store.use_refresh(refresh, "client", True, _accept)


def test_a_family_is_dropped_when_nothing_points_to_it() -> None:
    clock = ManualClock()
    store = _store(clock)
    _, refresh, _ = _code_flow(store, "at-1")
    _rotate(store, refresh, "at-2")
    assert store.sizes() == {"codes": 1, "refresh_tokens": 2, "access_tokens": 2,
                             "families": 1}
    clock.t += REFRESH_TTL
    _code_flow(store, "at-3")  # its writes prune everything of the first flow
    assert store.sizes() == {"codes": 1, "refresh_tokens": 1, "access_tokens": 1,
                             "families": 1}
