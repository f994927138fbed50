"""The control API under /_playground/, over real HTTP against the embedded server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.server import EmbeddedServer, ServerConfig
from tests.server.conftest import SPA_ID, SPA_REDIRECT, WEB_ID, WEB_REDIRECT, WEB_SECRET, Flow

CONTROL_PATHS = ("/behaviours", "/tokens", "/requests", "/requests/take", "/keys/rotate",
                 "/clock", "/faults", "/clients", "/users", "/reset")


@pytest.fixture(scope="module")
def server() -> Iterator[EmbeddedServer]:
    with EmbeddedServer(ServerConfig(control_api=True)) as srv:
        yield srv


@pytest.fixture
def http(server: EmbeddedServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.issuer, follow_redirects=False, timeout=10) as client:
        yield client
        client.post("/_playground/reset")


def _web_tokens(http: httpx.Client, **extra: Any) -> httpx.Response:
    """A complete code flow of the confidential web client; the token response."""
    flow = Flow(http, client_id=WEB_ID)
    code = flow.code(redirect_uri=WEB_REDIRECT, **extra)
    return http.post("/oauth2/token", auth=(WEB_ID, WEB_SECRET), data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": WEB_REDIRECT,
        "code_verifier": flow.verifier})


def _claims(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def test_off_unless_asked() -> None:
    with EmbeddedServer(ServerConfig()) as plain:
        answer = httpx.get(f"{plain.issuer}/_playground/requests")
    assert answer.status_code == 404
    assert answer.json()["error"] == "invalid_request"


def test_the_index_lists_every_endpoint(http: httpx.Client) -> None:
    listed = {e["path"] for e in http.get("/_playground/").json()["endpoints"]}
    assert {f"/_playground{p}" for p in CONTROL_PATHS} <= listed


def test_enqueued_claims_reach_the_next_matching_tokens_only(http: httpx.Client) -> None:
    enqueued = http.post("/_playground/behaviours", json={
        "match": {"client_id": WEB_ID}, "claims": {"acr": "Level4", "amr": ["mfa"]}})
    assert enqueued.status_code == 201

    first = _web_tokens(http).json()
    second = _web_tokens(http).json()

    assert _claims(first["id_token"])["acr"] == "Level4"
    assert _claims(first["access_token"])["amr"] == ["mfa"]
    assert "acr" not in _claims(second["id_token"])
    assert http.get("/_playground/behaviours").json()["behaviours"] == []


def test_a_behaviour_for_another_user_waits_for_that_user(http: httpx.Client) -> None:
    http.post("/_playground/behaviours", json={"match": {"sub": "bob"},
                                               "id_token_claims": {"tier": "gold"}})
    alice = _web_tokens(http).json()
    bob = _web_tokens(http, user="bob").json()
    assert "tier" not in _claims(alice["id_token"])
    assert _claims(bob["id_token"])["tier"] == "gold"
    assert "tier" not in _claims(bob["access_token"])


def test_behaviours_are_consumed_in_order(http: httpx.Client) -> None:
    for tier in ("one", "two"):
        http.post("/_playground/behaviours", json={"claims": {"tier": tier}})
    tiers = [_claims(_web_tokens(http).json()["id_token"])["tier"] for _ in range(2)]
    assert tiers == ["one", "two"]


def test_an_enqueued_error_is_answered_and_journaled(http: httpx.Client) -> None:
    http.post("/_playground/behaviours", json={
        "match": {"grant_type": "authorization_code"},
        "error": {"error": "temporarily_unavailable", "status": 503,
                  "error_description": "maintenance"}})

    answer = _web_tokens(http)

    assert answer.status_code == 503
    assert answer.json() == {"error": "temporarily_unavailable",
                             "error_description": "maintenance"}
    token, = http.get("/_playground/requests", params={"endpoint": "token"}).json()["requests"]
    assert token["decision"]["error"] == "temporarily_unavailable"
    assert token["decision"]["failed_check"]["name"] == "no enqueued error"


def test_the_journal_has_parameters_and_decisions(http: httpx.Client) -> None:
    http.delete("/_playground/requests")
    _web_tokens(http, login_hint="alice")

    entries = http.get("/_playground/requests").json()["requests"]
    authorize = next(e for e in entries if e["endpoint"] == "authorize")
    token = next(e for e in entries if e["endpoint"] == "token")
    assert authorize["params"]["login_hint"] == "alice"
    assert authorize["params"]["code_challenge_method"] == "S256"
    assert token["params"]["grant_type"] == "authorization_code"
    assert token["status"] == 200 and token["client_id"] == WEB_ID
    assert any(c["rfc"].startswith("RFC 7636") for c in token["decision"]["checks"])
    assert not any(e["path"].startswith("/_playground") for e in entries)


def test_take_removes_what_it_returns(http: httpx.Client) -> None:
    http.delete("/_playground/requests")
    _web_tokens(http)
    taken = http.post("/_playground/requests/take", params={"endpoint": "token"}).json()
    left = http.get("/_playground/requests").json()["requests"]
    assert [e["endpoint"] for e in taken["requests"]] == ["token"]
    assert left and all(e["endpoint"] != "token" for e in left)


def test_minted_access_token_works_at_userinfo_until_it_expires(http: httpx.Client) -> None:
    minted = http.post("/_playground/tokens", json={
        "sub": "carol", "claims": {"roles": ["admin"]}, "expires_in": 60}).json()
    bearer = {"Authorization": f"Bearer {minted['access_token']}"}
    claims = _claims(minted["access_token"])

    assert claims["roles"] == ["admin"] and claims["sub"] == "carol"
    assert jwt.get_unverified_header(minted["access_token"])["typ"] == "at+jwt"
    assert http.get("/oauth2/userinfo", headers=bearer).json()["sub"] == "carol"
    http.post("/_playground/clock", json={"advance": 61})
    assert http.get("/oauth2/userinfo", headers=bearer).status_code == 401


def test_minted_id_token_verifies_against_the_jwks(http: httpx.Client,
                                                   server: EmbeddedServer) -> None:
    token = http.post("/_playground/tokens", json={
        "type": "id_token", "sub": "bob", "client_id": SPA_ID, "alg": "ES256"}).json()["id_token"]
    key = jwt.PyJWKClient(f"{server.issuer}/oauth2/jwks", cooldown_duration=0) \
        .get_signing_key_from_jwt(token)
    claims = jwt.decode(token, key, algorithms=["ES256"], audience=SPA_ID)
    assert claims["iss"] == server.issuer and claims["sub"] == "bob"


def test_rotated_keys_stay_published_for_their_grace(http: httpx.Client) -> None:
    before = http.post("/_playground/tokens", json={}).json()["access_token"]
    old_kid = jwt.get_unverified_header(before)["kid"]

    rotated = http.post("/_playground/keys/rotate", json={"grace_seconds": 30}).json()
    after = http.post("/_playground/tokens", json={}).json()["access_token"]
    kids = {k["kid"] for k in http.get("/oauth2/jwks").json()["keys"]}

    assert old_kid in rotated["retired"] and old_kid in kids
    assert jwt.get_unverified_header(after)["kid"] in kids - {old_kid}
    assert http.get("/oauth2/userinfo", headers={"Authorization": f"Bearer {before}"}) \
        .status_code == 200
    http.post("/_playground/clock", json={"advance": 31})
    assert old_kid not in {k["kid"] for k in http.get("/oauth2/jwks").json()["keys"]}
    assert http.get("/oauth2/userinfo", headers={"Authorization": f"Bearer {before}"}) \
        .status_code == 401


def test_rotation_without_grace_drops_the_old_keys(http: httpx.Client) -> None:
    before = http.post("/_playground/tokens", json={}).json()["access_token"]
    http.post("/_playground/keys/rotate", json={"grace_seconds": 0})
    answer = http.get("/oauth2/userinfo", headers={"Authorization": f"Bearer {before}"})
    assert answer.status_code == 401


def test_tokens_of_rotated_keys_come_from_the_signing_helpers_too() -> None:
    config = ServerConfig(control_api=True, signers=1)
    with EmbeddedServer(config) as srv, httpx.Client(base_url=srv.issuer) as http:
        first = http.post("/_playground/tokens", json={}).json()["access_token"]
        http.post("/_playground/keys/rotate", json={"grace_seconds": 0})
        second = http.post("/_playground/tokens", json={}).json()["access_token"]
        kids = {k["kid"] for k in http.get("/oauth2/jwks").json()["keys"]}
    assert jwt.get_unverified_header(second)["kid"] in kids
    assert jwt.get_unverified_header(first)["kid"] not in kids


def test_clock_set_advance_reset(http: httpx.Client) -> None:
    set_to = http.post("/_playground/clock", json={"set": 2_000_000_000}).json()
    advanced = http.post("/_playground/clock", json={"advance": 100}).json()
    reset = http.post("/_playground/clock", json={"reset": True}).json()
    assert 2_000_000_000 <= set_to["now"] < 2_000_000_005
    assert advanced["now"] - set_to["now"] == pytest.approx(100, abs=5)
    assert reset["offset"] == 0


def test_faults_are_switched_exactly(http: httpx.Client) -> None:
    http.put("/_playground/faults", json={"on": ["token-500"]})
    assert _web_tokens(http).status_code == 500
    listed = http.put("/_playground/faults", json={"on": []}).json()["faults"]
    assert not any(f["on"] for f in listed)
    assert _web_tokens(http).status_code == 200


def test_clients_and_users_added_at_run_time(http: httpx.Client) -> None:
    http.post("/_playground/users", json={"sub": "dave", "claims": {
        "name": "Dave", "groups": ["admins"], "org": {"id": 7}}})
    http.post("/_playground/clients", json={
        "id": "late-spa", "redirect": [SPA_REDIRECT], "firstParty": True,
        "grantTypes": ["authorization_code"], "responseTypes": ["code"],
        "authMethods": ["none"], "scopes": ["openid", "profile"]})
    flow = Flow(http, client_id="late-spa", scope="openid profile")
    tokens = flow.redeem(flow.code(redirect_uri=SPA_REDIRECT, user="dave"),
                         redirect_uri=SPA_REDIRECT).json()
    id_token = _claims(tokens["id_token"])
    assert id_token["groups"] == ["admins"] and id_token["org"] == {"id": 7}
    assert _claims(tokens["access_token"])["groups"] == ["admins"]
    assert "org" not in _claims(tokens["access_token"])


def test_reset_restores_the_start(http: httpx.Client) -> None:
    http.post("/_playground/users", json={"sub": "dave"})
    http.post("/_playground/behaviours", json={"claims": {"x": 1}})
    http.put("/_playground/faults", json={"on": ["iss-wrong"]})
    http.post("/_playground/clock", json={"advance": 500})

    http.post("/_playground/reset")

    users = [u["sub"] for u in http.get("/_playground/users").json()["users"]]
    assert users == ["alice", "bob", "carol"]
    assert http.get("/_playground/behaviours").json()["behaviours"] == []
    assert http.get("/_playground/requests").json()["requests"] == []
    assert not any(f["on"] for f in http.get("/_playground/faults").json()["faults"])
    assert http.get("/_playground/clock").json()["offset"] == 0


@pytest.mark.parametrize(("path", "body", "named"), [
    ("/behaviours", {"match": {"client_id": 5}}, "match.client_id"),
    ("/behaviours", {"matc": {}}, "matc"),
    ("/behaviours", {"delay": 3600}, "delay"),
    ("/behaviours", {"error": {"error": "x", "status": 200}}, "error.status"),
    ("/behaviours", {"claims": ["acr"]}, "claims"),
    ("/tokens", {"type": "refresh_token"}, "type"),
    ("/tokens", {"expires_in": 0}, "expires_in"),
    ("/keys/rotate", {"grace_seconds": -1}, "grace_seconds"),
    ("/clock", {"advance": 1, "set": 2}, "exactly one"),
    ("/users", {"claims": {}}, "sub"),
    ("/clients", {"id": "x"}, "client"),
])
def test_a_wrong_body_is_400_naming_the_field(http: httpx.Client, path: str,
                                              body: dict[str, Any], named: str) -> None:
    answer = http.post(f"/_playground{path}", json=body)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"
    assert named in answer.json()["error_description"]


def test_a_body_that_is_not_a_json_object_is_400(http: httpx.Client) -> None:
    for raw in (b"[1]", b"{", b"\"x\""):
        answer = http.post("/_playground/behaviours", content=raw)
        assert answer.status_code == 400, raw


SCALAR = (st.none() | st.booleans() | st.integers() | st.text(max_size=20)
          | st.floats(allow_nan=False, allow_infinity=False))
JSON = st.recursive(SCALAR,
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=12)
FIELDS = st.sampled_from(["match", "claims", "error", "delay", "times", "type", "sub",
                          "expires_in", "grace_seconds", "advance", "set", "on", "id", "alg"])


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from([p for p in CONTROL_PATHS if p != "/reset"]),
       body=st.dictionaries(FIELDS, JSON, max_size=4) | JSON)
def test_no_body_makes_a_control_endpoint_fail(http: httpx.Client, path: str,
                                                body: object) -> None:
    method = "PUT" if path == "/faults" else "POST"
    answer = http.request(method, f"/_playground{path}", json=body)
    assert answer.status_code < 500, answer.text
    assert answer.status_code in (200, 201, 400, 405), answer.text


@pytest.mark.parametrize(("method", "path"), [("POST", "/reset"), ("POST", "/users"),
                                              ("GET", "/requests"), ("PUT", "/faults")])
def test_a_web_page_cannot_steer_the_server(http: httpx.Client, method: str, path: str) -> None:
    """A page open in the developer's browser sends `Origin` (even `no-cors`, text/plain)."""
    http.post("/_playground/users", json={"sub": "kept"})
    answer = http.request(method, f"/_playground{path}", content=b'{"sub": "mallory"}',
                          headers={"Origin": "https://evil.example", "Content-Type": "text/plain"})
    assert answer.status_code == 403
    assert "does not answer web pages" in answer.json()["error_description"]
    assert "kept" in [u["sub"] for u in http.get("/_playground/users").json()["users"]]


def test_a_fault_name_that_is_no_string_is_400(http: httpx.Client) -> None:
    """Hypothesis found `{"on": [[]]}` answered 500 (an unhashable name)."""
    answer = http.put("/_playground/faults", json={"on": [[]]})
    assert answer.status_code == 400 and "on[0]: unknown fault" in answer.json()[
        "error_description"]


def test_retired_keys_are_capped_however_often_keys_rotate(server: EmbeddedServer) -> None:
    """Every store is bounded: rotating in a loop with a week's grace keeps the JWKS small."""
    from playground.server.keys import MAX_RETIRED

    keys = server.context.keys
    for _ in range(10):
        keys.rotate(7 * 24 * 3600)
    assert len(keys.retired) == MAX_RETIRED
    assert len(keys.jwks()["keys"]) == len(keys.keys) + MAX_RETIRED
