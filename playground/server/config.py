"""The embedded server's settings, and the errors it raises to its embedder."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from playground.core.clock import AdjustableClock
from playground.server.clients import Client
from playground.server.users import User


@dataclass(frozen=True, slots=True)
class Tenant:
    """An issuer under a path of the same server (`/tenant-a`): its own keys, clients, users
    and settings (playground.server.tenants)."""

    path: str
    config: ServerConfig


class ServerStartError(RuntimeError):
    """The server could not start (busy port, bad address…); the message is one line."""


@dataclass(slots=True)
class ServerConfig:
    """How the embedded authorization server runs.

    `compat_seed` accepts the seed's `SHA-256` / padded standard-base64 PKCE spelling with a
    warning (it can also be flipped at run time through `EmbeddedServer.compat_seed`);
    `allow_plain` enables RFC 7636 `plain`. Lifetimes are seconds on the injected clock.
    `signers` > 0 signs tokens in that many helper processes (playground.server.signing_helpers), so
    RSA signatures use other cores; 0 signs in the server's thread.
    """

    host: str = "127.0.0.1"
    port: int = 0
    issuer: str | None = None
    clients: Sequence[Client] | None = None
    users: Sequence[User] | None = None  # None: the demo users (alice, bob, carol)
    compat_seed: bool = False
    allow_plain: bool = False
    code_ttl: float = 60.0
    access_token_ttl: int = 3600
    id_token_ttl: int = 3600
    refresh_token_ttl: int = 14 * 24 * 3600
    access_token_alg: str = "ES256"  # RFC 9068 §2.1: ES256, RS256, PS256 or EdDSA
    interaction_ttl: float = 600.0
    device_code_ttl: float = 600.0  # RFC 8628 §3.2 expires_in
    device_interval: int = 5  # RFC 8628 §3.2 interval (its default)
    max_body: int = 64 * 1024
    trace_limit: int = 500
    clock: AdjustableClock | None = None
    allowed_hosts: tuple[str, ...] = ()
    signers: int = 0
    # RFC 8707 resources tokens may be issued for (besides the registered clients' ids, which a
    # token exchange's `audience` may also name); any other target is invalid_target.
    resources: tuple[str, ...] = ("https://api.example",)
    par_ttl: int = 60  # RFC 9126 §2.2: a request_uri's expires_in (seconds)
    require_par: bool = False  # RFC 9126 §5: every client must push its requests
    dpop_nonce: bool = False  # RFC 9449 §8: require a server-provided nonce in DPoP proofs
    tenants: tuple[Tenant, ...] = ()  # more issuers under paths of this server
    consent: str = "interactive"  # or "auto-approve": sign `auto_user` in, approve everything
    auto_user: str = "alice"  # whom auto-approve signs in when no login_hint names a user
    control_api: bool = False  # /_playground/ control endpoints and the request journal
    dpop_window: float = 60.0  # RFC 9449 §11.1: how far a proof's iat may be from now
