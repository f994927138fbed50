"""FlowSession against an in-memory provider: states, events, staleness, every failure path."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import pytest

from playground.core.flow import session as S
from playground.core.flow.flowspec import FlowSpec
from playground.core.flow.session import FlowSession, StepState
from playground.core.flow.stepinfo import ClientConfig
from playground.core.flow.useragent import InAppAgent, ManualAgent, approve, deny
from playground.core.flowerrors import FlowError
from playground.core.flows import AUTH_CODE_PKCE
from playground.core.protocol.authorize import Param

from .fakeprovider import ISSUER, OTHER_KEY, FakeProvider

STEP_KEYS = AUTH_CODE_PKCE.keys

REDIRECT = "http://client.example/cb"


def make(provider: FakeProvider, **kwargs: Any) -> FlowSession:
    config = ClientConfig(issuer=ISSUER, client_id="app", redirect_uri=REDIRECT)
    return FlowSession(config, transport=provider.transport(), **{"spec": AUTH_CODE_PKCE, **kwargs})


def drive(provider: FakeProvider, body: Callable[[FlowSession], Awaitable[Any]], **kw: Any) -> Any:
    async def main() -> Any:
        async with make(provider, **kw) as flow:
            return await body(flow)

    return asyncio.run(main())


def test_full_flow_succeeds_and_records_every_exchange() -> None:
    events: list[object] = []

    async def body(flow: FlowSession) -> FlowSession:
        flow.subscribe(events.append)
        assert await flow.run_all()
        return flow

    flow = drive(FakeProvider(), body)
    assert [s.state for s in flow.steps.values()] == [StepState.DONE] * len(STEP_KEYS)
    assert [e.step for e in flow.log] == [
        "discovery",
        "user_agent",
        "user_agent",
        "user_agent",
        "user_agent",
        "user_agent",
        "token",
        "tokens",
        "userinfo",
    ]
    tokens = flow.step("tokens").outcome
    assert tokens.id_token.ok and tokens.access_token.ok
    assert {c.name for c in tokens.id_token.checks if c.passed} >= {"signature", "nonce", "at_hash"}
    started = [e.key for e in events if isinstance(e, S.StepStarted)]
    assert started == list(STEP_KEYS)
    recorded = [e for e in events if isinstance(e, S.ExchangeRecorded)]
    assert len(recorded) == len(flow.log)


def test_consent_is_posted_as_the_html_form_would() -> None:
    provider = FakeProvider()
    drive(provider, lambda flow: flow.run_all())
    posts = [r for r in provider.received if r.method == "POST" and "interaction" in r.url.path]
    assert posts[0].content == b"csrf=tok&user=alice"
    assert posts[1].content.startswith(b"csrf=tok&scope=openid&scope=email")
    assert posts[1].content.endswith(b"&decision=allow")
    assert posts[1].headers["content-type"] == "application/x-www-form-urlencoded"


def test_deny_fails_at_callback_with_access_denied() -> None:
    async def body(flow: FlowSession) -> FlowSession:
        assert not await flow.run_all()
        return flow

    flow = drive(FakeProvider(), body, user_agent=InAppAgent(deny()))
    failed = flow.failed_step
    assert failed is not None and failed.key == "callback"
    assert failed.error is not None and failed.error.error_code == "access_denied"
    assert "the user said no" in str(failed.error)
    assert flow.step("token").state is StepState.PENDING


def test_state_mismatch_is_caught_like_the_seed() -> None:
    flow = drive(FakeProvider(wrong_state=True), _run_all_quietly)
    assert flow.failed_step.key == "callback"
    assert str(flow.failed_step.error).startswith("State mismatch")
    assert flow.step("callback").outcome.checks[1].failed


def test_iss_mismatch_is_caught_before_anything_else() -> None:
    flow = drive(FakeProvider(wrong_iss="https://evil.example"), _run_all_quietly)
    assert flow.failed_step.key == "callback"
    assert "evil.example" in str(flow.failed_step.error)
    assert flow.failed_step.error.rfc == "RFC 9207 §2.4"


def test_missing_iss_fails_when_the_provider_announces_it() -> None:
    flow = drive(FakeProvider(omit_iss=True), _run_all_quietly)
    assert flow.failed_step.key == "callback"
    assert "announces iss" in str(flow.failed_step.error)


def test_missing_iss_is_skipped_when_the_provider_does_not_announce_it() -> None:
    flow = drive(FakeProvider(iss_in_response=False), _run_all_quietly)
    assert flow.failed_step is None
    assert flow.step("callback").outcome.checks[0].status == "skip"


def test_server_error_at_token_endpoint_names_the_step_and_code() -> None:
    flow = drive(FakeProvider(token_status=500), _run_all_quietly)
    assert flow.failed_step.key == "token"
    assert flow.failed_step.error.error_code == "server_error"
    assert "HTTP 500" in str(flow.failed_step.error)


def test_id_token_signed_by_a_foreign_key_fails_verification() -> None:
    flow = drive(FakeProvider(id_token_key=OTHER_KEY), _run_all_quietly)
    assert flow.failed_step.key == "tokens"
    assert "signature" in str(flow.failed_step.error)
    assert flow.step("tokens").outcome.id_token.failures[0].name == "signature"


def test_wrong_aud_and_nonce_are_both_listed() -> None:
    provider = FakeProvider(id_token_claims={"aud": "someone-else", "nonce": "forged"})
    flow = drive(provider, _run_all_quietly)
    names = [c.name for c in flow.step("tokens").outcome.id_token.failures]
    assert names == ["aud", "nonce"]


def test_html_instead_of_metadata_is_one_clear_error() -> None:
    flow = drive(FakeProvider(html_metadata=True), _run_all_quietly)
    assert flow.failed_step.key == "discovery"
    assert "HTML page" in str(flow.failed_step.error)


def test_manual_mode_uses_the_pasted_url() -> None:
    provider = FakeProvider()
    shown: list[str] = []

    async def paste(url: str) -> str:
        shown.append(url)
        state = dict(p.split("=", 1) for p in url.split("?", 1)[1].split("&"))["state"]
        return f"{REDIRECT}?code=c&state={state}&iss=https%3A%2F%2Fop.example"

    async def body(flow: FlowSession) -> FlowSession:
        for key in ("discovery", "pkce", "authorize_url", "user_agent", "callback"):
            assert (await flow.run(key)).state is StepState.DONE, flow.step(key).error
        return flow

    flow = drive(provider, body, user_agent=ManualAgent(paste))
    assert shown and shown[0].startswith(f"{ISSUER}/authorize?client_id=app")
    assert flow.step("callback").outcome.response.code == "c"


def test_set_input_marks_this_and_later_steps_stale() -> None:
    async def body(flow: FlowSession) -> tuple[list[S.Event], FlowSession]:
        await flow.run_all()
        events: list[S.Event] = []
        flow.subscribe(events.append)
        flow.set_input("authorize_url", "scope", "openid")
        return events, flow

    events, flow = drive(FakeProvider(), body)
    states = {k: s.state for k, s in flow.steps.items()}
    assert states["pkce"] is StepState.DONE
    assert all(states[k] is StepState.STALE for k in STEP_KEYS[2:])
    assert events == [S.StepsInvalidated(STEP_KEYS[2:])]


def test_rerun_after_edit_uses_the_new_input() -> None:
    async def body(flow: FlowSession) -> FlowSession:
        await flow.run_all()
        flow.set_input("authorize_url", "state", "fixed-state")
        assert await flow.run_all()
        return flow

    flow = drive(FakeProvider(), body)
    assert flow.step("authorize_url").outcome.state == "fixed-state"
    assert "state=fixed-state" in flow.step("authorize_url").outcome.url


def test_running_a_step_before_its_prerequisites_fails_with_a_message() -> None:
    async def body(flow: FlowSession) -> S.Step:
        return await flow.run("token")

    step = drive(FakeProvider(), body)
    assert step.state is StepState.FAILED
    assert "run discovery, pkce, authorize_url, callback first" in str(step.error)


def test_reset_returns_every_step_to_pending() -> None:
    async def body(flow: FlowSession) -> FlowSession:
        await flow.run_all()
        flow.reset()
        return flow

    flow = drive(FakeProvider(), body)
    assert all(s.state is StepState.PENDING and s.outcome is None for s in flow.steps.values())


def test_wrong_verifier_is_refused_by_the_provider() -> None:
    async def body(flow: FlowSession) -> FlowSession:
        for key in STEP_KEYS[:5]:
            await flow.run(key)
        flow.set_input("token", "code_verifier", "x" * 43)
        await flow.run("token")
        return flow

    flow = drive(FakeProvider(), body)
    assert flow.step("token").error.error_code == "invalid_grant"


def with_runner(key: str, runner: Any) -> FlowSpec:
    """The auth-code flow with one step's runner swapped: tests inject a spec."""
    return replace(AUTH_CODE_PKCE, steps=tuple(replace(s, runner=runner) if s.key == key else s
                                               for s in AUTH_CODE_PKCE.steps))


def test_an_unexpected_exception_becomes_a_failed_step() -> None:
    async def broken(ctx: Any) -> None:
        raise RuntimeError("engine bug")

    flow = drive(FakeProvider(), _run_all_quietly, spec=with_runner("pkce", broken))
    assert flow.failed_step.key == "pkce"
    assert str(flow.failed_step.error) == "unexpected RuntimeError: engine bug"


def test_approve_with_chosen_scopes_posts_only_those() -> None:
    provider = FakeProvider()
    drive(provider, _run_all_quietly, user_agent=InAppAgent(approve(scopes=("openid",))))
    consent = next(r for r in provider.received if r.url.path.endswith("/consent"))
    assert consent.content == b"csrf=tok&scope=openid&decision=allow"


async def _run_all_quietly(flow: FlowSession) -> FlowSession:
    await flow.run_all()
    return flow


def test_authorize_params_preview_is_what_gets_sent() -> None:
    async def body(flow: FlowSession) -> tuple[list[object], FlowSession]:
        with pytest.raises(FlowError, match="run the pkce step first"):
            flow.authorize_params()
        await flow.run("discovery")
        await flow.run("pkce")
        rows = flow.authorize_params()
        await flow.run("authorize_url")
        return rows, flow

    rows, flow = drive(FakeProvider(), body)
    assert tuple(rows) == flow.step("authorize_url").outcome.params


def test_edited_param_rows_are_sent_verbatim() -> None:
    async def body(flow: FlowSession) -> FlowSession:
        await flow.run("discovery")
        await flow.run("pkce")
        rows = [*flow.authorize_params(), Param("prompt", "login"), Param("nonce", "x", False)]
        flow.set_input("authorize_url", "params", rows)
        await flow.run("authorize_url")
        return flow

    url = drive(FakeProvider(), body).step("authorize_url").outcome.url
    assert url.endswith("&prompt=login") and url.count("nonce=") == 1


def test_token_request_preview_matches_the_sent_request() -> None:
    async def body(flow: FlowSession) -> tuple[object, FlowSession]:
        with pytest.raises(FlowError, match="run discovery, pkce, authorize_url, callback"):
            flow.token_request_preview()
        for key in STEP_KEYS[:5]:
            await flow.run(key)
        preview = flow.token_request_preview()
        await flow.run("token")
        return preview, flow

    preview, flow = drive(FakeProvider(), body)
    assert preview == flow.step("token").outcome.request
    assert flow.log.for_step("token")[0].request_body == preview.body  # type: ignore[attr-defined]


def test_fetch_jwks_is_recorded() -> None:
    async def body(flow: FlowSession) -> tuple[dict[str, Any], FlowSession]:
        return await flow.fetch_jwks(f"{ISSUER}/jwks"), flow

    keys, flow = drive(FakeProvider(), body)
    assert keys["keys"][0]["kid"] == "k1" and flow.log[0].step == "jwks"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("length", "abc", "must be a number, not 'abc'"),
        ("length", 10, "must be 43-128"),
        ("verifier", "short", "43-128 unreserved characters"),
        ("method", "SHA-256", "must be S256 or plain, not 'SHA-256'"),
    ],
)
def test_bad_pkce_inputs_fail_the_step_with_a_message(
    name: str, value: object, message: str
) -> None:
    async def body(flow: FlowSession) -> S.Step:
        flow.set_input("pkce", name, value)
        return await flow.run("pkce")

    step = drive(FakeProvider(), body)
    assert step.state is StepState.FAILED and message in str(step.error)


def test_plain_method_sends_the_verifier_as_challenge() -> None:
    async def body(flow: FlowSession) -> FlowSession:
        flow.set_input("pkce", "method", "plain")
        await flow.run("discovery")
        await flow.run("pkce")
        await flow.run("authorize_url")
        return flow

    flow = drive(FakeProvider(), body)
    sent = flow.step("authorize_url").outcome.params
    verifier = flow.step("pkce").outcome.verifier
    assert (
        Param("code_challenge", verifier) in sent
        and Param("code_challenge_method", "plain") in sent
    )


def test_a_cancelled_run_leaves_the_step_failed_not_running() -> None:
    async def forever(ctx: Any) -> None:
        await asyncio.sleep(3600)

    async def body(flow: FlowSession) -> FlowSession:
        task = asyncio.create_task(flow.run("pkce"))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return flow

    step = drive(FakeProvider(), body, spec=with_runner("pkce", forever)).step("pkce")
    assert step.state is StepState.FAILED and str(step.error) == "cancelled before it finished"
