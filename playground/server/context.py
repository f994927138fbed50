"""Everything a request handler needs, in one object built once per server."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from playground.core.clock import AdjustableClock
from playground.server.behaviours import BehaviourQueue
from playground.server.client_keys import ClientKeys
from playground.server.clients import ClientRegistry
from playground.server.config import ServerConfig
from playground.server.device_attempts import UserCodeAttempts
from playground.server.device_store import DeviceStore
from playground.server.expiring import ExpiringMap
from playground.server.faults import FaultSwitches
from playground.server.journal import Journal
from playground.server.keys import KeySet
from playground.server.sessions import InteractionStore, LoginSessions
from playground.server.signing import InlineSigner, TokenSigner
from playground.server.signing_helpers import ProcessSigner
from playground.server.store import TokenStore
from playground.server.tokens import TokenIssuer
from playground.server.trace import TraceStore
from playground.server.users import DEMO_USERS, UserDirectory

# A client assertion or request object may live at most this long (its `exp` at most this far
# ahead), so remembering its `jti` this long refuses every replay with a bounded store. An hour
# and a minute: Authlib's PrivateKeyJWT and ClientSecretJWT sign `exp = iat + 3600` by default
# (benchmarks/interop/authlib_hardening.py), and RFC 7523 §3 only asks to refuse an `exp`
# "unreasonably far in the future".
ASSERTION_MAX_LIFETIME = 3660.0
REPLAY_CAP = 50_000
PUSHED_CAP = 10_000


def _id_alg(clients: ClientRegistry, client_id: str) -> str:
    """OIDC Registration §2: the client's `idTokenSignedResponseAlg`, RS256 by default."""
    client = clients.get(client_id)
    return client.idTokenSignedResponseAlg if client is not None else "RS256"


def _access_format(clients: ClientRegistry, client_id: str) -> str:
    """The client's `accessTokenFormat`: "jwt" (RFC 9068) by default, or "opaque"."""
    client = clients.get(client_id)
    return client.accessTokenFormat if client is not None else "jwt"


@dataclass(slots=True)
class ServerContext:
    config: ServerConfig
    issuer: str
    clock: AdjustableClock
    clients: ClientRegistry
    users: UserDirectory
    keys: KeySet
    store: TokenStore
    tokens: TokenIssuer
    traces: TraceStore
    interactions: InteractionStore
    sessions: LoginSessions
    devices: DeviceStore
    device_attempts: UserCodeAttempts
    client_keys: ClientKeys  # RFC 7523 §3, RFC 9101 §6.2: the clients' public keys
    # Single-use identifiers, each kept as long as the JWT it came in could be accepted:
    assertion_jtis: ExpiringMap[tuple[str, str], bool]  # RFC 7523 §3 (7): (client_id, jti)
    dpop_jtis: ExpiringMap[str, bool]  # RFC 9449 §11.1: proof jtis within the iat window
    request_object_jtis: ExpiringMap[tuple[str, str], bool]  # RFC 9101 §10.8
    pushed_requests: ExpiringMap[str, Any]  # RFC 9126 §2.2: request_uri -> pushed request
    behaviours: BehaviourQueue  # what tests enqueued for the next token responses
    journal: Journal  # the requests answered, with their parameters (for the control API)
    compat_seed: bool = False
    allowed_hosts: frozenset[str] = field(default_factory=frozenset)
    faults: FaultSwitches = field(default_factory=FaultSwitches)
    device_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))  # page CSRF
    started: float = field(default_factory=time.monotonic)  # for the health endpoint

    @classmethod
    def create(cls, config: ServerConfig, issuer: str, clients: ClientRegistry,
               traces: TraceStore | None = None,
               users: UserDirectory | None = None) -> ServerContext:
        clock = config.clock or AdjustableClock()
        keys = KeySet(clock, config.access_token_alg)
        signer: TokenSigner = (ProcessSigner(keys, config.signers) if config.signers > 0
                               else InlineSigner(keys))
        users = users if users is not None else UserDirectory(
            DEMO_USERS if config.users is None else config.users)
        hosts = {urlsplit(issuer).netloc.lower(), *(h.lower() for h in config.allowed_hosts)}
        return cls(
            config=config, issuer=issuer, clock=clock, clients=clients, users=users, keys=keys,
            tokens=TokenIssuer(issuer, keys, clock, access_ttl=config.access_token_ttl,
                               id_ttl=config.id_token_ttl, signer=signer,
                               id_alg=lambda cid: _id_alg(clients, cid), users=users,
                               access_format=lambda cid: _access_format(clients, cid)),
            traces=traces or TraceStore(clock, config.trace_limit),
            behaviours=BehaviourQueue(clock), journal=Journal(clock),
            compat_seed=config.compat_seed, allowed_hosts=frozenset(hosts),
            **_stores(config, clock, urlsplit(issuer).path.rstrip("/")),
        )

    @property
    def base_path(self) -> str:
        """The issuer's path (`/tenant-a`, `/idp`), or "" for an issuer at the root."""
        return urlsplit(self.issuer).path.rstrip("/")

    def reset(self) -> None:
        """Everything a test may have changed back to the start: the behaviours, the journal,
        the faults, the clock, the clients and users, and every code, token, session and
        single-use identifier (`serve`'s control API, the pytest fixture). Keys stay."""
        self.behaviours.clear()
        self.journal.clear()
        self.faults.clear()
        self.clock.reset()
        self.clients.reset()
        self.users.reset()
        self.tokens.opaque.clear()
        for name, store in _stores(self.config, self.clock, self.base_path).items():
            setattr(self, name, store)


def _stores(config: ServerConfig, clock: AdjustableClock, base: str) -> dict[str, Any]:
    """The bounded, expiring stores of the protocol state (fresh ones); `base`, the issuer's
    path, is where the interaction pages and the session cookie live."""
    return {
        "store": TokenStore(clock, config.code_ttl, config.refresh_token_ttl,
                            config.access_token_ttl),
        "interactions": InteractionStore(clock, config.interaction_ttl, base=base),
        "sessions": LoginSessions(clock, base=base),
        "devices": DeviceStore(clock, config.device_code_ttl, config.device_interval),
        "device_attempts": UserCodeAttempts(clock),
        "client_keys": ClientKeys(clock),
        "assertion_jtis": ExpiringMap(clock, ASSERTION_MAX_LIFETIME, REPLAY_CAP),
        "dpop_jtis": ExpiringMap(clock, 2 * config.dpop_window + 5, REPLAY_CAP),
        "request_object_jtis": ExpiringMap(clock, ASSERTION_MAX_LIFETIME, REPLAY_CAP),
        "pushed_requests": ExpiringMap(clock, config.par_ttl, PUSHED_CAP),
    }
