"""Request parsing and response building shared by the endpoints.

RFC 6749 §3.1: "Parameters sent without a value MUST be treated as if they were omitted from the
request. The authorization server MUST ignore unrecognized request parameters. Request and
response parameters MUST NOT be included more than once." §5.1/§5.2: token responses are JSON
with `Cache-Control: no-store`.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import Response

from playground.core.errors import InvalidRequest, OAuthError

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class BodyTooLarge(InvalidRequest):
    status_code = 413


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
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise InvalidRequest("the JSON body is not valid JSON", rfc="RFC 8259") from None
        if not isinstance(data, dict):
            raise InvalidRequest("the JSON body must be an object of parameters",
                                 rfc="RFC 6749 §4.1.3")
        params = cls()
        for name, value in data.items():
            if isinstance(value, (str, int, float)) and not isinstance(value, bool):
                if str(value) != "":
                    params.values[name] = str(value)
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


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing more than `limit` bytes (413) before or while reading it."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(f"the request body exceeds {limit} bytes", rfc="RFC 9110 §15.5.14")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"the request body exceeds {limit} bytes",
                               rfc="RFC 9110 §15.5.14")
        chunks.append(chunk)
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


def redirect(location: str, status: int = 302, headers: dict[str, str] | None = None) -> Response:
    all_headers = {"Location": location, **NO_STORE}
    if headers:
        all_headers.update(headers)
    return Response(b"", status, all_headers)


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")
