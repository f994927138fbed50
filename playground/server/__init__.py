"""The embedded authorization server (Starlette app + the thread that runs it). No Qt.

    with EmbeddedServer(ServerConfig(compat_seed=False)) as server:
        server.issuer, server.port, server.clock, server.clients, server.compat_seed
        unsubscribe = server.subscribe(callback)
        server.trace(trace_id)

See docs/architecture.md for the HTTP surface. The names below are imported on first use
(PEP 562), so a process that needs one module of the package — a token-signing helper imports
only `signer_worker` and `signing` — does not load uvicorn and Starlette.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playground.server.clients import (
        Client,
        ClientRegistry,
        ClientsFileError,
        client_from_dict,
        default_clients,
        load_clients,
    )
    from playground.server.config import ServerConfig, ServerStartError
    from playground.server.runner import EmbeddedServer

_MODULES = {
    "Client": "clients", "ClientRegistry": "clients", "ClientsFileError": "clients",
    "client_from_dict": "clients", "default_clients": "clients", "load_clients": "clients",
    "ServerConfig": "config", "ServerStartError": "config", "EmbeddedServer": "runner",
}

__all__ = [
    "Client",
    "ClientRegistry",
    "ClientsFileError",
    "EmbeddedServer",
    "ServerConfig",
    "ServerStartError",
    "client_from_dict",
    "default_clients",
    "load_clients",
]


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
