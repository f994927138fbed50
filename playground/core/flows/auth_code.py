"""Authorization Code with PKCE, as a `FlowSpec`: eight steps, from discovery to UserInfo.

discovery → pkce → authorize_url → user_agent → callback → token → tokens → userinfo
(RFC 8414, RFC 7636, RFC 6749 §4.1, RFC 9207, OIDC Core §3.1 and §5.3). The runners live in
`core/flow/steps.py` (sans-I/O build/parse around one send each), the text renderers in
`core/record/render.py`; this module says which step is which, what it needs and why.
"""

from __future__ import annotations

from typing import Any

from playground.core.flow import hardening, steps
from playground.core.flow.flowspec import FlowSpec, StepKey, StepSpec
from playground.core.flow.stepinfo import ClientConfig
from playground.core.jose import jwt
from playground.core.protocol.discovery import ProviderMetadata
from playground.core.protocol.pkce import Derivation
from playground.core.protocol.userinfo import UserInfo
from playground.core.record import render

DISCOVERY = StepKey("discovery", ProviderMetadata)
PKCE = StepKey("pkce", Derivation)
AUTHORIZE_URL = StepKey("authorize_url", steps.AuthorizeRequest)
USER_AGENT = StepKey("user_agent", steps.UserAgentOutcome)
CALLBACK = StepKey("callback", steps.CallbackOutcome)
TOKEN = StepKey("token", steps.TokenOutcome)
TOKENS = StepKey("tokens", steps.TokensOutcome)
USERINFO = StepKey("userinfo", UserInfo)


def _discovery_inputs(config: ClientConfig) -> dict[str, Any]:
    return {"issuer": config.issuer}


def _pkce_inputs(_config: ClientConfig) -> dict[str, Any]:
    return {"method": "S256", "length": 64, "verifier": None}


def _authorize_inputs(config: ClientConfig) -> dict[str, Any]:
    """None means 'derive it': a fresh state and nonce, the table built from the rest."""
    return {"client_id": config.client_id, "redirect_uri": config.redirect_uri,
            "scope": config.scope, "state": None, "nonce": None, "response_type": "code",
            "extra": [], "params": None, **hardening.authorize_options(config)}


def _user_agent_inputs(_config: ClientConfig) -> dict[str, Any]:
    return {"redirect_url": None}


def _callback_inputs(_config: ClientConfig) -> dict[str, Any]:
    return {"redirect_url": None, "expected_state": None, "expected_issuer": None,
            "iss_required": None}


def _token_inputs(config: ClientConfig) -> dict[str, Any]:
    return {"client_id": config.client_id, "client_secret": config.client_secret,
            "auth_method": config.auth_method, "body_format": config.token_body, "code": None,
            "code_verifier": None, "redirect_uri": None, "send_scope": None, "fields": None,
            **hardening.token_options(config)}


def _tokens_inputs(_config: ClientConfig) -> dict[str, Any]:
    return {"leeway": 60.0, "algorithms": jwt.DEFAULT_ALGORITHMS}


STEPS: tuple[StepSpec[Any], ...] = (
    StepSpec(
        DISCOVERY, "Discovery",
        "Fetch the provider's metadata: where to send the user, where to redeem the code, which "
        "keys sign its tokens. The document's issuer must be exactly the one asked for.",
        "RFC 8414 §3, OIDC Discovery §4",
        steps.run_discovery, _discovery_inputs, render.discovery_lines,
    ),
    StepSpec(
        PKCE, "PKCE verifier and challenge",
        "Make a one-time secret (the code_verifier) and send only its SHA-256 hash (the "
        "code_challenge). Whoever redeems the code must show the secret, so a stolen code is "
        "useless.",
        "RFC 7636 §4.1-§4.2",
        steps.run_pkce, _pkce_inputs, render.pkce_lines,
    ),
    StepSpec(
        AUTHORIZE_URL, "Authorization request",
        "Build the URL the user's browser visits: who the client is, where to come back, what "
        "it asks for, a state against CSRF, the PKCE challenge, and a nonce for the ID token.",
        "RFC 6749 §4.1.1, RFC 7636 §4.3",
        steps.run_authorize_url, _authorize_inputs, render.authorize_lines,
        requires=(DISCOVERY, PKCE),
    ),
    StepSpec(
        USER_AGENT, "User signs in and consents",
        "The browser visits the authorize URL; the user signs in and approves (or denies) the "
        "scopes; the server redirects back to the client's redirect_uri.",
        "RFC 6749 §4.1.1-§4.1.2",
        steps.run_user_agent, _user_agent_inputs, render.user_agent_lines,
        requires=(AUTHORIZE_URL,),
    ),
    StepSpec(
        CALLBACK, "Callback",
        "Read code, state and iss from the redirect. The state must be the one sent (else "
        "'State mismatch', CSRF) and iss the expected issuer (else a mix-up attack).",
        "RFC 6749 §4.1.2, §10.12, RFC 9207 §2.4",
        steps.run_callback, _callback_inputs, render.callback_lines,
        requires=(DISCOVERY, AUTHORIZE_URL, USER_AGENT),
        waivers={USER_AGENT: "redirect_url"},  # a redirect URL pasted from any browser
    ),
    StepSpec(
        TOKEN, "Token request",
        "Redeem the code at the token endpoint, back-channel, with the code_verifier that "
        "proves this client started the flow.",
        "RFC 6749 §4.1.3, §5.1, §5.2, RFC 7636 §4.5",
        steps.run_token, _token_inputs, render.token_lines,
        requires=(DISCOVERY, PKCE, AUTHORIZE_URL, CALLBACK), preview=steps.build_token_request,
    ),
    StepSpec(
        TOKENS, "Verify tokens",
        "Check the ID token's signature against the provider's JWKS, then its issuer, "
        "audience, expiry, nonce and at_hash. A decoded token is not a verified token.",
        "OIDC Core §3.1.3.7, RFC 9068 §4",
        steps.run_tokens, _tokens_inputs, render.tokens_lines,
        requires=(DISCOVERY, AUTHORIZE_URL, TOKEN),
    ),
    StepSpec(
        USERINFO, "UserInfo",
        "Call the UserInfo endpoint with the access token; its sub must equal the ID token's.",
        "OIDC Core §5.3",
        steps.run_userinfo, render=render.userinfo_lines,
        requires=(DISCOVERY, TOKEN),
    ),
)

AUTH_CODE_PKCE = FlowSpec(
    "auth_code_pkce", "Authorization Code with PKCE", "RFC 6749 §4.1, RFC 7636, OIDC Core §3.1",
    STEPS, tokens_step=TOKEN,
)
