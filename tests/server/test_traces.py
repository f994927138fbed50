"""Every request yields a DecisionTrace: checks in order, RFC sections, outcome."""

from __future__ import annotations

import threading

import httpx
import pytest

from playground.core.trace import TRACE_HEADER, DecisionTrace
from playground.server import EmbeddedServer
from playground.server.http import wire_description

from .conftest import Flow, query


def test_every_response_carries_a_stored_trace(flow: Flow, http: httpx.Client,
                                               server: EmbeddedServer) -> None:
    responses = [http.get("/.well-known/openid-configuration"), http.get("/oauth2/jwks"),
                 flow.authorize(), http.post("/oauth2/token", data={})]
    for response in responses:
        trace = server.trace(response.headers[TRACE_HEADER])
        assert trace is not None
        assert trace.status == response.status_code
        assert trace.checks[0].name == "Host header is the issuer's"


def test_failing_check_is_named_with_its_rfc(flow: Flow, server: EmbeddedServer) -> None:
    response = flow.authorize(code_challenge_method="SHA-256")
    trace = server.trace(response.headers[TRACE_HEADER])
    assert trace is not None
    assert trace.error == "invalid_request"
    assert trace.client_id == flow.client_id
    failed = trace.failed_check
    assert failed is not None
    assert failed.name == "code_challenge_method is allowed"
    assert failed.rfc == "RFC 7636 §4.3"
    # the trace keeps "§"; the wire carries RFC 6749's error_description character set
    assert wire_description(failed.detail) == query(response.headers["location"])[
        "error_description"]
    names = [c.name for c in trace.checks]
    assert names.index("client_id is registered") < names.index("redirect_uri may be omitted "
                                                                "(exactly one registered)")


def test_store_failures_name_their_check(flow: Flow, server: EmbeddedServer) -> None:
    response = flow.redeem("unknown-code")
    trace = server.trace(response.headers[TRACE_HEADER])
    assert trace is not None and trace.failed_check is not None
    assert trace.failed_check.name == "code is known, unused and unexpired"


def test_subscribers_hear_each_trace_on_the_server_thread(
    http: httpx.Client, server: EmbeddedServer
) -> None:
    seen: list[tuple[DecisionTrace, str]] = []
    unsubscribe = server.subscribe(lambda t: seen.append((t, threading.current_thread().name)))
    try:
        response = http.get("/oauth2/jwks")
    finally:
        unsubscribe()
    http.get("/oauth2/jwks")
    assert [t.id for t, _ in seen] == [response.headers[TRACE_HEADER]]
    assert seen[0][1] == "oauth-server"


def test_failing_subscriber_does_not_break_the_server(
    http: httpx.Client, server: EmbeddedServer, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(trace: DecisionTrace) -> None:
        raise RuntimeError("boom")

    heard: list[DecisionTrace] = []
    unsubscribes = [server.subscribe(broken), server.subscribe(heard.append)]
    try:
        assert http.get("/oauth2/jwks").status_code == 200
    finally:
        for unsubscribe in unsubscribes:
            unsubscribe()
    assert len(heard) == 1
    assert "boom" in caplog.text


def test_trace_store_is_bounded() -> None:
    from playground.server import ServerConfig

    with EmbeddedServer(ServerConfig(trace_limit=3)) as srv, \
            httpx.Client(base_url=srv.issuer) as http:
        ids = [http.get("/oauth2/jwks").headers[TRACE_HEADER] for _ in range(5)]
        assert srv.trace(ids[0]) is None
        assert srv.trace(ids[-1]) is not None
        assert len(srv.traces()) == 3
