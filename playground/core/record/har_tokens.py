"""The tokens a recorded sign-in obtained, and what verifying them needs, found in its exchanges.

For a HAR of someone's own app (playground.core.record.har_import): the last successful token
response (RFC 6749 §5.1: `access_token`, `id_token`, `refresh_token`), the client it was issued
to (the token request's `client_id` or HTTP Basic user, RFC 6749 §2.3.1; else the authorization
request's), the `nonce` that request sent (OIDC Core §3.1.2.1), the issuer and `jwks_uri` from a
discovery response (OIDC Discovery §3), and the JWK Set itself when the browser fetched it.
Pure data: verifying is the caller's (playground.core.jose.tokenverify).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlsplit

from playground.core.record.exchange import Exchange
from playground.core.record.har import REDACTED, basic_credentials

WELL_KNOWN = ("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server")


@dataclass(frozen=True, slots=True)
class FoundTokens:
    access_token: str | None = None
    id_token: str | None = None
    refresh_token: str | None = None
    token_seq: int | None = None  # the exchange that obtained them
    client_id: str | None = None
    nonce: str | None = None
    issuer: str | None = None
    jwks_uri: str | None = None
    jwks: dict[str, Any] | None = None  # when the recording holds the JWK Set


def found_tokens(exchanges: Iterable[Exchange]) -> FoundTokens:
    recorded = list(exchanges)
    answer = next((e for e in reversed(recorded) if _token_answer(e) is not None), None)
    if answer is None:
        return FoundTokens()
    body = _token_answer(answer) or {}
    meta = next((m for m in map(_metadata, reversed(recorded)) if m), {})
    jwks_uri = meta.get("jwks_uri") if isinstance(meta.get("jwks_uri"), str) else None
    return FoundTokens(
        access_token=_text(body, "access_token"), id_token=_text(body, "id_token"),
        refresh_token=_text(body, "refresh_token"), token_seq=answer.seq,
        client_id=_client_id(answer) or _authorize_param(recorded, "client_id"),
        nonce=_authorize_param(recorded, "nonce"),
        issuer=meta.get("issuer") if isinstance(meta.get("issuer"), str) else None,
        jwks_uri=jwks_uri, jwks=_jwks(recorded, jwks_uri))


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def _text(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    return value if isinstance(value, str) and value and value != REDACTED else None


def _token_answer(exchange: Exchange) -> dict[str, Any] | None:
    """RFC 6749 §5.1: a 200 JSON object with an access_token, to a POST with grant_type."""
    if exchange.method != "POST" or exchange.status != 200 or b"grant_type" not in \
            exchange.request_body:
        return None
    data = _json(exchange.response_body)
    return data if isinstance(data, dict) and _text(data, "access_token") else None


def _client_id(exchange: Exchange) -> str | None:
    form = dict(parse_qsl(exchange.request_body.decode("utf-8", "replace")))
    if form.get("client_id"):
        return form["client_id"]
    scheme, _, credentials = (exchange.request_header("authorization") or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    found = basic_credentials(credentials)
    return unquote_plus(found[0]) or None if found else None


def _authorize_param(exchanges: list[Exchange], name: str) -> str | None:
    for exchange in reversed(exchanges):
        query = dict(parse_qsl(urlsplit(exchange.url).query))
        if "response_type" in query and query.get(name):
            return query[name]
    return None


def _metadata(exchange: Exchange) -> dict[str, Any]:
    if exchange.status != 200 or not urlsplit(exchange.url).path.endswith(WELL_KNOWN):
        return {}
    data = _json(exchange.response_body)
    return data if isinstance(data, dict) else {}


def _jwks(exchanges: list[Exchange], jwks_uri: str | None) -> dict[str, Any] | None:
    for exchange in reversed(exchanges):
        named = jwks_uri is not None and exchange.url == jwks_uri
        if exchange.status == 200 and (named or urlsplit(exchange.url).path.endswith("jwks")):
            data = _json(exchange.response_body)
            if isinstance(data, dict) and isinstance(data.get("keys"), list):
                return data
    return None
