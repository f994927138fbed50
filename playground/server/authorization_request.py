"""A validated authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3, OIDC Core §3.1.2.1).

What `authorize.validate` makes of the query once every check passed, and what a pending
interaction (`sessions.Interaction`) carries until the user has signed in and consented. Its own
module, so that the two modules need not import each other.
"""

from __future__ import annotations

from dataclasses import dataclass

from playground.server.clients import Client


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    client: Client
    redirect_uri: str
    redirect_uri_given: bool
    state: str | None
    scopes: tuple[str, ...]
    challenge: str | None
    method: str | None
    nonce: str | None
    prompts: frozenset[str]
    login_hint: str | None
    max_age: int | None = None
    dpop_jkt: str | None = None  # RFC 9449 §10: the key the code will be bound to
