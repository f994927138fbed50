"""Lab scenarios of sign-out (OpenID Connect RP-Initiated Logout 1.0): what must not sign anyone
out, what must not redirect anywhere, and what must end the session for good.

Each signs in with the Sign-out flow's code-flow steps as the first-party SPA (a live session
answers `prompt=none` with a code), changes one thing about the logout request (a return URI
never registered, a hint signed by another issuer, no hint and no confirmation, another client
than the hint's), and looks at both the end-session endpoint's answer and whether the session
survived; one signs out properly and expects `prompt=none` to answer `login_required`.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import jwt as pyjwt
from cryptography.hazmat.primitives.asymmetric import rsa

from playground.core.flow.session import FlowSession, StepState
from playground.core.flowerrors import FlowError
from playground.core.flows import LOGOUT_FLOW
from playground.core.flows.logout import SessionCheck, run_session_check
from playground.lab.model import LabContext, Result, Scenario

SIGN_IN = ("discovery", "pkce", "authorize_url", "user_agent", "callback", "token")
Prepare = Callable[[LabContext, FlowSession], Awaitable[None]]


def _spa(ctx: LabContext) -> dict[str, Any]:
    client = next(c for c in ctx.server.clients.list() if c.firstParty and c.postLogoutRedirect)
    return {"client_id": client.id, "redirect_uri": client.redirect[0],
            "post_logout_redirect_uri": client.postLogoutRedirect[0]}


async def _signed_in(ctx: LabContext) -> FlowSession:
    session = ctx.session(spec=LOGOUT_FLOW, **_spa(ctx))
    for key in SIGN_IN:
        if (await session.run(key)).state is not StepState.DONE:
            raise FlowError(f"the sign-in failed at {key}: {session.step(key).error}")
    return session


async def alive(session: FlowSession) -> bool:
    """prompt=none once more (OIDC Core §3.1.2.6): does the login session still answer?"""
    try:
        await session.action("session_check", lambda: run_session_check(session))
    except FlowError as exc:
        check = exc.outcome
        return isinstance(check, SessionCheck) and check.response is not None \
            and check.response.error != "login_required"
    return False


def refused(prepare: Prepare) -> Callable[[LabContext], Awaitable[Result]]:
    """Sign in, `prepare` the sign-out, send it: it must be refused with invalid_request on a
    page (never a redirect), and the session must survive (§4: nothing was done)."""
    async def run(ctx: LabContext) -> Result:
        session = await _signed_in(ctx)
        await prepare(ctx, session)
        step = await session.run("logout")
        sent = [e for e in session.log if e.step == "logout"]
        redirected = any(e.status is not None and 300 <= e.status < 400 for e in sent)
        survived = await alive(session)
        code = step.error.error_code if step.error else None
        happened = (f"refused with {code} (HTTP {sent[-1].status if sent else '?'}, "
                    f"{'redirected' if redirected else 'no redirect'}): {step.error}; the "
                    f"session {'survived' if survived else 'ended'}" if step.error
                    else "the sign-out went through")
        return Result(code == "invalid_request" and not redirected and survived, happened)
    return run


def _inputs(**values: Any) -> Prepare:
    async def prepare(ctx: LabContext, session: FlowSession) -> None:
        for name, value in values.items():
            session.set_input("logout", name, value)
    return prepare


async def _other_issuer(ctx: LabContext, session: FlowSession) -> None:
    """A hint about the same user from another issuer, signed with that issuer's key (and this
    server's kid, to look the part)."""
    real = session.outcome("token").response.id_token
    claims = {**pyjwt.decode(real, options={"verify_signature": False}),
              "iss": "https://idp.attacker.example", "exp": int(time.time()) + 600}
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    kid = pyjwt.get_unverified_header(real).get("kid")
    session.set_input("logout", "id_token_hint",
                      pyjwt.encode(claims, key, algorithm="RS256", headers={"kid": kid}))


async def _other_client(ctx: LabContext, session: FlowSession) -> None:
    other = next(c for c in ctx.server.clients.list()
                 if c.postLogoutRedirect and c.id != session.inputs("token")["client_id"])
    session.set_input("logout", "client_id", other.id)
    session.set_input("logout", "post_logout_redirect_uri", other.postLogoutRedirect[0])


async def _bare_link(ctx: LabContext) -> Result:
    session = await _signed_in(ctx)
    session.set_input("logout", "send_id_token_hint", False)
    session.set_input("logout", "confirm", False)
    step = await session.run("logout")
    asked = step.outcome is not None and step.outcome.asked
    survived = await alive(session)
    happened = (f"{'the provider asked the user to confirm' if asked else 'no confirmation'}"
                f"; the session {'survived' if survived else 'ended'}")
    return Result(asked and survived, happened)


async def _ends_session(ctx: LabContext) -> Result:
    session = ctx.session(spec=LOGOUT_FLOW, **_spa(ctx))
    ok = await session.run_all()
    check = session.outcome("session_check")
    said = check.response.error if check and check.response else None
    failed = session.failed_step
    happened = (f"signed out, then prompt=none answered {said}" if ok else
                f"failed at {failed.title if failed else '?'}: {failed.error if failed else ''}")
    return Result(ok and said == "login_required", happened)


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("logout-unregistered-return", "Sign-out returns to an unregistered URI",
             "The sign-out asks to be sent back to https://attacker.example/signed-out, which "
             "the client never registered.", "an error page: no redirect, nobody signed out",
             "OIDC RP-Initiated Logout §3", "a provider returns the browser only to a "
             "post_logout_redirect_uri registered for the client, by exact match; anything else "
             "would make its logout endpoint an open redirector",
             refused(_inputs(post_logout_redirect_uri="https://attacker.example/signed-out"))),
    Scenario("logout-foreign-hint", "Sign-out with an ID token from another issuer",
             "The id_token_hint names the same user, but another issuer, and is signed by that "
             "issuer's key.", "refused with invalid_request; the session survives",
             "OIDC RP-Initiated Logout §2", "the provider must check that it issued the hint: "
             "a token it cannot verify says nothing about its sessions", refused(_other_issuer)),
    Scenario("logout-bare-link", "Sign-out by a bare link",
             "A link to the logout endpoint with no id_token_hint, as a third party could put "
             "on any page; the user does not confirm.",
             "the provider asks the user; nobody is signed out by the link alone",
             "OIDC RP-Initiated Logout §2, §5", "without a hint of the current sign-in the "
             "provider must ask the user, or any page could sign its visitors out", _bare_link),
    Scenario("logout-ends-session", "After the sign-out, ask silently",
             "Sign in, sign out properly, then ask the authorization endpoint with prompt=none.",
             "prompt=none answers login_required", "OIDC Core §3.1.2.6",
             "the sign-out must end the provider's session, not only the app's: otherwise the "
             "next silent request signs the user straight back in", _ends_session),
    Scenario("logout-other-client", "Sign-out names another client than the hint's",
             "The hint was issued to the SPA; the request says client_id playground-web and "
             "that client's own return URI.", "refused with invalid_request; no redirect",
             "OIDC RP-Initiated Logout §2", "client_id and the hint's aud must agree, or one "
             "app could send the browser to another app's return URI", refused(_other_client)),
)
