"""HAR 1.2 out and in: a real flow's exchanges export to a valid HAR (the JSON schema beside
this file, written from the spec), re-import to the same wire data, redact to no secret, and a
browser's HAR imports with its OAuth steps recognised; malformed input raises only HarError."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.core.flow.session import FlowSession
from playground.core.flow.stepinfo import ClientConfig
from playground.core.flows import AUTH_CODE_PKCE
from playground.core.record.exchange import Exchange
from playground.core.record.har import REDACTED, to_har, write_har
from playground.core.record.har_import import (
    HarError,
    classify,
    parse_har,
    read_har,
    recognised_steps,
)
from playground.core.trace import Check, DecisionTrace
from playground.server import EmbeddedServer, ServerConfig

SCHEMA = json.loads((Path(__file__).parent / "har-1.2.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft7Validator(SCHEMA)
FUZZ = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])


def valid(har: dict[str, Any]) -> dict[str, Any]:
    errors = sorted(VALIDATOR.iter_errors(har), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    return har


def wire(e: Exchange) -> tuple[Any, ...]:
    return (e.seq, e.step, e.method, e.url, e.request_headers, e.request_body, e.status,
            e.response_headers, e.response_body, e.error, e.findings)


def exchange(**fields: Any) -> Exchange:
    base: dict[str, Any] = dict(
        seq=1, step="token", method="POST", url="https://idp.example/oauth2/token",
        request_headers=(("Content-Type", "application/x-www-form-urlencoded"),),
        request_body=b"grant_type=authorization_code&code=abc", status=200,
        response_headers=(("Content-Type", "application/json"),), response_body=b"{}",
        started_at=1_714_557_600.25, duration_ms=12.5)
    return Exchange(**{**base, **fields})


@pytest.fixture(scope="module")
def flow_log() -> Iterator[list[Exchange]]:
    """The exchanges of the whole Authorization Code + PKCE flow against the embedded server."""
    with EmbeddedServer(ServerConfig()) as server:
        async def main() -> list[Exchange]:
            async with FlowSession(ClientConfig(server.issuer), trace_lookup=server.trace,
                                   spec=AUTH_CODE_PKCE) as flow:
                await flow.run_all()
                assert flow.failed_step is None
                return list(flow.log)

        yield asyncio.run(main())


# Out


def test_a_real_flow_exports_a_valid_har_with_the_servers_decisions(
        flow_log: list[Exchange]) -> None:
    har = valid(to_har(flow_log, creator_version="9.9"))
    log = har["log"]
    assert log["version"] == "1.2"
    assert log["creator"] == {"name": "oauth-playground", "version": "9.9"}
    assert [p["id"] for p in log["pages"]] == ["flow"]
    entries = log["entries"]
    assert [e["_playground"]["seq"] for e in entries] == [e.seq for e in flow_log]
    assert all(e["_playground"]["decision"]["checks"] for e in entries)
    assert all(e["startedDateTime"].endswith("Z") for e in entries)
    authorize = next(e for e in entries if "/oauth2/authorize" in e["request"]["url"])
    assert authorize["response"]["status"] == 302
    assert authorize["response"]["statusText"] == "Found"
    assert authorize["response"]["redirectURL"].startswith("/interaction/")
    assert authorize["response"]["cookies"] and authorize["response"]["cookies"][0]["value"]
    assert {"response_type", "code_challenge"} <= {q["name"] for q in
                                                  authorize["request"]["queryString"]}
    token = next(e for e in entries if e["_playground"]["step"] == "token")
    post = token["request"]["postData"]
    assert post["mimeType"].startswith("application/x-www-form-urlencoded")
    assert {"name": "grant_type", "value": "authorization_code"} in post["params"]
    assert token["request"]["cookies"]  # the Cookie header, parsed
    assert "access_token" in json.loads(token["response"]["content"]["text"])
    assert token["_playground"]["decision"]["endpoint"] == "token"


def test_a_real_flow_round_trips(flow_log: list[Exchange], tmp_path: Path) -> None:
    path = tmp_path / "flow.har"
    write_har(flow_log, path)
    back = read_har(path)
    assert [wire(e) for e in back] == [wire(e) for e in flow_log]
    for original, imported in zip(flow_log, back, strict=True):
        assert imported.started_at == pytest.approx(original.started_at, abs=0.001)
        assert imported.duration_ms == pytest.approx(original.duration_ms, abs=0.001)
        assert imported.trace is None
    assert read_har(path.read_text(encoding="utf-8"))[0].url == flow_log[0].url


def test_a_redacted_real_flow_holds_no_secret(flow_log: list[Exchange]) -> None:
    har = valid(to_har(flow_log, redact=True, creator_version="1"))
    text = json.dumps(har, ensure_ascii=False)
    secrets = _flow_secrets(flow_log)
    assert len(secrets) >= 7
    assert [s for s in secrets if s in text] == []
    token = next(e for e in har["log"]["entries"] if e["_playground"]["step"] == "token")
    params = dict((p["name"], p["value"]) for p in token["request"]["postData"]["params"])
    assert params["code"] == params["code_verifier"] == REDACTED
    assert params["grant_type"] == "authorization_code"
    answer = json.loads(token["response"]["content"]["text"])
    assert answer["access_token"] == REDACTED and answer["token_type"] in ("Bearer", "DPoP")


def _flow_secrets(log: list[Exchange]) -> set[str]:
    """The code, verifier, tokens, cookies and bearer credential the flow sent or received."""
    token = next(e for e in log if e.step == "token")
    answer = json.loads(token.response_body)
    found = {answer["access_token"], answer["id_token"], answer["refresh_token"]}
    found |= {v for k, v in parse_qsl(token.request_body.decode()) if k in ("code",
                                                                          "code_verifier")}
    for e in log:
        location = e.response_header("location") or ""
        found |= {v for k, v in parse_qsl(urlsplit(location).query) if k == "code"}
        found |= {v.split(";")[0].partition("=")[2] for k, v in e.response_headers
                  if k.lower() == "set-cookie"}
        found |= {v for k, v in e.request_headers if k.lower() == "authorization"}
    return {s for s in found if s}


def test_redaction_reaches_headers_urls_bodies_and_the_decisions_details() -> None:
    secret, code, token = "s3cr3t-value", "the-code-1234", "at-5678-abcd"
    basic = base64.b64encode(f"app:{secret}".encode()).decode()
    trace = DecisionTrace("t-1", 0.0, "POST", "/token", "token", 400, "refused", "app",
                          "invalid_grant", (Check("code is known", False, f"code {code!r}"),))
    ex = exchange(
        request_headers=(("Authorization", f"Basic {basic}"), ("DPoP", "eyJ.proof.sig"),
                         ("Content-Type", "application/x-www-form-urlencoded")),
        request_body=f"grant_type=authorization_code&code={code}&client_secret={secret}".encode(),
        url=f"https://idp.example/token?access_token={token}&x=1",
        response_headers=(("Content-Type", "application/json"),
                          ("Location", f"https://app.example/cb#access_token={token}&state=s"),
                          ("Set-Cookie", "sid=cookie-value-99; Path=/; HttpOnly")),
        response_body=json.dumps({"nested": {"refresh_token": "rt-0000"}, "n": 1}).encode(),
        trace=trace)
    har = valid(to_har([ex], redact=True, creator_version="1"))
    text = json.dumps(har)
    for value in (secret, basic, code, token, "eyJ.proof.sig", "cookie-value-99", "rt-0000"):
        assert value not in text, value
    entry = har["log"]["entries"][0]
    assert entry["request"]["url"] == f"https://idp.example/token?access_token={REDACTED}&x=1"
    assert entry["response"]["redirectURL"] == (
        f"https://app.example/cb#access_token={REDACTED}&state=s")
    assert entry["_playground"]["decision"]["checks"][0]["detail"] == f"code '{REDACTED}'"
    assert json.loads(entry["response"]["content"]["text"])["n"] == 1
    assert entry["response"]["cookies"][0] == {"name": "sid", "value": REDACTED, "path": "/",
                                               "httpOnly": True}


def test_bodies_that_are_not_utf8_are_base64_and_round_trip() -> None:
    ex = exchange(request_headers=(("Content-Type", "application/octet-stream"),),
                  request_body=b"\xff\x00\xfe", response_body=b"\x89PNG\r\n\x1a\n\xff",
                  response_headers=(("Content-Type", "image/png"),))
    har = valid(to_har([ex], creator_version="1"))
    entry = har["log"]["entries"][0]
    content = entry["response"]["content"]
    assert content["encoding"] == "base64"
    assert base64.b64decode(content["text"]) == ex.response_body
    assert entry["request"]["postData"]["_encoding"] == "base64"
    assert [wire(e) for e in parse_har(har)] == [wire(ex)]
    assert valid(to_har([ex], redact=True, creator_version="1"))


def test_a_transport_error_is_status_0_with_the_error_and_round_trips() -> None:
    ex = exchange(status=None, response_headers=(), response_body=b"",
                  error="ConnectError: [Errno 111] Connection refused")
    entry = valid(to_har([ex], creator_version="1"))["log"]["entries"][0]
    assert entry["response"]["status"] == 0
    assert entry["response"]["_error"] == ex.error
    back = parse_har(to_har([ex], creator_version="1"))[0]
    assert (back.status, back.error) == (None, ex.error)


def test_an_empty_log_is_a_valid_har() -> None:
    assert valid(to_har([], creator_version="1"))["log"]["entries"] == []


# In


AUTHORIZE_URL = ("https://idp.example.com/oauth2/authorize?response_type=code&client_id=spa"
                 "&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback&scope=openid"
                 "&state=xyz123&nonce=n-0S6&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSst"
                 "w-cM&code_challenge_method=SHA-256")
CALLBACK_URL = "https://app.example.com/callback?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz123"
TOKEN_BODY = ("grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA"
              "&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback&client_id=spa"
              "&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
TOKEN_ANSWER = b'{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"Bearer","expires_in":3600}'


def chrome_entry(method: str, url: str, status: int, **extra: Any) -> dict[str, Any]:
    """An entry as Chrome DevTools' "Save all as HAR" writes it (HTTP/2, `_` fields)."""
    host = urlsplit(url).netloc
    return {
        "_initiator": {"type": "other"}, "_priority": "VeryHigh", "_resourceType": "document",
        "cache": {}, "connection": "443", "pageref": "page_1",
        "request": {
            "method": method, "url": url, "httpVersion": "http/2.0", "headersSize": -1,
            "bodySize": 0, "cookies": [], "queryString": [],
            "headers": [{"name": ":authority", "value": host}, {"name": ":method", "value": method},
                        {"name": ":path", "value": "/"}, {"name": ":scheme", "value": "https"},
                        {"name": "accept", "value": "*/*"}, *extra.pop("headers", [])],
            **extra.pop("request", {}),
        },
        "response": {
            "status": status, "statusText": "", "httpVersion": "http/2.0", "cookies": [],
            "headers": extra.pop("response_headers", []), "redirectURL": "", "headersSize": -1,
            "bodySize": -1, "_transferSize": 512, "_error": None,
            "content": extra.pop("content", {"size": 0, "mimeType": "x-unknown"}),
        },
        "serverIPAddress": "93.184.216.34", "startedDateTime": "2024-05-01T10:00:00.123Z",
        "time": 85.25,
        "timings": {"blocked": 1.2, "dns": -1, "ssl": -1, "connect": -1, "send": 0.1,
                    "wait": 80.0, "receive": 3.95, "_blocked_queueing": 0.8},
        **extra,
    }


CHROME_HAR = {"log": {
    "version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
    "pages": [{"startedDateTime": "2024-05-01T10:00:00.000Z", "id": "page_1",
               "title": "https://app.example.com/", "pageTimings": {"onContentLoad": 1,
                                                                    "onLoad": 2}}],
    "entries": [
        chrome_entry("GET", "https://idp.example.com/.well-known/openid-configuration", 200,
                     content={"size": 2, "mimeType": "application/json", "text": "{}"}),
        chrome_entry("GET", AUTHORIZE_URL, 302,
                     response_headers=[{"name": "location", "value": CALLBACK_URL}]),
        chrome_entry("GET", CALLBACK_URL, 200,
                     content={"size": 5, "mimeType": "text/html", "text": "<p>ok"}),
        chrome_entry("POST", "https://idp.example.com/oauth2/token", 200,
                     headers=[{"name": "content-type",
                               "value": "application/x-www-form-urlencoded"}],
                     request={"postData": {"mimeType": "application/x-www-form-urlencoded",
                                           "text": TOKEN_BODY}},
                     content={"size": len(TOKEN_ANSWER), "mimeType": "application/json",
                              "encoding": "base64",
                              "text": base64.b64encode(TOKEN_ANSWER).decode()}),
        chrome_entry("GET", "https://idp.example.com/oauth2/jwks", 200),
        chrome_entry("GET", "https://idp.example.com/oauth2/userinfo", 200,
                     headers=[{"name": "authorization", "value": "Bearer 2YotnFZFEjr1zCsicMWpAA"}]),
        chrome_entry("GET", "https://app.example.com/favicon.ico", 0,
                     _fromCache="disk"),
    ],
}}
CHROME_HAR["log"]["entries"][-1]["response"]["_error"] = "net::ERR_CONNECTION_REFUSED"


def test_a_chrome_har_imports_with_its_steps_recognised_and_linted() -> None:
    exchanges = read_har(json.dumps(CHROME_HAR).encode())
    steps = [e.step for e in exchanges]
    assert steps == ["discovery", "authorize", "callback", "token", "jwks", "userinfo", "other"]
    assert recognised_steps(exchanges) == {
        "discovery": [1], "jwks": [5], "authorize": [2], "callback": [2, 3], "token": [4],
        "userinfo": [6], "other": [7]}
    authorize = exchanges[1]
    assert "pkce-method-spelling" in {f.rule for f in authorize.findings}
    assert authorize.request_headers == (("accept", "*/*"),)  # HTTP/2 pseudo-headers dropped
    assert authorize.response_header("location") == CALLBACK_URL
    token = exchanges[3]
    assert token.request_body == TOKEN_BODY.encode()
    assert token.response_body == TOKEN_ANSWER  # content.encoding base64
    assert token.started_at == pytest.approx(1_714_557_600.123)
    assert token.duration_ms == 85.25
    failed = exchanges[-1]
    assert (failed.status, failed.error) == (None, "net::ERR_CONNECTION_REFUSED")
    valid(to_har(exchanges, creator_version="1"))  # and it exports again


def test_a_minimal_firefox_style_entry_imports() -> None:
    """Optional fields missing; a form body given only as `params`; a zone offset."""
    har = {"log": {"version": "1.2", "creator": {"name": "Firefox", "version": "125"},
                   "entries": [{
                       "startedDateTime": "2024-05-01T12:00:00.500+02:00",
                       "request": {"method": "POST", "url": "https://idp.example/oauth2/token",
                                   "postData": {"mimeType": "application/x-www-form-urlencoded",
                                                "params": [{"name": "grant_type",
                                                            "value": "client_credentials"},
                                                           {"name": "scope", "value": "a b"}]}},
                       "response": {"status": 401, "content": {"mimeType": "text/plain"}},
                   }]}}
    [ex] = parse_har(har)
    assert ex.request_body == b"grant_type=client_credentials&scope=a+b"
    assert (ex.step, ex.status, ex.response_body, ex.duration_ms) == ("token", 401, b"", 0)
    assert ex.started_at == pytest.approx(1_714_557_600.5)


@pytest.mark.parametrize(("method", "url", "body", "step"), [
    ("GET", "https://a/.well-known/oauth-authorization-server", b"", "discovery"),
    ("GET", "https://a/.well-known/jwks.json", b"", "jwks"),
    ("GET", "https://a/protocol/openid-connect/auth?client_id=x", b"", "authorize"),
    ("POST", "https://a/oauth2/par", b"response_type=code&client_id=x", "par"),
    ("POST", "https://a/oauth2/device_authorization", b"client_id=x", "device_authorization"),
    ("POST", "https://a/oauth2/token", b"grant_type=urn:ietf:params:oauth:grant-type:device_code",
     "token"),
    ("GET", "https://a/oauth2/logout?post_logout_redirect_uri=x", b"", "logout"),
    ("GET", "https://app/cb?error=access_denied&state=s", b"", "callback"),
    ("POST", "https://a/oauth2/revoke", b"token=t", "revocation"),
    ("POST", "https://a/oauth2/introspect", b"token=t", "introspection"),
    ("GET", "https://a/interaction/x", b"", "other"),
])
def test_classify(method: str, url: str, body: bytes, step: str) -> None:
    headers = (("Content-Type", "application/x-www-form-urlencoded"),)
    assert classify(method, url, headers, body) == step


def _har(*entries: Any) -> str:
    return json.dumps({"log": {"version": "1.2", "entries": list(entries)}})


GOOD = {"request": {"method": "GET", "url": "http://x/"}, "response": {"status": 200}}


@pytest.mark.parametrize(("text", "message"), [
    ("{not json", "HAR: not JSON"),
    ("[]", "HAR: the document is not a JSON object"),
    ("{}", "HAR log: missing"),
    ('{"log": {"entries": {}}}', "HAR log.entries: missing or not a list"),
    (_har(42), "HAR entries[0]: not an object"),
    (_har({"response": {}}), "HAR entries[0].request: missing"),
    (_har(GOOD, {"request": {"method": "GET"}}), "HAR entries[1].request.url: missing"),
    (_har({"request": {"method": "GET", "url": "http://x/", "headers": ["a"]}}),
     "HAR entries[0].request.headers[0]: not an object"),
    (_har({"request": {"method": 1, "url": "http://x/"}}),
     "HAR entries[0].request.method: not a string"),
    (_har({**GOOD, "response": {"status": 200, "content": {"text": "!", "encoding": "base64"}}}),
     "HAR entries[0].response.content.text: not base64"),
    (_har({**GOOD, "response": {"status": "200"}}), "HAR entries[0].response.status: not a num"),
    (_har({**GOOD, "response": {"headers": []}}), "HAR entries[0].response.status: missing"),
    (_har({**GOOD, "startedDateTime": "yesterday"}), "HAR entries[0].startedDateTime: not an"),
    (_har({**GOOD, "time": "fast"}), "HAR entries[0].time: not a number"),
])
def test_malformed_hars_name_the_entry_and_the_field(text: str, message: str) -> None:
    with pytest.raises(HarError) as raised:
        read_har(text.encode())
    assert str(raised.value).startswith(message), str(raised.value)


def test_a_missing_file_is_a_har_error(tmp_path: Path) -> None:
    with pytest.raises(HarError, match="cannot read"):
        read_har(tmp_path / "missing.har")


SCALAR = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20),
                   st.sampled_from(("base64", "GET", "POST", "2024-05-01T10:00:00Z", "http://x/",
                                    "0001-01-01T00:00:00+14:00", "Set-Cookie", "Location",
                                    "grant_type=x&code=y", "\ud800", "", "-1")))
KEYS = st.sampled_from(("log", "entries", "request", "response", "method", "url", "headers",
                        "name", "value", "postData", "text", "params", "encoding", "_encoding",
                        "status", "content", "startedDateTime", "time", "_error", "_playground",
                        "seq", "step", "mimeType"))
JSON = st.recursive(SCALAR, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=25)
HAR_SHAPED = st.recursive(SCALAR, lambda inner: st.lists(inner, max_size=4)
                          | st.dictionaries(KEYS, inner, max_size=6), max_leaves=40)


def sometimes_wrong(right: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a value of the right shape, now and then any JSON value."""
    return st.integers(0, 9).flatmap(lambda i: JSON if i == 0 else right)


TEXT = st.one_of(st.text(max_size=30), st.sampled_from((
    "Content-Type", "content-type", "Location", "Set-Cookie", "Cookie", "Authorization", ":path",
    "application/json", "application/x-www-form-urlencoded", "a=b; c=d", "sid=x; Expires=Wed, "
    "21 Oct 99999 07:28:00 GMT", "Basic !!", "Bearer t", "https://a/cb?code=c&state=s#id_token=i",
    "http://[::1", AUTHORIZE_URL, TOKEN_BODY, "{\"access_token\": 1}", "AAEC/w==", "\ud800")))
NAME_VALUE = st.fixed_dictionaries({"name": sometimes_wrong(TEXT)},
                                   optional={"value": sometimes_wrong(TEXT)})
NAME_VALUES = sometimes_wrong(st.lists(NAME_VALUE, max_size=4))
BODY = st.fixed_dictionaries({}, optional={
    "mimeType": TEXT, "text": sometimes_wrong(TEXT), "params": NAME_VALUES, "size": JSON,
    "encoding": st.sampled_from(("base64", "utf-8")), "_encoding": st.just("base64")})
REQUEST = st.fixed_dictionaries(
    {"method": sometimes_wrong(st.sampled_from(("GET", "POST", "get", ""))),
     "url": sometimes_wrong(TEXT)},
    optional={"headers": NAME_VALUES, "postData": sometimes_wrong(BODY)})
RESPONSE = st.fixed_dictionaries(
    {"status": sometimes_wrong(st.integers(-2, 1001) | st.sampled_from((0, 200.0, 1e400)))},
    optional={"headers": NAME_VALUES, "content": sometimes_wrong(BODY), "_error": JSON})
ENTRY = st.fixed_dictionaries(
    {"request": sometimes_wrong(REQUEST)},
    optional={"response": sometimes_wrong(RESPONSE),
              "startedDateTime": sometimes_wrong(TEXT | st.datetimes().map(str)
                                                 | st.datetimes().map(datetime.isoformat)),
              "time": sometimes_wrong(st.floats()),
              "_playground": st.fixed_dictionaries({}, optional={"seq": JSON, "step": JSON})})
HARS = st.lists(sometimes_wrong(ENTRY), max_size=4).map(lambda e: {"log": {"entries": e}})
DOCUMENTS = st.integers(0, 9).flatmap(lambda i: (JSON, HAR_SHAPED)[i] if i < 2 else HARS)


@FUZZ
@given(document=DOCUMENTS)
def test_arbitrary_json_raises_nothing_but_har_error(document: Any) -> None:
    for read in (lambda: parse_har(document), lambda: read_har(json.dumps(document).encode())):
        try:
            exchanges = read()
        except HarError:
            continue
        recognised_steps(exchanges)
        json.dumps(to_har(exchanges, redact=True, creator_version="1"))


def test_a_har_chromium_saved_of_the_seeds_own_flow() -> None:
    """Recorded by Chromium (playwright-core's recordHar) while the seed's JavaScript signed in
    against `serve --compat seed` (`HAR_DIR=dir node benchmarks/interop/browser.mjs compat`):
    it imports, the seed's PKCE spelling is flagged, and the flow's steps are recognised."""
    from playground.core.record.har_import import read_har, recognised_steps

    exchanges = read_har(Path(__file__).parent / "fixtures" / "seed-flow-chromium.har")
    steps = recognised_steps(exchanges)
    assert {"authorize", "callback", "token"} <= steps.keys()
    authorize = next(e for e in exchanges if e.seq == steps["authorize"][0])
    rules = {f.rule for f in authorize.findings}
    assert {"pkce-method-spelling", "pkce-challenge-encoding"} <= rules
    assert "code_challenge_method=SHA-256" in authorize.url
    token = next(e for e in exchanges if e.seq == steps["token"][0])
    assert "token-json-body" in {f.rule for f in token.findings}  # the seed's fetch sends JSON
    assert token.status == 200


def test_the_tokens_of_the_seeds_chromium_har_are_found() -> None:
    from playground.core.record.har_import import read_har
    from playground.core.record.har_tokens import found_tokens

    found = found_tokens(read_har(Path(__file__).parent / "fixtures" / "seed-flow-chromium.har"))
    assert found.access_token and found.access_token.count(".") == 2
    assert found.id_token and found.refresh_token
    assert found.client_id == "c02d5bf5-993e-4c6a-a248-6c307cc7681b"  # from the authorize URL
    assert found.jwks is None and found.jwks_uri is None  # the seed's client fetches neither
