"""The token request and response: RFC 6749 §4.1.3 (code), §6 (refresh), §5.1/§5.2 (answers).

The body is `application/x-www-form-urlencoded` as §4.1.3 requires, or the seed's JSON body
(its `fetch` posts `JSON.stringify({code, client_id, grant_type, redirect_uri, code_verifier,
scope})`) to reproduce it. Client authentication per §2.3.1: `none` (public client, client_id
in the body), `client_secret_basic` (HTTP Basic of the form-encoded id and secret) or
`client_secret_post` (both in the body); `private_key_jwt` and `client_secret_jwt` (RFC 7523
§2.2, OIDC Core §9) send `client_assertion_type` and a signed `client_assertion` that the flow
layer builds (playground.core.jose.assertion).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote_plus, urlencode

from playground.core.flowerrors import TokenEndpointError, oauth_error
from playground.core.protocol.wire import HttpRequest, json_object

AuthMethod = Literal["none", "client_secret_basic", "client_secret_post", "private_key_jwt",
                     "client_secret_jwt"]
AUTH_METHODS: tuple[AuthMethod, ...] = ("none", "client_secret_basic", "client_secret_post",
                                        "private_key_jwt", "client_secret_jwt")
JWT_METHODS: tuple[AuthMethod, ...] = ("private_key_jwt", "client_secret_jwt")
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"  # RFC 7523 §2.2
BodyFormat = Literal["form", "json"]
Fields = list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class ClientAuth:
    client_id: str
    client_secret: str | None = None
    method: AuthMethod = "none"
    assertion: str | None = None  # the signed JWT of a private_key_jwt / client_secret_jwt


def code_grant_fields(
    *, code: str, redirect_uri: str | None, code_verifier: str | None, scope: str | None = None
) -> Fields:
    """§4.1.3 + RFC 7636 §4.5, in the seed's order; `scope` only to reproduce the seed."""
    rows = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("code_verifier", code_verifier),
        ("scope", scope),
    ]
    return [(k, v) for k, v in rows if v]


def client_credentials_fields(scope: str | None = None) -> Fields:
    """RFC 6749 §4.4.2: grant_type=client_credentials and an optional scope."""
    return [("grant_type", "client_credentials"), *([("scope", scope)] if scope else [])]


def refresh_grant_fields(refresh_token: str, scope: str | None = None) -> Fields:
    """§6: grant_type=refresh_token, refresh_token, optional narrower scope."""
    rows = [("grant_type", "refresh_token"), ("refresh_token", refresh_token), ("scope", scope)]
    return [(k, v) for k, v in rows if v]


def build_token_request(
    endpoint: str, fields: Sequence[tuple[str, str]], auth: ClientAuth, body: BodyFormat = "form"
) -> HttpRequest:
    """The POST to the token endpoint, with client authentication applied (§2.3.1)."""
    rows, headers = _authenticate(list(fields), auth)
    if body == "json":
        content = json.dumps(dict(rows)).encode()
        headers += [("Content-Type", "application/json"), ("Accept", "application/json")]
    else:
        content = urlencode(rows).encode()
        headers += [
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Accept", "application/json"),
        ]
    return HttpRequest("POST", endpoint, tuple(headers), content, tuple(rows))


def _authenticate(rows: Fields, auth: ClientAuth) -> tuple[Fields, list[tuple[str, str]]]:
    rows = [(k, v) for k, v in rows if k not in ("client_id", "client_secret",
                                                  "client_assertion_type", "client_assertion")]
    if auth.method == "client_secret_basic":
        return rows, [("Authorization", basic_authorization(auth.client_id, auth.client_secret))]
    rows.insert(1, ("client_id", auth.client_id))
    if auth.method == "client_secret_post":
        rows.insert(2, ("client_secret", auth.client_secret or ""))
    if auth.method in JWT_METHODS:
        rows[2:2] = assertion_fields(auth.assertion or "")
    return rows, []


def assertion_fields(assertion: str) -> Fields:
    """RFC 7523 §2.2: the JWT and its type; the client_id stays (OIDC Core §9 allows it)."""
    return [("client_assertion_type", ASSERTION_TYPE), ("client_assertion", assertion)]


def basic_authorization(client_id: str, client_secret: str | None) -> str:
    """§2.3.1: each of id and secret form-urlencoded, joined by ':', then base64."""
    pair = f"{quote_plus(client_id)}:{quote_plus(client_secret or '')}"
    return "Basic " + base64.b64encode(pair.encode()).decode("ascii")


@dataclass(frozen=True, slots=True)
class TokenResponse:
    """§5.1: the successful answer; `raw` keeps every member for display."""

    access_token: str
    token_type: str
    expires_in: int | None
    refresh_token: str | None
    id_token: str | None
    scope: str | None
    raw: dict[str, Any]


def parse_token_response(status: int, content_type: str | None, body: bytes) -> TokenResponse:
    """§5.1 on 200, §5.2 otherwise; raise `TokenEndpointError` with the server's error code."""
    data = json_object(body, content_type, what="the token response", error=TokenEndpointError)
    if status != 200 or "error" in data:
        raise _error_from(status, data)
    return _success(data)


def _error_from(status: int, data: dict[str, Any]) -> TokenEndpointError:
    code = str(data.get("error") or "")
    description = str(data.get("error_description") or "")
    if not code:
        return TokenEndpointError(
            f"the token endpoint answered HTTP {status} without an error code", rfc="RFC 6749 §5.2"
        )
    text = f"the token endpoint answered {code} (HTTP {status})"
    text += f": {description}" if description else ""
    return TokenEndpointError(text, rfc="RFC 6749 §5.2", oauth=oauth_error(code, description))


def _success(data: dict[str, Any]) -> TokenResponse:
    token, kind = data.get("access_token"), data.get("token_type")
    if not isinstance(token, str) or not token:
        raise TokenEndpointError("the token response has no access_token", rfc="RFC 6749 §5.1")
    if not isinstance(kind, str):
        raise TokenEndpointError("the token response has no token_type", rfc="RFC 6749 §5.1")
    expires = data.get("expires_in")
    return TokenResponse(
        access_token=token,
        token_type=kind,
        expires_in=int(expires) if isinstance(expires, int | float) else None,
        refresh_token=_text(data.get("refresh_token")),
        id_token=_text(data.get("id_token")),
        scope=_text(data.get("scope")),
        raw=data,
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
