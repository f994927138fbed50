"""The core's parsers of what others send never raise: the RFC lint (the server lints every
request), a pasted redirect URL, and the loopback catcher's listener."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.core.flow.loopback import LoopbackCatcher
from playground.core.flowerrors import CallbackError
from playground.core.protocol import lint
from playground.core.protocol.callback import parse_redirect
from playground.core.trace import Finding

HOSTILE = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                   suppress_health_check=[HealthCheck.too_slow])
NAMES = st.sampled_from(("response_type", "grant_type", "redirect_uri", "code_challenge",
                         "code_challenge_method", "code_verifier", "scope", "state", "nonce",
                         "client_secret", "access_token", "code"))
VALUE = st.one_of(st.text(max_size=30), st.sampled_from((
    "code", "token id_token", "authorization_code", "http://[::1", "http://[x]/cb",
    "http://127.0.0.1:\u2460/cb", "http://localhost/cb#f", "S256", "plain", "openid",
    "\ud800", "9" * 5000)))
URL = st.one_of(
    st.text(max_size=60),
    st.builds(lambda host, pairs: f"http://{host}/oauth2/authorize?"
              + "&".join(f"{k}={v}" for k, v in pairs),
              st.sampled_from(("127.0.0.1:1", "[::1", "[x]", "h\u2460st", "", "a@b:99999")),
              st.lists(st.tuples(NAMES, VALUE), max_size=8)),
)
BODY = st.one_of(
    st.binary(max_size=200),
    st.dictionaries(NAMES, VALUE, max_size=6).map(lambda d: json.dumps(d).encode()),
    st.sampled_from((b"[" * 100_000, b'{"a":' * 10_000, b'{"a":' + b"9" * 5000 + b"}")),
)
HEADERS = st.lists(st.tuples(st.sampled_from(("content-type", "authorization", "x")),
                             st.one_of(st.text(max_size=20), st.sampled_from((
                                 "application/json", "application/x-www-form-urlencoded",
                                 "Basic x", "\ud800")))), max_size=4)


@HOSTILE
@given(method=st.one_of(st.sampled_from(("GET", "POST", "PUT")), st.text(max_size=8)),
       url=URL, headers=HEADERS, body=BODY)
def test_lint_never_raises(method: str, url: str, headers: list[tuple[str, str]],
                           body: bytes) -> None:
    findings = lint.lint(method, url, headers, body)
    assert all(isinstance(f, Finding) and f.rule in lint.RULES for f in findings)


def test_unparseable_redirect_uri_yields_the_other_findings() -> None:
    findings = lint.lint("GET", "http://127.0.0.1/oauth2/authorize?response_type=code"
                         "&redirect_uri=http://[::1")
    assert {f.rule for f in findings} == {"pkce-missing", "state-missing"}


def test_a_crashing_rule_yields_no_finding_and_the_others_still_run(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def crashing(request: lint.Request) -> list[Finding]:
        raise ZeroDivisionError("a bug in one rule")

    monkeypatch.setattr(lint, "CHECKS", (crashing, *lint.CHECKS))
    caplog.set_level(logging.DEBUG, logger="playground.core.protocol.lint")
    findings = lint.lint("GET", "http://127.0.0.1/authorize?response_type=code")
    assert "pkce-missing" in {f.rule for f in findings}
    assert [r.levelno for r in caplog.records] == [logging.DEBUG]
    assert caplog.records[0].exc_info is not None


@pytest.mark.parametrize("url", ["http://[::1/cb?code=x", "http://[x]/cb?code=x", "\ud800"])
def test_a_pasted_redirect_that_does_not_parse_is_a_callback_error(url: str) -> None:
    with pytest.raises(CallbackError, match="not a redirect URL"):
        parse_redirect(url)


def test_the_loopback_catcher_survives_junk_and_hang_ups(
        caplog: pytest.LogCaptureFixture) -> None:
    async def send(port: int, data: bytes, *, reset: bool = False) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(data)
        await writer.drain()
        if reset:
            writer.transport.abort()
            return
        await reader.read()
        writer.close()
        await writer.wait_closed()

    async def main() -> str:
        async with LoopbackCatcher() as catcher:
            port = catcher.port
            await send(port, b"GET //[::1 HTTP/1.1\r\nHost: x\r\n\r\n")
            await send(port, b"\x16\x03\x01\x00\xa5\r\n\r\n")
            await send(port, b"GET /callback?code=early HTTP/1.1\r\n", reset=True)
            await asyncio.sleep(0.05)
            await send(port, b"GET /callback?code=abc HTTP/1.1\r\nHost: x\r\n\r\n")
            return await catcher.wait(5)

    assert asyncio.run(main()).endswith("/callback?code=abc")
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
