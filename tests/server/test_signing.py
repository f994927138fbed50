"""Token signing: the shared signing function, the helper process's protocol, and a real
server whose tokens are signed in helper processes (`ServerConfig(signers=N)`)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import jwt
import pytest

import playground
from playground.server import EmbeddedServer, ServerConfig
from playground.server.keys import KeySet
from playground.server.signer_worker import serve
from playground.server.signing import Signed, SigningRequest, sign_request
from playground.server.signing_helpers import (
    HELPER_FLAG,
    ProcessSigner,
    _settle,
    helper_command,
)
from tests.server.conftest import WEB_ID, WEB_REDIRECT, WEB_SECRET, Flow

ACCESS = {"iss": "http://127.0.0.1:1", "sub": "alice", "aud": "http://127.0.0.1:1",
          "client_id": WEB_ID, "iat": 1, "exp": 4_000_000_000, "jti": "j1", "scope": "openid"}
ID = {"iss": "http://127.0.0.1:1", "sub": "alice", "aud": WEB_ID, "iat": 1,
      "exp": 4_000_000_000, "nonce": "n-1"}


def _at_hash(token: str) -> str:
    digest = hashlib.sha256(token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode("ascii")


def _keys_line(keys: KeySet) -> bytes:
    return ProcessSigner(keys, 1)._export_keys()


def test_sign_request_signs_access_then_id_token_with_its_at_hash() -> None:
    keys = KeySet()
    table = {k.kid: (k.alg, k.private_key) for k in keys.keys}
    request = SigningRequest(ACCESS, keys.access.kid, ID, keys.current.kid)
    access, id_token = sign_request(table, request)
    assert id_token is not None
    assert jwt.get_unverified_header(access) == {"alg": "ES256", "kid": keys.access.kid,
                                                 "typ": "at+jwt"}
    claims = jwt.decode(id_token, keys.current.public_key, algorithms=["RS256"], audience=WEB_ID)
    assert claims["at_hash"] == _at_hash(access) and claims["nonce"] == "n-1"
    no_id = SigningRequest(ACCESS, keys.access.kid, None, keys.current.kid)
    assert sign_request(table, no_id)[1] is None


def test_helper_answers_each_line_in_order_and_survives_a_bad_one() -> None:
    keys = KeySet()
    good = SigningRequest(ACCESS, keys.access.kid, ID, keys.current.kid).to_line()
    unknown_kid = SigningRequest(ACCESS, "no-such-kid", None, keys.current.kid).to_line()
    out = io.BytesIO()
    serve(io.BytesIO(_keys_line(keys) + good + b"not json\n" + unknown_kid + good), out)
    answers = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(answers) == 4
    assert isinstance(answers[0], list) and answers[0] != answers[3]  # fresh signatures
    assert "JSONDecodeError" in answers[1]["error"]
    assert "no-such-kid" in answers[2]["error"]
    jwt.decode(answers[3][1], keys.current.public_key, algorithms=["RS256"], audience=WEB_ID)


@pytest.mark.parametrize("alg", ["RS256", "ES256", "PS256", "EdDSA"])
def test_helper_signs_id_tokens_with_every_id_key(alg: str) -> None:
    """OIDC Registration §2: each id_token algorithm has its own key; the helper has them all."""
    keys = KeySet()
    key = keys.id_key(alg)
    assert key.alg == alg and key in keys.id_keys and key is not keys.access
    out = io.BytesIO()
    serve(io.BytesIO(_keys_line(keys)
                     + SigningRequest(ACCESS, keys.access.kid, ID, key.kid).to_line()), out)
    (answer,) = [json.loads(line) for line in out.getvalue().splitlines()]
    id_token = answer[1]
    assert jwt.get_unverified_header(id_token)["kid"] == key.kid
    jwt.decode(id_token, key.public_key, algorithms=[alg], audience=WEB_ID)


@pytest.fixture(scope="module")
def signed_elsewhere() -> Iterator[EmbeddedServer]:
    with EmbeddedServer(ServerConfig(signers=1)) as srv:
        signer: ProcessSigner = srv.context.tokens.signer  # type: ignore[assignment]
        _wait(lambda: len(signer.pids) == 1)
        yield srv


def _web_tokens(server: EmbeddedServer) -> dict[str, str]:
    with httpx.Client(base_url=server.issuer, follow_redirects=False, timeout=10) as http:
        flow = Flow(http, client_id=WEB_ID)
        code = flow.callback(redirect_uri=WEB_REDIRECT)["code"]
        response = http.post("/oauth2/token", auth=(WEB_ID, WEB_SECRET), data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": WEB_REDIRECT,
            "code_verifier": flow.verifier})
        assert response.status_code == 200, response.text
        return dict(response.json())


def _refresh(server: EmbeddedServer, token: str) -> httpx.Response:
    with httpx.Client(base_url=server.issuer, timeout=10) as http:
        return http.post("/oauth2/token", auth=(WEB_ID, WEB_SECRET),
                         data={"grant_type": "refresh_token", "refresh_token": token})


def test_tokens_signed_by_a_helper_verify_against_the_jwks(
        signed_elsewhere: EmbeddedServer) -> None:
    tokens = _web_tokens(signed_elsewhere)
    jwks = jwt.PyJWKSet.from_dict(httpx.get(f"{signed_elsewhere.issuer}/oauth2/jwks").json())
    kid = jwt.get_unverified_header(tokens["id_token"])["kid"]
    claims = jwt.decode(tokens["id_token"], jwks[kid].key, algorithms=["RS256"], audience=WEB_ID)
    assert claims["at_hash"] == _at_hash(tokens["access_token"])
    assert _refresh(signed_elsewhere, tokens["refresh_token"]).status_code == 200


def _wait(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert condition()


def test_a_helper_dying_mid_request_loses_nothing(signed_elsewhere: EmbeddedServer) -> None:
    """The request waiting on the helper is signed in-process instead; so are later ones."""
    tokens = _web_tokens(signed_elsewhere)
    signer: ProcessSigner = signed_elsewhere.context.tokens.signer  # type: ignore[assignment]
    (pid,) = signer.pids
    os.kill(pid, signal.SIGSTOP)
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(_refresh, signed_elsewhere, tokens["refresh_token"])
        _wait(lambda: signer.in_flight == 1)
        os.kill(pid, signal.SIGKILL)
        response = waiting.result(timeout=10)
    assert response.status_code == 200 and "id_token" in response.json()
    _wait(lambda: signer.pids == [])
    assert _refresh(signed_elsewhere, tokens["refresh_token"]).status_code == 200


def test_a_helper_that_stops_answering_is_replaced_by_in_process_signing() -> None:
    with EmbeddedServer(ServerConfig(signers=1)) as server:
        signer: ProcessSigner = server.context.tokens.signer  # type: ignore[assignment]
        _wait(lambda: len(signer.pids) == 1)
        tokens = _web_tokens(server)
        signer.answer_timeout = 0.3
        (pid,) = signer.pids
        os.kill(pid, signal.SIGSTOP)  # alive, never answers
        response = _refresh(server, tokens["refresh_token"])
        assert response.status_code == 200 and "id_token" in response.json()
        _wait(lambda: signer.pids == [])  # killed, so later requests do not wait on it


def test_stopping_the_server_ends_its_helpers() -> None:
    server = EmbeddedServer(ServerConfig(signers=2)).start()
    signer: ProcessSigner = server.context.tokens.signer  # type: ignore[assignment]
    _wait(lambda: len(signer.pids) == 2)
    pids = signer.pids
    server.stop()
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_a_helper_that_will_not_exit_is_killed_and_listed_until_then() -> None:
    """A stopped helper ignores the end of its input: stop() kills it after CLOSE_TIMEOUT, and
    while the close waits its pid is still in `pids` (what `serve` kills on a forced exit)."""
    server = EmbeddedServer(ServerConfig(signers=2)).start()
    signer: ProcessSigner = server.context.tokens.signer  # type: ignore[assignment]
    _wait(lambda: len(signer.pids) == 2)
    stuck, leaving = signer.pids
    os.kill(stuck, signal.SIGSTOP)
    with ThreadPoolExecutor(1) as pool:
        stopping = pool.submit(server.stop)
        _wait(lambda: leaving not in signer.pids)  # it read the end of its input and exited
        assert signer.pids == [stuck]  # closing, not yet killed
        stopping.result(timeout=10)
    for pid in (stuck, leaving):
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_a_frozen_build_starts_its_own_executable_as_the_helper(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    command = helper_command()
    assert command == [sys.executable, HELPER_FLAG]
    main = (Path(playground.__file__).parent / "__main__.py").read_text()
    assert f'sys.argv[1:] == ["{HELPER_FLAG}"]' in main


@pytest.mark.parametrize(("line", "outcome"), [
    (b'["a.b.c", null]', ("a.b.c", None)),
    (b'{"error": "KeyError: \'kid\'"}', "KeyError: 'kid'"),
    (b"Traceback (most recent call last):", "unreadable answer"),
    (b'["only one"]', "unexpected answer"),
])
def test_each_answer_line_settles_its_request(line: bytes, outcome: object) -> None:
    async def settle() -> asyncio.Future[Signed]:
        future: asyncio.Future[Signed] = asyncio.get_running_loop().create_future()
        _settle(future, line)
        return future

    future = asyncio.run(settle())
    if isinstance(outcome, tuple):
        assert future.result() == outcome
    else:
        with pytest.raises(RuntimeError, match=str(outcome).replace("(", r"\(")):
            future.result()
