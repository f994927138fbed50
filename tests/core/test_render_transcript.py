"""Terminal rendering and the JSON transcript of a session."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from playground.core.checks import CheckResult
from playground.core.flow import transcript
from playground.core.flow.session import FlowSession
from playground.core.flow.stepinfo import ClientConfig
from playground.core.flows import AUTH_CODE_PKCE, FLOWS
from playground.core.record import render
from playground.core.record.exchange import Exchange
from playground.core.trace import Check, DecisionTrace, Finding

from .fakeprovider import ISSUER, FakeProvider

STEP_KEYS = AUTH_CODE_PKCE.keys

TRACE = DecisionTrace(
    id="t",
    at=0.0,
    method="POST",
    path="/token",
    endpoint="token",
    status=400,
    outcome="refused",
    error="invalid_grant",
    checks=(Check("code_verifier matches", False, "hash differs", "RFC 7636 §4.6"),),
    findings=(Finding("json-body", "JSON token body", "RFC 6749 §4.1.3", "send a form"),),
)
EXCHANGE = Exchange(
    seq=3,
    step="token",
    method="POST",
    url="http://op/token?a=1",
    request_headers=(("Content-Type", "application/x-www-form-urlencoded"),),
    request_body=b"grant_type=authorization_code",
    status=400,
    response_headers=(("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")),
    response_body=b'{"error":"invalid_grant"}',
    started_at=0.0,
    duration_ms=1.25,
    trace=TRACE,
)


def test_exchange_text_is_the_wire_format_with_the_trace() -> None:
    text = render.exchange_text(EXCHANGE)
    assert text.splitlines() == [
        "--> #3 [token] POST /token?a=1 HTTP/1.1",
        "    Content-Type: application/x-www-form-urlencoded",
        "",
        "    grant_type=authorization_code",
        "<-- HTTP/1.1 400 Bad Request (1.2 ms)",
        "    Set-Cookie: a=1",
        "    Set-Cookie: b=2",
        "",
        '    {"error":"invalid_grant"}',
        "    server decision: refused (invalid_grant)",
        "    failed check: code_verifier matches: hash differs RFC 7636 §4.6",
        "    lint: JSON token body (RFC 6749 §4.1.3); fix: send a form",
    ]


def test_binary_long_and_failed_exchanges() -> None:
    failed = Exchange(
        1,
        "discovery",
        "GET",
        "http://op/",
        (),
        b"\xff\xfe",
        None,
        (),
        b"",
        0.0,
        0.0,
        error="ConnectError: refused",
    )
    text = render.exchange_text(failed)
    assert "<2 bytes of binary data>" in text and "<-- no response: ConnectError" in text
    long = Exchange(1, "s", "GET", "http://op/", (), b"x" * 50, 200, (), b"", 0.0, 0.0)
    assert "… (40 more characters)" in render.exchange_text(long, body_limit=10)


def test_check_text() -> None:
    assert render.check_text(CheckResult("iss", "fail", "wrong", "RFC 9207 §2.4")) == (
        "  FAIL  iss: wrong  [RFC 9207 §2.4]"
    )


def test_every_step_of_every_flow_says_what_it_does_and_why() -> None:
    for flow in FLOWS.values():
        assert flow.title and flow.rfc
        for step in flow.steps:
            assert step.title and step.explanation and step.rfc, step.key
            assert callable(step.runner) and isinstance(step.defaults(ClientConfig("x")), dict)


def test_transcript_holds_steps_exchanges_and_checks(tmp_path: Path) -> None:
    async def main() -> FlowSession:
        config = ClientConfig(issuer=ISSUER, client_id="app", redirect_uri="http://c/cb")
        async with FlowSession(config, transport=FakeProvider().transport(),
                               spec=AUTH_CODE_PKCE) as flow:
            await flow.run_all()
            return flow

    flow = asyncio.run(main())
    target = tmp_path / "t.json"
    transcript.write(flow, target)
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["version"] == 1 and data["issuer"] == ISSUER
    assert data["result"] == {"ok": True, "failed_step": None, "error": None}
    assert data["tokens"]["access_token"] == flow.step("token").outcome.response.access_token
    assert data["tokens"]["verification"]["id_token"]["checks"][0]["status"] == "pass"
    assert [s["key"] for s in data["steps"]] == list(STEP_KEYS)
    assert len(data["exchanges"]) == len(flow.log)
    tokens = data["steps"][STEP_KEYS.index("tokens")]["outcome"]
    assert tokens["id_token"]["inspection"]["claims"]["sub"] == "alice"
    assert {"name": "nonce", "status": "pass"}.items() <= tokens["id_token"]["checks"][11].items()
    for line in render.outcome_text(flow.step("tokens").spec, flow.step("tokens").outcome):
        assert "FAIL" not in line


def test_jsonable_keeps_binary_bodies_as_base64() -> None:
    assert transcript.jsonable(b"\xff") == {"body_base64": "/w=="}
    assert transcript.jsonable(object()).startswith("<object")
