"""Pushed Authorization Requests, RFC 9126: post the authorization parameters first.

§2.1: a POST to the `pushed_authorization_request_endpoint` (§5) with the parameters as a form
body and the client authenticated as at the token endpoint. §2.2: 201 with a `request_uri` and
its `expires_in`; §2.3: errors as at the token endpoint (RFC 6749 §5.2). §4: the browser then
visits the authorization endpoint with only `client_id` and `request_uri`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from playground.core.flowerrors import AuthorizeUrlError, oauth_error
from playground.core.protocol import token
from playground.core.protocol.authorize import Param
from playground.core.protocol.wire import HttpRequest, json_object


@dataclass(frozen=True, slots=True)
class PushedRequest:
    """§2.2: the reference to the pushed request and how long it lives."""

    request_uri: str
    expires_in: int | None


def build_par_request(endpoint: str, params: Sequence[tuple[str, str]], auth: token.ClientAuth
                      ) -> HttpRequest:
    """§2.1: the parameters as a form body, with the token endpoint's client authentication."""
    return token.build_token_request(endpoint, params, auth)


def parse_par_response(status: int, content_type: str | None, body: bytes) -> PushedRequest:
    """§2.2 (201 Created) or the §2.3 error, as an `AuthorizeUrlError` naming the code."""
    data = json_object(body, content_type, what="the PAR response", error=AuthorizeUrlError)
    uri = data.get("request_uri")
    if status not in (200, 201) or "error" in data or not isinstance(uri, str) or not uri:
        code, text = str(data.get("error") or ""), str(data.get("error_description") or "")
        message = f"the PAR endpoint answered {code or 'without a request_uri'} (HTTP {status})"
        message += f": {text}" if text else ""
        raise AuthorizeUrlError(message, rfc="RFC 9126 §2.3",
                                oauth=oauth_error(code, text) if code else None)
    expires = data.get("expires_in")
    return PushedRequest(uri, int(expires) if isinstance(expires, int | float) else None)


def front_params(client_id: str, request_uri: str) -> list[Param]:
    """§4: what the browser carries to the authorization endpoint."""
    return [Param("client_id", client_id), Param("request_uri", request_uri)]
