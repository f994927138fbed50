"""`oauth-playground serve`: the embedded authorization server alone, in the foreground.

Prints the issuer and the registered clients, then one line per request with its decision (the
failing check and any lint findings underneath), written by a thread of their own so an unread
stdout never stalls the server (`foreground.LineWriter`). Ctrl-C or SIGTERM stops it with exit
code 0 within `STOP_DEADLINE` seconds; a second one while stopping, or a stop that overruns,
exits at once (`foreground.StopSignals`). A busy port or a bad clients file prints one line on
stderr and exits 2. The server package is imported inside `run`, so `oauth-playground --help`
stays fast.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from playground.commands.foreground import LineWriter, StopSignals, say

if TYPE_CHECKING:
    from playground.core.trace import DecisionTrace
    from playground.server import EmbeddedServer, ServerConfig
    from playground.server.clients import ClientsFile

DEFAULT_PORT = 9400
STOP_DEADLINE = 1.5  # seconds from SIGINT/SIGTERM to exit, whatever is stuck (then os._exit)
WRITE_GRACE = 0.5  # seconds the last lines may take to write once the server has stopped


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="FILE",
                        help="a TOML or JSON file with clients, users and their claims, token "
                             "lifetimes and algorithms, the issuer, consent (interactive or "
                             "auto-approve) and tenants (docs/serve.md); options given here win")
    parser.add_argument("--host", default=None,
                        help="address to listen on (default: 127.0.0.1, loopback only)")
    parser.add_argument("--port", type=int, default=None,
                        help=f"port to listen on (default: {DEFAULT_PORT}; 0 picks a free one)")
    parser.add_argument("--clients", metavar="FILE",
                        help="JSON list of clients in the seed's shape (default: built-in clients)")
    parser.add_argument("--compat", dest="serve_compat", choices=["strict", "seed"], default=None,
                        help="'seed' accepts the seed's SHA-256 / padded-base64 PKCE spelling, "
                             "with a warning (default: strict)")
    parser.add_argument("--allow-plain", action="store_true",
                        help="accept code_challenge_method=plain (RFC 7636 §4.2; off by default)")
    parser.add_argument("--issuer", help="issuer URL to advertise (default: http://HOST:PORT)")
    parser.add_argument("--resource", action="append", metavar="URI", dest="resources",
                        help="a resource tokens may be issued for (RFC 8707; repeat for more; "
                             "default: https://api.example); a token exchange may also name a "
                             "registered client id as its audience")
    parser.add_argument("--require-par", action="store_true",
                        help="every client must push its authorization requests (RFC 9126 §5; "
                             "per client: requirePushedAuthorizationRequests)")
    parser.add_argument("--dpop-nonce", action="store_true",
                        help="DPoP proofs must carry a nonce this server provides in DPoP-Nonce "
                             "(RFC 9449 §8, §9)")
    parser.add_argument("--no-control-api", dest="control_api", action="store_false",
                        help="turn off the control API under /_playground/ (behaviours, minted "
                             "tokens, the request journal, keys, clock, faults, reset; "
                             "docs/serve.md) and the journal it keeps")
    parser.add_argument("--log-format", choices=("text", "json"), default="text",
                        help="json: one JSON object per line — each request with its decision "
                             "(status, failed check, RFC), and the start and stop events — "
                             "for CI logs")
    parser.add_argument("--signers", type=_signers, default=default_signers(), metavar="N",
                        help="helper processes that sign tokens, so RSA signatures use other "
                             f"cores; 0 signs in the server's thread (default: {default_signers()}"
                             ", one per core beyond the first, at most 4)")


def default_signers() -> int:
    return max(0, min(4, (os.cpu_count() or 1) - 1))


def _signers(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 64:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes from 0 to 64")
    return value


def _config(args: argparse.Namespace) -> tuple[ServerConfig, ClientsFile | None]:
    """The config file's settings (if any), then the options given on the command line."""
    from dataclasses import replace

    from playground.server import ServerConfig
    from playground.server.clients import load_clients
    from playground.server.config_file import load_config

    config = load_config(args.config).config if args.config else ServerConfig(port=DEFAULT_PORT)
    loaded = load_clients(args.clients) if args.clients else None
    compat = (args.serve_compat or getattr(args, "compat", None) or "strict") == "seed"
    config = replace(
        config, host=args.host or config.host, port=config.port if args.port is None
        else args.port, clients=list(loaded.clients) if loaded else config.clients,
        issuer=args.issuer or config.issuer, compat_seed=compat, signers=args.signers,
        allow_plain=args.allow_plain or config.allow_plain,
        require_par=args.require_par or config.require_par,
        dpop_nonce=args.dpop_nonce or config.dpop_nonce, control_api=args.control_api)
    if args.resources:
        config = replace(config, resources=tuple(args.resources))
    return config, loaded


def run(args: argparse.Namespace) -> int:
    from playground.server import EmbeddedServer, ServerStartError
    from playground.server.clients import ClientsFileError
    from playground.server.config_file import ConfigFileError

    try:
        config, loaded = _config(args)
    except (ClientsFileError, ConfigFileError) as exc:
        return _fail(str(exc))
    compat = config.compat_seed
    server = EmbeddedServer(config)
    output = LineWriter(sys.stdout)
    as_json = args.log_format == "json"
    server.subscribe(lambda trace: output.put(_json_trace(trace) if as_json
                                              else _format_trace(trace)))
    signals = StopSignals(STOP_DEADLINE, on_force=_helper_killer(server))
    signals.install()
    lost: list[str] = []

    def on_lost(reason: str) -> None:
        lost.append(reason)
        signals.requested.set()

    server.watch_exit(on_lost)
    try:
        server.start()
    except ServerStartError as exc:
        return _fail(str(exc))
    try:
        output.put(_json_event("listening", issuer=server.issuer,
                               clients=[c.id for c in server.clients.list()],
                               tenants=[t.issuer for t in server.tenants.values()],
                               control_api=config.control_api,
                               notes=loaded.notes() if loaded else []) if as_json
                   else _banner(server, compat, args.signers, loaded.notes() if loaded else []))
        signals.wait()
    finally:
        server.stop()
    if lost:  # its loop crashed: a test environment must see its IdP gone, not a hang
        message = f"the server stopped unexpectedly ({lost[0]})"
        output.put(_json_event("error", message=message) if as_json else f"error: {message}")
        return _finish(output, WRITE_GRACE, code=1)
    output.put(_json_event("stopped") if as_json else "stopped")
    return _finish(output, min(WRITE_GRACE, signals.remaining() - 0.1))  # before the watcher


def _fail(message: str) -> int:
    print(f"oauth-playground serve: error: {message}", file=sys.stderr, flush=True)
    return 2


def _finish(output: LineWriter, timeout: float, code: int = 0) -> int:
    """`code` once everything queued is written. If stdout takes no more within `timeout`,
    exit without it: the interpreter's own exit would flush stdout, waiting on the lock its
    blocked writer holds."""
    if output.close(timeout):
        return code
    say(f"oauth-playground serve: stopped; stdout was not being read ({output.dropped} log "
        "entries dropped, the rest unwritten)")
    os._exit(code)


def _helper_killer(server: EmbeddedServer) -> Callable[[], None]:
    """What a forced exit does first: SIGKILL the signing helpers still running."""
    from playground.server.signing_helpers import ProcessSigner

    def kill() -> None:
        signer = server.context.tokens.signer
        for pid in signer.pids if isinstance(signer, ProcessSigner) else []:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, getattr(signal, "SIGKILL", signal.SIGTERM))  # Windows: no SIGKILL
    return kill


def _banner(server: EmbeddedServer, compat: bool, signers: int, notes: list[str]) -> str:
    issuer, config = server.issuer, server.config
    lines = [
        f"issuer  {issuer}",
        f"        {issuer}/.well-known/openid-configuration",
        "PKCE    " + ("compat seed (SHA-256 / padded base64 accepted with a warning)"
                      if compat else "strict (S256)"),
        "signing " + (f"in {signers} helper process{'es' if signers > 1 else ''} (--signers)"
                      if signers else "in the server's thread (--signers 0)"),
        "consent " + (f"auto-approve as {config.auto_user} (or the user login_hint names)"
                      if config.consent == "auto-approve" else "interactive (login and consent "
                      "pages)"),
        "users   " + ", ".join(u.sub for u in server.users),
        "control " + (f"{issuer}/_playground/ (docs/serve.md)" if config.control_api
                      else "off (--no-control-api)"),
        *(f"tenant  {ctx.issuer}  ({len(ctx.clients)} clients, {len(ctx.users)} users)"
          for ctx in server.tenants.values()),
        "clients",
    ]
    for client in server.clients.list():
        kind = "first-party" if client.firstParty else "third-party"
        auth = ", ".join(client.authMethods)
        lines.append(f"  {client.id}  {client.display_name} ({kind}; auth {auth})")
        lines.extend(f"      redirect {uri}" for uri in client.redirect)
    lines.extend(f"  note: {note}" for note in notes)
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)


def _format_trace(trace: DecisionTrace) -> str:
    """One line per request; the failing check and findings indented below it."""
    stamp = time.strftime("%H:%M:%S", time.localtime())
    client = f" client={trace.client_id}" if trace.client_id else ""
    verdict = f"{trace.error}: {trace.outcome}" if trace.error else trace.outcome
    lines = [f"{stamp} {trace.method} {trace.path} {trace.status} [{trace.endpoint}]{client} "
             f"-> {verdict}"]
    failed = trace.failed_check
    if failed is not None:
        lines.append(f"    x {failed.name}: {failed.detail} ({failed.rfc})")
    lines.extend(f"    ! {f.severity}: {f.message} ({f.rfc}); fix: {f.fix}" for f in trace.findings)
    return "\n".join(lines)


def _json_trace(trace: DecisionTrace) -> str:
    """One request as one JSON object: what came in, the answer, and the check that decided a
    refusal with its RFC section (the whole trace stays in the server's trace store)."""
    failed = trace.failed_check
    return json.dumps({
        "event": "request", "time": _iso(trace.at), "trace": trace.id, "method": trace.method,
        "path": trace.path, "endpoint": trace.endpoint, "status": trace.status,
        "client_id": trace.client_id, "error": trace.error, "outcome": trace.outcome,
        "failed_check": None if failed is None else {
            "name": failed.name, "detail": failed.detail, "rfc": failed.rfc},
        "findings": [{"rule": f.rule, "severity": f.severity, "message": f.message,
                      "rfc": f.rfc} for f in trace.findings],
    }, ensure_ascii=False)


def _json_event(event: str, **fields: object) -> str:
    return json.dumps({"event": event, "time": _iso(time.time()), **fields}, ensure_ascii=False)


def _iso(at: float) -> str:
    """RFC 3339 in UTC with milliseconds."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at))
    return f"{stamp}.{int(at * 1000) % 1000:03d}Z"


def main(argv: list[str] | None = None) -> int:
    """`python -m playground.commands.serve`: the same command without the other sub-commands."""
    parser = argparse.ArgumentParser(prog="oauth-playground serve")
    configure(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
