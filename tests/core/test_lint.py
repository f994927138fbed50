"""The RFC lint: the seed's three deviations (and scope on the code grant) on requests shaped
exactly as the seed's JavaScript sends them, then each further rule, then a clean request.

The seed's `new URL(...).searchParams.set(...)` serialises as application/x-www-form-urlencoded
(space as '+', everything but A-Z a-z 0-9 * - . _ percent-encoded); its `fetch` posts
`JSON.stringify({...})` (compact, in source order) with `Content-type: application/json`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import quote_plus, urlencode

import httpx
import pytest

from playground.core.protocol import lint, pkce
from playground.core.trace import TRACE_HEADER
from playground.server import EmbeddedServer, ServerConfig

SEED_ID = "c02d5bf5-993e-4c6a-a248-6c307cc7681b"
SEED_REDIRECT = "http://client.server.com/callback"
SEED_SCOPE = "openid email profile offline_access"
SEED_VERIFIER = "RANDOM_GENERATED_STRING"


def url_search_params(pairs: list[tuple[str, str]]) -> str:
    """What the browser's URLSearchParams serialiser produces."""
    return urlencode(pairs, quote_via=quote_plus, safe="*")


def seed_authorize_url(base: str = "http://auth.server.com", verifier: str = SEED_VERIFIER,
                       state: str = "somesecretstatethatshouldmatch") -> str:
    """The seed's `Start authorization flow` snippet, verbatim in order and spelling."""
    return f"{base}/oauth2/authorize?" + url_search_params([
        ("client_id", SEED_ID),
        ("response_type", "code"),
        ("state", state),
        ("scope", SEED_SCOPE),
        ("code_challenge", pkce.seed_spelling(verifier)),  # window.btoa(sha256(codeVerifier))
        ("code_challenge_method", "SHA-256"),
    ])


def seed_token_request(code: str = "AUTH_CODE",
                       verifier: str = SEED_VERIFIER) -> tuple[list[tuple[str, str]], bytes]:
    """The seed's `fetch('/oauth2/token', …)`: its headers and JSON.stringify body."""
    headers = [("Content-type", "application/json"), ("accept", "application/json")]
    body = json.dumps({
        "code": code, "client_id": SEED_ID, "grant_type": "authorization_code",
        "redirect_uri": SEED_REDIRECT, "code_verifier": verifier, "scope": SEED_SCOPE,
    }, separators=(",", ":")).encode()
    return headers, body


def rules(findings: tuple[lint.Finding, ...] | list[lint.Finding]) -> set[str]:
    return {f.rule for f in findings}


def test_seed_authorize_url_flags_method_spelling_and_btoa_challenge() -> None:
    found = {f.rule: f for f in lint.lint("GET", seed_authorize_url())}
    method = found["pkce-method-spelling"]
    assert "'SHA-256'" in method.message and "S256" in method.fix
    assert method.rfc == "RFC 7636 §4.3"
    challenge = found["pkce-challenge-encoding"]
    assert "btoa" in challenge.message and "padding" in challenge.fix
    assert challenge.rfc.startswith("RFC 7636 §4.2")
    assert "tls-required" in found  # http://auth.server.com is not loopback


def test_seed_token_request_flags_json_body_scope_and_short_verifier() -> None:
    headers, body = seed_token_request()
    found = {f.rule: f for f in lint.lint("POST", "http://auth.server.com/oauth2/token",
                                          headers, body)}
    assert found["token-json-body"].rfc == "RFC 6749 §4.1.3"
    assert "x-www-form-urlencoded" in found["token-json-body"].fix
    assert found["token-scope-ignored"].severity == "info"
    assert found["pkce-verifier-grammar"].rfc == "RFC 7636 §4.1"  # 23 characters < 43


@pytest.fixture(scope="module")
def compat_server() -> Iterator[EmbeddedServer]:
    with EmbeddedServer(ServerConfig(compat_seed=True)) as server:
        yield server


def _consent(http: httpx.Client, location: str) -> str:
    """Walk login and consent as a browser would; the final redirect's code."""
    for _ in range(4):
        if location.startswith(SEED_REDIRECT):
            return httpx.URL(location).params["code"]
        view = http.get(location, headers={"Accept": "application/json"}).json()
        data = {"csrf": view["csrf"], "user": "alice", "decision": "allow"}
        location = http.post(view["action"], data=data).headers["location"]
    raise AssertionError("no redirect back to the client")


def test_server_lints_the_seed_js_requests_it_receives(compat_server: EmbeddedServer) -> None:
    """The seed's exact requests reach the real server; its decision traces carry the lint."""
    verifier = pkce.generate_verifier()
    with httpx.Client(base_url=compat_server.issuer, follow_redirects=False) as http:
        start = http.get(seed_authorize_url(compat_server.issuer, verifier))
        assert start.status_code == 302, start.text
        trace = compat_server.trace(start.headers[TRACE_HEADER])
        assert trace is not None
        assert {"pkce-method-spelling", "pkce-challenge-encoding"} <= rules(trace.findings)
        code = _consent(http, start.headers["location"])
        headers, body = seed_token_request(code, verifier)
        answer = http.post("/oauth2/token", headers=headers, content=body)
    assert answer.status_code == 200, answer.text
    trace = compat_server.trace(answer.headers[TRACE_HEADER])
    assert trace is not None
    assert {"token-json-body", "token-scope-ignored"} <= rules(trace.findings)
    assert len(trace.findings) == len(rules(trace.findings)), "one finding per rule"


def test_server_lints_requests_from_any_client(compat_server: EmbeddedServer) -> None:
    """curl-style requests the engine would never send are flagged in the server's trace."""
    with httpx.Client(base_url=compat_server.issuer) as http:
        userinfo = http.get("/oauth2/userinfo", params={"access_token": "abc"})
        token = http.post("/oauth2/token?code=abc&grant_type=authorization_code",
                          data={"client_id": SEED_ID})
    for answer, rule in ((userinfo, "token-in-query"), (token, "token-params-in-query")):
        trace = compat_server.trace(answer.headers[TRACE_HEADER])
        assert trace is not None and rule in rules(trace.findings)


def test_server_findings_agree_with_the_shared_rules(compat_server: EmbeddedServer) -> None:
    with httpx.Client(base_url=compat_server.issuer, follow_redirects=False) as http:
        start = http.get(seed_authorize_url(compat_server.issuer))
    trace = compat_server.trace(start.headers[TRACE_HEADER])
    assert trace is not None
    for found in trace.findings:
        rule = lint.RULES[found.rule]
        assert (found.rfc, found.fix, found.severity) == (rule.rfc, rule.fix, rule.severity)


CLEAN = [("client_id", "app"), ("response_type", "code"),
         ("redirect_uri", "http://127.0.0.1:8765/callback"), ("state", "s" * 22),
         ("scope", "openid email"), ("code_challenge", pkce.s256("v" * 43)),
         ("code_challenge_method", "S256"), ("nonce", "n" * 22)]


def authorize(**changes: str | None) -> tuple[lint.Finding, ...]:
    pairs = [(k, changes.get(k, v)) for k, v in CLEAN if changes.get(k, v) is not None]
    pairs += [(k, v) for k, v in changes.items() if v is not None and k not in dict(CLEAN)]
    return lint.lint("GET", "https://as.example/authorize?" + urlencode(pairs))


def test_a_clean_authorization_request_has_no_findings() -> None:
    assert authorize() == ()


@pytest.mark.parametrize(("changes", "rule", "severity"), [
    ({"code_challenge": None, "code_challenge_method": None}, "pkce-missing", "warning"),
    ({"code_challenge_method": None}, "pkce-method-missing", "warning"),
    ({"code_challenge_method": "plain", "code_challenge": "v" * 43}, "pkce-plain", "warning"),
    ({"code_challenge": pkce.s256("v" * 43) + "="}, "pkce-challenge-encoding", "warning"),
    ({"state": None}, "state-missing", "info"),
    ({"state": None, "code_challenge": None, "code_challenge_method": None}, "state-missing",
     "warning"),
    ({"nonce": None, "code_challenge": None, "code_challenge_method": None}, "nonce-missing",
     "warning"),
    ({"nonce": None, "response_type": "id_token"}, "nonce-missing", "error"),
    ({"response_type": "token"}, "implicit-grant", "warning"),
    ({"redirect_uri": "http://app.example/cb"}, "redirect-uri-http", "warning"),
    ({"redirect_uri": "http://localhost:8080/cb"}, "redirect-uri-localhost", "info"),
    ({"redirect_uri": "https://app.example/cb#x"}, "redirect-uri-fragment", "error"),
    ({"client_secret": "s3cret"}, "client-secret-in-url", "error"),
])
def test_authorization_rules(changes: dict[str, str | None], rule: str, severity: str) -> None:
    found = {f.rule: f for f in authorize(**changes)}
    assert rule in found, found
    assert found[rule].severity == severity
    assert found[rule].rfc == lint.RULES[rule].rfc or rule in ("state-missing", "nonce-missing")
    assert found[rule].rfc


def test_nonce_not_needed_with_pkce_in_the_code_flow() -> None:
    assert "nonce-missing" not in rules(authorize(nonce=None))


def test_duplicate_parameters_are_flagged() -> None:
    url = "https://as.example/authorize?" + urlencode([*CLEAN, ("state", "again")])
    assert "duplicate-parameter" in rules(lint.lint("GET", url))


FORM = [("Content-Type", "application/x-www-form-urlencoded")]


def token(fields: list[tuple[str, str]], *, method: str = "POST", query: str = "",
          headers: list[tuple[str, str]] | None = None) -> set[str]:
    url = "https://as.example/token" + (f"?{query}" if query else "")
    return rules(lint.lint(method, url, headers if headers is not None else FORM,
                           urlencode(fields).encode()))


CODE_GRANT = [("grant_type", "authorization_code"), ("code", "abc"), ("client_id", "app"),
              ("code_verifier", "v" * 43)]


def test_a_clean_token_request_has_no_findings() -> None:
    assert token(CODE_GRANT) == set()


def test_token_rules() -> None:
    assert "code-without-verifier" in token(CODE_GRANT[:3])
    assert "token-request-method" in rules(lint.lint(
        "GET", "https://as.example/token?" + urlencode(CODE_GRANT)))
    assert "token-params-in-query" in token([], query=urlencode(CODE_GRANT))
    assert "token-content-type" in token(CODE_GRANT, headers=[("Content-Type", "text/plain")])
    basic = [*FORM, ("Authorization", "Basic YXBwOnNlY3JldA==")]
    assert "client-auth-twice" in token([*CODE_GRANT, ("client_secret", "x")], headers=basic)
    assert "tls-required" in rules(lint.lint("POST", "http://as.example/token", FORM,
                                             urlencode(CODE_GRANT).encode()))
    assert "tls-required" not in rules(lint.lint("POST", "http://127.0.0.1:9/token", FORM,
                                                 urlencode(CODE_GRANT).encode()))


def test_bearer_token_in_the_query_is_flagged() -> None:
    found = lint.lint("GET", "https://rs.example/userinfo?access_token=abc")
    assert rules(found) == {"token-in-query"}
    assert found[0].rfc.startswith("RFC 6750 §2.3")


def test_every_rule_names_an_rfc_section_and_a_fix() -> None:
    for rule in lint.RULES.values():
        assert "§" in rule.rfc and rule.fix and rule.title
