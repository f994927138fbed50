"""The flows the engine knows, each one `FlowSpec` (see `playground.core.flow.flowspec`)."""

from __future__ import annotations

from playground.core.flow.flowspec import FlowSpec
from playground.core.flows.auth_code import AUTH_CODE_PKCE
from playground.core.flows.client_credentials import CLIENT_CREDENTIALS
from playground.core.flows.device_code import DEVICE_CODE
from playground.core.flows.logout import LOGOUT_FLOW
from playground.core.flows.refresh import REFRESH
from playground.core.flows.token_exchange import TOKEN_EXCHANGE

FLOWS: dict[str, FlowSpec] = {
    spec.name: spec
    for spec in (AUTH_CODE_PKCE, CLIENT_CREDENTIALS, TOKEN_EXCHANGE, REFRESH, LOGOUT_FLOW,
                 DEVICE_CODE)
}
DEFAULT_FLOW = AUTH_CODE_PKCE

__all__ = ["AUTH_CODE_PKCE", "CLIENT_CREDENTIALS", "DEFAULT_FLOW", "DEVICE_CODE", "FLOWS",
           "LOGOUT_FLOW", "REFRESH", "TOKEN_EXCHANGE"]
