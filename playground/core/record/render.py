"""Plain-text rendering of a flow for terminals and logs: steps, HTTP messages, token checks.

HTTP messages print as on the wire (RFC 9112 §3 request line, §4 status line, then the header
fields in order with duplicates, a blank line, the body). Bodies that are not UTF-8 text print
as a byte count; long bodies are cut with the number of bytes left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from playground.core.checks import CheckResult
from playground.core.jose.jwt import Inspection, TokenFormatError, Verification, inspect
from playground.core.record.exchange import Exchange

if TYPE_CHECKING:
    from playground.core.flow.flowspec import StepSpec

BODY_LIMIT = 4000
# the JWTs a hardened client sends, decoded under the request (nothing verified: for reading)
SENT_JWTS = {"client_assertion": "client assertion (RFC 7523 §2.2)",
             "request": "request object (RFC 9101 §4)"}
MARKS = {"pass": "PASS", "fail": "FAIL", "skip": "skip"}


def exchange_text(exchange: Exchange, *, body_limit: int = BODY_LIMIT) -> str:
    """The request and the response of one exchange, as they went over the wire."""
    lines = [f"--> #{exchange.seq} [{exchange.step}] {_request_line(exchange)}"]
    lines += _headers(exchange.request_headers)
    lines += _body(exchange.request_body, body_limit)
    lines += sent_jwt_lines(exchange.request_headers, exchange.request_body)
    if exchange.status is None:
        lines.append(f"<-- no response: {exchange.error}")
    else:
        status = f"{exchange.status} {_reason(exchange.status)}".rstrip()
        lines.append(f"<-- HTTP/1.1 {status} ({exchange.duration_ms:.1f} ms)")
        lines += _headers(exchange.response_headers)
        lines += _body(exchange.response_body, body_limit)
    if exchange.trace is not None:
        lines += _trace(exchange)
    return "\n".join(lines)


def sent_jwt_lines(headers: Iterable[tuple[str, str]], body: bytes) -> list[str]:
    """The DPoP proof (RFC 9449 §4.2), client assertion and request object a request carries,
    each decoded: header and claims as compact JSON."""
    found = [("DPoP proof (RFC 9449 §4.2)", v) for k, v in headers if k.lower() == "dpop"]
    try:
        fields = parse_qsl(body.decode("ascii"), keep_blank_values=True) if body else []
    except (UnicodeDecodeError, ValueError):
        fields = []
    found += [(SENT_JWTS[k], v) for k, v in fields if k in SENT_JWTS]
    lines: list[str] = []
    for title, token in found:
        lines += _decoded_jwt(title, token)
    return lines


def _decoded_jwt(title: str, token: str) -> list[str]:
    try:
        found = inspect(token)
    except TokenFormatError:
        return []
    return [f"    decoded {title}:", f"      header: {json.dumps(found.header)}",
            f"      claims: {json.dumps(found.claims)}"]


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _request_line(exchange: Exchange) -> str:
    parts = urlsplit(exchange.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return f"{exchange.method} {target} HTTP/1.1"


def _headers(headers: Iterable[tuple[str, str]]) -> list[str]:
    return [f"    {name}: {value}" for name, value in headers]


def _body(body: bytes, limit: int) -> list[str]:
    if not body:
        return []
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return ["", f"    <{len(body)} bytes of binary data>"]
    if len(text) > limit:
        text = text[:limit] + f"\n… ({len(text) - limit} more characters)"
    return ["", *(f"    {line}" for line in text.splitlines())]


def _trace(exchange: Exchange) -> list[str]:
    trace = exchange.trace
    assert trace is not None
    lines = [f"    server decision: {trace.outcome}" + (f" ({trace.error})" if trace.error else "")]
    failed = trace.failed_check
    if failed is not None:
        lines.append(f"    failed check: {failed.name}: {failed.detail} {failed.rfc}".rstrip())
    lines += [f"    lint: {f.message} ({f.rfc}); fix: {f.fix}" for f in trace.findings]
    return lines


def check_text(check: CheckResult) -> str:
    rule = f"  [{check.rfc}]" if check.rfc else ""
    return f"  {MARKS[check.status]}  {check.name}: {check.reason}{rule}"


def inspection_text(found: Inspection) -> str:
    """Header and claims, one per line, with readable times and each claim's meaning."""
    lines = ["  header:"]
    lines += [f"    {v.name}: {json.dumps(v.value)}" for v in found.header_views]
    lines.append("  claims:")
    for view in found.claim_views:
        when = f" ({view.readable})" if view.readable else ""
        lines.append(f"    {view.name}: {json.dumps(view.value)}{when}  — {view.meaning}")
    return "\n".join(lines)


def verification_text(title: str, verification: Verification) -> str:
    lines = [f"{title}: {verification.summary().removeprefix(verification.kind + ': ')}"]
    if verification.inspection is not None:
        lines.append(inspection_text(verification.inspection))
    lines.append("  checks:")
    lines += [f"  {check_text(c)}" for c in verification.checks]
    return "\n".join(lines)


def outcome_text(step: StepSpec[Any], outcome: Any) -> list[str]:
    """What a finished step produced, in the few lines its spec renders."""
    return [] if outcome is None else step.render(outcome)


def discovery_lines(meta: Any) -> list[str]:
    return [
        f"  issuer: {meta.issuer}",
        f"  authorization_endpoint: {meta.authorization_endpoint}",
        f"  token_endpoint: {meta.token_endpoint}",
        f"  jwks_uri: {meta.jwks_uri}",
        f"  iss in authorization responses (RFC 9207): {meta.iss_in_response}",
        *([f"  end_session_endpoint: {meta.end_session_endpoint}"]
          if getattr(meta, "end_session_endpoint", None) else []),
    ]


def pkce_lines(derived: Any) -> list[str]:
    return [
        f"  code_verifier: {derived.verifier}",
        f"  ASCII bytes (hex): {derived.verifier_bytes_hex}",
        f"  SHA-256 (hex): {derived.digest_hex or '(plain: no hash)'}",
        f"  code_challenge ({derived.method}, base64url): {derived.challenge}",
    ]


def authorize_lines(request: Any) -> list[str]:
    rows = [f"    {p.name} = {p.value}" for p in request.params if p.enabled]
    lines = ["  parameters:", *rows]
    if getattr(request, "request_object", None):
        lines += _decoded_jwt("request object (RFC 9101 §4)", request.request_object)
    if getattr(request, "request_uri", None):
        lines.append(f"  pushed (RFC 9126 §2): request_uri = {request.request_uri}")
    return [*lines, f"  URL: {request.url}"]


def user_agent_lines(outcome: Any) -> list[str]:
    lines = [f"  mode: {outcome.mode}"]
    for it in outcome.interactions:
        scopes = ", ".join(s.name for s in it.scopes)
        who = f"client {it.client.get('id')}" + (" (first party)" if it.first_party else "")
        lines.append(f"  {it.prompt} prompt for {who}" + (f"; scopes: {scopes}" if scopes else ""))
    lines.append(f"  redirect captured (not followed): {outcome.redirect_url}")
    return lines


def callback_lines(outcome: Any) -> list[str]:
    response = outcome.response
    lines = [f"  {name} = {value}" for name, value in response.params]
    return lines + [check_text(c) for c in outcome.checks]


def token_lines(outcome: Any) -> list[str]:
    answer = outcome.response
    lines = [f"  token_type: {answer.token_type}, expires_in: {answer.expires_in}"]
    lines.append(f"  scope: {answer.scope or '(not in the answer: as requested, RFC 6749 §5.1)'}")
    lines.append(f"  refresh_token: {'received' if answer.refresh_token else 'none'}")
    request = getattr(outcome, "request", None)
    if request is not None and request.header("DPoP"):
        bound = answer.token_type.lower() == "dpop"
        lines.append("  DPoP-bound to the proof's key (RFC 9449 §5)" if bound else
                     f"  DPoP proof sent, but token_type is {answer.token_type}: the token "
                     "is not bound to the key (RFC 9449 §5)")
    return lines


def tokens_lines(outcome: Any) -> list[str]:
    lines = [check_text(c) for c in outcome.checks]
    if outcome.id_token is not None:
        lines.append(verification_text("id_token", outcome.id_token))
    lines.append(verification_text("access_token", outcome.access_token))
    return lines


def userinfo_lines(info: Any) -> list[str]:
    lines = [f"  {name}: {json.dumps(value)}" for name, value in info.claims.items()]
    return [*lines, check_text(info.sub_check)]


def introspection_lines(found: Any) -> list[str]:
    """RFC 7662 §2.2: active, and what the provider says about the token."""
    lines = [f"  active: {str(found.active).lower()}"]
    return lines + [f"  {name}: {json.dumps(value)}" for name, value in found.claims.items()
                    if name != "active"]


def subject_lines(subject: Any) -> list[str]:
    """RFC 8693 §2.1: the token to exchange, its type, and what it says about whom."""
    lines = [f"  from: {subject.source}", f"  subject_token_type: {subject.token_type}"]
    shown = ("sub", "client_id", "aud", "scope", "act")
    lines += [f"  {name}: {json.dumps(subject.claims[name])}" for name in shown
              if name in subject.claims]
    return lines if subject.claims else [*lines, "  (opaque: only its issuer can read it)"]

