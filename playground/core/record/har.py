"""HAR 1.2 out: recorded exchanges as an HTTP Archive that browsers' DevTools and proxies open.

Spec: http://www.softwareishard.com/blog/har-12-spec/ (HAR 1.2). Every required field is
written; what the recorder does not know is -1 ("-1 if the info is not available"). A form body
carries both `postData.text` (the exact bytes) and `postData.params`, as Chrome writes it. A body
that is not UTF-8 is base64 with `content.encoding: "base64"`; `postData` has no `encoding` in
1.2, so a binary request body gets the custom `_encoding` instead. An exchange that got no
response (a transport error) is an entry with `response.status` 0 and `response._error`, as
Chrome writes a failed request. Custom fields start with `_` (spec §"Custom fields"): each
entry's `_playground` holds the exchange's seq, step, RFC lint findings and, when the embedded
server answered, its decision trace.

`redact=True` replaces credentials with "[redacted]" and then every occurrence of each secret
value anywhere in the entry's text, so a HAR can be shared. Pure Python, no I/O but
`write_har`.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, unquote_plus, urlsplit

from playground import __version__
from playground.core.record.exchange import Exchange, Headers
from playground.core.trace import DecisionTrace

Json = dict[str, Any]

HAR_VERSION = "1.2"
CREATOR = "oauth-playground"
HTTP_VERSION = "HTTP/1.1"
PAGE_ID = "flow"
UNKNOWN_MIME = "x-unknown"  # what Chrome writes for a response without Content-Type
REDACTED = "[redacted]"
SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "dpop"})
SECRET_PARAMS = frozenset({
    "client_secret", "code", "code_verifier", "access_token", "refresh_token", "id_token",
    "device_code", "client_assertion", "subject_token", "actor_token", "token", "password",
    "request",
})
MIN_SCRUBBED = 4  # shorter values are redacted where named, not searched for everywhere
UNSCRUBBED_KEYS = frozenset({"name", "startedDateTime", "httpVersion", "mimeType", "encoding",
                             "_encoding", "method", "pageref", "id"})


def to_har(exchanges: Iterable[Exchange], *, redact: bool = False, creator_version: str,
           title: str = "OAuth Playground flow") -> Json:
    """The HAR document (spec §log: version, creator, pages, entries), one page for the flow."""
    items = list(exchanges)
    entries = [har_entry(exchange) for exchange in items]
    if redact:
        pattern = _secret_pattern(_secrets(items))
        entries = [_redact_entry(entry, pattern) for entry in entries]
    log: Json = {
        "version": HAR_VERSION,
        "creator": {"name": CREATOR, "version": creator_version},
        "pages": _pages(items, title),
        "entries": entries,
    }
    return {"log": log}


def write_har(exchanges: Iterable[Exchange], path: str | Path, *, redact: bool = False) -> None:
    """Write `to_har` as UTF-8 JSON (the spec: "HAR files are required to be saved in UTF-8")."""
    text = json.dumps(to_har(exchanges, redact=redact, creator_version=__version__), indent=2,
                      ensure_ascii=False) + "\n"
    # A lone surrogate (from an imported HAR's "\ud800") can only be in a JSON string, where
    # backslashreplace writes it as that same JSON escape.
    Path(path).write_bytes(text.encode("utf-8", "backslashreplace"))


def _pages(items: list[Exchange], title: str) -> list[Json]:
    """Spec §pages: startedDateTime, id, title, pageTimings (-1: no page load here)."""
    if not items:
        return []
    return [{
        "startedDateTime": iso_time(min(e.started_at for e in items)),
        "id": PAGE_ID,
        "title": title,
        "pageTimings": {"onContentLoad": -1, "onLoad": -1},
    }]


def iso_time(epoch: float) -> str:
    """Spec §entries startedDateTime: ISO 8601 with milliseconds and a zone (`…T…:05.123Z`)."""
    try:
        moment = datetime.fromtimestamp(epoch, UTC)
    except (OverflowError, OSError, ValueError):  # out of the platform's range
        moment = datetime.fromtimestamp(0, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def har_entry(exchange: Exchange) -> Json:
    """Spec §entries: startedDateTime, time (the sum of the timings), request, response, cache,
    timings; plus `_playground`."""
    wait = round(max(exchange.duration_ms, 0.0), 3)
    return {
        "pageref": PAGE_ID,
        "startedDateTime": iso_time(exchange.started_at),
        "time": wait,
        "request": _request(exchange),
        "response": _response(exchange),
        "cache": {},
        "timings": {"blocked": -1, "dns": -1, "connect": -1, "send": 0, "wait": wait,
                    "receive": 0, "ssl": -1},
        "_playground": _playground(exchange),
    }


def _request(exchange: Exchange) -> Json:
    """Spec §request: method, url, httpVersion, cookies, headers, queryString, postData,
    headersSize, bodySize."""
    request: Json = {
        "method": exchange.method,
        "url": exchange.url,
        "httpVersion": HTTP_VERSION,
        "cookies": request_cookies(exchange.request_headers),
        "headers": _name_values(exchange.request_headers),
        "queryString": _name_values(_query(exchange.url)),
        "headersSize": -1,
        "bodySize": len(exchange.request_body),
    }
    if exchange.request_body:
        request["postData"] = _post_data(exchange)
    return request


def _post_data(exchange: Exchange) -> Json:
    """Spec §postData: mimeType, text, and params "in case of URL encoded parameters"."""
    mime = exchange.request_header("content-type") or ""
    text, encoding = body_text(exchange.request_body)
    data: Json = {"mimeType": mime, "text": text}
    if encoding:
        data["_encoding"] = encoding
    elif _is_form(mime):
        data["params"] = _name_values(parse_qsl(text, keep_blank_values=True))
    return data


def _response(exchange: Exchange) -> Json:
    """Spec §response: status, statusText, httpVersion, cookies, headers, content, redirectURL,
    headersSize, bodySize. No response: status 0 and `_error`, as Chrome writes it."""
    answered = exchange.status is not None
    response: Json = {
        "status": exchange.status or 0,
        "statusText": status_text(exchange.status),
        "httpVersion": HTTP_VERSION if answered else "",
        "cookies": response_cookies(exchange.response_headers),
        "headers": _name_values(exchange.response_headers),
        "content": _content(exchange),
        "redirectURL": exchange.response_header("location") or "",
        "headersSize": -1,
        "bodySize": len(exchange.response_body) if answered else -1,
    }
    if exchange.error or not answered:
        response["_error"] = exchange.error or "no response"
    return response


def _content(exchange: Exchange) -> Json:
    """Spec §content: size, mimeType, text ("encoding": "base64" for binary content)."""
    body = exchange.response_body
    content: Json = {"size": len(body),
                     "mimeType": exchange.response_header("content-type") or UNKNOWN_MIME}
    if body:
        content["text"], encoding = body_text(body)
        if encoding:
            content["encoding"] = encoding
    return content


def status_text(status: int | None) -> str:
    try:
        return HTTPStatus(status).phrase if status is not None else ""
    except ValueError:
        return ""


def body_text(body: bytes) -> tuple[str, str | None]:
    """The body as text and its HAR encoding: UTF-8 as is, anything else base64."""
    try:
        return body.decode("utf-8"), None
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), "base64"


def _name_values(pairs: Iterable[tuple[str, str]]) -> list[Json]:
    """Spec §headers and §queryString: objects of name and value, in order, duplicates kept."""
    return [{"name": name, "value": value} for name, value in pairs]


def _query(url: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(urlsplit(url).query, keep_blank_values=True)
    except ValueError:
        return []


def _is_form(mime: str) -> bool:
    return mime.split(";")[0].strip().lower() == "application/x-www-form-urlencoded"


def request_cookies(headers: Headers) -> list[Json]:
    """Spec §cookies of a request: name and value of each pair in the Cookie headers."""
    cookies = []
    for name, value in headers:
        if name.lower() == "cookie":
            for pair in value.split(";"):
                key, sep, val = pair.strip().partition("=")
                if sep:
                    cookies.append({"name": key.strip(), "value": val.strip()})
    return cookies


def response_cookies(headers: Headers) -> list[Json]:
    """Spec §cookies of a response: one per Set-Cookie, with path, domain, expires, httpOnly
    and secure when set."""
    return [_set_cookie(value) for name, value in headers if name.lower() == "set-cookie"]


def _set_cookie(header: str) -> Json:
    first, *attributes = header.split(";")
    name, _, value = first.partition("=")
    cookie: Json = {"name": name.strip(), "value": value.strip()}
    for attribute in attributes:
        key, _, val = attribute.strip().partition("=")
        _cookie_attribute(cookie, key.lower(), val.strip())
    return cookie


def _cookie_attribute(cookie: Json, key: str, value: str) -> None:
    if key in ("path", "domain"):
        cookie[key] = value
    elif key in ("httponly", "secure"):
        cookie["httpOnly" if key == "httponly" else "secure"] = True
    elif key == "expires":
        # An unreadable date: the Set-Cookie header still has it.
        with contextlib.suppress(TypeError, ValueError, IndexError, OverflowError):
            cookie["expires"] = parsedate_to_datetime(value).isoformat()


def _playground(exchange: Exchange) -> Json:
    """The custom `_playground` field: seq, step, the request's lint findings, the decision."""
    custom: Json = {"seq": exchange.seq, "step": exchange.step,
                    "findings": [asdict(f) for f in exchange.findings]}
    if exchange.trace is not None:
        custom["decision"] = _decision(exchange.trace)
    return custom


def _decision(trace: DecisionTrace) -> Json:
    return {"id": trace.id, "endpoint": trace.endpoint, "outcome": trace.outcome,
            "error": trace.error, "client_id": trace.client_id,
            "checks": [asdict(c) for c in trace.checks]}


# Redaction: first each named credential, then every occurrence of each secret value.


def _secrets(exchanges: list[Exchange]) -> set[str]:
    """Every secret value of the exchanges, with its URL-encoded spellings."""
    found = {value for e in exchanges for value in _exchange_secrets(e) if value}
    spelled = {s for value in found for s in (value, quote(value, safe=""), quote_plus(value))}
    return {s for s in spelled if len(s) >= MIN_SCRUBBED and s not in REDACTED}


def _exchange_secrets(exchange: Exchange) -> Iterator[str]:
    for name, value in (*exchange.request_headers, *exchange.response_headers):
        if name.lower() in SECRET_HEADERS:
            yield from _header_secrets(name.lower(), value)
    yield from _url_secrets(exchange.url)
    yield from _url_secrets(exchange.response_header("location") or "")
    for headers, body in ((exchange.request_headers, exchange.request_body),
                          (exchange.response_headers, exchange.response_body)):
        mime = next((v for k, v in headers if k.lower() == "content-type"), "")
        yield from _text_secrets(body.decode("utf-8", "replace"), mime)


def _header_secrets(name: str, value: str) -> Iterator[str]:
    yield value
    if name == "cookie":
        yield from (c["value"] for c in request_cookies((("cookie", value),)))
    elif name == "set-cookie":
        yield _set_cookie(value)["value"]
    elif name == "authorization":
        scheme, _, credentials = value.strip().partition(" ")
        yield credentials.strip()
        if scheme.lower() == "basic":
            yield from _basic_secrets(credentials.strip())


def basic_credentials(credentials: str) -> tuple[str, str] | None:
    """RFC 6749 §2.3.1: base64(urlencode(client_id) ":" urlencode(client_secret)), as sent
    (still url-encoded); None when it is not that."""
    try:
        decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, _, secret = decoded.partition(":")
    return user, secret


def _basic_secrets(credentials: str) -> Iterator[str]:
    found = basic_credentials(credentials)
    if found is not None:
        yield from (found[1], unquote_plus(found[1]))


def _url_secrets(url: str) -> Iterator[str]:
    try:
        parts = urlsplit(url)
    except ValueError:
        return
    for part in (parts.query, parts.fragment):
        yield from (v for k, v in parse_qsl(part, keep_blank_values=True) if k in SECRET_PARAMS)


def _text_secrets(text: str, mime: str) -> Iterator[str]:
    parsed = _json(text)
    if parsed is not None:
        yield from _json_secrets(parsed)
    elif _is_form(mime):
        yield from (v for k, v in parse_qsl(text, keep_blank_values=True) if k in SECRET_PARAMS)


def _json_secrets(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in SECRET_PARAMS and isinstance(item, str | int | float):
                yield str(item)
            else:
                yield from _json_secrets(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_secrets(item)


def _json(text: str) -> Any:
    """The JSON object or array in `text`, or None."""
    if not text.lstrip().startswith(("{", "[")):
        return None
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return parsed if isinstance(parsed, dict | list) else None


def _secret_pattern(secrets: set[str]) -> re.Pattern[str] | None:
    if not secrets:
        return None
    ordered = sorted(secrets, key=len, reverse=True)  # the longest spelling first
    return re.compile("|".join(re.escape(s) for s in ordered))


def _redact_entry(entry: Json, pattern: re.Pattern[str] | None) -> Json:
    request, response = entry["request"], entry["response"]
    request["url"] = redact_url(request["url"])
    response["redirectURL"] = redact_url(response["redirectURL"])
    for header in (*request["headers"], *response["headers"]):
        header["value"] = _redact_header(header["name"].lower(), header["value"])
    for cookie in (*request["cookies"], *response["cookies"]):
        cookie["value"] = REDACTED
    _redact_params(request["queryString"])
    if "postData" in request:
        _redact_body(request["postData"], request["postData"]["mimeType"])
        _redact_params(request["postData"].get("params", []))
    _redact_body(response["content"], response["content"]["mimeType"])
    scrubbed: Json = _scrub(entry, pattern)
    return scrubbed


def _redact_header(name: str, value: str) -> str:
    if name in SECRET_HEADERS:
        return REDACTED
    return redact_url(value) if name == "location" else value


def _redact_params(params: list[Json]) -> None:
    for param in params:
        if param["name"] in SECRET_PARAMS:
            param["value"] = REDACTED


def redact_url(url: str) -> str:
    """`url` with the secret parameters of its query and fragment (implicit answers) redacted;
    the rest is kept character for character."""
    base, hash_, fragment = url.partition("#")
    path, question, query = base.partition("?")
    redacted = path + question + redact_form(query)
    return redacted + hash_ + redact_form(fragment) if hash_ else redacted


def redact_form(text: str) -> str:
    """A query string or form body with the values of the secret parameters redacted."""
    if not text:
        return text
    return "&".join(_redact_pair(pair) for pair in text.split("&"))


def _redact_pair(pair: str) -> str:
    name, sep, _ = pair.partition("=")
    return f"{name}={REDACTED}" if sep and unquote_plus(name) in SECRET_PARAMS else pair


def _redact_body(body: Json, mime: str) -> None:
    """A body's `text`: form and JSON parameters redacted; one that is not text dropped."""
    if "text" not in body:
        return
    if body.pop("encoding", None) or body.pop("_encoding", None):
        body["text"] = f"{REDACTED} (not UTF-8)"
    elif (parsed := _json(body["text"])) is not None:
        body["text"] = json.dumps(_redact_json(parsed), ensure_ascii=False)
    elif _is_form(mime):
        body["text"] = redact_form(body["text"])


def _redact_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: REDACTED if k in SECRET_PARAMS else _redact_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_json(item) for item in value]
    return value


def _scrub(value: Any, pattern: re.Pattern[str] | None, key: str = "") -> Any:
    """Every secret value found anywhere (the decision's details echo values) redacted."""
    if pattern is None or key in UNSCRUBBED_KEYS:
        return value
    if isinstance(value, str):
        return pattern.sub(REDACTED, value)
    if isinstance(value, dict):
        return {k: _scrub(v, pattern, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(item, pattern, key) for item in value]
    return value
