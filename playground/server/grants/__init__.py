"""The grants the token endpoint knows, one class each, in a registry.

The endpoint looks a request's `grant_type` up here (unknown: `unsupported_grant_type`, RFC 6749
§5.2), and discovery's `grant_types_supported` (RFC 8414 §2) is this registry's keys, so the two
never disagree. Adding a grant is one module and one line below.
"""

from __future__ import annotations

from playground.server.grants.authorization_code import AuthorizationCodeGrant
from playground.server.grants.base import TokenGrant
from playground.server.grants.client_credentials import ClientCredentialsGrant
from playground.server.grants.device_code import DeviceCodeGrant
from playground.server.grants.refresh_token import RefreshTokenGrant
from playground.server.grants.token_exchange import TokenExchangeGrant

GRANTS: dict[str, TokenGrant] = {
    grant.grant_type: grant
    for grant in (AuthorizationCodeGrant(), RefreshTokenGrant(), ClientCredentialsGrant(),
                  TokenExchangeGrant(), DeviceCodeGrant())
}

__all__ = ["GRANTS", "TokenGrant"]
