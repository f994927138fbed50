"""Request parsing and response building shared by the endpoints.

RFC 6749 §3.1: "Parameters sent without a value MUST be treated as if they were omitted from the
request. The authorization server MUST ignore unrecognized request parameters. Request and
response parameters MUST NOT be included more than once." §5.1/§5.2: token responses are JSON
with `Cache-Control: no-store`.

Every input is parsed by its grammar, and whatever breaks the grammar is `invalid_request`,
never a crash: numbers are ASCII digits (RFC 5234 `DIGIT`; `str.isdigit` and `int` also take
'²', '①' or '٣'), JSON that nests too deep or carries a lone surrogate (RFC 8259 §8.2) is refused,
and a `Location` is ASCII (RFC 9110 §10.2.2: a URI reference; RFC 3987 §3.1 maps an IRI to one).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from playground.core.errors import InvalidRequest, OAuthError

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class BodyTooLarge(InvalidRequest):
    status_code = 413


class ClientGone(Exception):
    """The client closed the connection before its body arrived (RFC 9112 §6.3: the message
    is incomplete); nobody is left to hear an answer."""


def ascii_uint(text: str, cap: int = 2**63) -> int | None:
    """`text` as a non-negative decimal integer of ASCII digits (RFC 5234 `DIGIT`), at most
    `cap`; None when it is anything else. `int()` refuses more than 4300 digits, so a longer
    number is read as `cap` without converting it."""
    if not (text.isascii() and text.isdigit()):
        return None
    digits = text.lstrip("0") or "0"
    if len(digits) > len(str(cap)):
        return cap
    return min(int(digits), cap)


def _checked_text(what: str, value: str) -> str:
    """RFC 8259 §8.2: a JSON string may escape a lone surrogate (`"\\ud800"`), which is no
    Unicode character and cannot be encoded; such a name or value is refused."""
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidRequest(f"{what} contains a lone UTF-16 surrogate (U+D800 to U+DFFF), "
                                 "which is no Unicode character", rfc="RFC 8259 §8.2") from None
    return value


class Params:
    """Request parameters: the first value of each name, and which names were repeated."""

    __slots__ = ("duplicates", "pairs", "values")

    def __init__(self, pairs: list[tuple[str, str]] | None = None) -> None:
        self.pairs = pairs or []
        self.values: dict[str, str] = {}
        self.duplicates: list[str] = []
        for name, value in pairs or ():
            if value == "":
                continue
            if name in self.values:
                if name not in self.duplicates:
                    self.duplicates.append(name)
                continue
            self.values[name] = value

    @classmethod
    def from_query(cls, query: bytes) -> Params:
        return cls(parse_qsl(query.decode("latin-1"), keep_blank_values=True))

    @classmethod
    def from_form(cls, body: bytes) -> Params:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidRequest("the form body is not UTF-8",
                                 rfc="RFC 6749 Appendix B") from None
        return cls(parse_qsl(text, keep_blank_values=True))

    @classmethod
    def from_json(cls, body: bytes) -> Params:
        data = _json_object(body)
        params = cls()
        for name, value in data.items():
            _checked_text("a parameter name", name)
            if isinstance(value, (str, int, float)) and not isinstance(value, bool):
                if str(value) != "":
                    params.values[name] = _checked_text(f"parameter {name!r}", str(value))
            elif value is not None:
                raise InvalidRequest(f"parameter {name!r} must be a string",
                                     rfc="RFC 6749 §4.1.3")
        return params

    def describe(self) -> str:
        """What came in: parameter names, never values (they include secrets and codes)."""
        names = ", ".join(dict.fromkeys(name for name, _ in self.pairs)) if self.pairs \
            else ", ".join(self.values)
        return f"parameters: {names or '(none)'}"

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def getall(self, name: str) -> list[str]:
        """Every non-empty value of a repeatable parameter (e.g. the consent form's `scope`)."""
        return [v for k, v in self.pairs if k == name and v]

    def __contains__(self, name: str) -> bool:
        return name in self.values


def _json_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object; `[[[…` nested past the parser's depth raises RecursionError,
    which is no ValueError."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise InvalidRequest("the JSON body is not valid JSON (or nests too deeply)",
                             rfc="RFC 8259 §9") from None
    if not isinstance(data, dict):
        raise InvalidRequest("the JSON body must be an object of parameters",
                             rfc="RFC 6749 §4.1.3")
    return data


def declared_length(request: Request) -> int | None:
    """Content-Length (RFC 9110 §8.6: `1*DIGIT`), or None when absent or not a number."""
    declared = request.headers.get("content-length")
    return None if declared is None else ascii_uint(declared.strip())


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing more than `limit` bytes (413) before or while reading it;
    `ClientGone` when the client hangs up first."""
    declared = declared_length(request)
    if declared is not None and declared > limit:
        raise BodyTooLarge(f"the request body exceeds {limit} bytes", rfc="RFC 9110 §15.5.14")
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge(f"the request body exceeds {limit} bytes",
                                   rfc="RFC 9110 §15.5.14")
            chunks.append(chunk)
    except ClientDisconnect:
        raise ClientGone() from None
    return b"".join(chunks)


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None,
                  *, no_store: bool = True) -> Response:
    body = json.dumps(data, separators=(",", ":")).encode("utf-8")
    all_headers = dict(NO_STORE) if no_store else {}
    if headers:
        all_headers.update(headers)
    return Response(body, status, all_headers, media_type="application/json")


# RFC 6749 §4.1.2.1, §5.2 (and RFC 6750 §3): "Values for the error_description parameter MUST NOT
# include characters outside the set %x20-21 / %x23-5B / %x5D-7E" (printable ASCII less '"' and
# '\'). The server's descriptions cite sections as "§4.3"; on the wire that becomes "section 4.3".
# The decision trace and the HTML pages keep the original text.
_WIRE_REPLACEMENTS = str.maketrans({"§": "section ", '"': "'", "\\": "/", "\u2014": "-",
                                    "\u2013": "-", "\u2026": "...", "\u2018": "'", "\u2019": "'",
                                    "\u201c": "'", "\u201d": "'", "\u2192": "->"})


def wire_description(text: str) -> str:
    """`text` restricted to RFC 6749's error_description character set."""
    text = " ".join(text.translate(_WIRE_REPLACEMENTS).split())
    return "".join(c if " " <= c <= "~" else "?" for c in text)


def error_fields(error: OAuthError) -> dict[str, str]:
    """`error` and `error_description` as they go on the wire (JSON body or redirect query)."""
    return {"error": error.error, "error_description": wire_description(error.description)}


def error_response(error: OAuthError, headers: dict[str, str] | None = None) -> Response:
    """RFC 6749 §5.2: `{"error", "error_description"}` with `Cache-Control: no-store`."""
    return json_response(error_fields(error), error.status_code, headers)


def add_query(uri: str, params: dict[str, str | None]) -> str:
    """Append parameters to a redirect URI, keeping its own query (RFC 6749 §3.1.2)."""
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"{uri}{'&' if '?' in uri else '?'}{query}"


# Printable ASCII but space: RFC 3986's reserved and unreserved characters, '%' and the few a
# registered URI should not hold but that `quote` would change the meaning of.
_URI_SAFE = "".join(chr(c) for c in range(0x21, 0x7F))


def ascii_uri(uri: str) -> str:
    """RFC 3987 §3.1: an IRI as a URI, each non-ASCII (or control, or space) character
    percent-encoded as UTF-8, so it fits a latin-1 header."""
    return uri if uri.isascii() and uri.isprintable() and " " not in uri \
        else quote(uri, safe=_URI_SAFE, errors="backslashreplace")


def redirect(location: str, status: int = 302, headers: dict[str, str] | None = None) -> Response:
    all_headers = {"Location": ascii_uri(location), **NO_STORE}
    if headers:
        all_headers.update(headers)
    return Response(b"", status, all_headers)


def route_path(request: Request) -> str:
    """The path below the issuer's (ASGI `root_path`: a tenant's `/tenant-a`, a configured
    issuer's `/idp`), which the endpoint tables name; the whole path without one."""
    path: str = request.scope["path"]
    root: str = request.scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")
