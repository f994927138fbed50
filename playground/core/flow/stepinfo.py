"""The client a flow acts as. `ClientConfig`'s defaults are the seed's client
(seeds/auth_code_pkce.md): a public 'browser' client, auth method none, no registered secret use.
What each flow's steps are is in `playground.core.flows`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from playground.core.protocol.token import AuthMethod, BodyFormat

AssertionAudience = Literal["issuer", "token_endpoint"]

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
    post_logout_redirect_uri: str | None = None  # OIDC RP-Initiated Logout §3 (registered)
    par: bool = False  # push the authorization request first (RFC 9126)
    dpop: bool = False  # sender-constrain the tokens with DPoP proofs (RFC 9449)
    request_object: bool = False  # send the parameters as a signed JWT (RFC 9101)
    client_key: str | None = None  # the private key (PEM or JWK) of private_key_jwt / JAR
    assertion_audience: AssertionAudience = "issuer"  # the `aud` of client assertions
    ca_file: str | None = None  # PEM CA certificates trusted beside the system's (TLS)
