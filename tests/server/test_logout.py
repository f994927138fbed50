"""The end-session endpoint (OIDC RP-Initiated Logout 1.0) over loopback, as a browser uses it."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlencode

import httpx
import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from playground.core.trace import TRACE_HEADER, DecisionTrace
from playground.server import ClientsFileError, EmbeddedServer, client_from_dict, default_clients

from .conftest import SPA_ID, WEB_ID, Flow, query

SPA_SIGNED_OUT = "http://localhost:5173/signed-out"
FORM = {"content-type": "application/x-www-form-urlencoded"}


@dataclass
class SignedIn:
    flow: Flow
    id_token: str
    refresh_token: str


def sign_in(http: httpx.Client, client_id: str = SPA_ID, user: str = "alice") -> SignedIn:
    flow = Flow(http, client_id=client_id)
    body = flow.redeem(flow.code(user=user)).json()
    return SignedIn(flow, body["id_token"], body["refresh_token"])


def session_alive(flow: Flow) -> bool:
    """prompt=none for the first-party SPA: a code while signed in, login_required after."""
    result = query(flow.authorize(prompt="none").headers["location"])
    assert "code" in result or result["error"] == "login_required", result
    return "code" in result


def logout(http: httpx.Client, **params: str) -> httpx.Response:
    return http.get("/oauth2/logout", params=params)


def trace_of(server: EmbeddedServer, response: httpx.Response) -> DecisionTrace:
    trace = server.trace(response.headers[TRACE_HEADER])
    assert trace is not None
    return trace


def forged(id_token: str, **changes: object) -> str:
    """The id_token's claims (changed), signed by a key of another party with the same kid."""
    claims = {**pyjwt.decode(id_token, options={"verify_signature": False}), **changes}
    kid = pyjwt.get_unverified_header(id_token)["kid"]
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return pyjwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


class ConfirmForm(HTMLParser):
    """The confirmation page's form: its action, hidden fields and decision buttons."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.action = ""
        self.fields: list[tuple[str, str]] = []
        self.decisions: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            assert a["method"] == "post"
            self.action = a["action"]
        elif tag == "input" and a.get("type") == "hidden":
            self.fields.append((a["name"], a["value"]))
        elif tag == "button" and a.get("name") == "decision":
            self.decisions.append(a["value"])

    def submit(self, http: httpx.Client, decision: str) -> httpx.Response:
        assert decision in self.decisions
        body = urlencode([*self.fields, ("decision", decision)])
        return http.post(self.action, content=body, headers=FORM)


def test_discovery_names_the_end_session_endpoint(http: httpx.Client,
                                                  server: EmbeddedServer) -> None:
    meta = http.get("/.well-known/openid-configuration").json()
    assert meta["end_session_endpoint"] == f"{server.issuer}/oauth2/logout"
    assert meta["frontchannel_logout_supported"] is False
    assert meta["backchannel_logout_supported"] is False


def test_a_hint_of_this_sign_in_signs_out_and_redirects_with_state(
        http: httpx.Client, server: EmbeddedServer) -> None:
    user = sign_in(http)
    assert session_alive(user.flow)
    response = logout(http, id_token_hint=user.id_token, post_logout_redirect_uri=SPA_SIGNED_OUT,
                      state="bye-1")
    assert response.status_code == 303
    assert response.headers["location"] == f"{SPA_SIGNED_OUT}?state=bye-1"
    assert "pg_session=;" in response.headers["set-cookie"]
    assert "Max-Age=0" in response.headers["set-cookie"]
    assert not session_alive(user.flow)
    trace = trace_of(server, response)
    assert trace.failed_check is None and trace.error is None
    assert trace.outcome == f"alice signed out; redirected to {SPA_SIGNED_OUT}"
    names = [c.name for c in trace.checks]
    assert "login session ended" in names and "refresh tokens kept" in names
    assert all("§" in c.rfc for c in trace.checks)


def test_the_session_ends_server_side_not_only_the_cookie(http: httpx.Client) -> None:
    user = sign_in(http)
    cookie = http.cookies["pg_session"]
    logout(http, id_token_hint=user.id_token)
    http.cookies.set("pg_session", cookie)  # a browser that kept the old cookie
    assert not session_alive(user.flow)


def test_post_works_as_get(http: httpx.Client) -> None:
    user = sign_in(http)
    body = urlencode({"id_token_hint": user.id_token, "client_id": SPA_ID,
                      "post_logout_redirect_uri": SPA_SIGNED_OUT, "state": "s"})
    response = http.post("/oauth2/logout", content=body, headers=FORM)
    assert response.headers["location"] == f"{SPA_SIGNED_OUT}?state=s"
    assert not session_alive(user.flow)


def test_without_a_redirect_the_server_shows_its_signed_out_page(http: httpx.Client) -> None:
    user = sign_in(http)
    page = logout(http, id_token_hint=user.id_token)
    assert page.status_code == 200 and "location" not in page.headers
    assert "You are signed out" in page.text and "Alice" in page.text
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert not session_alive(user.flow)


def test_an_unregistered_post_logout_redirect_uri_is_never_redirected_to(
        http: httpx.Client, server: EmbeddedServer) -> None:
    user = sign_in(http)
    evil = "https://attacker.example/bye"
    page = logout(http, id_token_hint=user.id_token, post_logout_redirect_uri=evil)
    assert page.status_code == 400 and "location" not in page.headers
    assert "Sign-out failed" in page.text and "is not registered for playground-spa" in page.text
    assert "OIDC RP-Initiated Logout §3" in page.text
    assert session_alive(user.flow)  # §4: nothing was done
    failed = trace_of(server, page).failed_check
    assert failed is not None and failed.rfc == "OIDC RP-Initiated Logout §3"


def test_another_clients_registered_uri_is_not_this_clients(http: httpx.Client) -> None:
    user = sign_in(http)
    page = logout(http, id_token_hint=user.id_token,
                  post_logout_redirect_uri="http://localhost:8080/signed-out")
    assert page.status_code == 400 and "location" not in page.headers


def test_a_post_logout_redirect_uri_needs_its_client(http: httpx.Client) -> None:
    page = logout(http, post_logout_redirect_uri=SPA_SIGNED_OUT)
    assert page.status_code == 400 and "location" not in page.headers
    assert "needs a client_id or an id_token_hint" in page.text


@pytest.mark.parametrize("changes", [{}, {"iss": "https://other-issuer.example"}])
def test_a_forged_hint_or_one_from_another_issuer_is_refused(
        http: httpx.Client, changes: dict[str, str]) -> None:
    user = sign_in(http)
    page = logout(http, id_token_hint=forged(user.id_token, **changes),
                  post_logout_redirect_uri=SPA_SIGNED_OUT)
    assert page.status_code == 400 and "location" not in page.headers
    assert "not an ID Token issued by this server" in page.text
    assert session_alive(user.flow)


def test_an_access_token_is_no_id_token_hint(http: httpx.Client) -> None:
    flow = Flow(http, client_id=SPA_ID)
    access = flow.redeem(flow.code()).json()["access_token"]
    page = logout(http, id_token_hint=access)
    assert page.status_code == 400
    assert "not an ID Token issued by this server" in page.text


def test_an_expired_hint_is_still_a_hint(http: httpx.Client, server: EmbeddedServer) -> None:
    user = sign_in(http)
    server.clock.advance(server.config.id_token_ttl + 60)
    response = logout(http, id_token_hint=user.id_token, post_logout_redirect_uri=SPA_SIGNED_OUT)
    assert response.status_code == 303
    check = next(c for c in trace_of(server, response).checks if "expired" in c.name)
    assert check.detail.startswith("expired, accepted")


def test_a_client_id_that_is_not_the_hints_audience_is_refused(
        http: httpx.Client, server: EmbeddedServer) -> None:
    user = sign_in(http)
    page = logout(http, id_token_hint=user.id_token, client_id=WEB_ID,
                  post_logout_redirect_uri="http://localhost:8080/signed-out")
    assert page.status_code == 400 and "location" not in page.headers
    assert "issued to another client" in page.text
    assert session_alive(user.flow)
    failed = trace_of(server, page).failed_check
    assert failed is not None and failed.name == "client_id is the id_token_hint's audience"


def test_without_a_hint_the_user_is_asked_and_a_link_alone_signs_nobody_out(
        http: httpx.Client, server: EmbeddedServer) -> None:
    user = sign_in(http)
    page = logout(http, client_id=SPA_ID, post_logout_redirect_uri=SPA_SIGNED_OUT, state="st")
    assert page.status_code == 200 and "Sign out?" in page.text
    assert session_alive(user.flow)
    check = trace_of(server, page).failed_check
    assert check is not None and check.rfc == "OIDC RP-Initiated Logout §2, §5"
    form = ConfirmForm(page.text)
    assert form.decisions == ["logout", "stay"]
    response = form.submit(http, "logout")
    assert response.status_code == 303
    assert response.headers["location"] == f"{SPA_SIGNED_OUT}?state=st"
    assert not session_alive(user.flow)


def test_staying_signed_in_keeps_the_session(http: httpx.Client) -> None:
    user = sign_in(http)
    response = ConfirmForm(logout(http).text).submit(http, "stay")
    assert response.status_code == 200 and "You are still signed in" in response.text
    assert session_alive(user.flow)


def test_a_confirmation_with_a_wrong_csrf_token_is_refused(http: httpx.Client) -> None:
    user = sign_in(http)
    form = ConfirmForm(logout(http).text)
    form.fields = [(k, "forged" if k == "csrf" else v) for k, v in form.fields]
    response = form.submit(http, "logout")
    assert response.status_code == 400 and "CSRF token is missing or wrong" in response.text
    assert session_alive(user.flow)


def test_a_hint_of_another_sign_in_asks_too(http: httpx.Client) -> None:
    alice = sign_in(http, user="alice")
    bob = sign_in(http, user="bob")  # the same browser signs in again: a new session
    page = logout(http, id_token_hint=alice.id_token)
    assert "Sign out?" in page.text
    assert session_alive(bob.flow)


def test_the_confirmation_reads_as_json_for_the_in_app_agent(http: httpx.Client) -> None:
    sign_in(http)
    view = http.get("/oauth2/logout", params={"client_id": SPA_ID},
                    headers={"Accept": "application/json"}).json()
    assert view["prompt"] == "logout" and view["action"] == "/oauth2/logout"
    assert view["decisions"] == ["logout", "stay"] and view["user"] == "alice"
    assert [name for name, _ in view["fields"]] == ["csrf", "client_id"]


def test_another_browser_has_nothing_to_end(http: httpx.Client, server: EmbeddedServer) -> None:
    user = sign_in(http)
    with httpx.Client(base_url=server.issuer, follow_redirects=False) as other:
        response = other.get("/oauth2/logout", params={
            "id_token_hint": user.id_token, "post_logout_redirect_uri": SPA_SIGNED_OUT})
    assert response.headers["location"] == SPA_SIGNED_OUT
    assert trace_of(server, response).outcome.startswith("no login session to end")
    assert session_alive(user.flow)


def test_refresh_tokens_outlive_the_login_session(http: httpx.Client) -> None:
    user = sign_in(http)
    logout(http, id_token_hint=user.id_token)
    refreshed = http.post("/oauth2/token", data={"grant_type": "refresh_token",
                                                 "refresh_token": user.refresh_token,
                                                 "client_id": SPA_ID})
    assert refreshed.status_code == 200, refreshed.text


def test_a_repeated_parameter_is_refused(http: httpx.Client) -> None:
    response = http.get(f"/oauth2/logout?state=a&state=b&client_id={SPA_ID}",
                        headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_head_and_put_are_not_a_sign_out(http: httpx.Client) -> None:
    user = sign_in(http)
    for method in ("HEAD", "PUT"):
        response = http.request(method, "/oauth2/logout",
                                params={"id_token_hint": user.id_token})
        assert response.status_code == 405
    assert session_alive(user.flow)


def test_logout_then_sign_in_again_works(http: httpx.Client) -> None:
    user = sign_in(http)
    logout(http, id_token_hint=user.id_token)
    again = Flow(http, client_id=SPA_ID)
    assert query(again.authorize(prompt="none").headers["location"])["error"] == "login_required"
    assert "code" in again.callback()


# -- the registry field: postLogoutRedirect (OIDC RP-Initiated Logout §3.1) -----------------------
PUBLIC = {"id": "app", "redirect": ["http://127.0.0.1:9000/cb"], "firstParty": False,
          "grantTypes": ["authorization_code"], "responseTypes": ["code"],
          "authMethods": ["none"], "scopes": ["openid"]}


def test_post_logout_redirects_are_optional_and_empty_by_default() -> None:
    client = client_from_dict(PUBLIC)
    assert client.postLogoutRedirect == ()
    assert "postLogoutRedirect" not in client.to_dict()
    assert client_from_dict({**PUBLIC, "postLogoutRedirect": None}).postLogoutRedirect == ()


def test_post_logout_redirects_round_trip() -> None:
    uris = ["http://127.0.0.1:9000/bye", "https://app.example/signed-out?from=op"]
    client = client_from_dict({**PUBLIC, "postLogoutRedirect": uris})
    assert client.postLogoutRedirect == tuple(uris)
    assert client_from_dict(client.to_dict()) == client


@pytest.mark.parametrize(("value", "says"), [
    ("http://127.0.0.1:9000/bye", "must be a list of strings"),
    ([""], "must be a list of strings"),
    (["/relative"], "field 'postLogoutRedirect' has '/relative'"),
    (["http://app.example/bye#top"], "without a fragment"),
])
def test_bad_post_logout_redirects_name_the_field(value: object, says: str) -> None:
    with pytest.raises(ClientsFileError, match="client: ") as caught:
        client_from_dict({**PUBLIC, "postLogoutRedirect": value})
    assert says in str(caught.value)


def test_the_browser_clients_ship_a_signed_out_uri_and_the_seed_none() -> None:
    registered = {c.id: c.postLogoutRedirect for c in default_clients()}
    assert registered[SPA_ID] == (SPA_SIGNED_OUT,)
    assert registered[WEB_ID] == ("http://localhost:8080/signed-out",)
    assert registered["c02d5bf5-993e-4c6a-a248-6c307cc7681b"] == ()  # the seed, verbatim
