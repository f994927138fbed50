"""Copy as code: the curl, HTTPie, httpx and fetch snippets replay the recorded request.

The httpx snippet is exec'd against a local server that records what it received (and against
the embedded authorization server's token endpoint); the fetch and HTTPie snippets are run the
same way when `node` / `http` are on PATH. The quoting is checked by parsing the snippets back:
with shlex and a real POSIX shell for HTTPie, `ast` for Python, node for JavaScript.
"""

from __future__ import annotations

import ast
import asyncio
import json
import shlex
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.core.record.curl import to_curl
from playground.core.record.exchange import Exchange
from playground.core.record.recorder import ExchangeLog, RecordingTransport
from playground.core.record.snippets import (
    LANGUAGES,
    snippet,
    to_fetch,
    to_httpie,
    to_httpx,
)
from playground.server import EmbeddedServer, ServerConfig
from tests.core.test_curl import _exchange

NODE = shutil.which("node")
HTTPIE = shutil.which("http")
SH = shutil.which("sh")
needs_node = pytest.mark.skipif(NODE is None, reason="node (with global fetch) is not on PATH")
needs_httpie = pytest.mark.skipif(HTTPIE is None, reason="HTTPie (`http`) is not on PATH")
needs_sh = pytest.mark.skipif(SH is None, reason="no POSIX sh on PATH")

SERVICE_ID = "playground-service"
SERVICE_SECRET = "service-secret-7d3b9a1e5c2f4086b1d4e8a0c6f2b9d3"  # assets/server/clients.json
UA = ("User-Agent", "python-httpx/0.28.1")  # the recorded client's, so no tool adds its own
TRANSPORT = {"host", "accept-encoding", "connection", "content-length"}  # each tool sets these


# --- a server that records what it receives ----------------------------------------------------


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: list[tuple[str, str]]  # as on the wire, latin-1, in order
    body: bytes


class _Recording(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    server: _RecordingServer

    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):  # every method, TRACE and PROPFIND included
            return self._record
        raise AttributeError(name)

    def _record(self) -> None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = b""
            while size := int(self.rfile.readline().split(b";")[0], 16):
                body += self.rfile.read(size)
                self.rfile.readline()
            self.rfile.readline()
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.received.append(Received(self.command, self.path, self.headers.items(), body))
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "8")
        self.end_headers()
        self.wfile.write(b"recorded")

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _RecordingServer(ThreadingHTTPServer):
    received: list[Received]

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def only(self) -> Received:
        assert len(self.received) == 1, self.received
        return self.received[0]


@pytest.fixture
def recorder() -> Iterator[_RecordingServer]:
    server = _RecordingServer(("127.0.0.1", 0), _Recording)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


# --- the requests replayed by every tool -------------------------------------------------------

FORM = b"grant_type=authorization_code&code=a%2Bb&redirect_uri=http%3A%2F%2Fc%2Fcb"
JSON_BODY = '{"q": "it\'s \\"quoted\\"", "sh": "$HOME `id` $(id) \\\\", "t": "é ☃ 😀"}\n'.encode()

CASES: dict[str, tuple[str, str, tuple[tuple[str, str], ...], bytes]] = {
    "form-basic-auth": ("POST", "/oauth2/token?x=1&y=%20", (
        ("Host", "{netloc}"), ("Accept", "*/*"), ("Accept-Encoding", "gzip, deflate"),
        ("Connection", "keep-alive"), UA, ("Content-Length", str(len(FORM))),
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Authorization", "Basic cGxheWdyb3VuZDpzM2NyZXQ="),
        ("X-Dup", "a"), ("X-Dup", "b"),
        ("X-Utf8", "Ã©"),  # the latin-1 reading of the UTF-8 bytes of é
    ), FORM),
    "json-quotes-newlines-dollars-backticks": ("POST", "/api", (
        ("Accept", "application/json"), UA, ("Content-Type", "application/json; charset=utf-8"),
        ("X-Quote", "it's \"so\" $HOME `id`"),
    ), JSON_BODY),
    "binary": ("PUT", "/blob", (
        ("Accept", "*/*"), UA, ("Content-Type", "application/octet-stream"),
    ), b"\x00\xff\x1b'\"\\\n\x80"),
    "text-without-content-type": ("PATCH", "/t", (("Accept", "*/*"), UA), b"plain text, no type"),
    "get-odd-values": ("GET", "/oauth2/jwks?a=1&b=%27", (
        ("Accept", "*/*"), UA, ("X-Eq", "=b"), ("X-At", "@/etc/passwd"), ("X-Empty", ""),
        ("X-Separators", "a:b;c=d@e"),
    ), b""),
}


def _case(name: str, origin: str) -> Exchange:
    method, path, headers, body = CASES[name]
    netloc = origin.removeprefix("http://")
    return _exchange(method, origin + path,
                     tuple((n, v.format(netloc=netloc)) for n, v in headers), body)


def _sent(exchange: Exchange, *, drop: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """The headers a replay must deliver: the recorded ones less the transport's own."""
    return [(n, v) for n, v in exchange.request_headers
            if n.lower() not in TRANSPORT and n.lower() not in drop]


def _delivered(received: Received, extra: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    return [(n, v) for n, v in received.headers
            if n.lower() not in TRANSPORT and n.lower() not in extra]


def _path(exchange: Exchange) -> str:
    parts = urlsplit(exchange.url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _by_name(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Case-insensitive names, duplicates in order (a stable sort)."""
    return sorted(((n.lower(), v) for n, v in headers), key=lambda h: h[0])


# --- the snippet() entry point -----------------------------------------------------------------


def test_languages_and_curl_delegates_to_to_curl() -> None:
    assert LANGUAGES == ("curl", "httpie", "httpx", "fetch")
    ex = _exchange("POST", "http://h/t", (("A", "1"),), b"x=1")
    assert snippet(ex, "curl") == to_curl(ex, multiline=True)
    assert snippet(ex, "httpie") == to_httpie(ex, multiline=True)
    assert snippet(ex, "httpx") == to_httpx(ex)
    assert snippet(ex, "fetch") == to_fetch(ex)


def test_an_unknown_language_names_the_choices() -> None:
    with pytest.raises(ValueError, match=r"'ruby'.*curl, httpie, httpx, fetch"):
        snippet(_exchange("GET", "http://h/", (), b""), "ruby")


# --- httpx -------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(CASES))
def test_httpx_snippet_sends_the_recorded_request(
        case: str, recorder: _RecordingServer, capsys: pytest.CaptureFixture[str]) -> None:
    ex = _case(case, recorder.origin)
    exec(compile(to_httpx(ex), "<snippet>", "exec"), {})
    got = recorder.only()
    assert (got.method, got.path, got.body) == (ex.method, _path(ex), ex.request_body)
    assert _delivered(got) == _sent(ex)  # same names, values, order and duplicates
    assert capsys.readouterr().out == "200 recorded\n"


def test_httpx_snippet_sends_a_differing_host_and_non_utf8_header_bytes(
        recorder: _RecordingServer, capsys: pytest.CaptureFixture[str]) -> None:
    ex = _exchange("DELETE", recorder.origin + "/r", (
        ("Host", "auth.example:8443"), ("Accept", "*/*"), UA, ("X-Latin1", "caf\xe9 \xff"),
    ), b"")
    exec(compile(to_httpx(ex), "<snippet>", "exec"), {})
    got = recorder.only()
    assert got.headers[0] == ("Host", "auth.example:8443")
    assert _delivered(got) == _sent(ex)
    assert ("X-Latin1", "caf\xe9 \xff") in got.headers  # bytes E9 and FF, not UTF-8
    capsys.readouterr()


def test_httpx_snippet_is_a_readable_script() -> None:
    ex = _exchange("POST", "http://h/t", (
        ("Content-Length", "3"), ("A", 'say "hi"'), ("B", "é"),
    ), b"x=\xff")
    assert to_httpx(ex) == "\n".join([
        "import httpx",
        "",
        "response = httpx.request(",
        '    "POST",',
        '    "http://h/t",',
        "    headers=[",
        '        ("A", "say \\"hi\\""),',
        '        ("B", b"\\xe9"),',
        "    ],",
        '    content=b"x=\\xff",',
        "    follow_redirects=False,",
        ")",
        "print(response.status_code, response.text)",
    ])


def test_httpx_snippet_without_headers_or_body() -> None:
    code = to_httpx(_exchange("GET", "http://h/", (("Host", "h"), ("Connection", "close")), b""))
    assert "headers=" not in code and "content=" not in code
    compile(code, "<snippet>", "exec")


# --- the embedded authorization server --------------------------------------------------------


@pytest.fixture(scope="module")
def token_request() -> Iterator[tuple[EmbeddedServer, Exchange]]:
    """A client_credentials token request (form body, Basic auth) as the playground records it."""
    with EmbeddedServer(ServerConfig()) as server:
        log = ExchangeLog()

        async def record() -> None:
            async with httpx.AsyncClient(transport=RecordingTransport(log)) as client:
                answer = await client.post(
                    server.issuer + "/oauth2/token",
                    data={"grant_type": "client_credentials", "scope": "api:read"},
                    auth=(SERVICE_ID, SERVICE_SECRET),
                )
                assert answer.status_code == 200, answer.text

        asyncio.run(record())
        yield server, log[0]


def _granted(output: str) -> dict[str, Any]:
    status, _, text = output.strip().partition(" ")
    assert status == "200", output
    body: dict[str, Any] = json.loads(text)
    assert body["token_type"] == "Bearer" and body["scope"] == "api:read"
    return body


def test_httpx_snippet_gets_a_token_from_the_embedded_server(
        token_request: tuple[EmbeddedServer, Exchange],
        capsys: pytest.CaptureFixture[str]) -> None:
    _, ex = token_request
    assert ex.request_header("authorization") is not None
    exec(compile(to_httpx(ex), "<snippet>", "exec"), {})
    assert _granted(capsys.readouterr().out)["access_token"]


@needs_node
def test_fetch_snippet_gets_a_token_from_the_embedded_server(
        token_request: tuple[EmbeddedServer, Exchange]) -> None:
    _, ex = token_request
    assert _granted(_run_node(to_fetch(ex)))["access_token"]


@needs_httpie
def test_httpie_snippet_gets_a_token_from_the_embedded_server(
        token_request: tuple[EmbeddedServer, Exchange]) -> None:
    _, ex = token_request
    out = _run_sh(to_httpie(ex, multiline=True))
    assert _granted("200 " + out)["access_token"]  # HTTPie prints the body alone to a pipe


# --- fetch -------------------------------------------------------------------------------------

NODE_EXTRA = frozenset({"accept-language", "sec-fetch-mode"})  # node's own, like a browser's


def _run_node(code: str) -> str:
    assert NODE is not None
    program = (f"(async () => {{\n{code}\n}})()"
               ".catch((e) => { console.error(e); process.exit(1); });")
    done = subprocess.run([NODE, "--input-type=module", "-e", program], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


@needs_node
@pytest.mark.parametrize("case", sorted(CASES))
def test_fetch_snippet_sends_the_recorded_request(case: str, recorder: _RecordingServer) -> None:
    ex = _case(case, recorder.origin)
    assert _run_node(to_fetch(ex)) == "200 recorded\n"
    got = recorder.only()
    assert (got.method, got.path, got.body) == (ex.method, _path(ex), ex.request_body)
    # fetch sends duplicates as one field joined with ", " (the Fetch standard's "combine").
    expected: dict[str, list[str]] = {}
    for name, value in _sent(ex):
        expected.setdefault(name.lower(), []).append(value)
    assert dict(_by_name(_delivered(got, NODE_EXTRA))) == {
        n: ", ".join(v) for n, v in expected.items()
    }


@needs_node
def test_fetch_snippet_sends_non_utf8_header_bytes(recorder: _RecordingServer) -> None:
    ex = _exchange("GET", recorder.origin + "/", (("X-Latin1", "caf\xe9 \xff"),), b"")
    _run_node(to_fetch(ex))
    assert ("X-Latin1", "caf\xe9 \xff") in recorder.only().headers


def test_fetch_snippet_shape() -> None:
    ex = _exchange("POST", "http://h/t", (
        ("Host", "h"), ("Content-Type", "application/x-www-form-urlencoded"), ("X-Dup", "a"),
        ("X-Dup", "b"), ("Content-Length", "3"),
    ), b"a=1")
    assert to_fetch(ex) == "\n".join([
        'const response = await fetch("http://h/t", {',
        '  method: "POST",',
        "  headers: [",
        '    ["Content-Type", "application/x-www-form-urlencoded"],',
        '    ["X-Dup", "a"],',
        '    ["X-Dup", "b"],',
        "  ],",
        '  body: "a=1",',
        '  redirect: "manual",',
        "});",
        "console.log(response.status, await response.text());",
    ])


def test_fetch_leaves_out_the_forbidden_request_headers_and_says_so() -> None:
    ex = _exchange("POST", "http://h/t", (
        ("Host", "other.example"), ("Cookie", "a=1"), ("cookie", "b=2"), ("Origin", "http://o"),
        ("Sec-Fetch-Site", "none"), ("Proxy-Authorization", "Basic x"), ("Referer", "http://r"),
        ("X-HTTP-Method-Override", "get, TRACE"), ("X-Method-Override", "PUT"),
        ("Content-Type", "text/plain"), ("Authorization", "Bearer t"), ("User-Agent", "ua"),
    ), b"x")
    code = to_fetch(ex)
    assert code.splitlines()[0] == (
        "// left out (a browser sets these itself): Host, Cookie, Origin, Sec-Fetch-Site, "
        "Proxy-Authorization, Referer, X-HTTP-Method-Override"
    )
    kept = [line.strip() for line in code.splitlines() if line.startswith("    [")]
    assert kept == ['["X-Method-Override", "PUT"],', '["Content-Type", "text/plain"],',
                    '["Authorization", "Bearer t"],', '["User-Agent", "ua"],']


def test_fetch_has_no_comment_when_only_the_usual_headers_were_skipped() -> None:
    ex = _exchange("GET", "http://h/", (("Host", "h"), ("Accept-Encoding", "gzip"),
                                         ("Connection", "keep-alive")), b"")
    assert not to_fetch(ex).startswith("//")


def test_fetch_bodies() -> None:
    def body(payload: bytes, *headers: tuple[str, str]) -> str:
        code = to_fetch(_exchange("POST", "http://h/", headers, payload))
        return next(line for line in code.splitlines() if line.startswith("  body: "))

    typed = ("Content-Type", "text/plain")
    assert body(b'say "hi" `$x`\n\xe2\x98\x83', typed) == '  body: "say \\"hi\\" `$x`\\n\\u2603",'
    assert body(b"\x00\xff", typed) == "  body: new Uint8Array([0, 255]),"
    assert body(b"a\x00b", typed) == '  body: "a\\u0000b",'
    # Without a Content-Type a string body would get text/plain;charset=UTF-8 from fetch.
    assert body(b"x=1") == '  body: new TextEncoder().encode("x=1"),'


def test_fetch_drops_a_body_it_cannot_send_on_get() -> None:
    code = to_fetch(_exchange("GET", "http://h/", (), b"abc"))
    assert code.splitlines()[0] == (
        "// left out: the 3-byte body (fetch refuses a body on GET and HEAD)"
    )
    assert "body:" not in code


# --- HTTPie ------------------------------------------------------------------------------------


def _run_sh(script: str, stdin: bytes = b"") -> str:
    assert SH is not None
    done = subprocess.run([SH, "-c", script], input=stdin, capture_output=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done.stdout.decode()


@needs_httpie
@pytest.mark.parametrize("case", sorted(CASES))
def test_httpie_snippet_sends_the_recorded_request(case: str, recorder: _RecordingServer) -> None:
    ex = _case(case, recorder.origin)
    command = to_httpie(ex, multiline=True)
    assert not command.startswith("#")  # every case is one HTTPie can send exactly
    assert _run_sh(command).strip() == "recorded"
    got = recorder.only()
    assert (got.method, got.path, got.body) == (ex.method, _path(ex), ex.request_body)
    # HTTPie puts the headers that replace its defaults (User-Agent, Accept, Content-Type) first.
    assert _by_name(_delivered(got)) == _by_name(_sent(ex))


def test_httpie_command_shape() -> None:
    ex = _exchange("POST", "http://h/t?a=1&b=2", (
        ("Host", "h"), ("Accept", "*/*"), ("Content-Type", "application/x-www-form-urlencoded"),
        ("Content-Length", "9"), ("X-Dup", "a"), ("X-Dup", "b"),
    ), b"a=1&b=two")
    assert to_httpie(ex) == (
        "http --ignore-stdin --raw='a=1&b=two' POST 'http://h/t?a=1&b=2' 'Accept:*/*' "
        "Content-Type:application/x-www-form-urlencoded X-Dup:a X-Dup:b"
    )
    assert to_httpie(ex, multiline=True).splitlines() == [
        "http --ignore-stdin \\",
        "  --raw='a=1&b=two' \\",
        "  POST 'http://h/t?a=1&b=2' \\",
        "  'Accept:*/*' \\",
        "  Content-Type:application/x-www-form-urlencoded \\",
        "  X-Dup:a \\",
        "  X-Dup:b",
    ]


def test_httpie_pipes_a_binary_body_and_then_reads_stdin() -> None:
    ex = _exchange("PUT", "http://h/", (("Content-Type", "image/png"),), b"\x00\xff")
    assert to_httpie(ex) == "printf '\\000\\377' | http PUT http://h/ Content-Type:image/png"


def test_httpie_pipes_a_body_with_a_nul_byte_no_argument_can_hold() -> None:
    assert to_httpie(_exchange("POST", "http://h/", (("Content-Type", "t/t"),), b"a\x00b")) == (
        "printf '\\141\\000\\142' | http POST http://h/ Content-Type:t/t"
    )


def test_httpie_unsets_its_json_content_type_when_none_was_sent() -> None:
    assert to_httpie(_exchange("POST", "http://h/", (), b"x")).endswith(" Content-Type:")
    assert "Content-Type" not in to_httpie(_exchange("POST", "http://h/", (), b""))


def test_httpie_items_escape_its_separators() -> None:
    ex = _exchange("GET", "http://h/", (
        ("X-Eq", "=1"), ("X-At", "@file"), ("X-Json", "=@x"), ("X-Empty", ""),
        ("X-Mid", "a=b:c;d@e"),
    ), b"")
    argv = shlex.split(to_httpie(ex))
    assert argv[4:] == ["X-Eq:\\=1", "X-At:\\@file", "X-Json:\\=@x", "X-Empty;", "X-Mid:a=b:c;d@e"]
    assert [_httpie_item(a) for a in argv[4:]] == [
        ("X-Eq", "=1"), ("X-At", "@file"), ("X-Json", "=@x"), ("X-Empty", ""),
        ("X-Mid", "a=b:c;d@e"),
    ]


def test_httpie_says_which_header_values_it_cannot_send_exactly() -> None:
    ex = _exchange("GET", "http://h/", (
        ("X-Latin1", "caf\xe9"), ("X-Pad", " x "), ("X-Slash", "a\\=b"), ("X-Utf8", "Ã©"),
        ("X-Latin1", "\xff"),
    ), b"")
    first, *_ = to_httpie(ex).splitlines()
    assert first == (
        "# HTTPie cannot send these header values byte for byte: X-Latin1, X-Pad, X-Slash"
    )
    assert "X-Utf8:é" in shlex.split(to_httpie(ex), comments=True)


@needs_sh
def test_a_real_shell_passes_httpie_the_exact_arguments_and_stdin() -> None:
    nasty = "it's \"q\" $HOME `id` $(id) \\ \n tab\t é ☃ 😀 !* ?[a]"
    ex = _exchange("POST", "http://h/p?a='1'&b=$x", (("X-N", nasty.replace("\n", " ")),),
                   nasty.encode())
    fake = ("http() { for a in \"$@\"; do printf '%s\\000' \"$a\"; done; "
            "printf 'STDIN\\000'; cat; }\n")
    out = _shell_argv(fake + to_httpie(ex, multiline=True))
    assert out == ["--ignore-stdin", "--raw=" + nasty, "POST", ex.url,
                   "X-N:" + nasty.replace("\n", " "), "Content-Type:", "STDIN", ""]
    binary = _exchange("PUT", "http://h/", (("Content-Type", "a/b"),), bytes(range(256)))
    raw = subprocess.run([SH or "sh", "-c", fake + to_httpie(binary, multiline=True)],
                         capture_output=True, timeout=30, check=True).stdout
    assert raw.split(b"STDIN\x00", 1) == [b"PUT\x00http://h/\x00Content-Type:a/b\x00",
                                          bytes(range(256))]


def _shell_argv(script: str) -> list[str]:
    done = subprocess.run([SH or "sh", "-c", script], capture_output=True, timeout=30,
                          check=True, stdin=subprocess.DEVNULL)
    return done.stdout.decode().split("\x00")


# HTTPie 3.2's request-item parser (httpie/cli/argtypes.py, KeyValueArgType), for the separators
# a header item can meet: `\` before a separator character escapes it, and the first separator
# found (the longest at that position) splits the item.
_HTTPIE_SEPARATORS = (":", ";", ":@", "==", "==@", "=", ":=", "=@", ":=@", "@")
_HTTPIE_SPECIAL = set("".join(_HTTPIE_SEPARATORS))


def _httpie_item(item: str) -> tuple[str, str]:
    tokens: list[str | tuple[str]] = [""]  # a 1-tuple is an escaped character
    chars = iter(item)
    for char in chars:
        if char == "\\":
            following = next(chars, "")
            if following in _HTTPIE_SPECIAL and following:
                tokens += [(following,), ""]
            else:
                tokens[-1] = f"{tokens[-1]}\\{following}"
        else:
            tokens[-1] = f"{tokens[-1]}{char}"

    def text(parts: list[str | tuple[str]]) -> str:
        return "".join(p if isinstance(p, str) else p[0] for p in parts)

    for i, token in enumerate(tokens):
        if isinstance(token, tuple):
            continue
        found = {token.find(s): s for s in sorted(_HTTPIE_SEPARATORS, key=len) if s in token}
        if found:
            sep = found[min(found)]
            key, value = token.split(sep, 1)
            assert sep in (":", ";"), f"{item!r} is not a header item ({sep!r})"
            assert sep == ":" or not value
            return text([*tokens[:i], key]), value + text(tokens[i + 1:])
    raise AssertionError(f"{item!r} has no separator")


# --- any header and body bytes -----------------------------------------------------------------

header_bytes = st.lists(st.tuples(st.binary(min_size=1, max_size=12), st.binary(max_size=24)),
                        max_size=5)
methods = st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "PROPFIND"])
urls = st.sampled_from(["http://127.0.0.1:5000/oauth2/token?x=1&y='2'",
                        "https://idp.example/a%20b?q=$HOME#frag", "http://[::1]:8080/"])


def _from_wire(method: str, url: str, headers: list[tuple[bytes, bytes]], body: bytes) -> Exchange:
    pairs = tuple((n.decode("latin-1"), v.decode("latin-1")) for n, v in headers)
    return _exchange(method, url, pairs, body)


def _kept_wire(ex: Exchange) -> list[tuple[bytes, bytes]]:
    lowered = {"content-length", "accept-encoding", "connection"}
    return [(n.encode("latin-1"), v.encode("latin-1")) for n, v in ex.request_headers
            if n.lower() not in lowered
            and not (n.lower() == "host" and v == urlsplit(ex.url).netloc)]


def _split(command: str) -> list[str]:
    """shlex.split of a (multi-line) command, less its comment line and line continuations."""
    return [word for word in shlex.split(command, comments=True) if word != "\n"]


@settings(max_examples=150, deadline=None)
@given(methods, urls, header_bytes, st.binary(max_size=64))
def test_any_bytes_make_an_httpie_command_that_parses_back(
        method: str, url: str, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    ex = _from_wire(method, url, headers, body)
    command = to_httpie(ex, multiline=True)
    argv = _split(command)
    piped = argv[:2] != ["http", "--ignore-stdin"]
    if piped:  # printf '\ooo…' | http …
        assert argv[0] == "printf" and argv[2] == "|" and argv[3] == "http"
        assert bytes(int(o, 8) for o in argv[1].split("\\")[1:]) == body
        rest = argv[4:]
    else:
        rest = argv[2:]
        if body:
            assert rest.pop(0) == "--raw=" + body.decode("utf-8")
    assert rest[:2] == [method, url]
    items = [_httpie_item(item) for item in rest[2:]]
    if body and ex.request_header("content-type") is None:
        assert items.pop() == ("Content-Type", "")
    wanted = _kept_wire(ex)
    assert len(items) == len(wanted)
    announced = command.splitlines()[0] if command.startswith("#") else ""
    for (name, value), (wire_name, wire_value) in zip(items, wanted, strict=True):
        if (name.encode(), value.encode()) != (wire_name, wire_value):
            # Only a header the comment line names may arrive differently.
            assert wire_name.decode("latin-1").encode("unicode_escape").decode() in announced


@settings(max_examples=150, deadline=None)
@given(methods, urls, header_bytes, st.binary(max_size=64))
def test_any_bytes_make_an_httpx_script_that_compiles_to_the_request(
        method: str, url: str, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    ex = _from_wire(method, url, headers, body)
    code = to_httpx(ex)
    compile(code, "<snippet>", "exec")
    call = next(n for n in ast.walk(ast.parse(code))
                if isinstance(n, ast.Call) and ast.unparse(n.func) == "httpx.request")
    assert [ast.literal_eval(a) for a in call.args] == [method, url]
    keywords = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
    sent = [tuple(p if isinstance(p, bytes) else p.encode("ascii") for p in pair)
            for pair in keywords.get("headers", [])]
    assert sent == _kept_wire(ex)
    assert keywords.get("content", b"") == body and keywords["follow_redirects"] is False


@needs_node
def test_any_bytes_make_fetch_code_that_evaluates_to_the_request(tmp_path: Path) -> None:
    cases: list[Exchange] = []

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(methods.filter(lambda m: m not in ("GET",)), urls, header_bytes, st.binary(max_size=64))
    def collect(method: str, url: str, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        cases.append(_from_wire(method, url, headers, body))

    collect()
    functions = "\n".join(f"async (fetch) => {{\n{to_fetch(ex)}\n}}," for ex in cases)
    program = tmp_path / "snippets.mjs"
    program.write_text(
        "const results = [];\n"
        "const fake = async (url, init) => {\n"
        "  const body = init.body === undefined ? null\n"
        "    : typeof init.body === 'string' ? init.body : Array.from(init.body);\n"
        "  results.push({url, method: init.method, headers: init.headers ?? [], body,\n"
        "                redirect: init.redirect});\n"
        "  return {status: 200, text: async () => ''};\n"
        "};\n"
        "console.log = () => {};\n"
        f"for (const snippet of [\n{functions}\n]) await snippet(fake);\n"
        "process.stdout.write(JSON.stringify(results));\n",
        encoding="utf-8",
    )
    assert NODE is not None
    done = subprocess.run([NODE, str(program)], capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert len(results) == len(cases)
    for ex, got in zip(cases, results, strict=True):
        assert (got["url"], got["method"], got["redirect"]) == (ex.url, ex.method, "manual")
        sent = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in got["headers"]]
        kept = [(n, v) for n, v in _kept_wire(ex)
                if not _forbidden(n.decode("latin-1"), v.decode("latin-1"))]
        assert sent == kept, to_fetch(ex)
        if isinstance(got["body"], str):
            assert got["body"].encode("utf-8") == ex.request_body
        else:
            assert bytes(got["body"] or []) == ex.request_body


def _forbidden(name: str, value: str) -> bool:
    lowered = name.lower()
    return (lowered in {"accept-charset", "access-control-request-headers", "cookie", "cookie2",
                        "access-control-request-method", "date", "dnt", "expect", "host",
                        "keep-alive", "origin", "referer", "set-cookie", "te", "trailer",
                        "transfer-encoding", "upgrade", "via"}
            or lowered.startswith(("proxy-", "sec-"))
            or (lowered in {"x-http-method", "x-http-method-override", "x-method-override"}
                and any(m.strip(" \t").upper() in {"CONNECT", "TRACE", "TRACK"}
                        for m in value.split(","))))
