"""`oauth-playground serve`: the embedded authorization server alone, in the foreground.

Prints the issuer and the registered clients, then one line per request with its decision (the
failing check and any lint findings underneath). Ctrl-C or SIGTERM stops it with exit code 0; a
busy port or a bad clients file prints one line on stderr and exits 2. The server package is
imported inside `run`, so `oauth-playground --help` stays fast.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playground.core.trace import DecisionTrace
    from playground.server import Client

DEFAULT_PORT = 9400


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default: 127.0.0.1, loopback only)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"port to listen on (default: {DEFAULT_PORT}; 0 picks a free one)")
    parser.add_argument("--clients", metavar="FILE",
                        help="JSON list of clients in the seed's shape (default: built-in clients)")
    parser.add_argument("--compat", dest="serve_compat", choices=["strict", "seed"], default=None,
                        help="'seed' accepts the seed's SHA-256 / padded-base64 PKCE spelling, "
                             "with a warning (default: strict)")
    parser.add_argument("--allow-plain", action="store_true",
                        help="accept code_challenge_method=plain (RFC 7636 §4.2; off by default)")
    parser.add_argument("--issuer", help="issuer URL to advertise (default: http://HOST:PORT)")
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


def run(args: argparse.Namespace) -> int:
    from playground.server import EmbeddedServer, ServerConfig, ServerStartError
    from playground.server.clients import ClientsFileError, load_clients

    try:
        loaded = load_clients(args.clients) if args.clients else None
    except ClientsFileError as exc:
        return _fail(str(exc))
    clients = list(loaded.clients) if loaded else None
    compat = (args.serve_compat or getattr(args, "compat", None) or "strict") == "seed"
    config = ServerConfig(host=args.host, port=args.port, clients=clients, compat_seed=compat,
                          allow_plain=args.allow_plain, issuer=args.issuer,
                          signers=args.signers)
    server = EmbeddedServer(config)
    server.subscribe(_log_trace)
    try:
        server.start()
    except ServerStartError as exc:
        return _fail(str(exc))
    try:
        _banner(server.issuer, server.clients.list(), compat, args.signers,
                loaded.notes() if loaded else [])
        _wait_for_signal()
    finally:
        server.stop()
    print("stopped", flush=True)
    return 0


def _fail(message: str) -> int:
    print(f"oauth-playground serve: error: {message}", file=sys.stderr, flush=True)
    return 2


def _banner(issuer: str, clients: list[Client], compat: bool, signers: int,
            notes: list[str]) -> None:
    lines = [
        f"issuer  {issuer}",
        f"        {issuer}/.well-known/openid-configuration",
        "PKCE    " + ("compat seed (SHA-256 / padded base64 accepted with a warning)"
                      if compat else "strict (S256)"),
        "signing " + (f"in {signers} helper process{'es' if signers > 1 else ''} (--signers)"
                      if signers else "in the server's thread (--signers 0)"),
        "clients",
    ]
    for client in clients:
        kind = "first-party" if client.firstParty else "third-party"
        auth = ", ".join(client.authMethods)
        lines.append(f"  {client.id}  {client.display_name} ({kind}; auth {auth})")
        lines.extend(f"      redirect {uri}" for uri in client.redirect)
    lines.extend(f"  note: {note}" for note in notes)
    lines.append("Press Ctrl-C to stop.")
    print("\n".join(lines), flush=True)


def _log_trace(trace: DecisionTrace) -> None:
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
    print("\n".join(lines), flush=True)


def _wait_for_signal() -> None:
    stop = threading.Event()

    def handler(signum: int, frame: Any) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stop.wait(0.5):
            pass
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def main(argv: list[str] | None = None) -> int:
    """`python -m playground.commands.serve`: the same command without the other sub-commands."""
    parser = argparse.ArgumentParser(prog="oauth-playground serve")
    configure(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
