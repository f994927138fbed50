"""EmbeddedServer.stop() with connections still open: idle, half a request, half a body."""

from __future__ import annotations

import logging
import socket

import pytest

from playground.server import EmbeddedServer

REQUESTS = {  # {host} is the server's
    "idle keep-alive": "GET /.well-known/openid-configuration HTTP/1.1\r\nHost: {host}\r\n\r\n",
    "half the headers": "GET /oauth2/authorize?client_id=x HTTP/1.1\r\nHost: {host}\r\n",
    "half the body": "POST /oauth2/token HTTP/1.1\r\nHost: {host}\r\nContent-Length: 100\r\n"
                     "Content-Type: application/x-www-form-urlencoded\r\n\r\ngrant_type=",
}


def _read_to_end(sock: socket.socket) -> bytes:
    sock.settimeout(5)
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


@pytest.mark.parametrize("sent", REQUESTS.values(), ids=REQUESTS.keys())
def test_stop_closes_every_connection_and_cancels_nothing(
        sent: str, caplog: pytest.LogCaptureFixture) -> None:
    """A request whose body never comes held uvicorn's shutdown for timeout_graceful_shutdown
    (1 s), then was cancelled with "Exception in ASGI application"; it is now hung up on after
    HANG_UP_AFTER and ends as a disconnect."""
    server = EmbeddedServer().start()
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(sent.format(host=f"127.0.0.1:{server.port}").encode())
        if sent.endswith("\r\n\r\n"):
            assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        server.stop()
        assert not _read_to_end(sock).startswith(b"HTTP/1.1 5")  # closed: EOF, no 500
    cancelled = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert cancelled == []
