"""Never a 500 for a client's mistake: the five root causes a fuzz of `serve` found, each as the
request that caused it, then what a real server fault, a hang-up and unknown paths look like.

1. `max_age` or a loopback redirect port in non-ASCII digits (`str.isdigit` takes '²' and '①';
   the port then broke the latin-1 `Location` header);
2. a malformed IPv6 `redirect_uri` (`urlsplit` raised `ValueError`, in the lint too);
3. JSON nested past the parser's depth (`RecursionError` is no `ValueError`);
4. a lone surrogate escaped in a JSON `client_secret` or `token`;
5. tracebacks in the log, e.g. for a client that hangs up mid-body.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator

import httpx
import pytest

from playground.core.trace import TRACE_HEADER, DecisionTrace
from playground.server import EmbeddedServer

from .conftest import NATIVE_ID, WEB_ID, Flow, query

NATIVE_REDIRECT = "http://127.0.0.1/callback"
JSON = {"content-type": "application/json"}


def _is_page(response: httpx.Response, status: int = 400) -> bool:
    """An error shown to the user, not redirected (RFC 6749 §4.1.2.1)."""
    return (response.status_code == status and "location" not in response.headers
            and response.headers["content-type"].startswith("text/html"))


def _error(response: httpx.Response, status: int = 400) -> str:
    assert response.status_code == status, response.text
    return str(response.json()["error"])


def _raw(server: EmbeddedServer, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


# -- 1. digits are ASCII digits -----------------------------------------------------------------
@pytest.mark.parametrize("max_age", ["\u00b2", "\u2460", "\u0663", "\uff11", "1\u00b2", "-1"])
def test_max_age_in_other_digits_is_invalid_request(http: httpx.Client, max_age: str) -> None:
    flow = Flow(http, client_id=NATIVE_ID)
    response = flow.authorize(max_age=max_age, redirect_uri=NATIVE_REDIRECT)
    assert response.status_code == 302
    assert response.headers["location"].startswith(NATIVE_REDIRECT + "?")
    assert query(response.headers["location"])["error"] == "invalid_request"


def test_a_huge_max_age_is_a_number_not_a_crash(http: httpx.Client) -> None:
    response = Flow(http).authorize(max_age="9" * 5000)
    assert response.status_code == 302
    assert response.headers["location"].startswith("/interaction/")


@pytest.mark.parametrize("port", ["\u2460", "\u00b2", "\u0663\u0663", "0", "65536", "-1",
                                  "99999999999999999999999", "9" * 5000])
def test_loopback_port_outside_the_grammar_is_not_registered(http: httpx.Client,
                                                             port: str) -> None:
    flow = Flow(http, client_id=NATIVE_ID)
    response = flow.authorize(redirect_uri=f"http://127.0.0.1:{port}/callback", scope=None)
    assert _is_page(response)


def test_loopback_port_in_ascii_digits_still_matches(http: httpx.Client) -> None:
    flow = Flow(http, client_id=NATIVE_ID)
    response = flow.authorize(redirect_uri="http://127.0.0.1:65535/callback", scope=None)
    assert response.status_code == 302
    assert response.headers["location"].startswith("http://127.0.0.1:65535/callback?error=")


def test_content_length_in_other_digits_is_no_length(server: EmbeddedServer) -> None:
    # uvicorn's parser refuses it before the app; the app's own reading is tested in-process
    # (tests/server/test_hostile.py).
    answer = _raw(server, b"POST /oauth2/token HTTP/1.1\r\nHost: " + server.issuer[7:].encode()
                  + "\r\nContent-Length: \u00b2\r\nConnection: close\r\n\r\nab".encode())
    assert answer.startswith(b"HTTP/1.1 400 ")


# -- 2. URIs that do not parse ---------------------------------------------------------------------
@pytest.mark.parametrize("uri", ["http://[::1", "http://[::1/callback", "http://[x]/callback",
                                 "http://[::1]]/callback"])
def test_malformed_ipv6_redirect_uri_is_a_page(http: httpx.Client, server: EmbeddedServer,
                                               uri: str) -> None:
    response = Flow(http, client_id=NATIVE_ID).authorize(redirect_uri=uri)
    assert _is_page(response)
    trace = server.trace(response.headers[TRACE_HEADER])
    assert trace is not None and trace.error == "invalid_request"


def test_malformed_ipv6_redirect_uri_without_a_client_is_linted_not_raised(
        http: httpx.Client) -> None:
    response = http.get("/oauth2/authorize", params={"response_type": "code",
                                                     "redirect_uri": "http://[::1"})
    assert _is_page(response)


def test_a_host_header_that_is_no_host_is_invalid_request(server: EmbeddedServer) -> None:
    answer = _raw(server, b"GET /oauth2/authorize?response_type=code HTTP/1.1\r\n"
                  b"Host: [::1\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b'"error":"invalid_request"' in answer


# -- 3. JSON nested past the parser's depth -------------------------------------------------------
@pytest.mark.parametrize("body", [b"[" * 50_000, b'{"a":' * 10_000, b"[" * 1_000 + b"]" * 1_000])
@pytest.mark.parametrize("path", ["/oauth2/token", "/oauth2/revoke", "/oauth2/introspect"])
def test_deeply_nested_json_is_invalid_request(http: httpx.Client, path: str,
                                               body: bytes) -> None:
    assert _error(http.post(path, content=body, headers=JSON)) == "invalid_request"


# -- 4. lone surrogates ----------------------------------------------------------------------------
@pytest.mark.parametrize(("path", "body"), [
    ("/oauth2/token", b'{"grant_type":"authorization_code","code":"x","client_id":"'
     + WEB_ID.encode() + b'","client_secret":"\\ud800"}'),
    ("/oauth2/token", b'{"client_id":"playground-spa","grant_type":"refresh_token",'
     b'"refresh_token":"a\\udfffb"}'),
    ("/oauth2/revoke", b'{"client_id":"playground-spa","token":"\\ud800"}'),
    ("/oauth2/introspect", b'{"client_id":"playground-spa","token":"\\udbff\\udbff"}'),
    ("/oauth2/token", b'{"\\ud800":"x","client_id":"playground-spa"}'),
])
def test_lone_surrogate_in_json_is_invalid_request(http: httpx.Client, path: str,
                                                   body: bytes) -> None:
    response = http.post(path, content=body, headers=JSON)
    assert _error(response) == "invalid_request"
    assert "surrogate" in response.json()["error_description"]


def test_a_surrogate_pair_is_a_character(http: httpx.Client) -> None:
    body = b'{"client_id":"playground-spa","token":"\\ud83d\\ude00"}'
    response = http.post("/oauth2/introspect", content=body, headers=JSON)
    assert response.status_code == 200
    assert response.json() == {"active": False}


# -- 5. one log line, never a traceback ------------------------------------------------------------
@pytest.fixture
def published(server: EmbeddedServer) -> Iterator[list[DecisionTrace]]:
    """Traces as the server publishes them (after it logged what it logs)."""
    traces: list[DecisionTrace] = []
    arrived = threading.Condition()

    def keep(trace: DecisionTrace) -> None:
        with arrived:
            traces.append(trace)
            arrived.notify_all()

    unsubscribe = server.subscribe(keep)
    yield traces
    unsubscribe()


def _wait(traces: list[DecisionTrace], count: int = 1) -> None:
    for _ in range(100):
        if len(traces) >= count:
            return
        threading.Event().wait(0.05)
    raise AssertionError("no trace was published")


def _loud(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_client_hanging_up_mid_body_is_one_info_line(
        server: EmbeddedServer, published: list[DecisionTrace],
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="playground")
    head = (b"POST /oauth2/token HTTP/1.1\r\nHost: " + server.issuer[7:].encode()
            + b"\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 1000\r\n\r\ngrant_type=")
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(head)
    _wait(published)
    assert published[0].error == "invalid_request"
    assert published[0].status == 400
    lines = [r for r in caplog.records if r.name.startswith("playground")]
    assert [r.levelno for r in lines] == [logging.INFO]
    assert "hung up" in lines[0].getMessage() and published[0].id in lines[0].getMessage()
    assert not _loud(caplog)


def test_a_server_fault_is_server_error_with_one_log_line(
        http: httpx.Client, server: EmbeddedServer, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(token: str) -> dict[str, object]:
        raise KeyError("a bug\nspanning lines")

    monkeypatch.setattr(server.context.tokens, "verify_access_token", boom)
    caplog.set_level(logging.DEBUG, logger="playground")
    response = http.get("/oauth2/userinfo", headers={"authorization": "Bearer x"})
    assert _error(response, 500) == "server_error"
    trace_id = response.headers[TRACE_HEADER]
    assert trace_id in response.json()["error_description"]
    loud = _loud(caplog)
    assert len(loud) == 1 and loud[0].exc_info is None
    assert trace_id in loud[0].getMessage() and "\n" not in loud[0].getMessage()
    assert "KeyError" in loud[0].getMessage()
    debug = [r for r in caplog.records if r.levelno == logging.DEBUG and r.exc_info]
    assert len(debug) == 1 and trace_id in debug[0].getMessage()
    trace = server.trace(trace_id)
    assert trace is not None and trace.error == "server_error" and trace.status == 500


def test_a_fault_at_the_authorization_endpoint_is_a_page(
        http: httpx.Client, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object) -> None:
        raise RuntimeError("unforeseen")

    monkeypatch.setattr("playground.server.interaction.validate", boom)
    response = Flow(http, client_id=NATIVE_ID).authorize(redirect_uri=NATIVE_REDIRECT)
    assert _is_page(response, 500)  # never redirected: nothing was verified
    assert "server_error" in response.text
    assert TRACE_HEADER in response.headers
    assert all(r.exc_info is None for r in _loud(caplog))


@pytest.mark.parametrize("junk", [
    b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03",  # a TLS ClientHello
    b"GET /\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /oauth2/jwks HTTP/1.1\r\nHost: x\r\nX-Odd: \x00\x7f\r\n\r\n",
    b"POST /oauth2/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
])
def test_invalid_http_is_uvicorns_400_without_a_traceback(
        server: EmbeddedServer, caplog: pytest.LogCaptureFixture, junk: bytes) -> None:
    assert _raw(server, junk).startswith(b"HTTP/1.1 400 ")
    assert all(r.exc_info is None for r in caplog.records)


# -- unknown paths ---------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_unknown_path_is_an_honest_invalid_request(http: httpx.Client, method: str) -> None:
    response = http.request(method, "/x")
    assert response.status_code == 404
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "no endpoint at /x; the endpoints are listed in "
                             "/.well-known/openid-configuration",
    }


@pytest.mark.parametrize("path", ["/%0A", "/a%0Ab", "/oauth2/token/", "/interaction/"])
def test_every_unknown_path_is_traced(http: httpx.Client, server: EmbeddedServer,
                                      path: str) -> None:
    response = http.get(path)
    assert _error(response, 404) == "invalid_request"
    assert server.trace(response.headers[TRACE_HEADER]) is not None


@pytest.mark.parametrize("method", ["TRACE", "PROPFIND"])  # uvicorn refuses "FOO"
def test_an_unlisted_method_is_a_traced_invalid_request(http: httpx.Client, server: EmbeddedServer,
                                                        method: str) -> None:
    response = http.request(method, "/oauth2/token")
    assert _error(response, 405) == "invalid_request"
    assert server.trace(response.headers[TRACE_HEADER]) is not None
