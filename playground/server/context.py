"""Everything a request handler needs, in one object built once per server."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from playground.core.clock import AdjustableClock
from playground.server.clients import ClientRegistry
from playground.server.config import ServerConfig
from playground.server.device_attempts import UserCodeAttempts
from playground.server.device_store import DeviceStore
from playground.server.faults import FaultSwitches
from playground.server.keys import KeySet
from playground.server.sessions import InteractionStore, LoginSessions
from playground.server.signing import InlineSigner, TokenSigner
from playground.server.signing_helpers import ProcessSigner
from playground.server.store import TokenStore
from playground.server.tokens import TokenIssuer
from playground.server.trace import TraceStore


@dataclass(slots=True)
class ServerContext:
    config: ServerConfig
    issuer: str
    clock: AdjustableClock
    clients: ClientRegistry
    keys: KeySet
    store: TokenStore
    tokens: TokenIssuer
    traces: TraceStore
    interactions: InteractionStore
    sessions: LoginSessions
    devices: DeviceStore
    device_attempts: UserCodeAttempts
    compat_seed: bool = False
    allowed_hosts: frozenset[str] = field(default_factory=frozenset)
    faults: FaultSwitches = field(default_factory=FaultSwitches)
    device_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))  # page CSRF

    @classmethod
    def create(cls, config: ServerConfig, issuer: str, clients: ClientRegistry,
               traces: TraceStore | None = None) -> ServerContext:
        clock = config.clock or AdjustableClock()
        keys = KeySet()
        signer: TokenSigner = (ProcessSigner(keys, config.signers) if config.signers > 0
                               else InlineSigner(keys))
        hosts = {urlsplit(issuer).netloc.lower(), *(h.lower() for h in config.allowed_hosts)}
        return cls(
            config=config, issuer=issuer, clock=clock, clients=clients, keys=keys,
            store=TokenStore(clock, config.code_ttl, config.refresh_token_ttl,
                             config.access_token_ttl),
            tokens=TokenIssuer(issuer, keys, clock, access_ttl=config.access_token_ttl,
                               id_ttl=config.id_token_ttl, signer=signer),
            traces=traces or TraceStore(clock, config.trace_limit),
            interactions=InteractionStore(clock, config.interaction_ttl),
            sessions=LoginSessions(clock),
            devices=DeviceStore(clock, config.device_code_ttl, config.device_interval),
            device_attempts=UserCodeAttempts(clock),
            compat_seed=config.compat_seed, allowed_hosts=frozenset(hosts),
        )
