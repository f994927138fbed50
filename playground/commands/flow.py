"""`oauth-playground flow`: run a flow in the terminal, printing everything: Authorization Code +
PKCE by default, `--grant client_credentials` for a machine client (RFC 6749 §4.4),
`--grant token_exchange` to trade a token for another (RFC 8693), `--grant device_code` for a
device that polls while the user approves elsewhere (RFC 8628, playground.commands.device_flow);
`--logout` signs out after the code flow (OIDC RP-Initiated Logout 1.0) and checks the session
ended. Hardening: `--par` pushes the authorization request first (RFC 9126), `--dpop` binds the
tokens to a key with DPoP proofs (RFC 9449), `--request-object` signs the parameters (RFC 9101),
`--auth-method private_key_jwt|client_secret_jwt` authenticates with a signed JWT (RFC 7523
§2.2) using `--key FILE`; each proof, assertion and request object prints decoded.

Every step, every HTTP message (request line, headers, body; status, headers, body) and the
decoded tokens with every verification result. Without --issuer the embedded server runs
in-process and consent is given as the demo user (--deny refuses it). --browser opens the
system browser and catches the redirect on 127.0.0.1 (RFC 8252 §7.3); --manual prints the
authorization URL on a line of its own and reads the full redirect URL from standard input.
Exit 0: tokens obtained and verified (with --logout: signed out too, and prompt=none answered
login_required); 1: the flow failed (the step and the reason are named);
2: usage error. Imports are deferred so `oauth-playground --help` stays fast.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from playground.core.flow.session import Event, FlowSession
    from playground.core.flow.stepinfo import ClientConfig
    from playground.core.flow.useragent import UserAgent
    from playground.core.protocol.token import AuthMethod
    from playground.core.record.recorder import TraceLookup

SEED_CLIENT_ID = "c02d5bf5-993e-4c6a-a248-6c307cc7681b"
SEED_REDIRECT_URI = "http://client.server.com/callback"
SEED_SCOPE = "openid email profile offline_access"
LOOPBACK_REDIRECT_URI = "http://127.0.0.1/callback"


# --grant NAME: the grant_type its flow uses (playground.core.flows)
GRANTS = {"authorization_code": "authorization_code", "client_credentials": "client_credentials",
          "token_exchange": "urn:ietf:params:oauth:grant-type:token-exchange",
          "refresh_token": "refresh_token",
          "device_code": "urn:ietf:params:oauth:grant-type:device_code"}
MACHINE_GRANTS = ("client_credentials", "token_exchange")
COMPLETE = {"": "tokens obtained and verified",  # what a finished flow proved, by flow name
            "logout": "signed in, signed out, and the session is gone (prompt=none: "
                      "login_required)"}
USER_OPTIONS = ("browser", "manual", "deny", "user", "redirect_uri")
ENDPOINT_OPTIONS = ("authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint")
AUTH_METHODS = ("none", "client_secret_basic", "client_secret_post", "private_key_jwt",
                "client_secret_jwt")  # playground.core.protocol.token.AUTH_METHODS
SECRET_METHODS = ("client_secret_basic", "client_secret_post", "client_secret_jwt")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--issuer", metavar="URL", help="any OpenID provider (default: embedded)")
    parser.add_argument("--profile", metavar="NAME",
                        help="a saved provider (`oauth-playground profile add`): its issuer or "
                             "endpoints, client, scope, parameters, CA file and keyring secret; "
                             "options given here win")
    parser.add_argument(
        "--grant", choices=GRANTS, default="authorization_code",
        help="the flow: authorization_code (+ PKCE, a user signs in), client_credentials (a "
        "confidential client on its own behalf) or token_exchange (RFC 8693; the subject token "
        "is --subject-token, else the client's own); the embedded default client for the "
        "last two is playground-service; device_code (RFC 8628: the terminal is the device, "
        "the in-app agent approves as the demo user unless --deny, --browser or --manual)")
    parser.add_argument(
        "--logout", action="store_true",
        help="after the code flow, sign out at the provider's end_session_endpoint with the "
        "id_token as id_token_hint (OIDC RP-Initiated Logout 1.0) and check the session ended: "
        "prompt=none must then answer login_required")
    parser.add_argument("--post-logout-redirect-uri", metavar="URI",
                        help="with --logout: where the provider sends the browser back (it must "
                        "be registered; default: the embedded client's first, else none: the "
                        "provider's signed-out page)")
    parser.add_argument("--refresh-token", metavar="T",
                        help="with --grant refresh_token: the token to redeem (RFC 6749 §6)")
    exchange = parser.add_argument_group("token exchange (--grant token_exchange)")
    exchange.add_argument("--subject-token", metavar="T", help="the token to exchange")
    exchange.add_argument("--subject-token-type", metavar="URN", default=None,
                          help="default: urn:ietf:params:oauth:token-type:access_token")
    exchange.add_argument("--actor-token", metavar="T", help="who acts (delegation, RFC 8693 §4.1)")
    exchange.add_argument("--audience", metavar="A", help="whom the new token is for")
    exchange.add_argument("--resource", metavar="URI", help="the resource it is for (RFC 8707)")
    parser.add_argument("--client-id", metavar="ID",
                        help=f"default: the seed's client {SEED_CLIENT_ID}")
    parser.add_argument("--client-secret", metavar="S", help="for a confidential client")
    parser.add_argument(
        "--auth-method",
        choices=AUTH_METHODS,
        help="token endpoint client authentication (default: none, basic with a secret, "
        "private_key_jwt with --key); the JWT methods sign an assertion (RFC 7523 §2.2)",
    )
    hardening = parser.add_argument_group("hardening (FAPI-style clients)")
    hardening.add_argument("--par", action="store_true",
                           help="push the authorization request first (RFC 9126)")
    hardening.add_argument("--dpop", action="store_true",
                           help="bind the tokens to a fresh ES256 key with DPoP proofs (RFC 9449)")
    hardening.add_argument("--request-object", action="store_true",
                           help="send the authorization parameters as a signed JWT (RFC 9101)")
    hardening.add_argument("--key", metavar="FILE",
                           help="the client's private key, PEM or JWK, for private_key_jwt and "
                           "request objects (embedded playground-fapi: its demo key)")
    hardening.add_argument("--assertion-audience", choices=("issuer", "token_endpoint"),
                           default="issuer",
                           help="the aud of client assertions (default: the issuer)")
    parser.add_argument("--redirect-uri", metavar="URI", help=f"default: {SEED_REDIRECT_URI}")
    parser.add_argument("--scope", metavar="S",
                        help=f"default: {SEED_SCOPE} (client_credentials: the client's own)")
    parser.add_argument(
        "--token-body",
        choices=["form", "json"],
        default="form",
        help="token request body: form (RFC 6749 §4.1.3) or the seed's JSON",
    )
    parser.add_argument("--user", metavar="SUB", help="demo user to sign in as (embedded server)")
    parser.add_argument("--deny", action="store_true", help="deny consent (in-app mode)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--browser", action="store_true", help="system browser + loopback redirect")
    mode.add_argument("--manual", action="store_true", help="print the URL, read the redirect "
                      "(device_code: print the code and the URI, then poll)")
    parser.add_argument("--json", metavar="FILE", help="write the whole transcript as JSON")
    parser.add_argument("--har", metavar="FILE",
                        help="write every exchange as HAR 1.2 (opens in browser devtools and "
                             "HTTP Toolkit), the server's decisions in _playground fields")
    parser.add_argument("--snippets", metavar="LANG",
                        choices=("curl", "httpie", "httpx", "fetch"),
                        help="after the flow, print every request as code that replays it: "
                             "curl, httpie, httpx (Python) or fetch (JavaScript)")
    parser.add_argument("--redact", action="store_true",
                        help="with --har: replace secrets, tokens, codes, the verifier and "
                             "cookies with [redacted]")
    parser.add_argument("--timeout", type=float, default=10.0, help="HTTP timeout in seconds")
    manual = parser.add_argument_group(
        "a provider without discovery (GitHub, Slack, Strava…): no /.well-known/ request; "
        "--issuer, if given, is still what iss and aud are checked against")
    for name in ENDPOINT_OPTIONS:
        manual.add_argument(f"--{name.replace('_', '-')}", metavar="URL", dest=name)
    parser.add_argument("--ca-file", metavar="FILE",
                        help="PEM CA certificates to trust beside the system's (a private CA, "
                             "a self-signed development certificate)")
    parser.add_argument("--param", action="append", metavar="NAME=VALUE", default=[],
                        help="an extra authorization request parameter (audience, resource, "
                             "prompt, login_hint, acr_values…); repeat for more")


def run(args: argparse.Namespace) -> int:
    problem = _apply_profile(args) or _usage_problem(args) or _load_key(args)
    if problem:
        print(f"oauth-playground flow: error: {problem}", file=sys.stderr)
        return 2
    if args.issuer or args.authorization_endpoint:
        return asyncio.run(_run_flow(args, _issuer(args), None))
    return _run_embedded(args)


def _usage_problem(args: argparse.Namespace) -> str | None:
    if args.grant != "token_exchange" and (args.subject_token or args.actor_token
                                           or args.audience or args.resource):
        return "--subject-token, --actor-token, --audience and --resource need --grant " \
            "token_exchange"
    if (logout := _logout_problem(args)) is not None:
        return logout
    if (hardening := _hardening_problem(args)) is not None:
        return hardening
    if (args.grant == "refresh_token") != bool(args.refresh_token):
        return "--grant refresh_token and --refresh-token go together"
    browser = [f"--{n.replace('_', '-')}" for n in USER_OPTIONS if getattr(args, n)]
    if args.grant == "refresh_token" and browser:
        return f"{', '.join(browser)}: a refresh has no user and no browser"
    if args.grant == "device_code":
        from playground.commands import device_flow

        return device_flow.usage_problem(args)
    if args.grant in MACHINE_GRANTS:
        return _machine_problem(args)
    if args.deny and (args.browser or args.manual):
        return "--deny needs the in-app mode: in --browser or --manual, deny in the browser"
    if args.timeout <= 0:
        return "--timeout must be positive"
    if (endpoints := _endpoints_problem(args)) is not None:
        return endpoints
    if args.ca_file and not os.path.isfile(args.ca_file):
        return f"--ca-file {args.ca_file}: no such file (give a PEM file of CA certificates)"
    if args.browser and args.redirect_uri and not _is_loopback(args.redirect_uri):
        return "--browser catches the redirect on 127.0.0.1: --redirect-uri must be loopback"
    return None


def _apply_profile(args: argparse.Namespace) -> str | None:
    """--profile NAME: the profile's values wherever the command line gave none."""
    if not getattr(args, "profile", None):
        return None
    from playground.core.flow import profiles

    try:
        profile = profiles.ProfileStore().get(args.profile)
        secret = None if args.client_secret else profiles.load_secret(profile.name)
    except profiles.ProfileError as exc:
        return str(exc)
    given = {"issuer": profile.issuer, **profile.endpoints, "client_id": profile.client_id,
             "scope": profile.scope, "redirect_uri": profile.redirect_uri,
             "auth_method": profile.auth_method, "ca_file": profile.ca_file,
             "client_secret": secret}
    for name, value in given.items():
        if value and not getattr(args, name, None):
            setattr(args, name, value)
    args.param = [f"{k}={v}" for k, v in profile.params] + list(args.param)
    return None


def _endpoints_problem(args: argparse.Namespace) -> str | None:
    given = [n for n in ENDPOINT_OPTIONS if getattr(args, n)]
    if given and not (args.authorization_endpoint and args.token_endpoint):
        return "without discovery, give both --authorization-endpoint and --token-endpoint"
    bad = next((p for p in args.param if "=" not in p or p.startswith("=")), None)
    if bad is not None:
        return f"--param {bad!r}: write NAME=VALUE, e.g. --param audience=https://api.example"
    return None


def _issuer(args: argparse.Namespace) -> str:
    """--issuer, or, without discovery, the authorization endpoint's origin."""
    if args.issuer:
        return str(args.issuer)
    from urllib.parse import urlsplit

    parts = urlsplit(args.authorization_endpoint)
    return f"{parts.scheme}://{parts.netloc}"


def _hardening_problem(args: argparse.Namespace) -> str | None:
    """What the JWT methods and request objects need: a secret, or a key."""
    if args.auth_method in SECRET_METHODS and not args.client_secret:
        return f"--auth-method {args.auth_method} needs --client-secret"
    keyless = not args.key and not _demo_key_applies(args)
    if args.auth_method == "private_key_jwt" and keyless:
        return "--auth-method private_key_jwt needs --key FILE (the client's private key)"
    if args.request_object and keyless and not args.client_secret:
        return "--request-object signs with the client's key or secret: give --key or " \
            "--client-secret"
    if (args.par or args.request_object) and args.grant != "authorization_code":
        return "--par and --request-object shape the authorization request: they need " \
            "--grant authorization_code"
    return None


def _demo_key_applies(args: argparse.Namespace) -> bool:
    """The embedded server's playground-fapi signs with the demo key shipped in assets."""
    from playground.core.jose import jwk

    return not args.issuer and args.client_id in jwk.DEMO_KEYS


def _load_key(args: argparse.Namespace) -> str | None:
    """--key (or the demo key) read and checked into `args.client_key`; a problem as text."""
    from playground.core.jose import jwk

    args.client_key = None
    if args.key:
        try:
            with open(args.key, encoding="utf-8") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError) as exc:
            return f"--key {args.key}: cannot read it ({getattr(exc, 'strerror', None) or exc})"
    elif _demo_key_applies(args) and (args.auth_method == "private_key_jwt"
                                      or args.request_object):
        text = jwk.demo_key_text(args.client_id) or ""
    else:
        return None
    try:
        jwk.load_private_key(text)
    except jwk.JwkError as exc:
        return f"--key {args.key or jwk.DEMO_KEYS.get(args.client_id)}: {exc}"
    args.client_key = text
    return None


def _logout_problem(args: argparse.Namespace) -> str | None:
    """--logout ends the sign-in of the code flow, whose session cookie this client holds."""
    if not args.logout:
        return "--post-logout-redirect-uri needs --logout" if args.post_logout_redirect_uri \
            else None
    if args.grant != "authorization_code":
        return "--logout signs out after the code flow: it needs --grant authorization_code"
    if args.browser or args.manual:
        return ("--logout needs the in-app mode: after --browser or --manual the sign-in's "
                "session cookie is in the browser, not in this client")
    return None


def _machine_problem(args: argparse.Namespace) -> str | None:
    """A machine client's grant has no user: the user-agent options make no sense with it."""
    given = [f"--{name.replace('_', '-')}" for name in USER_OPTIONS if getattr(args, name)]
    if given:
        return f"{', '.join(given)}: {args.grant} has no user and no browser"
    keyed = args.auth_method == "private_key_jwt"
    if args.auth_method == "none" or (args.issuer and not args.client_secret and not keyed):
        return f"{args.grant} needs a confidential client: give --client-secret"
    if args.issuer and not args.client_id:
        return f"{args.grant} against another issuer needs --client-id"
    return None


def _is_loopback(uri: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(uri)
    return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "::1")


def _run_embedded(args: argparse.Namespace) -> int:
    from playground.server import EmbeddedServer, ServerConfig, ServerStartError

    compat = getattr(args, "compat", "strict") == "seed"
    try:
        with EmbeddedServer(ServerConfig(compat_seed=compat)) as server:
            print(f"embedded authorization server: {server.issuer}")
            _machine_client(args, server.clients.list())
            if args.grant == "device_code":
                from playground.commands import device_flow

                device_flow.embedded_client(args, server.clients.list())
            _logout_return(args, server.clients.list())
            return asyncio.run(_run_flow(args, server.issuer, server.trace))
    except ServerStartError as exc:
        print(f"oauth-playground flow: cannot start the embedded server: {exc}", file=sys.stderr)
        return 1


def _provider_inputs(args: argparse.Namespace, session: FlowSession) -> None:
    """--authorization-endpoint and friends (no discovery), --param (extra parameters)."""
    endpoints = {n: getattr(args, n) for n in ENDPOINT_OPTIONS if getattr(args, n)}
    if endpoints and "discovery" in session.steps:
        session.set_input("discovery", "endpoints", endpoints)
    if args.param and "authorize_url" in session.steps:
        extra = [tuple(p.split("=", 1)) for p in args.param]
        session.set_input("authorize_url", "extra", extra)


def _exchange_inputs(args: argparse.Namespace, session: FlowSession) -> None:
    """--refresh-token, --subject-token and friends into the steps' inputs."""
    if args.grant == "refresh_token":
        session.set_input("token", "refresh_token", args.refresh_token)
        if args.scope:
            session.set_input("token", "scope", args.scope)
    if args.grant != "token_exchange":
        return
    if args.subject_token:
        session.set_input("subject", "subject_token", args.subject_token)
    if args.subject_token_type:
        session.set_input("subject", "subject_token_type", args.subject_token_type)
    for name in ("actor_token", "audience", "resource"):
        if getattr(args, name):
            session.set_input("token", name, getattr(args, name))
    if args.scope:
        session.set_input("token", "scope", args.scope)


def _machine_client(args: argparse.Namespace, clients: list[Any]) -> None:
    """A machine grant on the embedded server: its machine client, secret included."""
    if args.grant not in MACHINE_GRANTS or args.client_id:
        return
    client = next(c for c in clients if GRANTS[args.grant] in c.grantTypes)
    args.client_id, args.client_secret = client.id, args.client_secret or client.secret
    print(f"client: {client.id} (the embedded server's machine client)")


def _logout_return(args: argparse.Namespace, clients: list[Any]) -> None:
    """--logout on the embedded server: the client's first registered post-logout URI."""
    if not args.logout or args.post_logout_redirect_uri:
        return
    client = next((c for c in clients if c.id == (args.client_id or SEED_CLIENT_ID)), None)
    if client is not None and client.postLogoutRedirect:
        args.post_logout_redirect_uri = client.postLogoutRedirect[0]


def _spec(args: argparse.Namespace) -> Any:
    from playground.core.flows import FLOWS, LOGOUT_FLOW

    if args.logout:
        return LOGOUT_FLOW
    return next(s for s in FLOWS.values() if s.grant_type == GRANTS[args.grant])


async def _run_flow(args: argparse.Namespace, issuer: str, trace_lookup: TraceLookup | None) -> int:
    from playground.core.flow import transcript
    from playground.core.flow.session import FlowSession
    from playground.core.flowerrors import FlowError

    try:
        agent, catcher = await _user_agent(args)
    except FlowError as exc:
        print(f"oauth-playground flow: {exc}", file=sys.stderr)
        return 1
    config = _client_config(args, issuer, catcher.redirect_uri if catcher else None)
    session = FlowSession(config, user_agent=agent, trace_lookup=trace_lookup,
                          timeout=args.timeout, spec=_spec(args))
    _exchange_inputs(args, session)
    _provider_inputs(args, session)
    _device_inputs(args, session)
    session.subscribe(Printer(session, sys.stdout).on_event)
    try:
        ok = await session.run_all()
    finally:
        await session.aclose()
        if catcher is not None:
            await catcher.aclose()
    if args.json:
        _write_json(transcript, session, args.json)
    if args.har:
        _write_har(session, args.har, args.redact)
    if args.snippets:
        _print_snippets(session, args.snippets)
    return _verdict(session, ok)


def _device_inputs(args: argparse.Namespace, session: FlowSession) -> None:
    from playground.commands import device_flow

    device_flow.prepare(args, session)


async def _user_agent(args: argparse.Namespace) -> tuple[UserAgent, Any]:
    from playground.core.flow import useragent
    from playground.core.flow.loopback import BrowserAgent, LoopbackCatcher

    if args.grant == "device_code":
        from playground.commands import device_flow

        return device_flow.user_agent(args, _open_browser), None
    if args.manual:
        return useragent.ManualAgent(_read_redirect), None
    if args.browser:
        port, path = _loopback_address(args.redirect_uri or LOOPBACK_REDIRECT_URI)
        catcher = LoopbackCatcher(port=port, path=path)
        await catcher.start()
        print(
            f"listening for the redirect on {catcher.redirect_uri} (RFC 8252 §7.3); the client "
            "must register a loopback redirect (embedded server: --client-id playground-native)"
        )
        return BrowserAgent(catcher, open_url=_open_browser), catcher
    decider = useragent.deny(args.user) if args.deny else useragent.approve(args.user)
    return useragent.InAppAgent(decider), None


def _loopback_address(redirect_uri: str) -> tuple[int, str]:
    from urllib.parse import urlsplit

    parts = urlsplit(redirect_uri)
    return parts.port or 0, parts.path or "/callback"


def _client_config(args: argparse.Namespace, issuer: str, caught: str | None) -> ClientConfig:
    from playground.core.flow.stepinfo import ClientConfig

    client_key = getattr(args, "client_key", None)
    method: AuthMethod = args.auth_method or (
        "client_secret_basic" if args.client_secret
        else "private_key_jwt" if client_key else "none"
    )
    machine = args.grant in MACHINE_GRANTS
    redirectless = machine or args.grant == "device_code"
    return ClientConfig(
        issuer=issuer,
        client_id=args.client_id or SEED_CLIENT_ID,
        client_secret=args.client_secret,
        auth_method=method,
        redirect_uri=None if redirectless else caught or args.redirect_uri or SEED_REDIRECT_URI,
        scope=args.scope if args.scope is not None else "" if machine else SEED_SCOPE,
        token_body=args.token_body,
        post_logout_redirect_uri=args.post_logout_redirect_uri,
        par=args.par,
        dpop=args.dpop,
        request_object=args.request_object,
        ca_file=args.ca_file,
        client_key=client_key,
        assertion_audience=args.assertion_audience,
    )


def _open_browser(url: str) -> bool:
    import webbrowser

    print(f"\nOpening the system browser at:\n{url}", flush=True)
    return webbrowser.open(url)


async def _read_redirect(url: str) -> str:
    """--manual: the URL alone on its line, then one line of standard input."""
    print("\nOpen this URL in a browser, sign in, then paste the full redirect URL here:")
    print(url, flush=True)
    line: str = await asyncio.to_thread(sys.stdin.readline)
    return line.strip()


def _write_json(transcript: Any, session: FlowSession, path: str) -> None:
    try:
        transcript.write(session, path)
    except OSError as exc:
        print(f"oauth-playground flow: cannot write {path}: {exc.strerror}", file=sys.stderr)


def _write_har(session: FlowSession, path: str, redact: bool) -> None:
    from playground.core.record.har import write_har

    try:
        write_har(list(session.log), path, redact=redact)
    except OSError as exc:
        print(f"oauth-playground flow: cannot write {path}: {exc.strerror}", file=sys.stderr)
        return
    print(f"HAR written to {path} ({len(session.log)} entries"
          f"{', secrets redacted' if redact else ''})")


def _print_snippets(session: FlowSession, language: str) -> None:
    from playground.core.record.snippets import snippet

    comment = "//" if language == "fetch" else "#"
    for exchange in session.log:
        print(f"\n{comment} #{exchange.seq} {exchange.step}: {exchange.method} {exchange.url}")
        print(snippet(exchange, language))


def _verdict(session: FlowSession, ok: bool) -> int:
    failed = session.failed_step
    if ok and failed is None:
        print(f"\nflow complete: {COMPLETE.get(session.spec.name, COMPLETE[''])}")
        return 0
    where = f"step '{failed.key}' ({failed.title})" if failed else "an unknown step"
    reason = str(failed.error) if failed and failed.error else "it did not finish"
    rule = f" [{failed.error.rfc}]" if failed and failed.error and failed.error.rfc else ""
    print(f"\nflow failed at {where}: {reason}{rule}", file=sys.stderr)
    return 1


class Printer:
    """Prints the session's events as they happen."""

    def __init__(self, session: FlowSession, out: TextIO) -> None:
        self.session, self.out = session, out

    def on_event(self, event: Event) -> None:
        from playground.core.flow.session import ExchangeRecorded, StepFinished, StepStarted
        from playground.core.record import render

        if isinstance(event, StepStarted):
            step = self.session.step(event.key)
            self._print(f"\n=== {step.title} ({step.rfc})")
        elif isinstance(event, ExchangeRecorded):
            self._print(render.exchange_text(event.exchange))
        elif isinstance(event, StepFinished):
            self._print(self._finished(event.key))

    def _finished(self, key: str) -> str:
        from playground.core.record.render import outcome_text

        step = self.session.step(key)
        lines = outcome_text(step.spec, step.outcome)
        if step.error is not None:
            lines.append(
                f"  FAILED: {step.error}" + (f" [{step.error.rfc}]" if step.error.rfc else "")
            )
        return "\n".join(lines)

    def _print(self, text: str) -> None:
        print(text, file=self.out, flush=True)
