"""The Client Credentials spec's own rules, without a server."""

from __future__ import annotations

import asyncio
from typing import Any

from playground.core.flows import client_credentials
from playground.core.protocol.discovery import ProviderMetadata


class NoIntrospection:
    """A step context whose provider lists no introspection_endpoint (RFC 8414 §2: optional)."""

    def outcome(self, key: str) -> Any:
        assert key == "discovery"
        return ProviderMetadata("https://op.example", "https://op.example/authorize",
                                "https://op.example/token", None, None, (), False, {})


def test_introspection_is_skipped_when_the_provider_has_none() -> None:
    context: Any = NoIntrospection()
    found = asyncio.run(client_credentials.run_introspect(context))
    assert isinstance(found, client_credentials.Skipped)
    step = client_credentials.CLIENT_CREDENTIALS.step("introspect")
    assert step.render(found)[0].startswith("  skipped: the provider lists no introspection")
