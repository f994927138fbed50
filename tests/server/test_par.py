"""Pushed authorization requests: RFC 9126 §2 (the PAR endpoint) and §4-§5 (request_uri)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from playground.server import EmbeddedServer, client_from_dict

from .conftest import SEED_ID, SEED_REDIRECT, WEB_ID, WEB_REDIRECT, WEB_SECRET, Flow, query

PREFIX = "urn:ietf:params:oauth:request_uri:"
PAR_ONLY = "t-par-only"
PAR_ONLY_REDIRECT = "http://par.example/cb"


@pytest.fixture(autouse=True)
def _clients(server: EmbeddedServer) -> None:
    server.clients.replace(client_from_dict({
        "id": PAR_ONLY, "secret": None, "firstParty": False, "redirect": [PAR_ONLY_REDIRECT],
        "grantTypes": ["authorization_code"], "responseTypes": ["code"],
        "responseModes": ["query"], "authMethods": ["none"], "scopes": ["openid", "email"],
        "requirePushedAuthorizationRequests": True,
    }))


def push(flow: Flow, auth: tuple[str, str] | None = None, **extra: Any) -> httpx.Response:
    if auth is None:
        return flow.http.post("/oauth2/par", data=flow.params(**extra))
    return flow.http.post("/oauth2/par", data=flow.params(**extra), auth=auth)


def pushed_uri(flow: Flow, **extra: Any) -> str:
    response = push(flow, **extra)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["request_uri"].startswith(PREFIX)
    return str(body["request_uri"])


def by_uri(flow: Flow, uri: str, **extra: Any) -> httpx.Response:
    params = {"client_id": flow.client_id, "request_uri": uri, **extra}
    return flow.http.get("/oauth2/authorize", params=params)


def finish(flow: Flow, start: httpx.Response) -> dict[str, str]:
    assert start.status_code == 302, start.text
    location = start.headers["location"]
    response = flow.login(location)
    if response.headers["location"] == location:
        response = flow.consent(location)
    assert response.status_code == 303, response.text
    return query(response.headers["location"])


def test_push_answers_201_with_a_request_uri(flow: Flow, server: EmbeddedServer) -> None:
    response = push(flow)
    assert response.status_code == 201
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["request_uri"].startswith(PREFIX)
    assert body["expires_in"] == 60
    assert set(body) == {"request_uri", "expires_in"}


def test_pushed_request_runs_the_whole_flow_to_a_token(flow: Flow, server: EmbeddedServer) -> None:
    uri = pushed_uri(flow, state="pushed-state")
    result = finish(flow, by_uri(flow, uri, state="ignored", scope="openid"))
    assert result["state"] == "pushed-state"
    assert result["iss"] == server.issuer
    token = flow.redeem(result["code"])
    assert token.status_code == 200, token.text
    assert set(token.json()["scope"].split()) == set(flow.scope.split())


def test_ignored_query_parameters_are_traced(flow: Flow, server: EmbeddedServer) -> None:
    response = by_uri(flow, pushed_uri(flow), scope="openid")
    trace = server.trace(response.headers["x-playground-trace"])
    assert trace is not None
    ignored = next(c for c in trace.checks if "ignored" in c.name)
    assert ignored.detail == "scope"


def test_confidential_client_pushes_with_basic(http: httpx.Client) -> None:
    flow = Flow(http, client_id=WEB_ID)
    response = push(flow, auth=(WEB_ID, WEB_SECRET), redirect_uri=WEB_REDIRECT, client_id=None)
    assert response.status_code == 201, response.text
    result = finish(flow, by_uri(flow, response.json()["request_uri"]))
    assert "code" in result
    redeemed = flow.redeem(result["code"], client_secret=WEB_SECRET, redirect_uri=WEB_REDIRECT)
    assert redeemed.status_code == 200, redeemed.text


def test_confidential_client_pushes_with_client_secret_post(http: httpx.Client) -> None:
    flow = Flow(http, client_id=WEB_ID)
    response = push(flow, client_secret=WEB_SECRET)
    assert response.status_code == 201, response.text


def test_body_client_id_must_be_the_authenticated_client(http: httpx.Client) -> None:
    response = push(Flow(http, client_id=SEED_ID), auth=(WEB_ID, WEB_SECRET))
    assert response.status_code in (400, 401)
    assert "location" not in response.headers


def test_wrong_client_secret_is_401_invalid_client(http: httpx.Client) -> None:
    response = push(Flow(http, client_id=WEB_ID), client_secret="wrong")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_confidential_client_without_authentication_is_refused(http: httpx.Client) -> None:
    response = push(Flow(http, client_id=WEB_ID))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


@pytest.mark.parametrize(("extra", "error"), [
    ({"response_type": "token"}, "unsupported_response_type"),
    ({"scope": "openid admin"}, "invalid_scope"),
    ({"redirect_uri": "http://evil.example/cb"}, "invalid_request"),
    ({"code_challenge": None, "code_challenge_method": None}, "invalid_request"),
    ({"request_uri": PREFIX + "abc"}, "invalid_request"),
])
def test_bad_pushed_parameters_are_400_json_never_a_redirect(
    flow: Flow, extra: dict[str, Any], error: str
) -> None:
    response = push(flow, **extra)
    assert response.status_code == 400
    assert "location" not in response.headers
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"] == error


def test_get_is_not_allowed(http: httpx.Client) -> None:
    assert http.get("/oauth2/par").status_code == 405


def _page_error(response: httpx.Response) -> str:
    assert response.status_code == 400, response.text
    assert "location" not in response.headers
    return str(response.json()["error"])


def json_get(flow: Flow, params: dict[str, str]) -> httpx.Response:
    return flow.http.get("/oauth2/authorize", params=params,
                         headers={"Accept": "application/json"})


def test_request_uri_is_single_use(flow: Flow) -> None:
    uri = pushed_uri(flow)
    assert by_uri(flow, uri).status_code == 302
    again = json_get(flow, {"client_id": SEED_ID, "request_uri": uri})
    assert _page_error(again) == "invalid_request_uri"


def test_request_uri_reuse_shows_a_page(flow: Flow) -> None:
    uri = pushed_uri(flow)
    by_uri(flow, uri)
    response = by_uri(flow, uri)
    assert response.status_code == 400
    assert "text/html" in response.headers["content-type"]
    assert "invalid_request_uri" in response.text


def test_expired_request_uri(flow: Flow, server: EmbeddedServer) -> None:
    uri = pushed_uri(flow)
    server.clock.advance(61)
    response = json_get(flow, {"client_id": SEED_ID, "request_uri": uri})
    assert _page_error(response) == "invalid_request_uri"


def test_unknown_request_uri(flow: Flow) -> None:
    response = json_get(flow, {"client_id": SEED_ID, "request_uri": PREFIX + "nope"})
    assert _page_error(response) == "invalid_request_uri"


def test_client_id_must_match_the_pushing_client(flow: Flow, http: httpx.Client) -> None:
    uri = pushed_uri(flow)
    response = json_get(flow, {"client_id": WEB_ID, "request_uri": uri})
    assert _page_error(response) == "invalid_request_uri"
    assert by_uri(flow, uri).status_code == 302  # the other client did not consume it


def test_client_id_is_required_with_request_uri(flow: Flow) -> None:
    response = json_get(flow, {"request_uri": pushed_uri(flow)})
    assert _page_error(response) == "invalid_request"


def test_foreign_request_uri_is_not_supported(flow: Flow) -> None:
    response = json_get(flow, {"client_id": SEED_ID, "request_uri": "https://x.example/r"})
    assert _page_error(response) == "request_uri_not_supported"


def test_par_only_client_refuses_a_plain_request(http: httpx.Client) -> None:
    flow = Flow(http, client_id=PAR_ONLY, scope="openid")
    response = flow.authorize()
    assert response.status_code == 302
    result = query(response.headers["location"])
    assert response.headers["location"].startswith(PAR_ONLY_REDIRECT + "?")
    assert result["error"] == "invalid_request"
    assert "pushed authorization requests" in result["error_description"]
    assert result["state"] == "st-123"


def test_par_only_client_may_push(http: httpx.Client) -> None:
    flow = Flow(http, client_id=PAR_ONLY, scope="openid")
    assert "code" in finish(flow, by_uri(flow, pushed_uri(flow)))


def test_server_wide_require_par(server: EmbeddedServer, flow: Flow) -> None:
    server.context.config.require_par = True
    try:
        response = flow.authorize()
        location = response.headers["location"]
        assert location.startswith(SEED_REDIRECT)
        assert query(location)["error"] == "invalid_request"
        assert by_uri(flow, pushed_uri(flow)).status_code == 302
    finally:
        server.context.config.require_par = False
