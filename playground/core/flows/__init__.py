"""The flows the engine knows, each one `FlowSpec` (see `playground.core.flowspec`)."""

from __future__ import annotations

from playground.core.flows.auth_code import AUTH_CODE_PKCE
from playground.core.flowspec import FlowSpec

FLOWS: dict[str, FlowSpec] = {spec.name: spec for spec in (AUTH_CODE_PKCE,)}
DEFAULT_FLOW = AUTH_CODE_PKCE

__all__ = ["AUTH_CODE_PKCE", "DEFAULT_FLOW", "FLOWS"]
