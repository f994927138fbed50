"""The embedded authorization server (Starlette app + the thread that runs it). No Qt.

    with EmbeddedServer(ServerConfig(compat_seed=False)) as server:
        server.issuer, server.port, server.clock, server.clients, server.compat_seed
        unsubscribe = server.subscribe(callback)
        server.trace(trace_id)

See docs/architecture.md for the HTTP surface.
"""

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
