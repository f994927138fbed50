"""PKCE on the server side: RFC 7636 §4.3-§4.6 and RFC 9700 §2.1.1.

At the authorization endpoint the challenge method and grammar are checked (S256 required for
public clients; `plain` only when enabled; the seed's `SHA-256` / padded standard-base64 spelling
rejected with an exact explanation, or accepted with a warning when compat seed is on). At the
token endpoint the verifier's grammar is checked and its transform compared with the stored
challenge in constant time.
"""

from __future__ import annotations

import base64
import binascii
import string

from playground.core.errors import InvalidGrant, InvalidRequest
from playground.core.protocol import pkce
from playground.server.clients import Client
from playground.server.context import ServerContext
from playground.server.http import Params
from playground.server.store import CodeRecord
from playground.server.trace import TraceBuilder

BASE64URL_ALPHABET = string.ascii_letters + string.digits + "-_"


def check_challenge(params: Params, ctx: ServerContext, client: Client,
          trace: TraceBuilder) -> tuple[str | None, str | None]:
    challenge = params.get("code_challenge")
    method = params.get("code_challenge_method")
    if challenge is None:
        trace.require("code_challenge is present for a public client", not client.is_public,
                      InvalidRequest("code_challenge is required: public clients must use PKCE "
                                     "with S256", rfc="RFC 7636 §4.4.1, RFC 9700 §2.1.1"))
        trace.require("no code_challenge_method without code_challenge", method is None,
                      InvalidRequest("code_challenge_method was sent without code_challenge",
                                     rfc="RFC 7636 §4.3"))
        return None, None
    method = _pkce_method(method, ctx, trace, challenge)
    return _pkce_challenge(challenge, method, ctx, trace), method


def _pkce_method(method: str | None, ctx: ServerContext, trace: TraceBuilder,
                 challenge: str = "") -> str:
    name = "code_challenge_method is allowed"
    if method == "S256":
        trace.check(name, True, "S256", "RFC 7636 §4.3")
        return method
    if method == "SHA-256" and ctx.compat_seed:
        trace.check(name, True, "'SHA-256' accepted as 'S256' (compat seed)", "RFC 7636 §4.3")
        trace.lint("pkce-method-spelling", "code_challenge_method 'SHA-256' is not defined by "
                   "RFC 7636; accepted as 'S256' because compat seed is on")
        return "S256"
    if method in ("plain", None) and ctx.config.allow_plain:
        trace.check(name, True, "plain (enabled on this server)", "RFC 7636 §4.3")
        return "plain"
    trace.require(name, False, InvalidRequest(_method_error(method, challenge),
                                              rfc="RFC 7636 §4.3"))
    raise AssertionError("unreachable")


def _method_error(method: str | None, challenge: str = "") -> str:
    if method is None:
        return ("code_challenge_method is missing, so RFC 7636 §4.3 defaults it to 'plain', "
                "which this server does not allow; send code_challenge_method=S256")
    if method == "SHA-256":
        message = "code_challenge_method 'SHA-256' is not defined; RFC 7636 §4.3 says 'S256'"
        if pkce.SEED_CHALLENGE.fullmatch(challenge):
            # The seed's request has both mistakes: say so at once, not one round trip each.
            message += ("; and code_challenge is padded standard base64 (btoa): RFC 7636 §4.2 "
                        "wants BASE64URL-ENCODE(SHA256(code_verifier)) without padding, 43 "
                        "characters of A-Z a-z 0-9 - _ (Appendix A)")
        return message
    if method == "plain":
        return ("code_challenge_method 'plain' is disabled on this server; use 'S256' "
                "(RFC 7636 §4.2, RFC 9700 §2.1.1)")
    return f"code_challenge_method {method!r} is not supported; RFC 7636 §4.3 defines 'S256'"


def _pkce_challenge(challenge: str, method: str, ctx: ServerContext, trace: TraceBuilder) -> str:
    name = "code_challenge grammar"
    if method == "plain" or pkce.S256_CHALLENGE.fullmatch(challenge):
        trace.require(name, pkce.is_valid_challenge(challenge), InvalidRequest(
            "code_challenge must be 43-128 characters of A-Z a-z 0-9 - . _ ~",
            rfc="RFC 7636 §4.2"), detail=challenge)
        return challenge
    if pkce.SEED_CHALLENGE.fullmatch(challenge):
        if ctx.compat_seed:
            converted = _seed_to_base64url(challenge)
            trace.check(name, True, f"padded standard base64 converted to {converted} "
                        "(compat seed)", "RFC 7636 §4.2")
            trace.lint("pkce-challenge-encoding", "code_challenge is padded standard base64 "
                       "(btoa); RFC 7636 wants BASE64URL without padding; converted because "
                       "compat seed is on")
            return converted
        trace.require(name, False, InvalidRequest(
            "code_challenge is padded standard base64 (it ends with '=' and may contain '+' or "
            "'/'); RFC 7636 §4.2 wants BASE64URL-ENCODE(SHA256(verifier)) without padding: 43 "
            "characters of A-Z a-z 0-9 - _ (Appendix A)", rfc="RFC 7636 §4.2"))
    trace.require(name, False, InvalidRequest(
        f"code_challenge {_what_is_wrong(challenge)}; an S256 code_challenge is the 43-character "
        "BASE64URL encoding of a SHA-256 digest (A-Z a-z 0-9 - _, no padding)",
        rfc="RFC 7636 §4.2"))
    raise AssertionError("unreachable")


def _what_is_wrong(challenge: str) -> str:
    problems = [f"has {len(challenge)} characters"] if len(challenge.rstrip("=")) != 43 else []
    if challenge.endswith("="):
        problems.append("has '=' padding")
    bad = sorted(set(challenge.rstrip("=")) - set(BASE64URL_ALPHABET))
    if bad:
        problems.append(f"contains {' '.join(repr(c) for c in bad)}")
    return ", ".join(problems) or "is malformed"


def _seed_to_base64url(challenge: str) -> str:
    try:
        digest = base64.b64decode(challenge.replace(" ", "+"), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidRequest("code_challenge is not valid base64", rfc="RFC 7636 §4.2") from None
    return pkce.base64url(digest)


def check_verifier(record: CodeRecord, verifier: str | None, ctx: ServerContext,
              trace: TraceBuilder) -> None:
    if record.challenge is None:
        trace.require("no code_verifier without a code_challenge", verifier is None, InvalidGrant(
            "code_verifier sent but the authorization request had no code_challenge",
            rfc="RFC 9700 §2.1.1"))
        return
    trace.require("code_verifier is present", verifier is not None,
                  InvalidGrant("code_verifier is missing (the code has a code_challenge)",
                               rfc="RFC 7636 §4.5"))
    assert verifier is not None
    if not pkce.is_valid_verifier(verifier) and ctx.compat_seed:
        trace.lint("pkce-verifier-grammar", f"code_verifier has {len(verifier)} characters "
                   "or characters outside the unreserved set; accepted because compat seed is on")
    else:
        trace.require("code_verifier grammar", pkce.is_valid_verifier(verifier), InvalidRequest(
            f"code_verifier must be 43-128 characters of A-Z a-z 0-9 - . _ ~ (got "
            f"{len(verifier)})", rfc="RFC 7636 §4.1"))
    method = "plain" if record.method == "plain" else "S256"
    ok = _verify(verifier, record.challenge, method)
    trace.require(f"code_verifier matches the code_challenge ({method})", ok, InvalidGrant(
        f"PKCE verification failed: the {method} of code_verifier does not equal the "
        "code_challenge", rfc="RFC 7636 §4.6"))


def _verify(verifier: str, challenge: str, method: str) -> bool:
    try:
        return pkce.verify(verifier, challenge, "plain" if method == "plain" else "S256")
    except UnicodeEncodeError:
        return False
