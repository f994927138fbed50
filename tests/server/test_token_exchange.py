"""The token exchange grant (RFC 8693) against the real server, over loopback."""

from __future__ import annotations

from typing import Any

import httpx
import jwt
import pytest

from .conftest import WEB_ID, WEB_SECRET, Flow

EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
TYPE = "urn:ietf:params:oauth:token-type:"
GATEWAY = ("playground-service", "service-secret-7d3b9a1e5c2f4086b1d4e8a0c6f2b9d3")


def _user_tokens(flow: Flow) -> dict[str, Any]:
    answer = flow.redeem(flow.code())
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def _exchange(http: httpx.Client, auth: tuple[str, str] = GATEWAY,
              **fields: str) -> httpx.Response:
    return http.post("/oauth2/token", data={"grant_type": EXCHANGE, **fields}, auth=auth)


def _claims(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})  # type: ignore[no-any-return]


def test_a_users_token_is_exchanged_for_one_aimed_at_an_api(flow: Flow,
                                                            http: httpx.Client) -> None:
    user = _user_tokens(flow)
    answer = _exchange(http, subject_token=user["access_token"],
                       subject_token_type=f"{TYPE}access_token",
                       audience="https://api.example", scope="openid email")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["issued_token_type"] == f"{TYPE}access_token" and body["token_type"] == "Bearer"
    assert "refresh_token" not in body and "id_token" not in body
    claims = _claims(body["access_token"])
    assert claims["sub"] == "alice" and claims["aud"] == "https://api.example"
    assert claims["client_id"] == GATEWAY[0] and claims["scope"] == "openid email"
    assert "act" not in claims  # no actor: impersonation


def test_an_actor_token_makes_it_delegation_with_act(flow: Flow, http: httpx.Client) -> None:
    user = _user_tokens(flow)
    actor = http.post("/oauth2/token", data={"grant_type": "client_credentials"},
                      auth=GATEWAY).json()["access_token"]
    first = _exchange(http, subject_token=user["access_token"],
                      subject_token_type=f"{TYPE}access_token", actor_token=actor,
                      actor_token_type=f"{TYPE}access_token").json()
    assert _claims(first["access_token"])["act"] == {"sub": GATEWAY[0]}
    second = _exchange(http, subject_token=first["access_token"],
                       subject_token_type=f"{TYPE}jwt", actor_token=actor,
                       actor_token_type=f"{TYPE}access_token").json()
    assert _claims(second["access_token"])["act"] == {"sub": GATEWAY[0],
                                                      "act": {"sub": GATEWAY[0]}}


def test_an_id_token_and_a_refresh_token_are_subjects_too(flow: Flow, http: httpx.Client) -> None:
    user = _user_tokens(flow)
    for token, kind in ((user["id_token"], "id_token"), (user["refresh_token"], "refresh_token")):
        answer = _exchange(http, subject_token=token, subject_token_type=f"{TYPE}{kind}",
                           scope="openid")
        assert answer.status_code == 200, (kind, answer.text)
        assert _claims(answer.json()["access_token"])["sub"] == "alice"


@pytest.mark.parametrize(("fields", "error", "fragment"), [
    ({"subject_token": None}, "invalid_request", "subject_token is missing"),
    ({"subject_token_type": None}, "invalid_request", "subject_token_type None is not one of"),
    ({"subject_token": "not-a-jwt", "subject_token_type": f"{TYPE}access_token"},
     "invalid_request", "the token is not acceptable"),
    ({"requested_token_type": f"{TYPE}id_token"}, "invalid_request", "is not issued here"),
    ({"scope": "openid api:admin"}, "invalid_scope", "exceed the subject token's"),
    ({"resource": "api-without-scheme"}, "invalid_target", "not an absolute URI"),
    ({"actor_token": "x"}, "invalid_request", "actor_token_type None"),
])
def test_refusals_name_the_rule(flow: Flow, http: httpx.Client,
                                fields: dict[str, str | None], error: str, fragment: str) -> None:
    user = _user_tokens(flow)
    data = {"subject_token": user["access_token"],
            "subject_token_type": f"{TYPE}access_token", **fields}
    answer = _exchange(http, **{k: v for k, v in data.items() if v is not None})
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == error
    assert fragment in answer.json()["error_description"]


def test_a_revoked_subject_token_is_refused(flow: Flow, http: httpx.Client) -> None:
    user = _user_tokens(flow)
    revoke = http.post("/oauth2/revoke", data={"token": user["access_token"],
                                               "client_id": flow.client_id})
    assert revoke.status_code == 200
    answer = _exchange(http, subject_token=user["access_token"],
                       subject_token_type=f"{TYPE}access_token")
    assert answer.json()["error"] == "invalid_request" and "revoked" in answer.text


def test_a_client_not_registered_for_it_is_refused(flow: Flow, http: httpx.Client) -> None:
    user = _user_tokens(flow)
    answer = _exchange(http, auth=(WEB_ID, WEB_SECRET), subject_token=user["access_token"],
                       subject_token_type=f"{TYPE}access_token")
    assert answer.json()["error"] == "unauthorized_client"


@pytest.mark.parametrize(("fields", "fragment"), [
    ({"audience": "https://unknown.example"}, "is not a configured resource or a registered"),
    ({"audience": "playground-web"}, ""),
    ({"resource": "https://api.example"}, ""),
    ({"resource": "https://elsewhere.example/api"}, "is not a configured resource;"),
])
def test_the_target_is_a_registered_client_or_a_configured_resource(
        flow: Flow, http: httpx.Client, fields: dict[str, str], fragment: str) -> None:
    user = _user_tokens(flow)
    answer = _exchange(http, subject_token=user["access_token"],
                       subject_token_type=f"{TYPE}access_token", **fields)
    if not fragment:
        assert answer.status_code == 200, answer.text
        assert _claims(answer.json()["access_token"])["aud"] == next(iter(fields.values()))
        return
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_target"
    assert fragment in answer.json()["error_description"]
