"""HAR in: a HAR 1.2 file as Chrome's or Firefox's DevTools export it, as recorded exchanges.

Spec: http://www.softwareishard.com/blog/har-12-spec/. Read are the fields an `Exchange` holds:
§request (method, url, headers, postData.text, or postData.params when there is no text),
§response (status, headers, content.text, base64 when `encoding` says so), §entries
(startedDateTime, time). Custom `_` fields are ignored but `_playground.seq` and `.step` (what
`har.to_har` writes) and `response._error` (Chrome's failed requests, with status 0). HTTP/2
pseudo-headers (`:authority`, `:path`, …) are dropped: they are not header lines of a request.
Optional fields may be missing; what an exchange cannot be built without (the entries, each
request's method and url) and any field of the wrong type raise one `HarError` naming the entry
and the field, e.g. ``HAR entries[2].request.url: missing``. Nothing else is raised, whatever
the input.

Each exchange gets the RFC lint of its request and, unless the HAR names it, the OAuth step its
request looks like (`classify`); `recognised_steps` groups them for a UI.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit

from playground.core.protocol import lint
from playground.core.record.exchange import Exchange, Headers

T = TypeVar("T")
Obj = Mapping[str, Any]

STEPS = ("discovery", "jwks", "authorize", "callback", "token", "par", "device_authorization",
         "userinfo", "revocation", "introspection", "logout", "other")
WANTED = {"dict": "an object", "list": "a list", "str": "a string"}
NO_RESPONSE = "no response (status 0 in the HAR)"


class HarError(ValueError):
    """The HAR cannot be read; the message names the entry and the field."""


def read_har(source: str | bytes | Path) -> list[Exchange]:
    """The exchanges of a HAR given as a path, or as its JSON text (str starting with `{`, or
    bytes)."""
    return parse_har(_load(_text(source)))


def parse_har(document: object) -> list[Exchange]:
    """The exchanges of an already parsed HAR document (spec §log: log.entries)."""
    if not isinstance(document, dict):
        raise HarError("HAR: the document is not a JSON object")
    log = document.get("log")
    if not isinstance(log, dict):
        raise HarError("HAR log: missing or not an object")
    entries = log.get("entries")
    if not isinstance(entries, list):
        raise HarError("HAR log.entries: missing or not a list")
    return [_exchange(i, entry) for i, entry in enumerate(entries)]


def _text(source: str | bytes | Path) -> str:
    if isinstance(source, bytes):
        return _decode(source, "HAR")
    if isinstance(source, str) and source.lstrip().startswith(("{", "[")):
        return source
    try:
        return _decode(Path(source).read_bytes(), str(source))
    except (OSError, ValueError) as error:  # ValueError: a NUL in the path
        raise HarError(f"HAR: cannot read {str(source)[:200]!r}: {error}") from None


def _decode(data: bytes, name: str) -> str:
    """Spec: HAR files are UTF-8 (a byte-order mark is tolerated)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise HarError(f"{name}: not UTF-8 ({error})") from None


def _load(text: str) -> object:
    try:
        return json.loads(text)
    except RecursionError:
        raise HarError("HAR: not JSON (nested too deeply)") from None
    except ValueError as error:
        raise HarError(f"HAR: not JSON ({error})") from None


# Fields, each checked where it is read: `where` is the path named in the error.


def _required(obj: Obj, key: str, kind: type[T], where: str) -> T:
    if obj.get(key) is None:
        raise HarError(f"HAR {where}.{key}: missing")
    return _typed(obj[key], kind, f"{where}.{key}")


def _optional(obj: Obj, key: str, kind: type[T], where: str, default: T) -> T:
    value = obj.get(key)
    return default if value is None else _typed(value, kind, f"{where}.{key}")


def _typed(value: Any, kind: type[T], where: str) -> T:
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        wanted = WANTED.get(kind.__name__, kind.__name__)
        raise HarError(f"HAR {where}: not {wanted} ({type(value).__name__})")
    return value


def _number(obj: Obj, key: str, where: str) -> float | None:
    """A finite JSON number, or None when absent (or NaN, ∞: nothing to show)."""
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise HarError(f"HAR {where}.{key}: not a number ({type(value).__name__})")
    return float(value) if math.isfinite(value) else None


def _exchange(index: int, raw: object) -> Exchange:
    """Spec §entries: one entry as one exchange."""
    where = f"entries[{index}]"
    entry = _typed(raw, dict, where)
    request = _required(entry, "request", dict, where)
    method = _required(request, "method", str, f"{where}.request")
    url = _required(request, "url", str, f"{where}.request")
    headers = _headers(request, f"{where}.request")
    body = _post_data(request, f"{where}.request")
    status, response_headers, response_body, error = _response(entry, where)
    meta = entry.get("_playground")
    meta = meta if isinstance(meta, dict) else {}
    step = meta.get("step")
    seq = meta.get("seq")
    return Exchange(
        seq=seq if isinstance(seq, int) and not isinstance(seq, bool) and seq > 0 else index + 1,
        step=step if isinstance(step, str) and step else classify(method, url, headers, body),
        method=method, url=url, request_headers=headers, request_body=body,
        status=status, response_headers=response_headers, response_body=response_body,
        started_at=_started(entry, where), duration_ms=max(_number(entry, "time", where) or 0, 0),
        error=error, findings=lint.lint(method, url, headers, body),
    )


def _headers(message: Obj, where: str) -> Headers:
    """Spec §headers: name and value objects, in order; HTTP/2 pseudo-headers dropped."""
    pairs = []
    for j, raw in enumerate(_optional(message, "headers", list, where, [])):
        header = _typed(raw, dict, f"{where}.headers[{j}]")
        name = _required(header, "name", str, f"{where}.headers[{j}]")
        value = _optional(header, "value", str, f"{where}.headers[{j}]", "")
        if not name.startswith(":"):
            pairs.append((name, value))
    return tuple(pairs)


def _post_data(request: Obj, where: str) -> bytes:
    """Spec §postData: `text`, or the `params` of a form when the text is not there."""
    data = _optional(request, "postData", dict, where, {})
    where += ".postData"
    if data.get("text") is not None:
        encoding = data.get("encoding", data.get("_encoding"))
        return _body(_required(data, "text", str, where), encoding, f"{where}.text")
    params = _optional(data, "params", list, where, [])
    pairs = [_param(raw, f"{where}.params[{j}]") for j, raw in enumerate(params)]
    return urlencode(pairs, errors="replace").encode("ascii")  # a lone surrogate: "?"


def _param(raw: object, where: str) -> tuple[str, str]:
    param = _typed(raw, dict, where)
    return _required(param, "name", str, where), _optional(param, "value", str, where, "")


def _body(text: str, encoding: object, where: str) -> bytes:
    if encoding != "base64":
        return text.encode("utf-8", "replace")  # "replace": a lone surrogate from a \ud800
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise HarError(f"HAR {where}: not base64 (the encoding says base64)") from None


def _response(entry: Obj, where: str) -> tuple[int | None, Headers, bytes, str | None]:
    """Spec §response: status, headers, content; status 0 (or no response) is a request that
    got no answer."""
    response = _optional(entry, "response", dict, where, {})
    where += ".response"
    error = response.get("_error")
    error = error if isinstance(error, str) and error else None
    status = _status(response, where) if response else 0
    headers = _headers(response, where)
    if status == 0:
        return None, headers, b"", error or NO_RESPONSE
    content = _optional(response, "content", dict, where, {})
    text = _optional(content, "text", str, f"{where}.content", "")
    return status, headers, _body(text, content.get("encoding"), f"{where}.content.text"), error


def _status(response: Obj, where: str) -> int:
    status = _number(response, "status", where)
    if response.get("status") is None:
        raise HarError(f"HAR {where}.status: missing")
    if status is None or not status.is_integer() or not 0 <= status <= 999:
        raise HarError(f"HAR {where}.status: not an HTTP status ({response['status']!r})")
    return int(status)


def _started(entry: Obj, where: str) -> float:
    """Spec §entries startedDateTime: ISO 8601 (no zone read as UTC); absent: 0."""
    value = _optional(entry, "startedDateTime", str, where, "")
    if not value:
        return 0.0
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.timestamp()
    except (ValueError, OverflowError):
        raise HarError(f"HAR {where}.startedDateTime: not an ISO 8601 date "
                       f"({value[:40]!r})") from None


# Which OAuth step a request is, from its method, URL and parameters alone.


def classify(method: str, url: str, headers: Headers = (), body: bytes = b"") -> str:
    """The step `method url` looks like: one of `STEPS` (`other` when none)."""
    request = lint.Request(method.upper(), url, headers, body)
    path = request.parts[2].rstrip("/").lower()
    last = path.rpartition("/")[2]
    names = {name for name, _ in request.params}
    for step, matches in _RULES:
        if matches(request, path, last, names):
            return step
    return "other"


def _is_callback(names: set[str]) -> bool:
    return bool(names & {"code", "error"}) and "state" in names and "response_type" not in names


def _is_authorize(request: lint.Request, last: str, names: set[str]) -> bool:
    query = {name for name, _ in request.query}
    return ("response_type" in names or last == "authorize"
            or (request.method == "GET" and "client_id" in query))


Matcher = Callable[[lint.Request, str, str, set[str]], bool]  # request, path, last segment, names
_RULES: tuple[tuple[str, Matcher], ...] = (
    ("jwks", lambda r, p, last, n: last in ("jwks", "jwks.json", "certs")),
    ("discovery", lambda r, p, last, n: "/.well-known/" in p + "/"),
    ("token", lambda r, p, last, n: "grant_type" in n),
    ("par", lambda r, p, last, n: last == "par" or p.endswith("/par/request")),
    ("device_authorization", lambda r, p, last, n: last in ("device_authorization", "devicecode")
     or p.endswith(("/device/code", "/auth/device"))),
    ("logout", lambda r, p, last, n: last in ("logout", "end_session", "endsession", "logoff")
     or p.endswith("/session/end") or "post_logout_redirect_uri" in n),
    ("callback", lambda r, p, last, n: _is_callback(n)),
    ("authorize", lambda r, p, last, n: _is_authorize(r, last, n)),
    ("userinfo", lambda r, p, last, n: last == "userinfo"),
    ("revocation", lambda r, p, last, n: last in ("revoke", "revocation")),
    ("introspection", lambda r, p, last, n: last in ("introspect", "introspection")),
    ("token", lambda r, p, last, n: last == "token" and r.method == "POST"),
)


def redirects_to_callback(exchange: Exchange) -> bool:
    """Its response redirects the browser to the client's callback (`code`/`error` and
    `state` in the Location's query or fragment), as the last hop before the callback does."""
    location = exchange.response_header("location") or ""
    try:
        parts = urlsplit(location)
    except ValueError:
        return False
    names = {k for part in (parts.query, parts.fragment) for k, _ in parse_qsl(part)}
    return _is_callback(names)


def recognised_steps(exchanges: Iterable[Exchange]) -> dict[str, list[int]]:
    """Each step recognised (`classify`) → the seqs of its exchanges, in `STEPS` order. An
    exchange that redirects to the callback (`redirects_to_callback`) is listed under
    `callback` too: a recording that stops at the redirect never requests the callback URL."""
    found: dict[str, list[int]] = {}
    for exchange in exchanges:
        step = classify(exchange.method, exchange.url, exchange.request_headers,
                        exchange.request_body)
        found.setdefault(step, []).append(exchange.seq)
        if step != "callback" and redirects_to_callback(exchange):
            found.setdefault("callback", []).append(exchange.seq)
    return {step: found[step] for step in STEPS if step in found}
