"""Lab scenarios of the client credentials grant (RFC 6749 §4.4): a machine client's mistakes.

Each runs the Client Credentials flow against the embedded server with one thing wrong (a public
client, a user's scope, a scope it was never given, a wrong secret) and expects the token
endpoint's RFC 6749 §5.2 answer; one runs it right and expects no refresh token and no id_token.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from playground.core.flow.session import FlowSession, StepState
from playground.core.flows import CLIENT_CREDENTIALS
from playground.lab.model import LabContext, Result, Scenario
from playground.server.clients import Client


def _service(ctx: LabContext) -> Client:
    return next(c for c in ctx.server.clients.list() if "client_credentials" in c.grantTypes)


def _session(ctx: LabContext, client: Client, **changes: Any) -> FlowSession:
    config = {"client_id": client.id, "client_secret": client.secret or None,
              "auth_method": "client_secret_basic", "redirect_uri": None,
              "scope": " ".join(client.scopes), **changes}
    return ctx.session(spec=CLIENT_CREDENTIALS, **config)


def refused(error: str, **changes: Any) -> Callable[[LabContext], Awaitable[Result]]:
    """Run discovery and the token step with the token step's inputs changed; expect the
    token step to fail with `error`."""
    async def run(ctx: LabContext) -> Result:
        session = _session(ctx, _service(ctx))
        for name, value in changes.items():
            session.set_input("token", name, value)
        await session.run("discovery")
        step = await session.run("token")
        got = step.error.error_code if step.error else None
        happened = f"refused with {got}: {step.error}" if step.error else "tokens were issued"
        return Result(got == error, happened)
    return run


async def _public_client(ctx: LabContext) -> Result:
    seed = next(c for c in ctx.server.clients.list() if c.authMethods == ("none",))
    run = refused("unauthorized_client", client_id=seed.id, client_secret=None,
                  auth_method="none")
    return await run(ctx)


async def _machine_tokens(ctx: LabContext) -> Result:
    session = _session(ctx, _service(ctx))
    ok = await session.run_all()
    answer = session.outcome("token")
    if not ok or answer is None:
        failed = session.failed_step
        return Result(False, f"the flow failed at {failed.title if failed else '?'}")
    body = answer.response
    happened = (f"issued {', '.join(k for k in body.raw if k.endswith('token'))}; the access "
                f"token verified; introspection says active={session.outcome('introspect').active}")
    clean = body.refresh_token is None and body.id_token is None
    return Result(clean and session.step("tokens").state is StepState.DONE, happened)


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("cc-public-client", "Public client tries client credentials",
             "A public client (the seed's SPA, auth method none) asks for a token on its own "
             "behalf.", "refused with unauthorized_client", "RFC 6749 §4.4",
             "client credentials are only for confidential clients: a public client has no "
             "credentials, so anyone could claim to be it", _public_client),
    Scenario("cc-user-scope", "Client credentials asks for openid",
             "The machine client asks for scope openid, as if a user had signed in.",
             "refused with invalid_scope", "RFC 6749 §4.4.2, OIDC Core §3.1.2.1",
             "no user takes part, so there is nobody for an id_token to be about",
             refused("invalid_scope", scope="openid")),
    Scenario("cc-foreign-scope", "Client credentials asks for a scope it was never given",
             "The machine client asks for api:admin, which is not registered for it.",
             "refused with invalid_scope", "RFC 6749 §3.3",
             "a client gets at most the scopes registered for it",
             refused("invalid_scope", scope="api:admin")),
    Scenario("cc-wrong-secret", "Client credentials with a wrong secret",
             "The machine client authenticates with a wrong client_secret.",
             "refused with invalid_client", "RFC 6749 §5.2, §2.3.1",
             "the token endpoint authenticates every confidential client; a wrong secret is "
             "401 invalid_client, compared in constant time",
             refused("invalid_client", client_secret="not-the-secret")),
    Scenario("cc-machine-tokens", "Client credentials gets a bare access token",
             "The machine client runs the whole flow correctly.",
             "an access token only: no refresh token, no id_token", "RFC 6749 §4.4.3",
             "a refresh token would only let the client do again what it can always do with its "
             "credentials, and no user signed in", _machine_tokens),
)
