"""A battery of bad requests against `oauth-playground serve` (strict, the seed's clients file),
each compared with the RFC's answer and with node `oidc-provider` (benchmarks/oidc-provider/).

    .venv/bin/python benchmarks/interop/battery.py                 # both servers (needs node)
    .venv/bin/python benchmarks/interop/battery.py --only playground
    .venv/bin/python benchmarks/interop/battery.py --fast          # skip the 61 s expired-code case

Prints one table row per request: what was sent → what the RFC expects → what each server
answered (PASS/FAIL against the expectation for both). Every error answer is also checked for
RFC 6749 §4.1.2.1/§5.2's error_description character set (%x20-21 / %x23-5B / %x5D-7E).
Exit 0 when every playground row passes. The oidc-provider column is information only.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import importlib.util
import os
import re
import secrets
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    ROOT,
    SEED_ID,
    SEED_REDIRECT,
    WEB_ID,
    WEB_REDIRECT,
    WEB_SECRET,
    browse_to_callback,
    free_port,
    serve,
)

SCOPE = "openid email profile offline_access"
DESCRIPTION_CHARS = re.compile(r"^[\x20-\x21\x23-\x5B\x5D-\x7E]*$")
PROVIDER_DIR = ROOT / "benchmarks" / "oidc-provider"


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(
        b"=").decode()


def verifier() -> str:
    return secrets.token_urlsafe(48)


@dataclass
class Answer:
    """What a server answered, reduced to what the RFCs talk about."""

    status: int
    location: str | None = None
    error: str | None = None
    description: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = ""
    note: str = ""

    @classmethod
    def of(cls, response: httpx.Response) -> Answer:
        answer = cls(response.status_code, response.headers.get("location"),
                     headers={k.lower(): v for k, v in response.headers.items()},
                     content_type=response.headers.get("content-type", ""))
        if answer.location:
            parts = urlsplit(answer.location)  # the fragment: response_mode of response_type=token
            answer.params = {k: v[0] for k, v in parse_qs(parts.query or parts.fragment).items()}
            if not parts.query and parts.fragment:
                answer.note = "error in the fragment"
            answer.error = answer.params.get("error")
            answer.description = answer.params.get("error_description")
        elif "json" in answer.content_type:
            with contextlib.suppress(ValueError):
                body = response.json()
                if isinstance(body, dict):
                    answer.error = body.get("error")
                    answer.description = body.get("error_description")
        return answer

    def short(self) -> str:
        text = str(self.status)
        if self.location:
            keys = ",".join(k for k in self.params if k != "error_description")
            text += f" → redirect ({keys})"
        elif "html" in self.content_type:
            text += " page"
        if self.error:
            text += f" {self.error}"
        if self.note:
            text += f"; {self.note}"
        return text


# -- targets ---------------------------------------------------------------------------------
class Target:
    name = ""
    issuer = ""
    seed_id = SEED_ID
    seed_redirect = SEED_REDIRECT
    web_id = ""
    web_secret = ""
    web_redirect = ""
    host = ""

    def __init__(self) -> None:
        self.http = httpx.Client(timeout=10, follow_redirects=False)
        self.meta: dict[str, Any] = {}

    def load(self) -> None:
        self.meta = self.http.get(f"{self.issuer}/.well-known/openid-configuration").json()

    def url(self, key: str) -> str:
        return str(self.meta[key])

    def authorize(self, params: dict[str, str] | list[tuple[str, str]]) -> httpx.Response:
        query = urlencode(params)
        return self.http.get(f"{self.url('authorization_endpoint')}?{query}")

    def seed_params(self, ver: str, **extra: str) -> dict[str, str]:
        params = {"client_id": self.seed_id, "response_type": "code", "state": "st-battery",
                  "scope": SCOPE, "redirect_uri": self.seed_redirect,
                  "code_challenge": s256(ver), "code_challenge_method": "S256",
                  "nonce": "n-battery", **self.offline_extra()}
        params.update(extra)
        return {k: v for k, v in params.items() if v != ""}

    def offline_extra(self) -> dict[str, str]:
        return {}

    def code(self, ver: str, **extra: str) -> str:
        """Authorize the seed's client as alice and allow; the code."""
        url = f"{self.url('authorization_endpoint')}?{urlencode(self.seed_params(ver, **extra))}"
        callback = self.browse(url, extra.get("redirect_uri", self.seed_redirect))
        return parse_qs(urlsplit(callback).query)["code"][0]

    def browse(self, url: str, redirect: str) -> str:
        raise NotImplementedError

    def token(self, data: dict[str, str], **kwargs: Any) -> httpx.Response:
        return self.http.post(self.url("token_endpoint"), data=data, **kwargs)

    def redeem(self, code: str, ver: str, **extra: str) -> httpx.Response:
        data = {"grant_type": "authorization_code", "code": code, "client_id": self.seed_id,
                "redirect_uri": self.seed_redirect, "code_verifier": ver, **extra}
        return self.token({k: v for k, v in data.items() if v != ""})

    def close(self) -> None:
        self.http.close()


class Playground(Target):
    name = "playground"
    web_id, web_secret, web_redirect = WEB_ID, WEB_SECRET, WEB_REDIRECT

    @contextlib.contextmanager
    def running(self) -> Iterator[Target]:
        with serve() as server:
            self.issuer = server.issuer
            self.host = urlsplit(server.issuer).netloc
            self.load()
            yield self

    def browse(self, url: str, redirect: str) -> str:
        with httpx.Client(timeout=10) as browser:
            return browse_to_callback(browser, url, redirect)


class OidcProvider(Target):
    name = "oidc-provider"
    web_id, web_secret = "playground-web", "web-secret-2a1f0c9e7b4d4f3a8e6c5b1d9f0a7c3e"
    web_redirect = "http://localhost:8080/callback"

    @contextlib.contextmanager
    def running(self) -> Iterator[Target]:
        spec = importlib.util.spec_from_file_location("drive", PROVIDER_DIR / "drive.py")
        assert spec and spec.loader
        self.drive = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(self.drive)
        port = free_port()
        proc = self.drive.start_provider(port)
        try:
            self.issuer = f"http://localhost:{port}"
            self.host = f"localhost:{port}"
            self.load()
            yield self
        finally:
            proc.kill()
            proc.wait()

    def offline_extra(self) -> dict[str, str]:
        return {"prompt": "consent"}  # oidc-provider drops offline_access without it (OIDC §11)

    def browse(self, url: str, redirect: str) -> str:
        return str(self.drive.play_browser(url))


# -- cases -----------------------------------------------------------------------------------
Expect = Callable[[Answer], bool]


@dataclass
class Case:
    request: str
    expected: str
    run: Callable[[Target], Answer]
    ok: Expect
    slow: bool = False


def redirect_error(code: str) -> Expect:
    return lambda a: (a.status in (302, 303) and a.error == code and "state" in a.params
                      and "iss" in a.params)


def page_error(a: Answer) -> bool:
    return a.status == 400 and not a.location and "html" in a.content_type


def json_error(code: str, status: int = 400) -> Expect:
    return lambda a: a.status == status and a.error == code


def _authorize(build: Callable[[Target, str], Any]) -> Callable[[Target], Answer]:
    def run(t: Target) -> Answer:
        return Answer.of(t.authorize(build(t, verifier())))
    return run


def _without(params: dict[str, str], *names: str) -> dict[str, str]:
    return {k: v for k, v in params.items() if k not in names}


def unregistered_client(t: Target) -> Answer:
    return Answer.of(t.authorize({**t.seed_params(verifier()), "client_id": "no-such-client"}))


def duplicated(t: Target) -> Answer:
    params = [*t.seed_params(verifier()).items(), ("scope", "openid")]
    return Answer.of(t.authorize(params))


def deny(t: Target) -> Answer:
    if isinstance(t, OidcProvider):
        return Answer(0, note="skipped: devInteractions has an abort link, not a Deny button")
    url = f"{t.url('authorization_endpoint')}?{urlencode(t.seed_params(verifier()))}"
    with httpx.Client(timeout=10) as browser:
        callback = browse_to_callback(browser, url, t.seed_redirect, decision="deny")
    params = {k: v[0] for k, v in parse_qs(urlsplit(callback).query).items()}
    return Answer(303, callback, params.get("error"), params.get("error_description"), params)


def token_case(mutate: Callable[[Target, str, str], httpx.Response]) -> Callable[[Target], Answer]:
    def run(t: Target) -> Answer:
        ver = verifier()
        return Answer.of(mutate(t, t.code(ver), ver))
    return run


def replay(t: Target) -> Answer:
    ver = verifier()
    code = t.code(ver)
    first = t.redeem(code, ver).json()
    second = Answer.of(t.redeem(code, ver))
    info = t.http.get(t.url("userinfo_endpoint"),
                      headers={"Authorization": f"Bearer {first['access_token']}"})
    refresh = t.token({"grant_type": "refresh_token", "client_id": t.seed_id,
                       "refresh_token": first.get("refresh_token", "")})
    second.note = (f"1st access token at userinfo → {info.status_code}; "
                   f"1st refresh token → {refresh.status_code} {_err(refresh)}")
    second.headers["x-first-revoked"] = str(info.status_code == 401 and refresh.status_code == 400)
    return second


def _err(response: httpx.Response) -> str:
    with contextlib.suppress(ValueError):
        return str(response.json().get("error", ""))
    return ""


def wrong_client(t: Target, code: str, ver: str) -> httpx.Response:
    return t.token({"grant_type": "authorization_code", "code": code,
                    "redirect_uri": t.seed_redirect, "code_verifier": ver},
                   auth=(t.web_id, t.web_secret))


def expired(t: Target) -> Answer:
    ver = verifier()
    code = t.code(ver)
    time.sleep(61)
    return Answer.of(t.redeem(code, ver))


def basic_failure(t: Target) -> Answer:
    response = t.token({"grant_type": "authorization_code", "code": "x",
                        "redirect_uri": t.web_redirect, "code_verifier": verifier()},
                       auth=(t.web_id, "wrong-secret"))
    return Answer.of(response)


def bad_host(t: Target) -> Answer:
    return Answer.of(t.http.get(t.url("jwks_uri"), headers={"Host": "evil.example"}))


def oversized(t: Target) -> Answer:
    body = urlencode({"grant_type": "authorization_code", "code": "x" * 200_000,
                      "client_id": t.seed_id})
    return Answer.of(t.http.post(t.url("token_endpoint"), content=body, headers={
        "Content-Type": "application/x-www-form-urlencoded"}))


def cors_foreign(t: Target) -> Answer:
    pre = t.http.options(t.url("token_endpoint"), headers={
        "Origin": "http://evil.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    actual = t.token({"grant_type": "refresh_token", "refresh_token": "x",
                      "client_id": t.seed_id}, headers={"Origin": "http://evil.example"})
    answer = Answer(pre.status_code, content_type=pre.headers.get("content-type", ""))
    answer.headers = {
        "pre-acao": pre.headers.get("access-control-allow-origin", ""),
        "acao": actual.headers.get("access-control-allow-origin", "")}
    answer.note = (f"preflight ACAO={answer.headers['pre-acao'] or '-'}; "
                   f"actual POST ACAO={answer.headers['acao'] or '-'}")
    return answer


def userinfo_bad(t: Target) -> Answer:
    response = t.http.get(t.url("userinfo_endpoint"),
                          headers={"Authorization": "Bearer not-a-real-token"})
    answer = Answer.of(response)
    answer.note = f"WWW-Authenticate: {response.headers.get('www-authenticate', '-')}"
    return answer


def refresh_reuse(t: Target) -> Answer:
    ver = verifier()
    tokens = t.redeem(t.code(ver), ver).json()
    old = tokens.get("refresh_token")
    if not old:
        return Answer(0, note=f"no refresh token issued ({', '.join(tokens)})")
    first = t.token({"grant_type": "refresh_token", "client_id": t.seed_id, "refresh_token": old})
    new = first.json().get("refresh_token")
    answer = Answer.of(t.token({"grant_type": "refresh_token", "client_id": t.seed_id,
                                "refresh_token": old}))
    after = t.token({"grant_type": "refresh_token", "client_id": t.seed_id,
                     "refresh_token": new or ""})
    rotated = "rotated" if new and new != old else "not rotated"
    answer.note = f"{rotated}; the newer token afterwards → {after.status_code} {_err(after)}"
    answer.headers["x-family-revoked"] = str(after.status_code == 400)
    return answer


def json_body(t: Target) -> Answer:
    ver = verifier()
    code = t.code(ver)
    return Answer.of(t.http.post(t.url("token_endpoint"), json={
        "code": code, "client_id": t.seed_id, "grant_type": "authorization_code",
        "redirect_uri": t.seed_redirect, "code_verifier": ver,
        "scope": "openid email profile offline_access"}))


CASES: list[Case] = [
    Case("authorize: unregistered client_id", "400 page, no redirect (§4.1.2.1)",
         unregistered_client, page_error),
    Case("authorize: unregistered redirect_uri", "400 page, no redirect (§4.1.2.1)",
         _authorize(lambda t, v: t.seed_params(v, redirect_uri="http://evil.example/cb")),
         page_error),
    Case("authorize: client_id missing", "400 page, no redirect (§4.1.2.1)",
         _authorize(lambda t, v: _without(t.seed_params(v), "client_id")), page_error),
    Case("authorize: response_type missing", "redirect invalid_request + state + iss",
         _authorize(lambda t, v: _without(t.seed_params(v), "response_type")),
         redirect_error("invalid_request")),
    Case("authorize: response_type=token", "redirect unsupported_response_type + state + iss",
         _authorize(lambda t, v: t.seed_params(v, response_type="token")),
         redirect_error("unsupported_response_type")),
    Case("authorize: scope sent twice", "redirect invalid_request (§3.1)", duplicated,
         redirect_error("invalid_request")),
    Case("authorize: public client, no code_challenge", "redirect invalid_request (7636 §4.4.1)",
         _authorize(lambda t, v: _without(t.seed_params(v), "code_challenge",
                                          "code_challenge_method")),
         redirect_error("invalid_request")),
    Case("authorize: code_challenge_method=plain (off)", "redirect invalid_request (7636 §4.4.1)",
         _authorize(lambda t, v: t.seed_params(v, code_challenge=v,
                                               code_challenge_method="plain")),
         redirect_error("invalid_request")),
    Case("authorize: seed spelling SHA-256 + btoa (strict)", "redirect invalid_request",
         _authorize(lambda t, v: t.seed_params(
             v, code_challenge_method="SHA-256",
             code_challenge=base64.b64encode(hashlib.sha256(v.encode()).digest()).decode())),
         redirect_error("invalid_request")),
    Case("authorize: code_challenge 42 chars", "redirect invalid_request (7636 §4.2)",
         _authorize(lambda t, v: t.seed_params(v, code_challenge=s256(v)[:42])),
         redirect_error("invalid_request")),
    Case("authorize: code_challenge with '+' '/' '='", "redirect invalid_request (7636 §4.2)",
         _authorize(lambda t, v: t.seed_params(v, code_challenge="+/" + s256(v)[2:] + "=")),
         redirect_error("invalid_request")),
    Case("authorize: user presses Deny", "redirect access_denied + state + iss (§4.1.2.1)",
         deny, redirect_error("access_denied")),
    Case("token: wrong code_verifier", "400 invalid_grant (7636 §4.6)",
         token_case(lambda t, c, v: t.redeem(c, verifier())), json_error("invalid_grant")),
    Case("token: code_verifier too short (42)", "400 invalid_request or invalid_grant (§4.1)",
         token_case(lambda t, c, v: t.redeem(c, "a" * 42)),
         lambda a: a.status == 400 and a.error in ("invalid_request", "invalid_grant")),
    Case("token: code_verifier missing", "400 invalid_grant (7636 §4.6)",
         token_case(lambda t, c, v: t.redeem(c, "", code_verifier="")),
         lambda a: a.status == 400 and a.error in ("invalid_grant", "invalid_request")),
    Case("token: replayed code", "400 invalid_grant; 1st tokens revoked (§4.1.2)", replay,
         lambda a: json_error("invalid_grant")(a) and a.headers.get("x-first-revoked") == "True"),
    Case("token: code redeemed by another client", "400 invalid_grant (§4.1.3)",
         token_case(wrong_client), json_error("invalid_grant")),
    Case("token: different redirect_uri", "400 invalid_grant (§4.1.3)",
         token_case(lambda t, c, v: t.redeem(c, v, redirect_uri="http://client.server.com/x")),
         json_error("invalid_grant")),
    Case("token: code sent twice in the form", "400 invalid_request (§3.2)",
         token_case(lambda t, c, v: t.http.post(t.url("token_endpoint"), content=urlencode([
             ("grant_type", "authorization_code"), ("code", c), ("code", c),
             ("client_id", t.seed_id), ("redirect_uri", t.seed_redirect),
             ("code_verifier", v)]), headers={
                 "Content-Type": "application/x-www-form-urlencoded"})),
         json_error("invalid_request")),
    Case("token: unregistered client_id", "401 (or 400) invalid_client (§5.2)",
         token_case(lambda t, c, v: t.redeem(c, v, client_id="no-such-client")),
         lambda a: a.status in (400, 401) and a.error == "invalid_client"),
    Case("token: grant_type missing", "400 invalid_request (§5.2)",
         token_case(lambda t, c, v: t.redeem(c, v, grant_type="")),
         json_error("invalid_request")),
    Case("token: grant_type=password", "400 unsupported_grant_type (§5.2)",
         lambda t: Answer.of(t.token({"grant_type": "password", "client_id": t.seed_id,
                                      "username": "alice", "password": "x"})),
         json_error("unsupported_grant_type")),
    Case("token: Basic auth, wrong secret", "401 invalid_client + WWW-Authenticate (§5.2)",
         basic_failure,
         lambda a: a.status == 401 and a.error == "invalid_client"
         and "www-authenticate" in a.headers),
    Case("token: seed's JSON body", "accepted (issue 2); RFC says form-urlencoded", json_body,
         lambda a: a.status == 200),
    Case("Host: evil.example", "400 (DNS rebinding, RFC 8252 §8.3)", bad_host,
         lambda a: a.status == 400),
    Case("token: 200 KB body", "413", oversized, lambda a: a.status == 413),
    Case("CORS: Origin http://evil.example", "no Access-Control-Allow-Origin", cors_foreign,
         lambda a: not a.headers.get("pre-acao") and not a.headers.get("acao")),
    Case("userinfo: Bearer not-a-real-token", "401 + WWW-Authenticate error=invalid_token",
         userinfo_bad, lambda a: a.status == 401 and 'error="invalid_token"' in a.note),
    Case("token: rotated refresh token reused", "400 invalid_grant; family revoked (9700)",
         refresh_reuse,
         lambda a: json_error("invalid_grant")(a) and a.headers.get("x-family-revoked") == "True"),
    Case("token: code used after 61 s", "400 invalid_grant (§4.1.2, code TTL 60 s)", expired,
         json_error("invalid_grant"), slow=True),
]


def run_case(case: Case, target: Target) -> tuple[Answer, bool | None, bool]:
    try:
        answer = case.run(target)
    except (Exception, SystemExit) as exc:
        return Answer(0, note=f"crashed: {exc!r}"[:160]), False, True
    if answer.status == 0:
        return answer, None, True
    charset = answer.description is None or bool(DESCRIPTION_CHARS.match(answer.description))
    if not charset:
        answer.note = (answer.note + "; " if answer.note else "") + \
            "error_description has characters outside RFC 6749's set"
    return answer, case.ok(answer) and charset, charset


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["playground", "oidc-provider"])
    parser.add_argument("--fast", action="store_true", help="skip the 61 s expired-code case")
    args = parser.parse_args()
    cases = [c for c in CASES if not (args.fast and c.slow)]
    names = [args.only] if args.only else ["playground", "oidc-provider"]
    if "oidc-provider" in names and not (PROVIDER_DIR / "node_modules").exists():
        print("oidc-provider: skipped (run `npm install` in benchmarks/oidc-provider)")
        names.remove("oidc-provider")
    results: dict[str, list[tuple[Answer, bool | None, bool]]] = {}
    for name in names:
        target = Playground() if name == "playground" else OidcProvider()
        with target.running():
            print(f"running {len(cases)} cases against {name} at {target.issuer} …", flush=True)
            results[name] = [run_case(case, target) for case in cases]
        target.close()
    header = "| # | request | RFC answer | " + " | ".join(names) + " |"
    print("\n" + header + "\n|" + "---|" * (3 + len(names)))
    for i, case in enumerate(cases, 1):
        cells = []
        for name in names:
            answer, ok, _ = results[name][i - 1]
            verdict = "n/a" if ok is None else "PASS" if ok else "FAIL"
            cells.append(f"{verdict} {answer.short()}")
        print(f"| {i} | {case.request} | {case.expected} | " + " | ".join(cells) + " |")
    print("\nerror_description of each error answer:")
    for i in range(1, len(cases) + 1):
        texts = [f"{name}: {results[name][i - 1][0].description}" for name in names
                 if results[name][i - 1][0].description]
        if texts:
            print(f"  {i}. " + "\n     ".join(texts))
    print()
    for name in names:
        rows = results[name]
        passed = sum(ok is True for _, ok, _ in rows)
        skipped = sum(ok is None for _, ok, _ in rows)
        print(f"{name}: {passed} passed, {len(rows) - passed - skipped} failed"
              + (f", {skipped} skipped" if skipped else ""))
    rows = results.get("playground", [])
    failed = sum(ok is not True for _, ok, _ in rows)
    return 1 if failed else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
