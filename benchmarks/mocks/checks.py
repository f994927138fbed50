"""Strictness checks: does the server refuse what a certified authorization server refuses?

Each check gets fresh codes through a real sign-in (drive.py), changes one thing, and reads the
answer: a token request passes when it is refused (HTTP 4xx, no access token); an authorization
request passes when no code comes back. The HTTP status seen is kept with the result, and the
server's `error` (or the start of its page) as a note. A check whose set-up failed (no code could
be had at all) is recorded as passed=None, not as a pass or a fail.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
from drive import Target, Walk, code, new_client, pkce, redeem, start

ATTACKER = "https://attacker.example/callback"
OTHER_REDIRECT = "http://localhost:8080/other"


@dataclass
class Outcome:
    passed: bool | None  # None: the check's set-up failed
    status: int  # the HTTP status that decided it (0: none)
    note: str = ""


def _note(response: httpx.Response) -> str:
    try:
        body = response.json()
        return str(body.get("error", "")) + (f": {body['error_description']}"[:110]
                                             if body.get("error_description") else "")
    except (ValueError, AttributeError):
        return " ".join(response.text.split())[:80]


def token_refused(response: httpx.Response) -> Outcome:
    try:
        issued = "access_token" in response.json()
    except ValueError:
        issued = False
    refused = 400 <= response.status_code < 500 and not issued
    return Outcome(refused, response.status_code, _note(response) if refused else "token issued")


def code_refused(result: Walk) -> Outcome:
    if result.param("code"):
        return Outcome(False, result.status, "code issued")
    detail = result.param("error") or " ".join(result.detail.split())[:80]
    return Outcome(True, result.status, detail)


async def missing_verifier(c: httpx.AsyncClient, t: Target) -> Outcome:
    code_, _ = await code(c, t)
    return token_refused(await redeem(c, t, code_, None))


async def wrong_verifier(c: httpx.AsyncClient, t: Target) -> Outcome:
    code_, _ = await code(c, t)
    return token_refused(await redeem(c, t, code_, pkce()[0]))


async def redirect_mismatch(c: httpx.AsyncClient, t: Target) -> Outcome:
    code_, verifier = await code(c, t)
    return token_refused(await redeem(c, t, code_, verifier, redirect=OTHER_REDIRECT))


async def unregistered_redirect(c: httpx.AsyncClient, t: Target) -> Outcome:
    result = await start(c, t, redirect=ATTACKER, challenge=pkce()[1])
    if result.url and result.url.startswith(ATTACKER):
        return Outcome(False, result.status, "redirected to it" +
                       (" with a code" if result.param("code") else ""))
    return Outcome(True, result.status, " ".join(result.detail.split())[:80])


async def replay(c: httpx.AsyncClient, t: Target) -> Outcome:
    code_, verifier = await code(c, t)
    first = await redeem(c, t, code_, verifier)
    if first.status_code != 200:
        return Outcome(None, first.status_code, f"first redemption failed: {_note(first)}")
    return token_refused(await redeem(c, t, code_, verifier))


async def wrong_secret(c: httpx.AsyncClient, t: Target) -> Outcome:
    code_, verifier = await code(c, t)
    wrong = "wrong-" + secrets.token_hex(8)
    return token_refused(await redeem(c, t, code_, verifier, secret=wrong))


async def unknown_code(c: httpx.AsyncClient, t: Target) -> Outcome:
    # No verifier: a code never issued has no challenge, and a verifier would only test PKCE.
    return token_refused(await redeem(c, t, secrets.token_urlsafe(32), None))


async def plain(c: httpx.AsyncClient, t: Target) -> Outcome:
    verifier = pkce()[0]
    return code_refused(await start(c, t, challenge=verifier, method="plain"))


async def no_challenge(c: httpx.AsyncClient, t: Target) -> Outcome:
    result = await start(c, t)
    outcome = code_refused(result)
    if outcome.passed is False:  # what the code is worth: redeemed with no verifier at all?
        response = await redeem(c, t, result.param("code") or "", None)
        outcome.note = f"code issued; redeemed without a verifier: HTTP {response.status_code}"
    return outcome


async def downgrade(c: httpx.AsyncClient, t: Target) -> Outcome:
    result = await start(c, t)
    if not result.param("code"):
        return Outcome(True, result.status, "authorize already refused (no_challenge)")
    return token_refused(await redeem(c, t, result.param("code") or "", pkce()[0]))


def _alg(jwt: str) -> str:
    head = jwt.split(".")[0]
    return str(json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4))).get("alg"))


async def alg_none(c: httpx.AsyncClient, t: Target) -> Outcome:
    advertised = [k for k, v in t.meta.items() if k.endswith("signing_alg_values_supported")
                  and not k.startswith("request_object") and "none" in (v or [])]
    code_, verifier = await code(c, t)
    response = await redeem(c, t, code_, verifier)
    tokens = response.json() if response.status_code == 200 else {}
    algs = {name: _alg(tokens[name]) for name in ("id_token", "access_token")
            if str(tokens.get(name, "")).count(".") == 2}
    if not algs:
        return Outcome(None, response.status_code, "no JWT issued")
    unsigned = [name for name, alg in algs.items() if alg.lower() == "none"]
    note = ", ".join(f"{name} {alg}" for name, alg in algs.items())
    note += f"; advertises none in {', '.join(advertised)}" if advertised else ""
    return Outcome(not advertised and not unsigned, response.status_code, note)


Check = Callable[[httpx.AsyncClient, Target], Awaitable[Outcome]]
CHECKS: list[tuple[str, str, Check]] = [
    ("missing_verifier", "token request without `code_verifier` (authorize sent an S256 "
     "challenge) refused — RFC 7636 §4.5-4.6, RFC 9700 §2.1.1", missing_verifier),
    ("wrong_verifier", "wrong `code_verifier` refused — RFC 7636 §4.6", wrong_verifier),
    ("redirect_mismatch", "token `redirect_uri` differing from authorize refused — RFC 6749 "
     "§4.1.3", redirect_mismatch),
    ("unregistered_redirect", "authorize with an unregistered `redirect_uri` never redirects "
     "there — RFC 6749 §3.1.2.4, §4.1.2.1", unregistered_redirect),
    ("replay", "second redemption of a code refused — RFC 6749 §4.1.2, §10.5", replay),
    ("wrong_secret", "wrong client secret refused — RFC 6749 §2.3.1, §5.2", wrong_secret),
    ("unknown_code", "unknown (never issued) code refused (sent without a verifier) — RFC 6749 "
     "§5.2", unknown_code),
    ("plain", "`code_challenge_method=plain` refused (S256 only) — RFC 9700 §2.1.1, OAuth 2.1 "
     "§4.1.1; RFC 7636 still allows plain", plain),
    ("no_challenge", "authorize without `code_challenge` refused, confidential client (PKCE "
     "required: OAuth 2.1 §4.1.1, which exempts OIDC clients using nonce, §7.5.1; RFC 9700 "
     "§2.1.1 requires it of public clients only)", no_challenge),
    ("downgrade", "`code_verifier` at the token endpoint for a code issued without a challenge "
     "refused — RFC 9700 §2.1.1 (PKCE downgrade)", downgrade),
    ("alg_none", "`alg: none` neither advertised (discovery) nor used in issued tokens — "
     "RFC 8725 §3.1, OIDC Core §2", alg_none),
]


async def run_checks(t: Target) -> dict[str, Outcome]:
    results = {}
    async with new_client() as client:
        for name, _, check in CHECKS:
            try:
                results[name] = await check(client, t)
            except (RuntimeError, httpx.HTTPError, ValueError, KeyError) as exc:
                results[name] = Outcome(None, 0, f"set-up failed: {exc}"[:160])
    return results
