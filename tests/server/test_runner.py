"""EmbeddedServer: start and stop quickly, busy port, live client registry."""

from __future__ import annotations

import socket
import threading
import time

import httpx
import pytest

from playground.server import EmbeddedServer, ServerConfig, ServerStartError, client_from_dict


def test_start_and_stop_are_quick() -> None:
    server = EmbeddedServer()
    began = time.perf_counter()
    server.start()
    started = time.perf_counter() - began
    try:
        assert server.running
        assert httpx.get(f"{server.issuer}/oauth2/jwks").status_code == 200
    finally:
        began = time.perf_counter()
        server.stop()
    stopped = time.perf_counter() - began
    assert not server.running
    assert started < 0.5  # target 10 ms; generous for loaded CI machines
    assert stopped < 1.0  # target 200 ms


def test_busy_port_raises_one_line_error() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        with pytest.raises(ServerStartError) as info:
            EmbeddedServer(ServerConfig(port=port)).start()
    assert str(info.value) == f"port {port} on 127.0.0.1 is already in use"


def test_clients_added_at_run_time_are_served() -> None:
    with EmbeddedServer(ServerConfig(clients=[])) as server, \
            httpx.Client(base_url=server.issuer, follow_redirects=False) as http:
        params = {"client_id": "late", "response_type": "code", "scope": "openid"}
        assert http.get("/oauth2/authorize", params=params).status_code == 400
        server.clients.add(client_from_dict({
            "id": "late", "secret": "s", "firstParty": False, "redirect": ["http://l.example/cb"],
            "grantTypes": ["authorization_code"], "responseTypes": ["code"],
            "responseModes": ["query"], "authMethods": ["client_secret_basic"],
            "scopes": ["openid"],
        }))
        assert http.get("/oauth2/authorize", params=params).status_code == 302


def test_explicit_issuer_is_advertised() -> None:
    with EmbeddedServer(ServerConfig(issuer="http://auth.test:9999/")) as server:
        assert server.issuer == "http://auth.test:9999"
        response = httpx.get(f"http://127.0.0.1:{server.port}/.well-known/openid-configuration",
                             headers={"host": "auth.test:9999"})
        assert response.json()["issuer"] == "http://auth.test:9999"


def test_a_crashed_loop_is_reported_and_a_stop_is_not() -> None:
    reasons: list[str] = []
    ended = threading.Event()
    server = EmbeddedServer().start()
    server.watch_exit(lambda reason: (reasons.append(reason), ended.set()))
    with httpx.Client(base_url=server.issuer) as client:  # a keep-alive connection stays open
        assert client.get("/oauth2/jwks").status_code == 200
        assert server._server is not None

        async def on_tick(counter: int) -> bool:
            raise RuntimeError("boom")

        server._server.on_tick = on_tick  # type: ignore[method-assign]
        assert ended.wait(5)
    assert reasons == ["RuntimeError: boom"] and not server.running
    server.stop()

    quiet = EmbeddedServer().start()
    quiet.watch_exit(reasons.append)
    quiet.stop()
    assert reasons == ["RuntimeError: boom"]
