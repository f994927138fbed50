"""`oauth-playground` argument parsing and dispatch.

No sub-command opens the desktop window; `serve`, `flow` and `lab` run headless. Each command
module is imported only when chosen, so `serve` never pays for Qt's import.
Exit codes: 0 success, 1 the work failed, 2 usage error.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from playground import __version__

COMMANDS = {
    "serve": "run the embedded authorization server alone",
    "flow": "run the Authorization Code + PKCE flow in the terminal, printing every message",
    "lab": "run the guided break-it scenarios headless",
    "profile": "save real providers (presets, keyring secrets) for `flow --profile NAME`",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="oauth-playground",
        description="Step through OAuth 2.0 Authorization Code + PKCE with every HTTP message "
        "shown.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _configure_gui(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text in COMMANDS.items():
        module = importlib.import_module(f"playground.commands.{name}")
        module.configure(sub.add_parser(name, help=help_text, description=help_text))
    return parser


VIEWS = ("flow", "inspector", "tokens", "server", "lab", "sequence")
FLOWS = ("auth_code_pkce", "client_credentials", "device_code", "token_exchange", "refresh",
         "logout")  # playground.core.flows.FLOWS, named here so --help stays fast


def _configure_gui(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--screenshot", metavar="FILE",
        help="save a PNG of the window after the first paint, then exit",
    )
    parser.add_argument(
        "--auto", action="store_true", help="run the whole default flow first (with --screenshot)"
    )
    parser.add_argument(
        "--show", choices=VIEWS, default="flow",
        help="the pane shown below the flow: the HTTP inspector, the tokens, the server or the "
        "lab ('flow': the app's default); with --auto --show lab every lab scenario runs too",
    )
    parser.add_argument(
        "--flow", choices=list(FLOWS), default=None, metavar="NAME",
        help=f"the flow the window starts with ({', '.join(FLOWS)}); with --auto it runs to "
        "its end before the screenshot")
    parser.add_argument(
        "--client", metavar="ID", default=None,
        help="the embedded server's client the window starts with (e.g. playground-fapi: "
        "private_key_jwt, PAR and DPoP)")
    parser.add_argument(
        "--open", metavar="FILE", default=None,
        help="open a saved session (File > Save session), or a HAR (e.g. captured in the "
        "browser's devtools while your app signed in): its exchanges in the inspector and the "
        "sequence diagram, linted, the flow's steps recognised")
    parser.add_argument(
        "--compat", choices=["strict", "seed"], default="strict",
        help="'seed' accepts the seed's SHA-256 / padded-base64 PKCE spelling, with a warning",
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.auto and not args.screenshot:
        parser.error("--auto needs --screenshot FILE")
    if args.command is None:
        from playground import app

        return app.run(args)
    module = importlib.import_module(f"playground.commands.{args.command}")
    try:
        return int(module.run(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `oauth-playground flow | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
