"""A saved session reads back the same: steps, outcomes, verdicts and exchanges."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from playground.core.flow import session_file
from playground.core.flow.session import FlowSession, StepState
from playground.core.flow.stepinfo import ClientConfig
from playground.core.flows import FLOWS
from playground.server import EmbeddedServer

WEB = {"client_id": "playground-service",
       "client_secret": "service-secret-7d3b9a1e5c2f4086b1d4e8a0c6f2b9d3"}


async def _run_and_reopen(server: EmbeddedServer, spec_name: str, config: ClientConfig,
                          path: Path) -> tuple[FlowSession, FlowSession]:
    spec = FLOWS[spec_name]
    first = FlowSession(config, trace_lookup=server.trace, spec=spec)
    assert await first.run_all()
    await first.aclose()
    session_file.write(first, path)
    second = session_file.read(path, FLOWS, trace_lookup=server.trace)
    return first, second


@pytest.mark.parametrize(("flow", "config"), [
    ("auth_code_pkce", {}),
    ("client_credentials", {"client_id": WEB["client_id"], "client_secret": WEB["client_secret"],
                            "auth_method": "client_secret_basic", "redirect_uri": None,
                            "scope": "api:read"}),
])
def test_save_then_open_is_the_same_session(tmp_path: Path, flow: str,
                                            config: dict[str, object]) -> None:
    with EmbeddedServer() as server:
        first, second = asyncio.run(_run_and_reopen(
            server, flow, ClientConfig(issuer=server.issuer, **config),  # type: ignore[arg-type]
            tmp_path / "s.json"))
    assert second.spec is first.spec and second.config == first.config
    for key in first.keys:
        a, b = first.step(key), second.step(key)
        assert (b.state, b.outcome, dict(b.inputs)) == (a.state, a.outcome, dict(a.inputs)), key
    assert list(second.log) == list(first.log)  # every exchange, decisions included


def test_a_reopened_session_goes_on_from_where_it_was(tmp_path: Path) -> None:
    """Reopened after the token step, the userinfo step runs with the saved access token."""
    async def scenario() -> tuple[StepState, str]:
        with EmbeddedServer() as server:
            spec = FLOWS["auth_code_pkce"]
            first = FlowSession(ClientConfig(issuer=server.issuer), trace_lookup=server.trace,
                                spec=spec)
            for key in spec.keys[:-1]:
                await first.run(key)
            session_file.write(first, tmp_path / "s.json")
            await first.aclose()
            second = session_file.read(tmp_path / "s.json", FLOWS, trace_lookup=server.trace)
            step = await second.run("userinfo")
            await second.aclose()
            return step.state, str(step.outcome.claims.get("sub"))
    state, sub = asyncio.run(scenario())
    assert state is StepState.DONE and sub == "alice"


def test_a_failed_step_keeps_its_error(tmp_path: Path) -> None:
    with EmbeddedServer() as server:
        spec = FLOWS["auth_code_pkce"]
        session = FlowSession(ClientConfig(issuer=server.issuer, client_id="nobody"),
                              trace_lookup=server.trace, spec=spec)

        async def run() -> None:
            await session.run_all()
            await session.aclose()
        asyncio.run(run())
        session_file.write(session, tmp_path / "s.json")
        failed = [k for k in session.keys if session.step(k).state is StepState.FAILED]
        again = session_file.read(tmp_path / "s.json", FLOWS)
    assert failed and str(again.step(failed[0]).error) == str(session.step(failed[0]).error)


@pytest.mark.parametrize(("content", "message"), [
    ("{", "not readable as a session file"),
    ('{"kind": "something-else"}', "not an OAuth Playground session"),
    ('{"kind": "oauth-playground-session", "version": 9}', "version 9"),
    ('{"kind": "oauth-playground-session", "version": 1, "flow": "Nope"}', "unknown flow"),
])
def test_what_is_no_session_file_is_one_line(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "s.json").write_text(content, "utf-8")
    with pytest.raises(session_file.SessionFileError, match=message):
        session_file.read(tmp_path / "s.json", FLOWS)


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=10))
def test_any_document_is_a_session_or_a_named_error(data: object) -> None:
    document = {"kind": session_file.KIND, "version": 1, "flow": "client_credentials",
                "config": data, "steps": data, "exchanges": data}
    try:
        session_file.from_dict(json.loads(json.dumps(document)), FLOWS)
    except (KeyError, TypeError, ValueError) as exc:
        assert str(exc) is not None
