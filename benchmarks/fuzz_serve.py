"""Hostile-request fuzz of `oauth-playground serve`: never a 5xx, never a traceback.

    .venv/bin/python benchmarks/fuzz_serve.py                 # 30,000 requests, seed 1
    .venv/bin/python benchmarks/fuzz_serve.py --requests 5000 --seed 7 --workers 4

Starts `python -m playground serve --port PORT` (a free port) as a subprocess, drains its stdout
(one line per request) and stderr in threads, takes a few real values from one honest flow (an
interaction uid with its cookie and CSRF token, a code, an access and a refresh token), then sends
hostile requests over raw sockets from a few threads: random methods, paths, query strings,
headers and bodies (non-ASCII digits, lone surrogates escaped in JSON, IPv6 junk, huge numbers,
nesting past the JSON parser's depth), raw malformed HTTP, and bodies cut off mid-way.

Reports the answers by status, every 5xx, every 4xx JSON body whose `error` is not an RFC error
code, and how many lines of the server's output say "Traceback"; exits 1 if any of the three is
not zero. Request i is drawn from `Random(seed, i)`, so a failure is reproducible by its number.
This is a fuzz, not a benchmark or a test: it prints figures and asserts nothing else.
"""

from __future__ import annotations

import argparse
import base64
import collections
import contextlib
import hashlib
import json
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import httpx
from common import free_port, stop

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 3.0  # a request the parser waits on (an unfinished body, keep-alive) ends as "timeout"
RFC_ERRORS = frozenset({
    # RFC 6749 §4.1.2.1 and §5.2
    "invalid_request", "unauthorized_client", "access_denied", "unsupported_response_type",
    "invalid_scope", "server_error", "temporarily_unavailable", "invalid_client", "invalid_grant",
    "unsupported_grant_type",
    "invalid_token", "insufficient_scope",  # RFC 6750 §3.1
    "unsupported_token_type",  # RFC 7009 §2.2.1
    "authorization_pending", "slow_down", "expired_token",  # RFC 8628 §3.5
    # OpenID Connect Core §3.1.2.6
    "interaction_required", "login_required", "account_selection_required", "consent_required",
    "invalid_request_uri", "invalid_request_object", "request_not_supported",
    "request_uri_not_supported", "registration_not_supported",
    "invalid_dpop_proof", "use_dpop_nonce",  # RFC 9449 §5, §8
})
METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "FOO", "get")
ENDPOINTS = {  # path: its methods (playground.server.app.ENDPOINTS)
    "/.well-known/openid-configuration": ("GET", "HEAD"),
    "/.well-known/oauth-authorization-server": ("GET", "HEAD"),
    "/oauth2/jwks": ("GET", "HEAD"), "/oauth2/authorize": ("GET", "HEAD", "POST"),
    "/interaction/{uid}": ("GET", "HEAD"), "/interaction/{uid}/login": ("POST",),
    "/interaction/{uid}/consent": ("POST",), "/oauth2/token": ("POST", "OPTIONS"),
    "/oauth2/revoke": ("POST", "OPTIONS"), "/oauth2/introspect": ("POST",),
    "/oauth2/userinfo": ("GET", "POST", "OPTIONS"),
    "/oauth2/device_authorization": ("POST",), "/device": ("GET", "HEAD", "POST"),
    "/oauth2/logout": ("GET", "POST"), "/oauth2/par": ("POST", "OPTIONS"),
    "/_playground/health": ("GET", "HEAD"),
    # The control API (on in serve); its bodies are the same hostile JSON and forms.
    "/_playground/": ("GET",), "/_playground/behaviours": ("GET", "POST", "DELETE"),
    "/_playground/tokens": ("POST",), "/_playground/requests": ("GET", "DELETE"),
    "/_playground/requests/take": ("POST",), "/_playground/keys/rotate": ("POST",),
    "/_playground/clock": ("GET", "POST"), "/_playground/faults": ("GET", "PUT"),
    "/_playground/clients": ("GET", "POST"), "/_playground/users": ("GET", "POST"),
}
JUNK_PATHS = ("/", "/x", "/oauth2/", "/interaction/", "/%2e%2e/%2e%2e/etc/passwd", "/\u2460",
              "/%ff%fe", "/%ED%A0%80", "//[::1", "/oauth2/token/", "/" + "a" * 5000)
NAMES = ("client_id", "response_type", "scope", "state", "redirect_uri", "code_challenge",
         "code_challenge_method", "max_age", "prompt", "nonce", "login_hint", "grant_type", "code",
         "code_verifier", "refresh_token", "client_secret", "token", "token_type_hint", "request",
         "request_uri", "response_mode", "csrf", "user", "decision", "device_code", "user_code",
         "id_token_hint", "post_logout_redirect_uri", "client_assertion",
         "client_assertion_type", "x", "", "\u2460", "a[b]")
CLIENTS = ("c02d5bf5-993e-4c6a-a248-6c307cc7681b", "playground-spa", "playground-web",
           "playground-native", "playground-tv", "nobody", "")
NUMBERS = ("0", "1", "60", "-1", "\u00b2", "\u2460", "\u0663", "\uff11", "1\u00b2", "9" * 30,
           "9" * 5000, "1e5", " 5", "5 ", "0x10", "+1", "00000000000000000000060", "NaN")
URIS = ("http://[::1", "http://[::1]:\u2460/callback", "http://127.0.0.1:\u00b2/callback",
        "http://127.0.0.1:0/callback", "http://127.0.0.1:65536/callback",
        "http://127.0.0.1:99999999999999999999999/callback", "http://127.0.0.1:" + "9" * 5000,
        "http://[x]/", "http://[::1]:8080/callback", "http://127.0.0.1:8080/callback",
        "http://127.0.0.1/callback", "http://127.0.0.1:-1/callback", "javascript:alert(1)",
        "http://127.0.0.1:80/callback#frag", "//evil.example", "http://a@127.0.0.1/callback",
        "http://localhost:5173/callback", "http://client.server.com/callback",
        "http://localhost:8080/callback", "http://127.0.0.1:\u0663\u0663/callback",
        "http://[::1]]/callback", "http://[::ffff:127.0.0.1]:1/callback", "http:", "::")
TEXTS = ("", "a", "\u00e9", "\u2460", "\ufffd", "\x00", "\r\n", "%", "%zz", "%ff", "%ED%A0%80",
         "'", '"', "\\", "<script>", "a" * 10000, "S256", "plain", "SHA-256", "code", "token",
         "openid", "openid email profile offline_access", "none", "login consent", "allow",
         "deny", "alice", "authorization_code", "refresh_token", "client_credentials",
         "\U0001f600", "\u202e")


_B64 = base64.urlsafe_b64encode
# RFC 9449 §4.2 proofs that break one rule each (no signature can verify; a few are not JWTs).
_DPOP_JUNK = (
    b"x.y.z", b"\xff", b"", b"a" * 9000,
    _B64(b'{"typ":"dpop+jwt","alg":"ES256","jwk":{"kty":"EC"}}').rstrip(b"=") + b".e30.AA",
    _B64(b'{"typ":"dpop+jwt","alg":"none","jwk":{}}').rstrip(b"=") + b"." + _B64(b"[]") + b".",
    _B64(b'{"typ":"dpop+jwt","alg":"ES256","jwk":[1]}').rstrip(b"=") + b"."
    + _B64(b'{"iat":"' + b"9" * 400 + b'"}').rstrip(b"=") + b".AA",
)


@dataclass
class Real:
    """Values from one honest flow, so hostile requests reach past the first checks."""

    interactions: list[tuple[str, str, str]] = field(default_factory=list)  # uid, cookie, csrf
    codes: list[str] = field(default_factory=list)
    access: str = ""
    refresh: str = ""
    session: str = ""  # the login session cookie, for prompt=none


@dataclass(frozen=True, slots=True)
class Probe:
    number: int
    kind: str
    data: bytes
    hang_up: bool = False  # send part of a body, then close (no answer expected)


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: collections.Counter[str] = field(default_factory=collections.Counter)
    server_errors: list[str] = field(default_factory=list)
    bad_codes: list[str] = field(default_factory=list)

    def add(self, probe: Probe, status: str, body: bytes, json_type: bool) -> None:
        with self.lock:
            self.statuses[status] += 1
            if status.startswith("5"):
                self.server_errors.append(f"#{probe.number} {probe.kind} -> {status} "
                                          f"{body[:160]!r} <- {probe.data[:200]!r}")
            code = _error_code(body) if json_type and status.startswith("4") else None
            if code is not None and code not in RFC_ERRORS:
                self.bad_codes.append(f"#{probe.number} {probe.kind} -> {status} {code!r}")


def _error_code(body: bytes) -> str | None:
    try:
        data = json.loads(body)
    except ValueError:
        return "(not JSON)"
    return str(data.get("error")) if isinstance(data, dict) else "(not an object)"


# -- the server ----------------------------------------------------------------------------------
class Output:
    """A pipe drained line by line in a thread (so the server never blocks writing)."""

    def __init__(self, stream: object, keep_all: bool) -> None:
        self.keep_all = keep_all
        self.lines = 0
        self.tracebacks = 0
        self.kept: collections.Counter[str] = collections.Counter()
        self.banner = threading.Event()
        self._thread = threading.Thread(target=self._drain, args=(stream,), daemon=True)
        self._thread.start()

    def _drain(self, stream: object) -> None:
        for raw in stream:  # type: ignore[attr-defined]
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.lines += 1
            if line.startswith("Press Ctrl-C"):
                self.banner.set()
            if "Traceback" in line:
                self.tracebacks += 1
            if self.keep_all or "Traceback" in line:
                self.kept[line[:160]] += 1

    def join(self) -> None:
        self._thread.join(10)


@contextlib.contextmanager
def serve(port: int) -> Iterator[tuple[Output, Output]]:
    command = [sys.executable, "-m", "playground", "serve", "--port", str(port)]
    proc = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = Output(proc.stdout, keep_all=False), Output(proc.stderr, keep_all=True)
    try:
        if not out.banner.wait(30):
            raise SystemExit("the server did not print its banner in 30 s")
        yield out, err
    finally:
        stop(proc, 15)
        out.join()
        err.join()


# -- one honest flow -------------------------------------------------------------------------------
def honest(issuer: str) -> Real:
    real = Real()
    verifier = "v" * 43
    digest = hashlib.sha256(verifier.encode()).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    params = {"client_id": "playground-spa", "response_type": "code", "state": "s",
              "scope": "openid email profile offline_access", "code_challenge": challenge,
              "code_challenge_method": "S256", "redirect_uri": "http://localhost:5173/callback"}
    with httpx.Client(base_url=issuer, follow_redirects=False, timeout=10) as http:
        for _ in range(4):
            start = http.get("/oauth2/authorize", params=params)
            view = http.get(start.headers["location"], headers={"Accept": "application/json"})
            item = view.json()
            done = http.post(item["action"], data={"csrf": item["csrf"], "user": "alice"})
            real.session = done.headers["set-cookie"].split(";")[0]
            real.codes.append(parse_qs(urlsplit(done.headers["location"]).query)["code"][0])
        tokens = http.post("/oauth2/token", data={
            "grant_type": "authorization_code", "code": real.codes.pop(),
            "client_id": "playground-spa", "code_verifier": verifier,
            "redirect_uri": params["redirect_uri"]}).json()
        real.access, real.refresh = tokens["access_token"], tokens["refresh_token"]
        for client in ("playground-spa", "c02d5bf5-993e-4c6a-a248-6c307cc7681b") * 10:
            start = http.get("/oauth2/authorize", params={**params, "client_id": client,
                                                          "redirect_uri": None})
            view = http.get(start.headers["location"], headers={"Accept": "application/json"})
            cookie = start.headers["set-cookie"].split(";")[0]
            real.interactions.append((view.json()["uid"], cookie, view.json()["csrf"]))
    return real


# -- hostile requests ---------------------------------------------------------------------------
class Draw:
    """Request `number` of the run, from its own `Random`."""

    def __init__(self, seed: int, number: int, host: str, real: Real) -> None:
        self.r = random.Random(f"{seed}/{number}")
        self.number, self.host, self.real = number, host, real
        self.uid, self.cookie, self.csrf = self.r.choice(real.interactions)

    def pick(self, *options: str) -> str:
        return self.r.choice(options)

    def value(self) -> str:
        kind = self.r.random()
        if kind < 0.25:
            return self.r.choice(NUMBERS)
        if kind < 0.45:
            return self.r.choice(URIS)
        if kind < 0.55:
            return self.r.choice(CLIENTS)
        if kind < 0.65:
            return self.r.choice([*self.real.codes, self.real.access, self.real.refresh,
                                  self.csrf, "x" * 43])
        if kind < 0.7:
            return "".join(chr(self.r.randrange(0x20, 0x3000)) for _ in range(self.r.randrange(9)))
        return self.r.choice(TEXTS)

    def params(self) -> list[tuple[str, str]]:
        count = self.r.randrange(12)
        pairs = [(self.r.choice(NAMES), self.value()) for _ in range(count)]
        if self.r.random() < 0.6:  # often a plausible base, so deeper checks run
            pairs = [*self.r.choice(self._bases()), *pairs]
        if self.r.random() < 0.2:
            self.r.shuffle(pairs)
        return pairs

    def _bases(self) -> list[list[tuple[str, str]]]:
        challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        client = self.r.choice(CLIENTS[:4])
        return [
            [("client_id", client), ("response_type", "code"), ("scope", "openid"),
             ("code_challenge", challenge), ("code_challenge_method", "S256")],
            [("csrf", self.csrf), ("user", self.pick("alice", "bob", "nobody")),
             ("decision", self.pick("allow", "deny", "maybe"))],
            [("grant_type", self.pick("authorization_code", "refresh_token", "client_credentials",
                                      "password")),
             ("client_id", client), ("code", self.r.choice(self.real.codes or ["x"])),
             ("refresh_token", self.real.refresh), ("code_verifier", "v" * 43)],
            [("token", self.pick(self.real.access, self.real.refresh, "x")),
             ("client_id", client)],
        ]

    def query(self) -> str:
        pairs = self.params()
        if not pairs or self.r.random() < 0.1:
            return self.r.choice(("", "?", "?&&=", "?%", "?a=%zz", "?\u2460=\u2460"))
        if self.r.random() < 0.8:
            return "?" + urlencode(pairs, errors="backslashreplace")
        return "?" + "&".join(f"{k}={v}" for k, v in pairs)  # raw: spaces, '#', non-ASCII

    def json_body(self) -> bytes:
        kind = self.r.random()
        if kind < 0.15:
            depth = self.r.choice((1000, 5000, 30000))
            opener = self.r.choice(("[", '{"a":'))
            return (opener * depth).encode()
        if kind < 0.25:
            return self.r.choice((b"", b"{", b"null", b"[]", b"1", b'"x"', b"\xff\xfe{\x00}",
                                  b'{"a":NaN}', b'{"a":1e999}', b'{"a":' + b"9" * 5000 + b"}",
                                  b'{"\\ud800":"x"}', b'{"client_secret":"\\udfff\\ud800"}',
                                  "{\"a\":\"\u2460\"}".encode(), b'\xef\xbb\xbf{}'))
        data: dict[str, object] = dict(self.params())
        for name in ("client_secret", "token", "code", "client_id", "code_verifier"):
            if self.r.random() < 0.2:
                data[name] = self.r.choice(("\ud800", "a\udc00b", "\udbff", 5, 1.5, True, None,
                                            [1], {"a": 1}, 10**50))
        return json.dumps(data).encode()

    def form_body(self) -> bytes:
        if self.r.random() < 0.15:
            return self.r.choice((b"\xff\xfe", b"a=%ff%fe", b"=" * 1000, b"&" * 5000,
                                  b"a=" + b"b" * 70000, b"%", b"a=\x00", "a=\u2460".encode()))
        return urlencode(self.params(), errors="backslashreplace").encode()

    def headers(self, path: str, body: bytes) -> list[tuple[str, bytes]]:
        r = self.r
        host = self.host.encode() if r.random() < 0.9 else r.choice(
            (b"evil.example", b"[::1", b"127.0.0.1:\xb2", b"\xff", b"", b"localhost"))
        headers = [("Host", host), ("Connection", b"close")]
        if body or r.random() < 0.3:
            ctype = r.choice((b"application/x-www-form-urlencoded", b"application/json",
                              b"application/json; charset=utf-8", b"text/plain", b"",
                              b"multipart/form-data; boundary=x", b"APPLICATION/JSON",
                              b"application/x-www-form-urlencoded;;;", b"\xff"))
            headers.append(("Content-Type", ctype))
        headers.append(("Content-Length", str(len(body)).encode()))
        if path.startswith("/interaction/") and r.random() < 0.7:
            headers.append(("Cookie", self.cookie.encode()))
        for name, values in (("Authorization", self._authorizations()),
                             ("Cookie", (self.cookie.encode(), self.real.session.encode(),
                                         b"pg_interaction=\xff",
                                         b"pg_session=x; pg_interaction=;;", b"=;=")),
                             ("Origin", (b"http://client.server.com", b"null", b"\xff",
                                         b"http://evil.example")),
                             ("Accept", (b"application/json", b"*/*", b"text/html")),
                             ("Access-Control-Request-Method", (b"POST", b"\xff")),
                             ("DPoP", _DPOP_JUNK)):
            if r.random() < 0.3:
                headers.append((name, r.choice(values)))
        return headers

    def _authorizations(self) -> tuple[bytes, ...]:
        web = base64.b64encode(b"playground-web:web-secret-2a1f0c9e7b4d4f3a8e6c5b1d9f0a7c3e")
        nested = base64.urlsafe_b64encode(b"[" * 3000).rstrip(b"=")
        return (b"Basic " + web, b"Basic !!!", b"Basic " + base64.b64encode(b"\xff\xfe:x"),
                b"Basic " + base64.b64encode(b"no-colon"), b"Basic \xb2\xb2",
                b"Bearer " + self.real.access.encode(), b"Bearer x.y.z", b"Bearer " + nested +
                b".e30.x", b"Bearer \xff", b"Bearer", b"bearer  ", b"Digest x")

    def http(self) -> Probe:
        path = self.pick(*ENDPOINTS) if self.r.random() < 0.85 else self.pick(*JUNK_PATHS)
        methods = ENDPOINTS.get(path, ("GET", "POST"))
        method = self.pick(*methods) if self.r.random() < 0.8 else self.pick(*METHODS)
        path = path.replace("{uid}", self.uid if self.r.random() < 0.8
                            else self.pick("nope", "\u2460", "%ff", "a" * 300))
        body = b""
        if method in ("POST", "PUT", "PATCH") or self.r.random() < 0.05:
            body = self.json_body() if self.r.random() < 0.4 else self.form_body()
        target = quote(path, safe="/%[]:") + quote(self.query(), safe="?&=%+:/[]#@!$'()*,;")
        if self.r.random() < 0.05:
            target = path + self.query()  # raw non-ASCII bytes in the request line
        head = [f"{method} {target} HTTP/1.1".encode("utf-8", "backslashreplace")]
        head += [name.encode() + b": " + value for name, value in self.headers(path, body)]
        data = b"\r\n".join(head) + b"\r\n\r\n" + body
        hang_up = bool(body) and self.r.random() < 0.05
        if hang_up:
            data = data[:len(data) - max(1, len(body) // 2)]
        return Probe(self.number, "http", data, hang_up)

    def raw(self) -> Probe:
        good = f"GET /oauth2/jwks HTTP/1.1\r\nHost: {self.host}\r\nConnection: close\r\n"
        post = (f"POST /oauth2/token HTTP/1.1\r\nHost: {self.host}\r\nConnection: close\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n")
        options: tuple[Callable[[], bytes], ...] = (
            lambda: bytes(self.r.randrange(256) for _ in range(self.r.randrange(1, 300))),
            lambda: good.encode() + b"X-Odd: \x00\x7f\xff\r\n\r\n",
            lambda: good.encode() + b"Bad Name: x\r\n\r\n",
            lambda: good.encode() + b"X-Fold: a\r\n b\r\n\r\n",
            lambda: b"GET /\xff\xfe HTTP/1.1\r\nHost: " + self.host.encode() + b"\r\n\r\n",
            lambda: b"GET http://[::1 HTTP/1.1\r\nHost: " + self.host.encode() + b"\r\n\r\n",
            lambda: b"GET * HTTP/1.1\r\nHost: " + self.host.encode() + b"\r\n\r\n",
            lambda: b"CONNECT 127.0.0.1:1 HTTP/1.1\r\n\r\n",
            lambda: b"GET /\r\n\r\n",
            lambda: b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
            lambda: post.encode() + b"Content-Length: -1\r\n\r\n",
            lambda: post.encode() + "Content-Length: \u00b2\r\n\r\nab".encode(),
            lambda: post.encode() + b"Content-Length: 99999999999999999999999\r\n\r\n",
            lambda: post.encode() + b"Content-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
            lambda: post.encode() + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
            lambda: post.encode() + b"Transfer-Encoding: chunked\r\n\r\n3\r\na=b\r\n0\r\n\r\n",
            lambda: good.encode() + b"Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
            lambda: good.encode() + b"Expect: 100-continue\r\n\r\n",
            lambda: good.encode() + b"X-Long: " + b"a" * 100_000 + b"\r\n\r\n",
            lambda: good.encode() + b"".join(b"X-%d: y\r\n" % i for i in range(2000)) + b"\r\n",
            lambda: (good.replace("Connection: close\r\n", "") + "\r\n").encode() * 3,
            lambda: b"GET /oauth2/jwks HTTP/1.0\r\n\r\n",
            lambda: b"GET /oauth2/jwks HTTP/9.9\r\nHost: " + self.host.encode() + b"\r\n\r\n",
            lambda: post.encode() + b"Content-Length: 10\r\n\r\n" + b"a=b" * 20,
        )
        if self.r.random() < 0.05:  # a chunk far past the body limit, then a hang-up
            data = post.encode() + b"Transfer-Encoding: chunked\r\n\r\nffffffffffff\r\na\r\n"
            return Probe(self.number, "raw", data, hang_up=True)
        return Probe(self.number, "raw", self.r.choice(options)())


def probe(seed: int, number: int, host: str, real: Real) -> Probe:
    draw = Draw(seed, number, host, real)
    return draw.raw() if draw.r.random() < 0.15 else draw.http()


# -- sending ------------------------------------------------------------------------------------
def send(port: int, item: Probe, tally: Tally) -> None:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if item.hang_up:
                _hang_up(sock, item)
                tally.add(item, "hung up (by design)", b"", False)
                return
            with contextlib.suppress(OSError):  # the server may close before reading it all
                sock.sendall(item.data)
            answer = _read_all(sock)
    except TimeoutError:
        tally.add(item, "timeout", b"", False)
        return
    except OSError as exc:
        tally.add(item, f"socket error {type(exc).__name__}", b"", False)
        return
    _record(item, answer, tally)


def _hang_up(sock: socket.socket, item: Probe) -> None:
    with contextlib.suppress(OSError):
        sock.sendall(item.data)
        if item.number % 2:  # half of them with a reset instead of a FIN
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00" * 2)


def _read_all(sock: socket.socket) -> bytes:
    """The first answer: its head, then Content-Length bytes of body (or up to EOF), so a
    keep-alive connection (raw requests without `Connection: close`) does not wait for more."""
    data = b""
    try:
        while (chunk := sock.recv(65536)) and not _complete(data := data + chunk):
            pass
    except ConnectionResetError:
        pass
    except TimeoutError:
        if not data:
            raise
    return data


def _complete(data: bytes) -> bool:
    head, found, body = data.partition(b"\r\n\r\n")
    if not found:
        return False
    for line in head.lower().split(b"\r\n"):
        if line.startswith(b"content-length:"):
            return len(body) >= int(line.split(b":", 1)[1])
    return False


def _record(item: Probe, answer: bytes, tally: Tally) -> None:
    if not answer:
        tally.add(item, "closed without an answer", b"", False)
        return
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].split(b" ")
    status = status_line[1].decode("latin-1") if len(status_line) > 1 else "?"
    if body.startswith(b"Invalid HTTP request"):
        status += " (uvicorn's parser)"
    json_type = b"content-type: application/json" in head.lower() and bool(body)  # not HEAD
    tally.add(item, status, body, json_type)


# -- the run ------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=30_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=6)
    args = parser.parse_args(argv)
    port = free_port()
    host = f"127.0.0.1:{port}"
    tally = Tally()
    with serve(port) as (out, err):
        real = honest(f"http://{host}")
        started = time.perf_counter()
        pending = threading.BoundedSemaphore(args.workers * 4)  # probes drawn, not yet sent
        with ThreadPoolExecutor(args.workers) as pool:
            for number in range(args.requests):
                pending.acquire()
                future = pool.submit(send, port, probe(args.seed, number, host, real), tally)
                future.add_done_callback(lambda _: pending.release())
        elapsed = time.perf_counter() - started
        alive = httpx.get(f"http://{host}/oauth2/jwks", timeout=10).status_code
    return report(args, tally, out, err, elapsed, alive)


def report(args: argparse.Namespace, tally: Tally, out: Output, err: Output, elapsed: float,
           alive: int) -> int:
    print(f"sent {args.requests} hostile requests (seed {args.seed}) in {elapsed:.1f} s "
          f"({args.requests / elapsed:.0f}/s); server still answers: {alive}")
    for status, count in sorted(tally.statuses.items()):
        print(f"  {status:>28}  {count}")
    print(f"5xx answers: {len(tally.server_errors)}")
    for line in tally.server_errors[:20]:
        print(f"  {line}")
    print(f"4xx JSON with a non-RFC error code: {len(tally.bad_codes)}")
    for line in tally.bad_codes[:20]:
        print(f"  {line}")
    tracebacks = out.tracebacks + err.tracebacks
    print(f"server output: {out.lines} stdout lines, {err.lines} stderr lines, "
          f"{tracebacks} with 'Traceback'")
    for line, count in (err.kept + out.kept).most_common(12):
        print(f"  {count:>6} x {line}")
    failed = tally.server_errors or tally.bad_codes or tracebacks or alive != 200
    print("FAIL" if failed else "OK: no 5xx, no traceback, every error code from an RFC")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
