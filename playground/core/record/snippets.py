"""Copy as code: one recorded request as a curl, HTTPie, Python httpx or JavaScript fetch snippet.

Each snippet replays the request as recorded: the method, the URL, every header in its recorded
order (duplicates kept) and the exact body bytes. All four leave out the headers the tool computes
itself (`Content-Length`) or that would make the reply unreadable (`Accept-Encoding`), and
`Connection`; `Host` is kept only when it differs from the URL's (the same rule as `to_curl`).

Header text is the recorder's latin-1 reading of the wire bytes, so each character is one byte:
httpx gets non-ASCII values as bytes literals and fetch as `\\u00XX` escapes, which send those
bytes. HTTPie sends header values as UTF-8 text and strips surrounding whitespace, so a value it
cannot send byte for byte is named in a `#` comment line above the command. fetch cannot set the
Fetch standard's forbidden request headers (Cookie, Origin, Host, `Sec-*`…): the browser sets them
itself, so they are left out and named in a `//` comment line. Pure Python.
"""

from __future__ import annotations

import json
import re
import shlex

from playground.core.record.curl import _keep, _printf_escape, to_curl
from playground.core.record.exchange import Exchange, Headers

LANGUAGES = ("curl", "httpie", "httpx", "fetch")

# The Fetch standard's forbidden request-header names (§2.2.2), lowercased, plus its prefixes.
FETCH_FORBIDDEN = frozenset({
    "accept-charset", "accept-encoding", "access-control-request-headers",
    "access-control-request-method", "connection", "content-length", "cookie", "cookie2", "date",
    "dnt", "expect", "host", "keep-alive", "origin", "referer", "set-cookie", "te", "trailer",
    "transfer-encoding", "upgrade", "via",
})
FETCH_FORBIDDEN_PREFIXES = ("proxy-", "sec-")
# Forbidden only when their value names a forbidden method.
FETCH_METHOD_OVERRIDES = frozenset({"x-http-method", "x-http-method-override", "x-method-override"})
FETCH_FORBIDDEN_METHODS = frozenset({"CONNECT", "TRACE", "TRACK"})

_HTTPIE_SEPARATOR_CHARS = re.compile(r"([:;@=])")  # characters of HTTPie's item separators
_HTTPIE_LOST_BACKSLASH = re.compile(r"\\[:;@=]")  # HTTPie reads `\=` as `=`, with no way out
_HTTPIE_BACKSLASH_BEFORE_SEPARATOR = re.compile(r"\\(?=[:;@=]|\Z)")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def snippet(exchange: Exchange, language: str) -> str:
    """`exchange`'s request as code in `language`, one of `LANGUAGES`."""
    if language == "curl":
        return to_curl(exchange, multiline=True)
    if language == "httpie":
        return to_httpie(exchange, multiline=True)
    if language == "httpx":
        return to_httpx(exchange)
    if language == "fetch":
        return to_fetch(exchange)
    raise ValueError(f"unknown snippet language {language!r}; choose one of {', '.join(LANGUAGES)}")


# --- HTTPie ------------------------------------------------------------------------------------


def to_httpie(exchange: Exchange, *, multiline: bool = False) -> str:
    """An HTTPie (`http`, 3.2 or later for `--raw`) command line for `exchange`'s request.

    A UTF-8 body goes in `--raw=`; any other body is piped in with `printf` octal escapes (HTTPie
    reads stdin, so `--ignore-stdin` is given only when nothing is piped). HTTPie would label a body
    without a Content-Type as JSON, so an unsetting `Content-Type:` item keeps the recorded lack.
    """
    groups = ["http"]
    prefix = ""
    text = _text_argument(exchange.request_body)
    if text is None:
        prefix = f"printf '{_printf_escape(exchange.request_body)}' | "
    else:
        groups[0] += " --ignore-stdin"
        if text:
            groups.append("--raw=" + shlex.quote(text))
    groups.append(f"{shlex.quote(exchange.method)} {shlex.quote(exchange.url)}")
    inexact: list[str] = []
    for name, value in _kept(exchange):
        item, exact = _httpie_item(name, value)
        groups.append(shlex.quote(item))
        if not exact and name not in inexact:
            inexact.append(name)
    if exchange.request_body and exchange.request_header("content-type") is None:
        groups.append("Content-Type:")  # an empty `Name:` item unsets HTTPie's default
    comment = ""
    if inexact:
        names = ", ".join(_printable(n) for n in inexact)
        comment = f"# HTTPie cannot send these header values byte for byte: {names}\n"
    return comment + prefix + (" \\\n  " if multiline else " ").join(groups)


def _text_argument(body: bytes) -> str | None:
    """The body as a command-line argument, or None when it must be piped in (not UTF-8, or a
    NUL byte, which no argument can hold)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text


def _httpie_item(name: str, value: str) -> tuple[str, bool]:
    """A `Name:value` request item (`Name;` for an empty value) and whether HTTPie will send
    exactly the recorded bytes."""
    name_text, name_exact = _utf8_text(name)
    value_text, value_exact = _utf8_text(value)
    exact = (
        name_exact and value_exact
        and value_text == value_text.strip()
        and not _HTTPIE_LOST_BACKSLASH.search(name_text + ":" + value_text)
        and not _CONTROL.search(name_text + value_text)
    )
    # A separator character in the name is escaped; a backslash before one (or before the `:`
    # that follows) is doubled, so the item still parses, if not to the same name.
    key = _HTTPIE_BACKSLASH_BEFORE_SEPARATOR.sub(r"\\\\", name_text)
    key = _HTTPIE_SEPARATOR_CHARS.sub(r"\\\1", key)
    if not value_text:
        return key + ";", exact
    if value_text[0] in "@=":  # `Name:@file` reads a file and `Name:=` is JSON data
        value_text = "\\" + value_text
    return f"{key}:{value_text}", exact


def _utf8_text(text: str) -> tuple[str, bool]:
    """The wire bytes of `text` as the UTF-8 text HTTPie encodes back, and whether that is exact
    (bytes that are not UTF-8 are sent as their recorded characters, in UTF-8)."""
    try:
        return _wire(text).decode("utf-8"), True
    except UnicodeDecodeError:
        return text, False


# --- Python httpx ------------------------------------------------------------------------------


def to_httpx(exchange: Exchange) -> str:
    """A Python script sending `exchange`'s request with httpx and printing the reply.

    Headers are a list of tuples (order and duplicates kept; bytes for non-ASCII text, which httpx
    would refuse to encode) and the body a bytes literal. Redirects are not followed.
    """
    lines = [
        "import httpx",
        "",
        "response = httpx.request(",
        f"    {_py_str(exchange.method)},",
        f"    {_py_str(exchange.url)},",
    ]
    headers = _kept(exchange)
    if headers:
        lines.append("    headers=[")
        lines += [f"        ({_py_header(name)}, {_py_header(value)})," for name, value in headers]
        lines.append("    ],")
    if exchange.request_body:
        lines.append(f"    content={_py_bytes(exchange.request_body)},")
    lines += [
        "    follow_redirects=False,",
        ")",
        "print(response.status_code, response.text)",
    ]
    return "\n".join(lines)


def _py_header(text: str) -> str:
    return _py_str(text) if text.isascii() else _py_bytes(_wire(text))


def _py_str(text: str) -> str:
    # json.dumps of ASCII text is a valid Python literal (its escapes are Python's), in "quotes".
    return json.dumps(text) if text.isascii() else repr(text)


def _py_bytes(data: bytes) -> str:
    escapes = {0x5C: "\\\\", 0x22: '\\"', 0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t"}
    return 'b"' + "".join(
        escapes.get(b) or (chr(b) if 0x20 <= b < 0x7F else f"\\x{b:02x}") for b in data
    ) + '"'


# --- JavaScript fetch --------------------------------------------------------------------------


def to_fetch(exchange: Exchange) -> str:
    """A JavaScript `fetch` call (an ES module or an async function: it awaits) for `exchange`'s
    request, logging the reply's status and text.

    Headers are an array of pairs in recorded order; fetch joins duplicates with `, ` as one field.
    A UTF-8 body is a string literal (fetch sends it as UTF-8), wrapped in `TextEncoder` when the
    request had no Content-Type, since fetch would add `text/plain;charset=UTF-8`; any other body is
    a `Uint8Array`. Redirects are returned, not followed (`redirect: "manual"`).
    """
    comments: list[str] = []
    headers: list[tuple[str, str]] = []
    left_out: list[str] = []
    for name, value in _kept(exchange):
        if _forbidden_in_fetch(name, value):
            if name.lower() not in (n.lower() for n in left_out):
                left_out.append(name)
        else:
            headers.append((name, value))
    if left_out:
        names = ", ".join(_printable(n) for n in left_out)
        comments.append(f"// left out (a browser sets these itself): {names}")
    if exchange.method.upper() in FETCH_FORBIDDEN_METHODS:
        comments.append(f"// fetch refuses the {_printable(exchange.method)} method")
    body = exchange.request_body
    if body and exchange.method.upper() in ("GET", "HEAD"):
        comments.append(
            f"// left out: the {len(body)}-byte body (fetch refuses a body on GET and HEAD)"
        )
        body = b""
    lines = [
        *comments,
        f"const response = await fetch({_js_str(exchange.url)}, {{",
        f"  method: {_js_str(exchange.method)},",
    ]
    if headers:
        lines.append("  headers: [")
        lines += [f"    [{_js_header(name)}, {_js_header(value)}]," for name, value in headers]
        lines.append("  ],")
    if body:
        lines.append(f"  body: {_js_body(body, exchange.request_header('content-type') is None)},")
    lines += [
        '  redirect: "manual",',
        "});",
        "console.log(response.status, await response.text());",
    ]
    return "\n".join(lines)


def _forbidden_in_fetch(name: str, value: str) -> bool:
    lowered = name.lower()
    if lowered in FETCH_FORBIDDEN or lowered.startswith(FETCH_FORBIDDEN_PREFIXES):
        return True
    if lowered in FETCH_METHOD_OVERRIDES:
        return any(m.strip(" \t").upper() in FETCH_FORBIDDEN_METHODS for m in value.split(","))
    return False


def _js_str(text: str) -> str:
    return json.dumps(text)  # a JSON string (ASCII, escaped) is a JavaScript string literal


def _js_header(text: str) -> str:
    # fetch sends each character of a header string (all below U+0100) as that byte.
    return _js_str(_wire(text).decode("latin-1"))


def _js_body(body: bytes, untyped: bool) -> str:
    try:
        literal = _js_str(body.decode("utf-8"))
    except UnicodeDecodeError:
        return f"new Uint8Array([{', '.join(str(b) for b in body)}])"
    return f"new TextEncoder().encode({literal})" if untyped else literal


# --- shared ------------------------------------------------------------------------------------


def _kept(exchange: Exchange) -> Headers:
    """The request headers every snippet sends (the rule `to_curl` applies)."""
    return tuple((n, v) for n, v in exchange.request_headers if _keep(n, v, exchange.url))


def _wire(text: str) -> bytes:
    """The bytes of recorded header text (latin-1, one character a byte); text that cannot be
    latin-1 did not come off the wire and is taken as UTF-8."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def _printable(name: str) -> str:
    """A header name for a one-line comment."""
    return name.encode("unicode_escape").decode("ascii")
