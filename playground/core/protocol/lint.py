"""RFC lint: where one HTTP request departs from the OAuth RFCs, the rule, and the fix.

Pure functions over (method, URL, headers, body); no I/O, no Qt. The client engine lints what it
sends (recorder.py), the embedded server lints what it receives from any client (its decision
trace), and both name the same rules from `RULES`. The first rules are the seed's spellings
(seeds/auth_code_pkce.md): `code_challenge_method=SHA-256` (RFC 7636 §4.3 says `S256`), the padded
standard-base64 `btoa` challenge (§4.2 wants BASE64URL without padding), the JSON token body
(RFC 6749 §4.1.3 says form-urlencoded) and `scope` on the code grant. The others follow
RFC 6749, RFC 6750, RFC 7636, RFC 8252, RFC 9700 (Security BCP) and OpenID Connect Core.

The lint never raises, whatever the request: the server lints every request a client sends, so a
URL that does not parse lints as one without parts, and a rule that crashes on some input yields
no finding (logged at DEBUG) while the other rules still run.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from ipaddress import ip_address
from urllib.parse import SplitResult, parse_qsl, urlsplit

from playground.core.protocol.pkce import S256_CHALLENGE, SEED_CHALLENGE, VERIFIER_GRAMMAR
from playground.core.trace import Finding, Severity

log = logging.getLogger(__name__)

Pairs = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    title: str
    rfc: str
    fix: str
    severity: Severity = "warning"


def _rules(*rules: Rule) -> dict[str, Rule]:
    return {rule.id: rule for rule in rules}


RULES = _rules(
    Rule("pkce-method-spelling", "code_challenge_method is not 'S256' or 'plain'",
         "RFC 7636 §4.3", "send code_challenge_method=S256"),
    Rule("pkce-challenge-encoding", "code_challenge is not BASE64URL without padding",
         "RFC 7636 §4.2, Appendix A",
         "base64url-encode the SHA-256 digest and strip the '=' padding (43 characters)"),
    Rule("token-json-body", "token request body is JSON", "RFC 6749 §4.1.3",
         "send Content-Type: application/x-www-form-urlencoded and a form body"),
    Rule("token-scope-ignored", "scope sent with the authorization_code grant",
         "RFC 6749 §4.1.3", "drop scope from this request (the code already carries it)",
         "info"),
    Rule("pkce-missing", "authorization request without PKCE", "RFC 9700 §2.1.1, RFC 7636 §4.3",
         "send code_challenge and code_challenge_method=S256"),
    Rule("pkce-method-missing", "code_challenge without code_challenge_method", "RFC 7636 §4.3",
         "send code_challenge_method=S256 (absent means 'plain')"),
    Rule("pkce-plain", "PKCE downgraded to 'plain'", "RFC 7636 §4.2, RFC 9700 §2.1.1",
         "use code_challenge_method=S256: 'plain' exposes the verifier in the front channel"),
    Rule("pkce-verifier-grammar", "code_verifier breaks the RFC 7636 grammar", "RFC 7636 §4.1",
         "use 43-128 characters of A-Z a-z 0-9 - . _ ~ from a CSPRNG"),
    Rule("code-without-verifier", "authorization_code grant without code_verifier",
         "RFC 7636 §4.5, RFC 9700 §2.1.1", "send the code_verifier of this authorization"),
    Rule("state-missing", "authorization request without state", "RFC 6749 §10.12, RFC 9700 §2.1",
         "send an unguessable state bound to the user agent and check it on the callback"),
    Rule("nonce-missing", "OpenID request without nonce", "OIDC Core §3.1.2.1, RFC 9700 §2.1.1",
         "send an unguessable nonce and check it in the ID token"),
    Rule("implicit-grant", "implicit grant (token in the front channel)", "RFC 9700 §2.1.2",
         "use response_type=code with PKCE"),
    Rule("redirect-uri-http", "redirect_uri uses http on a non-loopback host", "RFC 9700 §2.6",
         "use https, or a loopback IP literal for a native app (RFC 8252 §7.3)"),
    Rule("redirect-uri-localhost", "redirect_uri uses 'localhost'", "RFC 8252 §8.3",
         "use the loopback IP literal 127.0.0.1 or [::1]", "info"),
    Rule("redirect-uri-fragment", "redirect_uri has a fragment", "RFC 6749 §3.1.2",
         "drop the '#…' part", "error"),
    Rule("tls-required", "OAuth endpoint reached over plain http", "RFC 6749 §3.1, §3.2",
         "use https (plain http is fine only on a loopback address)"),
    Rule("duplicate-parameter", "a parameter is sent more than once", "RFC 6749 §3.1, §3.2",
         "send each parameter once", "error"),
    Rule("client-secret-in-url", "client_secret in the URL", "RFC 6749 §2.3.1",
         "send the secret in the Authorization header (client_secret_basic)", "error"),
    Rule("token-in-query", "access token in the URL query", "RFC 6750 §2.3, RFC 9700 §4.3.2",
         "send it in the Authorization: Bearer header"),
    Rule("token-params-in-query", "token request parameters in the URL", "RFC 6749 §3.2",
         "send them in the POST body", "error"),
    Rule("token-request-method", "token request is not a POST", "RFC 6749 §3.2",
         "use POST", "error"),
    Rule("token-content-type", "token request body is neither form nor JSON", "RFC 6749 §4.1.3",
         "send Content-Type: application/x-www-form-urlencoded", "error"),
    Rule("client-auth-twice", "two client authentication methods in one request",
         "RFC 6749 §2.3", "use the Authorization header or client_secret in the body, not both",
         "error"),
)


def finding(rule_id: str, message: str | None = None) -> Finding:
    """A finding of rule `rule_id`; the message defaults to the rule's title."""
    rule = RULES[rule_id]
    return Finding(rule.id, message or rule.title, rule.rfc, rule.fix, rule.severity)


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request as sent or received, parsed once: every lint rule reads the same parts
    (the server lints every request it answers, so this is on its hot path)."""

    method: str
    url: str
    headers: Pairs = ()
    body: bytes = b""
    parts: tuple[str, str, str, str] = field(init=False)  # scheme, host (lower), path, query
    query: Pairs = field(init=False)
    content_type: str = field(init=False)
    body_params: Pairs = field(init=False)
    params: Pairs = field(init=False)  # query parameters, then body parameters

    def __post_init__(self) -> None:
        split = _split(self.url) or SplitResult("", "", "", "", "")
        parts = split.scheme.lower(), (split.hostname or "").lower(), split.path, split.query
        query = tuple(parse_qsl(parts[3], keep_blank_values=True))
        content_type = (self.header("content-type") or "").split(";")[0].strip().lower()
        body_params = _body_pairs(self.body, content_type)
        for name, value in (("parts", parts), ("query", query), ("content_type", content_type),
                            ("body_params", body_params), ("params", query + body_params)):
            object.__setattr__(self, name, value)

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)

    def get(self, name: str, source: Pairs | None = None) -> str | None:
        pairs = self.params if source is None else source
        return next((v for k, v in pairs if k == name and v != ""), None)


def _split(url: str) -> SplitResult | None:
    """`urlsplit(url)`, or None for what it refuses (`http://[::1`, `http://[x]/`)."""
    try:
        return urlsplit(url)
    except ValueError:
        return None


def _body_pairs(body: bytes, content_type: str) -> Pairs:
    """The body's parameters: a form, or the seed's JSON object (an authorization request may be
    a POST)."""
    if not body:
        return ()
    if content_type == "application/json":
        return _json_pairs(body)
    try:
        return tuple(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        return ()


def _json_pairs(body: bytes) -> Pairs:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # too deeply nested; UnicodeDecodeError is a ValueError
        return ()
    if not isinstance(data, dict):
        return ()
    return tuple((str(k), str(v)) for k, v in data.items() if isinstance(v, str | int | float))


def lint(method: str, url: str, headers: Iterable[tuple[str, str]] = (),
         body: bytes = b"") -> tuple[Finding, ...]:
    """Every finding for one request, in rule order."""
    try:
        request = Request(method.upper(), url, tuple(headers), body)
    except Exception:
        log.debug("lint: cannot read the request %s %r", method, url[:200], exc_info=True)
        return ()
    return lint_request(request)


def lint_request(request: Request) -> tuple[Finding, ...]:
    found: list[Finding] = []
    for check in CHECKS:
        _run(check, request, found)
    return tuple(found)


def _run(check: Check, request: Request, found: list[Finding]) -> None:
    """The findings of one rule group; a crash ends that group only (its findings so far
    stay)."""
    try:
        found.extend(check(request))
    except Exception:
        log.debug("lint: %s failed on %s %r", getattr(check, "__name__", check),
                  request.method, request.url[:200], exc_info=True)


def is_authorization_request(request: Request) -> bool:
    return request.get("response_type") is not None and request.get("grant_type") is None


def is_token_request(request: Request) -> bool:
    return request.get("grant_type") is not None


@lru_cache(maxsize=256)  # one host per server or client: parse it once
def is_loopback(host: str) -> bool:
    try:
        return ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


Check = Callable[[Request], Iterable[Finding]]


def _any_request(request: Request) -> Iterable[Finding]:
    query = dict(request.query)
    if "client_secret" in query:
        yield finding("client-secret-in-url", "client_secret is in the URL, where logs, "
                      "proxies and browser history keep it")
    if "access_token" in query:
        yield finding("token-in-query", "access_token is in the URL query, where logs and "
                      "the Referer header leak it")
    names = [k for k, _ in request.params]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice and (is_authorization_request(request) or is_token_request(request)):
        yield finding("duplicate-parameter", f"{', '.join(twice)} sent more than once")


def _transport(request: Request) -> Iterable[Finding]:
    scheme, host, _, _ = request.parts
    if scheme != "http" or is_loopback(host):
        return
    if is_authorization_request(request) or is_token_request(request):
        yield finding("tls-required", f"{request.method} to http://{host}: the request and its "
                      "answer (codes, tokens) travel unencrypted")


def _authorization(request: Request) -> Iterable[Finding]:
    if not is_authorization_request(request):
        return
    yield from _pkce(request)
    yield from _state_and_nonce(request)
    yield from _redirect_uri(request.get("redirect_uri"))


def _pkce(request: Request) -> Iterable[Finding]:
    challenge = request.get("code_challenge")
    method = request.get("code_challenge_method")
    response_types = (request.get("response_type") or "").split()
    if "token" in response_types:
        yield finding("implicit-grant", "response_type includes 'token': the access token "
                      "comes back in the URL fragment")
    if challenge is None:
        if "code" in response_types:
            yield finding("pkce-missing", "no code_challenge: a stolen or injected code can be "
                          "redeemed by anyone")
        return
    if method is None:
        yield finding("pkce-method-missing", "code_challenge_method is missing, so it defaults "
                      "to 'plain'")
    elif method == "plain":
        yield finding("pkce-plain", "code_challenge_method=plain sends the verifier itself")
    elif method != "S256":
        yield finding("pkce-method-spelling", _method_message(method))
    if method not in (None, "plain"):
        yield from _challenge_encoding(challenge)


def _method_message(method: str) -> str:
    if method.upper().replace("-", "").replace("_", "") == "SHA256":
        return (f"code_challenge_method {method!r} is not defined by RFC 7636; the name of the "
                "SHA-256 transform is 'S256' (strict servers refuse it)")
    return f"code_challenge_method {method!r} is not defined; RFC 7636 defines 'S256' and 'plain'"


def _challenge_encoding(challenge: str) -> Iterable[Finding]:
    if S256_CHALLENGE.fullmatch(challenge):
        return
    if SEED_CHALLENGE.fullmatch(challenge):
        yield finding("pkce-challenge-encoding", "code_challenge is padded standard base64 "
                      "(btoa): it ends with '=' and may hold '+' or '/'; RFC 7636 wants "
                      "BASE64URL without padding")
        return
    yield finding("pkce-challenge-encoding", f"code_challenge has {len(challenge)} characters "
                  "or characters outside A-Z a-z 0-9 - _; an S256 challenge is 43 base64url "
                  "characters")


def _state_and_nonce(request: Request) -> Iterable[Finding]:
    pkce = request.get("code_challenge") is not None
    response_types = (request.get("response_type") or "").split()
    if request.get("state") is None:
        if pkce:
            yield Finding("state-missing", "no state: PKCE protects against CSRF only if the "
                          "server enforces it", RULES["state-missing"].rfc,
                          RULES["state-missing"].fix, "info")
        else:
            yield finding("state-missing", "no state and no PKCE: nothing binds the callback "
                          "to this user agent (CSRF)")
    openid = "openid" in (request.get("scope") or "").split()
    if not openid or request.get("nonce") is not None:
        return
    if "id_token" in response_types:
        yield Finding("nonce-missing", "nonce is REQUIRED when the ID token comes back from the "
                      "authorization endpoint", RULES["nonce-missing"].rfc,
                      RULES["nonce-missing"].fix, "error")
    elif not pkce:
        yield finding("nonce-missing", "openid without nonce or PKCE: nothing stops an injected "
                      "code")


def _redirect_uri(uri: str | None) -> Iterable[Finding]:
    parts = None if uri is None else _split(uri)
    if uri is None or parts is None:
        return
    if "#" in uri:
        yield finding("redirect-uri-fragment")
    host = (parts.hostname or "").lower()
    if parts.scheme == "http" and host == "localhost":
        yield finding("redirect-uri-localhost", f"{uri}: 'localhost' may resolve elsewhere or "
                      "be blocked by a firewall")
    elif parts.scheme == "http" and not is_loopback(host):
        yield finding("redirect-uri-http", f"{uri}: the code travels unencrypted")


def _token(request: Request) -> Iterable[Finding]:
    if not is_token_request(request):
        return
    yield from _token_transport(request)
    grant = request.get("grant_type")
    if grant == "authorization_code":
        yield from _code_grant(request)
    auth = (request.header("authorization") or "")[:6].lower() == "basic "
    if auth and request.get("client_secret", request.body_params) is not None:
        yield finding("client-auth-twice")


def _token_transport(request: Request) -> Iterable[Finding]:
    if request.method != "POST":
        yield finding("token-request-method", f"{request.method} to the token endpoint")
    sensitive = {"code", "code_verifier", "refresh_token", "grant_type"}
    in_query = [k for k, _ in request.query if k in sensitive]
    if in_query and request.method == "POST":
        yield finding("token-params-in-query", f"{', '.join(in_query)} in the URL query")
    if request.content_type == "application/json":
        yield finding("token-json-body", "the request body is JSON; RFC 6749 §4.1.3 says "
                      "application/x-www-form-urlencoded (strict servers answer 400)")
    elif request.body and request.content_type != "application/x-www-form-urlencoded":
        yield finding("token-content-type", f"Content-Type {request.content_type or '(none)'!r}")


def _code_grant(request: Request) -> Iterable[Finding]:
    if request.get("scope") is not None:
        yield finding("token-scope-ignored", "scope is not a parameter of the "
                      "authorization_code token request; servers ignore or refuse it")
    verifier = request.get("code_verifier")
    if verifier is None:
        yield finding("code-without-verifier", "no code_verifier: the code was not bound to "
                      "this client with PKCE, or the verifier was left out")
    elif not VERIFIER_GRAMMAR.fullmatch(verifier):
        yield finding("pkce-verifier-grammar", f"code_verifier has {len(verifier)} characters "
                      "or characters outside the unreserved set")


CHECKS: Sequence[Check] = (_transport, _any_request, _authorization, _token)


def merge(existing: Iterable[Finding], more: Iterable[Finding]) -> list[Finding]:
    """`existing` plus each finding of `more` whose rule is not there yet."""
    out = list(existing)
    seen = {f.rule for f in out}
    out.extend(f for f in more if f.rule not in seen)
    return out
