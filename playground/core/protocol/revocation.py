"""Token revocation (RFC 7009) and introspection (RFC 7662): build the request, parse the answer.

RFC 7009 §2.1: POST `token` (and an optional `token_type_hint`) form-encoded to the revocation
endpoint, with the client's authentication; §2.2: 200 means revoked or already invalid (the
client cannot tell, on purpose); §2.2.1: errors per RFC 6749 §5.2.
RFC 7662 §2.1: POST `token` to the introspection endpoint; §2.2: a JSON object whose `active`
says whether the token is live, with its claims when it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from playground.core.flowerrors import TokenEndpointError, oauth_error
from playground.core.protocol.token import ClientAuth, build_token_request
from playground.core.protocol.wire import HttpRequest, json_object

TokenTypeHint = Literal["access_token", "refresh_token"]


def build_revocation_request(
    endpoint: str, token: str, auth: ClientAuth, hint: TokenTypeHint | None = None
) -> HttpRequest:
    fields = [("token", token)] + ([("token_type_hint", hint)] if hint else [])
    return build_token_request(endpoint, fields, auth)


def parse_revocation_response(status: int, content_type: str | None, body: bytes) -> None:
    """§2.2: 200 is success whatever the body; anything else is an error (§2.2.1)."""
    if status == 200:
        return
    raise _error("the revocation endpoint", status, content_type, body, "RFC 7009 §2.2.1")


@dataclass(frozen=True, slots=True)
class Introspection:
    active: bool
    claims: dict[str, Any]


def build_introspection_request(
    endpoint: str, token: str, auth: ClientAuth, hint: TokenTypeHint | None = None
) -> HttpRequest:
    fields = [("token", token)] + ([("token_type_hint", hint)] if hint else [])
    return build_token_request(endpoint, fields, auth)


def parse_introspection_response(
    status: int, content_type: str | None, body: bytes
) -> Introspection:
    """§2.2: `active` is REQUIRED and boolean; the other members describe a live token."""
    if status != 200:
        raise _error("the introspection endpoint", status, content_type, body, "RFC 7662 §2.3")
    data = json_object(
        body, content_type, what="the introspection response", error=TokenEndpointError
    )
    if not isinstance(data.get("active"), bool):
        raise TokenEndpointError(
            "the introspection response has no boolean 'active'", rfc="RFC 7662 §2.2"
        )
    return Introspection(data["active"], data)


def _error(
    where: str, status: int, content_type: str | None, body: bytes, rule: str
) -> TokenEndpointError:
    try:
        data = json_object(body, content_type, what=where, error=TokenEndpointError)
    except TokenEndpointError:
        data = {}
    code = str(data.get("error") or "")
    description = str(data.get("error_description") or "")
    text = f"{where} answered HTTP {status}" + (f" {code}" if code else "")
    text += f": {description}" if description else ""
    return TokenEndpointError(
        text, rfc=rule, oauth=oauth_error(code, description) if code else None
    )
