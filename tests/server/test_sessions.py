"""Pending interactions, login sessions and stored traces: expiry, caps, constant work a request.

Work is counted on each store's ExpiringMap (`examined`: entries pruning looked at), never timed.
"""

from __future__ import annotations

from playground.server.authorize import AuthorizationRequest
from playground.server.clients import default_clients
from playground.server.sessions import SESSION_TTL, InteractionStore, LoginSessions
from playground.server.trace import TRACE_TTL, TraceStore

from .clocks import ManualClock


def _request() -> AuthorizationRequest:
    client = default_clients()[0]
    return AuthorizationRequest(client, client.redirect[0], False, "st", ("openid",), None, None,
                                None, frozenset(), None)


def test_a_login_with_20k_sessions_held_examines_one_entry() -> None:
    clock = ManualClock()
    sessions = LoginSessions(clock, max_size=50_000)
    for i in range(20_000):
        sessions.create(f"user-{i}", 0)
    before = sessions.items.examined
    sid = sessions.create("alice", 0)
    assert sessions.items.examined - before == 1
    assert sessions.get(sid) is not None
    assert len(sessions.items) == 20_001


def test_a_login_prunes_only_the_expired_sessions() -> None:
    clock = ManualClock()
    sessions = LoginSessions(clock, max_size=50_000)
    first = [sessions.create("early", 0) for _ in range(500)]
    clock.t += 60
    for _ in range(19_500):
        sessions.create("later", 0)
    clock.t += SESSION_TTL - 60  # the first 500 have expired
    before = sessions.items.examined
    sessions.create("alice", 0)
    assert sessions.items.examined - before == 500 + 1
    assert len(sessions.items) == 19_501
    assert sessions.get(first[0]) is None


def test_at_the_cap_a_login_signs_out_the_oldest_session() -> None:
    clock = ManualClock()
    sessions = LoginSessions(clock, max_size=3)
    oldest = sessions.create("a", 0)
    for sub in "bcd":
        clock.t += 1
        sessions.create(sub, 0)
    assert sessions.get(oldest) is None
    assert sessions.items.evicted == 1
    assert len(sessions.items) == 3


def test_interaction_expires_on_the_clock_and_a_finished_one_is_dropped() -> None:
    clock = ManualClock()
    store = InteractionStore(clock, ttl=600)
    abandoned, done = store.create(_request()), store.create(_request())
    assert store.finish(done)
    assert not store.finish(done)
    assert store.get(done.uid) is None
    assert len(store.items) == 1
    clock.t += 600
    assert store.get(abandoned.uid) is None
    store.create(_request())
    assert len(store.items) == 1


def test_interaction_cap_evicts_the_oldest_pending_one() -> None:
    store = InteractionStore(ManualClock(), ttl=600, max_size=2)
    first = store.create(_request())
    store.create(_request())
    store.create(_request())
    assert store.get(first.uid) is None
    assert len(store.items) == 2


def test_traces_expire_on_the_clock_and_stay_within_the_limit() -> None:
    clock = ManualClock()
    traces = TraceStore(clock, limit=3)
    ids = []
    for _ in range(5):
        trace = traces.begin("GET", "/", "discovery").build(200)
        traces.publish(trace)
        ids.append(trace.id)
    assert [t.id for t in traces.recent()] == ids[2:]
    assert traces.get(ids[0]) is None
    clock.t += TRACE_TTL
    assert traces.recent() == []
    assert traces.get(ids[-1]) is None
