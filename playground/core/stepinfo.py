"""The static description of the flow's steps: title, explanation, rule, inputs, dependencies.

Kept apart from session.py so a UI can list the steps and their explanations without running
anything. `ClientConfig` is the client the flow acts as; its defaults are the seed's client
(seeds/auth_code_pkce.md): a public 'browser' client, auth method none, no registered secret use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playground.core import jwt
from playground.core.token import AuthMethod, BodyFormat

SEED_CLIENT_ID = "c02d5bf5-993e-4c6a-a248-6c307cc7681b"
SEED_REDIRECT_URI = "http://client.server.com/callback"
SEED_SCOPE = "openid email profile offline_access"


@dataclass(frozen=True, slots=True)
class ClientConfig:
    issuer: str
    client_id: str = SEED_CLIENT_ID
    client_secret: str | None = None
    auth_method: AuthMethod = "none"
    redirect_uri: str | None = SEED_REDIRECT_URI
    scope: str = SEED_SCOPE
    token_body: BodyFormat = "form"


@dataclass(frozen=True, slots=True)
class StepInfo:
    title: str
    explanation: str
    rfc: str
    requires: tuple[str, ...] = ()


STEP_INFO: dict[str, StepInfo] = {
    "discovery": StepInfo(
        "Discovery",
        "Fetch the provider's metadata: where to send the user, where to redeem the code, which "
        "keys sign its tokens. The document's issuer must be exactly the one asked for.",
        "RFC 8414 §3, OIDC Discovery §4",
    ),
    "pkce": StepInfo(
        "PKCE verifier and challenge",
        "Make a one-time secret (the code_verifier) and send only its SHA-256 hash (the "
        "code_challenge). Whoever redeems the code must show the secret, so a stolen code is "
        "useless.",
        "RFC 7636 §4.1-§4.2",
    ),
    "authorize_url": StepInfo(
        "Authorization request",
        "Build the URL the user's browser visits: who the client is, where to come back, what "
        "it asks for, a state against CSRF, the PKCE challenge, and a nonce for the ID token.",
        "RFC 6749 §4.1.1, RFC 7636 §4.3",
        ("discovery", "pkce"),
    ),
    "user_agent": StepInfo(
        "User signs in and consents",
        "The browser visits the authorize URL; the user signs in and approves (or denies) the "
        "scopes; the server redirects back to the client's redirect_uri.",
        "RFC 6749 §4.1.1-§4.1.2",
        ("authorize_url",),
    ),
    "callback": StepInfo(
        "Callback",
        "Read code, state and iss from the redirect. The state must be the one sent (else "
        "'State mismatch', CSRF) and iss the expected issuer (else a mix-up attack).",
        "RFC 6749 §4.1.2, §10.12, RFC 9207 §2.4",
        ("discovery", "authorize_url", "user_agent"),
    ),
    "token": StepInfo(
        "Token request",
        "Redeem the code at the token endpoint, back-channel, with the code_verifier that "
        "proves this client started the flow.",
        "RFC 6749 §4.1.3, §5.1, §5.2, RFC 7636 §4.5",
        ("discovery", "pkce", "authorize_url", "callback"),
    ),
    "tokens": StepInfo(
        "Verify tokens",
        "Check the ID token's signature against the provider's JWKS, then its issuer, "
        "audience, expiry, nonce and at_hash. A decoded token is not a verified token.",
        "OIDC Core §3.1.3.7, RFC 9068 §4",
        ("discovery", "authorize_url", "token"),
    ),
    "userinfo": StepInfo(
        "UserInfo",
        "Call the UserInfo endpoint with the access token; its sub must equal the ID token's.",
        "OIDC Core §5.3",
        ("discovery", "token"),
    ),
}
STEP_KEYS: tuple[str, ...] = tuple(STEP_INFO)


def default_inputs(config: ClientConfig) -> dict[str, dict[str, Any]]:
    """Every step's editable inputs; None means 'derive it' (a fresh state, the verifier …)."""
    return {
        "discovery": {"issuer": config.issuer},
        "pkce": {"method": "S256", "length": 64, "verifier": None},
        "authorize_url": {
            "client_id": config.client_id,
            "redirect_uri": config.redirect_uri,
            "scope": config.scope,
            "state": None,
            "nonce": None,
            "response_type": "code",
            "extra": [],
            "params": None,
        },
        "user_agent": {"redirect_url": None},
        "callback": {
            "redirect_url": None,
            "expected_state": None,
            "expected_issuer": None,
            "iss_required": None,
        },
        "token": {
            "client_id": config.client_id,
            "client_secret": config.client_secret,
            "auth_method": config.auth_method,
            "body_format": config.token_body,
            "code": None,
            "code_verifier": None,
            "redirect_uri": None,
            "send_scope": None,
            "fields": None,
        },
        "tokens": {"leeway": 60.0, "algorithms": jwt.DEFAULT_ALGORITHMS},
        "userinfo": {},
    }
