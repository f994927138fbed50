"""The token endpoint: RFC 6749 §4.1.3, §5, §6, RFC 7636 §4.6, RFC 9700 §4.14.2."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from playground.core.trace import TRACE_HEADER
from playground.server import EmbeddedServer

from .conftest import SEED_ID, SEED_REDIRECT, SPA_ID, WEB_ID, WEB_REDIRECT, WEB_SECRET, Flow


def _assert_error(response: httpx.Response, error: str, status: int = 400) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    assert response.json()["error_description"]
    assert response.headers["cache-control"] == "no-store"


def test_seed_json_body_gets_all_three_tokens(flow: Flow, http: httpx.Client,
                                              server: EmbeddedServer) -> None:
    code = flow.code()
    response = http.post("/oauth2/token", json={
        "code": code, "client_id": SEED_ID, "grant_type": "authorization_code",
        "redirect_uri": SEED_REDIRECT, "code_verifier": flow.verifier,
        "scope": "openid email profile offline_access",
    }, headers={"accept": "application/json"})
    assert response.status_code == 200
    body = response.json()
    assert {"access_token", "refresh_token", "id_token"} <= set(body)
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] > 0
    assert response.headers["cache-control"] == "no-store"
    trace = server.trace(response.headers[TRACE_HEADER])
    assert trace is not None
    assert "token-json-body" in {f.rule for f in trace.findings}


def test_form_body_without_redirect_uri_when_authorize_omitted_it(flow: Flow) -> None:
    response = flow.redeem(flow.code())
    assert response.status_code == 200
    assert "refresh_token" in response.json()


def test_no_refresh_token_without_offline_access(http: httpx.Client) -> None:
    flow = Flow(http, scope="openid email")
    body = flow.redeem(flow.code()).json()
    assert "refresh_token" not in body
    assert "id_token" in body


def test_no_id_token_without_openid(http: httpx.Client) -> None:
    flow = Flow(http, scope="email")
    body = flow.redeem(flow.code()).json()
    assert "id_token" not in body


@pytest.mark.parametrize(("extra", "error"), [
    ({"code_verifier": "x" * 43}, "invalid_grant"),
    ({"code_verifier": None}, "invalid_grant"),
    ({"code_verifier": "short"}, "invalid_request"),
    ({"redirect_uri": "http://client.server.com/other"}, "invalid_grant"),
    ({"code": "not-a-code"}, "invalid_grant"),
    ({"code": None}, "invalid_request"),
    ({"grant_type": None}, "invalid_request"),
    ({"grant_type": "password"}, "unsupported_grant_type"),
])
def test_token_errors(flow: Flow, extra: dict[str, str | None], error: str) -> None:
    _assert_error(flow.redeem(flow.code(), **extra), error)


def test_redirect_uri_is_required_when_authorize_had_it(flow: Flow) -> None:
    code = flow.code(redirect_uri=SEED_REDIRECT)
    _assert_error(flow.redeem(code), "invalid_grant")


def test_code_bound_to_client(flow: Flow, http: httpx.Client) -> None:
    code = flow.code()
    other = Flow(http, client_id=SPA_ID, verifier=flow.verifier)
    _assert_error(other.redeem(code), "invalid_grant")


def test_repeated_form_parameter_is_invalid_request(flow: Flow, http: httpx.Client) -> None:
    code = flow.code()
    body = (f"grant_type=authorization_code&code={code}&code={code}&client_id={SEED_ID}"
            f"&code_verifier={flow.verifier}")
    response = http.post("/oauth2/token", content=body,
                         headers={"content-type": "application/x-www-form-urlencoded"})
    _assert_error(response, "invalid_request")


def test_other_content_types_are_refused(http: httpx.Client) -> None:
    response = http.post("/oauth2/token", content=b"x", headers={"content-type": "text/plain"})
    _assert_error(response, "invalid_request")


def test_code_replay_fails_and_revokes_tokens(flow: Flow, http: httpx.Client) -> None:
    code = flow.code()
    first = flow.redeem(code).json()
    assert http.get("/oauth2/userinfo",
                    headers={"authorization": f"Bearer {first['access_token']}"}).status_code == 200
    _assert_error(flow.redeem(code), "invalid_grant")
    userinfo = http.get("/oauth2/userinfo",
                        headers={"authorization": f"Bearer {first['access_token']}"})
    assert userinfo.status_code == 401
    assert 'error="invalid_token"' in userinfo.headers["www-authenticate"]
    refreshed = http.post("/oauth2/token", data={"grant_type": "refresh_token",
                                                 "refresh_token": first["refresh_token"],
                                                 "client_id": SEED_ID})
    _assert_error(refreshed, "invalid_grant")


def test_concurrent_redemptions_exactly_one_succeeds(flow: Flow, server: EmbeddedServer) -> None:
    code = flow.code()
    workers = 12
    barrier = threading.Barrier(workers)
    data = {"grant_type": "authorization_code", "code": code, "client_id": SEED_ID,
            "code_verifier": flow.verifier}

    def redeem(_: int) -> int:
        with httpx.Client(base_url=server.issuer) as client:
            client.get("/oauth2/jwks")  # open the connection before the race
            barrier.wait()
            return client.post("/oauth2/token", data=data).status_code

    with ThreadPoolExecutor(workers) as pool:
        statuses = list(pool.map(redeem, range(workers)))
    assert statuses.count(200) == 1
    assert statuses.count(400) == workers - 1


def test_code_expires_on_the_injected_clock(flow: Flow, server: EmbeddedServer) -> None:
    code = flow.code()
    server.clock.advance(61)
    response = flow.redeem(code)
    _assert_error(response, "invalid_grant")
    assert "expired" in response.json()["error_description"]


def test_code_valid_just_before_expiry(flow: Flow, server: EmbeddedServer) -> None:
    code = flow.code()
    server.clock.advance(58)
    assert flow.redeem(code).status_code == 200


def _refresh(http: httpx.Client, token: str, client_id: str = SEED_ID,
             **extra: str) -> httpx.Response:
    return http.post("/oauth2/token", data={"grant_type": "refresh_token", "refresh_token": token,
                                            "client_id": client_id, **extra})


def test_public_refresh_rotates_and_reuse_revokes_the_family(flow: Flow,
                                                             http: httpx.Client) -> None:
    first = flow.redeem(flow.code()).json()
    second = _refresh(http, first["refresh_token"])
    assert second.status_code == 200
    rotated = second.json()
    assert rotated["refresh_token"] != first["refresh_token"]
    assert "id_token" in rotated
    reuse = _refresh(http, first["refresh_token"])
    _assert_error(reuse, "invalid_grant")
    assert "revokes the whole token family" in reuse.json()["error_description"]
    _assert_error(_refresh(http, rotated["refresh_token"]), "invalid_grant")
    userinfo = http.get("/oauth2/userinfo",
                        headers={"authorization": f"Bearer {rotated['access_token']}"})
    assert userinfo.status_code == 401


def test_refresh_scope_can_narrow_not_widen(flow: Flow, http: httpx.Client) -> None:
    first = flow.redeem(flow.code(scope="openid email offline_access")).json()
    _assert_error(_refresh(http, first["refresh_token"], scope="openid profile"), "invalid_scope")
    narrowed = _refresh(http, first["refresh_token"], scope="openid")
    assert narrowed.json()["scope"] == "openid"


def test_refresh_token_bound_to_client(flow: Flow, http: httpx.Client) -> None:
    first = flow.redeem(flow.code()).json()
    _assert_error(_refresh(http, first["refresh_token"], client_id=SPA_ID), "invalid_grant")


def _web_code(http: httpx.Client) -> tuple[Flow, str]:
    flow = Flow(http, client_id=WEB_ID)
    return flow, flow.code(redirect_uri=WEB_REDIRECT)


def test_client_secret_basic(http: httpx.Client) -> None:
    flow, code = _web_code(http)
    response = http.post("/oauth2/token", auth=(WEB_ID, WEB_SECRET), data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": WEB_REDIRECT,
        "code_verifier": flow.verifier})
    assert response.status_code == 200, response.text
    refresh = response.json()["refresh_token"]
    again = http.post("/oauth2/token", auth=(WEB_ID, WEB_SECRET),
                      data={"grant_type": "refresh_token", "refresh_token": refresh})
    assert again.status_code == 200
    assert "refresh_token" not in again.json()  # confidential clients keep theirs
    assert http.post("/oauth2/token", auth=(WEB_ID, WEB_SECRET), data={
        "grant_type": "refresh_token", "refresh_token": refresh}).status_code == 200


def test_client_secret_post(http: httpx.Client) -> None:
    flow, code = _web_code(http)
    response = http.post("/oauth2/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": WEB_REDIRECT,
        "code_verifier": flow.verifier, "client_id": WEB_ID, "client_secret": WEB_SECRET})
    assert response.status_code == 200, response.text


def test_wrong_basic_secret_is_401_with_challenge(http: httpx.Client) -> None:
    flow, code = _web_code(http)
    response = http.post("/oauth2/token", auth=(WEB_ID, "wrong"), data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": WEB_REDIRECT,
        "code_verifier": flow.verifier})
    _assert_error(response, "invalid_client", 401)
    assert response.headers["www-authenticate"].startswith("Basic")


def test_malformed_basic_header_is_401(http: httpx.Client) -> None:
    response = http.post("/oauth2/token", headers={"authorization": "Basic !!!"},
                         data={"grant_type": "authorization_code", "code": "x"})
    _assert_error(response, "invalid_client", 401)
    assert "www-authenticate" in response.headers


@pytest.mark.parametrize("data", [
    {"client_id": WEB_ID},
    {"client_id": WEB_ID, "client_secret": "wrong"},
    {"client_id": "unknown", "client_secret": "x"},
    {},
])
def test_confidential_client_authentication_failures(http: httpx.Client,
                                                     data: dict[str, str]) -> None:
    flow, code = _web_code(http)
    response = http.post("/oauth2/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": WEB_REDIRECT,
        "code_verifier": flow.verifier, **data})
    _assert_error(response, "invalid_client", 401)


def test_public_client_cannot_use_a_secret_method(flow: Flow) -> None:
    secret = "c5bb2489292fac7711baedd65d87296261d08cdbdde2073c9fdb29941ac5446a"
    _assert_error(flow.redeem(flow.code(), client_secret=secret), "invalid_client", 401)


def test_two_authentication_methods_are_refused(http: httpx.Client) -> None:
    _flow, code = _web_code(http)
    response = http.post("/oauth2/token", auth=(WEB_ID, WEB_SECRET), data={
        "grant_type": "authorization_code", "code": code, "client_secret": WEB_SECRET})
    _assert_error(response, "invalid_request")


def test_verifier_without_challenge_is_refused(http: httpx.Client) -> None:
    flow = Flow(http, client_id=WEB_ID)
    code = flow.code(redirect_uri=WEB_REDIRECT, code_challenge=None, code_challenge_method=None)
    response = http.post("/oauth2/token", auth=(WEB_ID, WEB_SECRET), data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": WEB_REDIRECT,
        "code_verifier": flow.verifier})
    _assert_error(response, "invalid_grant")


def test_token_endpoint_only_accepts_post(http: httpx.Client) -> None:
    response = http.get("/oauth2/token")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
