"""Lab scenarios of token exchange (RFC 8693): what a gateway must not get away with.

Each runs the Token Exchange flow against the embedded server with the machine client acting
as the gateway, changes one thing (a forged or revoked subject token, a wider scope, a bad
resource), and expects the token endpoint's §2.2.2 answer; one delegates properly and expects
the `act` claim (§4.1).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import jwt as pyjwt
from cryptography.hazmat.primitives.asymmetric import ec

from playground.core.flow.session import FlowSession
from playground.core.flows import TOKEN_EXCHANGE
from playground.core.flows.token_exchange import GRANT_TYPE
from playground.lab.model import LabContext, Result, Scenario

Prepare = Callable[[LabContext, FlowSession], Awaitable[None]]


def _session(ctx: LabContext) -> FlowSession:
    client = next(c for c in ctx.server.clients.list() if GRANT_TYPE in c.grantTypes)
    return ctx.session(spec=TOKEN_EXCHANGE, client_id=client.id,
                       client_secret=client.secret or None, auth_method="client_secret_basic",
                       redirect_uri=None, scope=" ".join(client.scopes))


def refused(error: str, prepare: Prepare) -> Callable[[LabContext], Awaitable[Result]]:
    """Get the subject token, `prepare` the attack, exchange; expect `error`."""
    async def run(ctx: LabContext) -> Result:
        session = _session(ctx)
        for key in ("discovery", "subject"):
            await session.run(key)
        await prepare(ctx, session)
        step = await session.run("token")
        got = step.error.error_code if step.error else None
        happened = f"refused with {got}: {step.error}" if step.error else "a token was issued"
        return Result(got == error, happened)
    return run


def _inputs(**values: Any) -> Prepare:
    async def prepare(ctx: LabContext, session: FlowSession) -> None:
        for name, value in values.items():
            session.set_input("token", name, value)
    return prepare


async def _forge(ctx: LabContext, session: FlowSession) -> None:
    """A subject token with the server's issuer and a plausible kid, signed by another key."""
    real = session.outcome("subject")
    header = pyjwt.get_unverified_header(real.token)
    claims = {**real.claims, "sub": "admin", "exp": int(time.time()) + 600}
    forged = pyjwt.encode(claims, ec.generate_private_key(ec.SECP256R1()), algorithm="ES256",
                          headers={"kid": header.get("kid"), "typ": "at+jwt"})
    session.set_input("subject", "subject_token", forged)
    await session.run("subject")


async def _revoke(ctx: LabContext, session: FlowSession) -> None:
    await session.revoke(session.outcome("subject").token, "access_token")


async def _delegation(ctx: LabContext) -> Result:
    session = _session(ctx)
    await session.run("discovery")
    await session.run("subject")
    session.set_input("token", "actor_token", session.outcome("subject").token)
    ok = await session.run_all()
    tokens = session.outcome("tokens")
    claims = tokens.access_token.inspection.claims if tokens and tokens.access_token.inspection \
        else {}
    act = claims.get("act")
    happened = f"issued a token with act {act}" if ok else f"failed: {session.failed_step}"
    return Result(ok and isinstance(act, dict) and bool(act.get("sub")), happened)


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("te-forged-subject", "Token exchange with a forged subject token",
             "The gateway exchanges a token that claims sub 'admin' and the server's issuer, "
             "but is signed by a key of its own.", "refused with invalid_request",
             "RFC 8693 §2.2.2", "only tokens this server issued (and signed) can be exchanged; "
             "anything else is an invalid subject_token", refused("invalid_request", _forge)),
    Scenario("te-revoked-subject", "Token exchange with a revoked subject token",
             "The subject token is revoked (RFC 7009) just before the exchange.",
             "refused with invalid_request", "RFC 8693 §2.2.2",
             "a revoked token buys nothing: revocation must reach every place a token is "
             "accepted", refused("invalid_request", _revoke)),
    Scenario("te-wider-scope", "Token exchange asks for more than the subject had",
             "The gateway asks for api:admin, a scope the subject token never had.",
             "refused with invalid_scope", "RFC 8693 §2.1, RFC 6749 §3.3",
             "an exchange can narrow what a token allows, never widen it",
             refused("invalid_scope", _inputs(scope="api:read api:admin"))),
    Scenario("te-bad-resource", "Token exchange for a resource that is no URI",
             "The gateway asks for resource 'orders-service', which is not an absolute URI.",
             "refused with invalid_target", "RFC 8707 §2",
             "a resource indicator is an absolute URI without a fragment; use audience for a "
             "logical name", refused("invalid_target", _inputs(resource="orders-service",
                                                              audience=None))),
    Scenario("te-unknown-audience", "Token exchange for an audience nobody registered",
             "The gateway asks for a token aimed at https://payments.example, which is neither "
             "a registered client nor a configured resource.", "refused with invalid_target",
             "RFC 8693 §2.2.2", "a server only mints tokens for targets it knows; an unknown "
             "audience could be anyone's", refused("invalid_target", _inputs(
                 audience="https://payments.example"))),
    Scenario("te-delegation", "Token exchange with an actor: delegation",
             "The gateway sends its own token as the actor token.",
             "the new token carries act with the actor's sub", "RFC 8693 §4.1",
             "delegation keeps both parties visible: the subject in sub, whoever acts for it in "
             "act, so the API can tell a user from a service acting for the user", _delegation),
)
