"""A battery of bad requests against `oauth-playground serve` (strict, the seed's clients file),
each compared with the RFC's answer and with node `oidc-provider` (benchmarks/oidc-provider/).

    .venv/bin/python benchmarks/interop/battery.py                 # both servers (needs node)
    .venv/bin/python benchmarks/interop/battery.py --only playground
    .venv/bin/python benchmarks/interop/battery.py --fast          # skip the 61 s expired-code case
    .venv/bin/python benchmarks/interop/battery.py --group cc --group exchange   # the new grants

Three groups of rows: the code flow and the endpoints (1-30); client_credentials (31-43, the
machine client registered alike on both servers); token exchange (44-58, RFC 8693, serve only:
oidc-provider has no such grant, its column is n/a).

Prints one table row per request: what was sent → what the RFC expects → what each server
answered (PASS/FAIL against the expectation for both). Every error answer is also checked for
RFC 6749 §4.1.2.1/§5.2's error_description character set (%x20-21 / %x23-5B / %x5D-7E).
Exit 0 when every playground row passes. The oidc-provider column is information only; the
last column says whether the two servers agree (same verdict, status, error, granted scope).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import importlib.util
import json
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
    GATEWAY_ID,
    GATEWAY_SECRET,
    ROOT,
    SEED_ID,
    SEED_REDIRECT,
    SERVICE_ID,
    SERVICE_SECRET,
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


def jwt_payload(token: str) -> dict[str, Any]:
    """A JWT's claims, unverified ({} for an opaque token)."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    with contextlib.suppress(ValueError):
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        return dict(claims) if isinstance(claims, dict) else {}
    return {}


def _issued(a: Answer) -> str:
    tokens = ",".join(k for k in ("access_token", "refresh_token", "id_token") if k in a.body)
    text = f"{tokens}; scope={a.body.get('scope', '(absent)')}"
    if a.claims:
        text += f"; sub={a.claims.get('sub')} aud={a.claims.get('aud')}"
        if "act" in a.claims:
            text += f" act={json.dumps(a.claims['act'], separators=(',', ':'))}"
    return text


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
    body: dict[str, Any] = field(default_factory=dict)  # a 200 token response's JSON
    claims: dict[str, Any] = field(default_factory=dict)  # its access token's payload (JWT)

    @classmethod
    def token(cls, response: httpx.Response) -> Answer:
        """A token-endpoint answer; for a 200, the response fields and the access token's
        claims (the payload read, not verified: authlib_check.py verifies signatures)."""
        answer = cls.of(response)
        if response.status_code == 200:
            with contextlib.suppress(ValueError):
                answer.body = dict(response.json())
            answer.claims = jwt_payload(str(answer.body.get("access_token", "")))
            answer.note = _issued(answer)
        return answer

    def granted(self, requested: str | None = None) -> set[str]:
        """The scope granted: the response's `scope`, else what was asked for (§5.1)."""
        scope = self.body.get("scope", requested)
        return set(str(scope or "").split())

    def key(self) -> tuple[object, ...]:
        """What two servers must share to count as agreeing on a row (302 and 303 alike)."""
        status = "redirect" if self.status in (302, 303) else self.status
        return status, self.error, self.body.get("scope"), self.headers.get("x-key")

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
        if self.status == 0:
            return self.note
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
    service_id = ""
    service_secret = ""
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
    service_id, service_secret = SERVICE_ID, SERVICE_SECRET

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
    service_id = "playground-service"
    service_secret = "service-secret-7d3b9a1e5c2f4086b1d4e8a0c6f2b9d3"

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


# -- client_credentials (RFC 6749 §4.4), both servers --------------------------------------
API = "https://api.playground.example"  # oidc-provider's resource server for the machine client


def client_credentials(t: Target, scope: str | None = None, *, how: str = "basic",
                       client_id: str | None = None, secret: str | None = None,
                       **extra: str) -> httpx.Response:
    """A §4.4.2 request; `how` is client_secret_basic, client_secret_post or none."""
    client_id = client_id or t.service_id
    secret = t.service_secret if secret is None else secret
    data = {"grant_type": "client_credentials", **extra}
    if scope is not None:
        data["scope"] = scope
    if how == "basic":
        return t.token(data, auth=(client_id, secret))
    data["client_id"] = client_id
    if how == "post":
        data["client_secret"] = secret
    return t.token(data)


def _cc(scope: str | None = None, **kwargs: Any) -> Callable[[Target], Answer]:
    def run(t: Target) -> Answer:
        answer = Answer.token(client_credentials(t, scope, **kwargs))
        answer.headers["x-client"] = kwargs.get("client_id") or t.service_id
        return answer
    return run


def machine_token(a: Answer) -> bool:
    """§4.4.3: an access token, Bearer, no refresh token; no user, so no id_token and the
    token's `sub` is the client (RFC 9068 §2.2; an opaque token is not read)."""
    return (a.status == 200 and bool(a.body.get("access_token"))
            and str(a.body.get("token_type", "")).lower() == "bearer"
            and "refresh_token" not in a.body and "id_token" not in a.body
            and a.claims.get("sub", a.headers.get("x-client")) == a.headers.get("x-client"))


def refused_or_named(scope: str) -> Expect:
    """§3.3: refuse with invalid_scope, or ignore `scope` (all or part) and then name the
    scope granted in the response (§3.3, §5.1: REQUIRED when it differs from the request)."""
    return lambda a: json_error("invalid_scope")(a) or (
        machine_token(a) and "scope" in a.body and scope not in a.granted())


def cc_userinfo(t: Target) -> Answer:
    access = client_credentials(t).json().get("access_token", "")
    response = t.http.get(t.url("userinfo_endpoint"),
                          headers={"Authorization": f"Bearer {access}"})
    answer = Answer.of(response)
    answer.note = f"WWW-Authenticate: {response.headers.get('www-authenticate', '-')}"
    return answer


def cc_resource(resource: str) -> Callable[[Target], Answer]:
    """RFC 8707 §2: `resource` names the API the token is for (aud), or is invalid_target."""
    def run(t: Target) -> Answer:
        answer = _cc("api:read", resource=resource)(t)
        if answer.status == 200:
            aud = answer.claims.get("aud")
            answer.headers["x-key"] = "aud = resource" if aud == resource else "resource ignored"
            answer.note += f"; {answer.headers['x-key']}"
        return answer
    return run


# -- token exchange (RFC 8693), serve only --------------------------------------------------
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
TYPE_ACCESS = "urn:ietf:params:oauth:token-type:access_token"
TYPE_REFRESH = "urn:ietf:params:oauth:token-type:refresh_token"


def serve_only(run: Callable[[Target], Answer]) -> Callable[[Target], Answer]:
    """oidc-provider has no RFC 8693 grant: one request shows it, and the row is n/a."""
    def wrapped(t: Target) -> Answer:
        if isinstance(t, OidcProvider):
            r = t.token({"grant_type": TOKEN_EXCHANGE, "subject_token": "x",
                         "subject_token_type": TYPE_ACCESS}, auth=(t.service_id, t.service_secret))
            return Answer(0, note=f"serve only; oidc-provider: {r.status_code} {_err(r)}")
        return run(t)
    return wrapped


def exchange(t: Target, subject: str | None, subject_type: str | None = TYPE_ACCESS, *,
             client: tuple[str, str] = (GATEWAY_ID, GATEWAY_SECRET),
             **extra: str | None) -> httpx.Response:
    """An RFC 8693 §2.1 request by the gateway (client_secret_basic); None leaves a field out."""
    data = {"grant_type": TOKEN_EXCHANGE, "subject_token": subject,
            "subject_token_type": subject_type, **extra}
    return t.token({k: v for k, v in data.items() if v is not None}, auth=client)


def user_tokens(t: Target) -> dict[str, Any]:
    """alice's tokens from the seed client's code flow."""
    ver = verifier()
    return dict(t.redeem(t.code(ver), ver).json())


def service_token(t: Target, scope: str | None = None) -> str:
    return str(client_credentials(t, scope).json()["access_token"])


def _exchanged(a: Answer, subject: dict[str, Any]) -> None:
    """Facts about an exchanged token, for the expectations (as x- headers)."""
    a.headers["x-subject-sub"] = str(subject.get("sub"))


def issued_exchange(a: Answer) -> bool:
    """§2.2.1: access_token, issued_token_type, token_type; the subject's `sub` kept."""
    return (a.status == 200 and bool(a.body.get("access_token"))
            and a.body.get("issued_token_type") == TYPE_ACCESS
            and str(a.body.get("token_type", "")).lower() == "bearer"
            and "id_token" not in a.body
            and a.claims.get("sub") == a.headers.get("x-subject-sub"))


def te_user_access(t: Target) -> Answer:
    tokens = user_tokens(t)
    answer = Answer.token(exchange(t, tokens["access_token"], scope="email",
                                   audience="https://orders.example"))
    _exchanged(answer, jwt_payload(tokens["access_token"]))
    return answer


def te_service_access(t: Target) -> Answer:
    subject = service_token(t)
    answer = Answer.token(exchange(t, subject, resource=f"{API}/orders"))
    _exchanged(answer, jwt_payload(subject))
    return answer


def te_refresh(t: Target) -> Answer:
    tokens = user_tokens(t)
    answer = Answer.token(exchange(t, tokens["refresh_token"], TYPE_REFRESH, scope="openid"))
    _exchanged(answer, jwt_payload(tokens["access_token"]))
    return answer


def te_forged(t: Target) -> Answer:
    head, body, sig = service_token(t).split(".")
    claims = {**jwt_payload(f"{head}.{body}.{sig}"), "sub": "admin", "scope": "api:read api:write"}
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return Answer.of(exchange(t, f"{head}.{forged}.{sig}"))


def te_revoked(t: Target) -> Answer:
    tokens = user_tokens(t)
    revoked = t.http.post(t.url("revocation_endpoint"), data={
        "token": tokens["access_token"], "token_type_hint": "access_token",
        "client_id": t.seed_id})
    answer = Answer.of(exchange(t, tokens["access_token"]))
    answer.note = f"revocation → {revoked.status_code}"
    return answer


def te_actor(t: Target) -> Answer:
    subject = service_token(t)
    actor = str(client_credentials(t, client_id=GATEWAY_ID, secret=GATEWAY_SECRET)
                .json()["access_token"])
    answer = Answer.token(exchange(t, subject, actor_token=actor, actor_token_type=TYPE_ACCESS))
    _exchanged(answer, jwt_payload(subject))
    answer.headers["x-actor-sub"] = str(jwt_payload(actor).get("sub"))
    return answer


def te_nested(t: Target) -> Answer:
    """The exchanged token exchanged again with another actor: the earlier actor nests (§4.1)."""
    first = te_actor(t)
    actor = service_token(t)
    answer = Answer.token(exchange(t, str(first.body.get("access_token")), actor_token=actor,
                                   actor_token_type=TYPE_ACCESS))
    _exchanged(answer, first.claims)
    return answer


def te(build: Callable[[Target], httpx.Response]) -> Callable[[Target], Answer]:
    return serve_only(lambda t: Answer.of(build(t)))


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
    # client_credentials (RFC 6749 §4.4): both servers, the machine client registered alike
    Case("cc: scope=api:read, Basic auth", "200 Bearer, scope api:read; no refresh_token, "
         "no id_token; sub = the client (§4.4.3, RFC 9068 §2.2)", _cc("api:read"),
         lambda a: machine_token(a) and a.granted("api:read") == {"api:read"}),
    Case("cc: no scope", "200 with a default scope, or 400 invalid_scope (§3.3)", _cc(),
         lambda a: json_error("invalid_scope")(a)
         or (machine_token(a) and a.granted() <= {"api:read", "api:write"})),
    Case("cc: unregistered scope api:delete", "400 invalid_scope, or 200 naming the scope "
         "granted (§3.3, §5.1)", _cc("api:delete"), refused_or_named("api:delete")),
    Case("cc: api:read + unregistered api:delete", "400 invalid_scope, or 200 naming the scope "
         "granted (§3.3, §5.1)", _cc("api:read api:delete"), refused_or_named("api:delete")),
    Case("cc: scope=openid (no user)", "400 invalid_scope, or 200 without id_token naming the "
         "scope granted (§3.3)", _cc("openid"), refused_or_named("openid")),
    Case("cc: client_secret_post", "200 (§2.3.1)", _cc("api:read", how="post"),
         lambda a: machine_token(a) and a.granted("api:read") == {"api:read"}),
    Case("cc: public client (auth none)", "400 unauthorized_client (§4.4, §5.2) or 401 "
         "invalid_client", lambda t: _cc(how="none", client_id=t.seed_id)(t),
         lambda a: json_error("unauthorized_client")(a) or json_error("invalid_client", 401)(a)),
    Case("cc: confidential client not registered for it", "400 unauthorized_client (§5.2)",
         lambda t: _cc(client_id=t.web_id, secret=t.web_secret)(t),
         json_error("unauthorized_client")),
    Case("cc: machine client, no secret sent", "401 invalid_client (§5.2)", _cc(how="none"),
         json_error("invalid_client", 401)),
    Case("cc: Basic auth, wrong secret", "401 invalid_client + WWW-Authenticate (§5.2)",
         _cc("api:read", secret="wrong-secret"),
         lambda a: json_error("invalid_client", 401)(a) and "www-authenticate" in a.headers),
    Case("cc: resource=https://api.playground.example", "200; aud = the resource (RFC 8707 "
         "§2), or resource ignored (§3.2)", cc_resource(API), machine_token),
    Case("cc: resource with a fragment", "400 invalid_target (RFC 8707 §2), or resource "
         "ignored (§3.2)", cc_resource(f"{API}#x"),
         lambda a: json_error("invalid_target")(a)
         or (machine_token(a) and a.headers.get("x-key") == "resource ignored")),
    Case("cc: its access token at UserInfo", "401 invalid_token or 403 insufficient_scope "
         "(RFC 6750 §3.1: no user)", cc_userinfo,
         lambda a: (a.status == 401 and 'error="invalid_token"' in a.note)
         or (a.status == 403 and 'error="insufficient_scope"' in a.note)),
    # token exchange (RFC 8693): serve only, oidc-provider has none
    Case("exchange: alice's access token (code flow), scope=email, audience",
         "200 issued_token_type access_token; sub alice, scope email, aud = audience (§2.2.1)",
         serve_only(te_user_access),
         lambda a: issued_exchange(a) and a.granted("email") == {"email"}
         and a.claims.get("aud") == "https://orders.example"),
    Case("exchange: a client_credentials token, resource", "200; sub = that client, aud = the "
         "resource (§2.1, RFC 8707)", serve_only(te_service_access),
         lambda a: issued_exchange(a) and a.claims.get("aud") == f"{API}/orders"),
    Case("exchange: alice's refresh token (type refresh_token)", "200; sub alice (§3)",
         serve_only(te_refresh), issued_exchange),
    Case("exchange: subject_token missing", "400 invalid_request (§2.1)",
         te(lambda t: exchange(t, None)), json_error("invalid_request")),
    Case("exchange: subject_token_type missing", "400 invalid_request (§2.1)",
         te(lambda t: exchange(t, service_token(t), None)), json_error("invalid_request")),
    Case("exchange: forged subject (payload altered)", "400 invalid_request (§2.2.2)",
         serve_only(te_forged), json_error("invalid_request")),
    Case("exchange: revoked subject (RFC 7009)", "400 invalid_request (§2.2.2)",
         serve_only(te_revoked), json_error("invalid_request")),
    Case("exchange: scope wider than the subject's", "400 invalid_scope (§2.1, RFC 6749 §5.2)",
         te(lambda t: exchange(t, service_token(t, "api:read"), scope="api:read api:write")),
         json_error("invalid_scope")),
    Case("exchange: resource with a fragment", "400 invalid_target (§2.2.2, RFC 8707 §2)",
         te(lambda t: exchange(t, service_token(t), resource=f"{API}/orders#x")),
         json_error("invalid_target")),
    Case("exchange: resource not absolute", "400 invalid_target (§2.2.2, RFC 8707 §2)",
         te(lambda t: exchange(t, service_token(t), resource="/orders")),
         json_error("invalid_target")),
    Case("exchange: actor_token", "200; act = {sub: the actor's sub} (§4.1)",
         serve_only(te_actor), lambda a: issued_exchange(a)
         and a.claims.get("act") == {"sub": a.headers.get("x-actor-sub")}),
    Case("exchange: that token again, another actor", "200; the earlier actor nests under "
         "act (§4.1)", serve_only(te_nested), lambda a: issued_exchange(a)
         and a.claims.get("act") == {"sub": SERVICE_ID, "act": {"sub": GATEWAY_ID}}),
    Case("exchange: actor_token without actor_token_type", "400 invalid_request (§2.1)",
         te(lambda t: exchange(t, service_token(t), actor_token=service_token(t))),
         json_error("invalid_request")),
    Case("exchange: requested_token_type refresh_token", "400 invalid_request (§2.2.2), or "
         "200 naming issued_token_type", te(lambda t: exchange(
             t, service_token(t), requested_token_type=TYPE_REFRESH)),
         lambda a: json_error("invalid_request")(a) or (
             a.status == 200 and "issued_token_type" in a.body)),
    Case("exchange: client not registered for it", "400 unauthorized_client (RFC 6749 §5.2)",
         te(lambda t: exchange(t, service_token(t), client=(t.service_id, t.service_secret))),
         json_error("unauthorized_client")),
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


def group(case: Case) -> str:
    return case.request.split(":")[0] if case.request.startswith(("cc:", "exchange:")) \
        else "code"


GROUPS = {"code": "authorization code flow and the endpoints",
          "cc": "client_credentials (RFC 6749 §4.4)",
          "exchange": "token exchange (RFC 8693), serve only"}


def agreement(a: tuple[Answer, bool | None, bool], b: tuple[Answer, bool | None, bool]) -> str:
    """Same verdict and the same status, error and granted scope (302 = 303): agree."""
    if a[1] is None or b[1] is None:
        return "n/a"
    return "agree" if a[1] == b[1] and a[0].key() == b[0].key() else "differ"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["playground", "oidc-provider"])
    parser.add_argument("--fast", action="store_true", help="skip the 61 s expired-code case")
    parser.add_argument("--group", choices=list(GROUPS), action="append",
                        help="run only these rows (code, cc, exchange; repeatable)")
    args = parser.parse_args()
    cases = [c for c in CASES if not (args.fast and c.slow)
             and (not args.group or group(c) in args.group)]
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
    both = len(names) == 2
    header = "| # | request | RFC answer | " + " | ".join(names) + (" | both |" if both else " |")
    print("\n" + header + "\n|" + "---|" * (3 + len(names) + both))
    tally: dict[str, dict[str, int]] = {}
    for i, case in enumerate(cases):
        cells = []
        for name in names:
            answer, ok, _ = results[name][i]
            verdict = "n/a" if ok is None else "PASS" if ok else "FAIL"
            cells.append(f"{verdict} {answer.short()}")
        if both:
            word = agreement(results[names[0]][i], results[names[1]][i])
            cells.append(word)
            counts = tally.setdefault(group(case), {})
            counts[word] = counts.get(word, 0) + 1
        number = CASES.index(case) + 1  # stable: --fast or --group leave the others' numbers
        print(f"| {number} | {case.request} | {case.expected} | " + " | ".join(cells) + " |")
    print("\nerror_description of each error answer:")
    for i, case in enumerate(cases):
        texts = [f"{name}: {results[name][i][0].description}" for name in names
                 if results[name][i][0].description]
        if texts:
            print(f"  {CASES.index(case) + 1}. " + "\n     ".join(texts))
    print()
    for name in names:
        rows = results[name]
        passed = sum(ok is True for _, ok, _ in rows)
        skipped = sum(ok is None for _, ok, _ in rows)
        print(f"{name}: {passed} passed, {len(rows) - passed - skipped} failed"
              + (f", {skipped} skipped" if skipped else ""))
    for key, counts in tally.items():
        print(f"  {GROUPS[key]}: " + ", ".join(f"{n} {w}" for w, n in sorted(counts.items())))
    rows = results.get("playground", [])
    failed = sum(ok is not True for _, ok, _ in rows)
    return 1 if failed else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
