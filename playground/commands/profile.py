"""`oauth-playground profile`: save real providers once, use them with `flow --profile NAME`.

    oauth-playground profile presets
    oauth-playground profile add work --preset entra --set tenant=contoso.onmicrosoft.com \\
        --client-id ID --client-secret-stdin --param prompt=select_account
    oauth-playground profile add gh --preset github --client-id ID
    oauth-playground profile add local --issuer http://127.0.0.1:9400 --client-id playground-web
    oauth-playground profile list | show NAME | remove NAME

The secret goes to the OS keyring, never to the profiles file (playground.core.flow.profiles).
Exit 0 done, 1 the keyring or the file failed, 2 usage errors.
"""

from __future__ import annotations

import argparse
import contextlib
import sys

from playground.core.flow import profiles


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="profile_action", metavar="ACTION", required=True)
    actions.add_parser("presets", help="the providers with a preset, and what each needs")
    actions.add_parser("list", help="the saved profiles")
    show = actions.add_parser("show", help="one profile (its secret never)")
    show.add_argument("name")
    remove = actions.add_parser("remove", help="forget a profile and its secret")
    remove.add_argument("name")
    add = actions.add_parser("add", help="save (or replace) a profile")
    add.add_argument("name")
    source = add.add_mutually_exclusive_group(required=True)
    source.add_argument("--preset", choices=list(profiles.PRESETS))
    source.add_argument("--issuer", metavar="URL", help="a provider with discovery")
    source.add_argument("--authorization-endpoint", metavar="URL",
                        help="a provider without discovery (with --token-endpoint)")
    add.add_argument("--token-endpoint", metavar="URL")
    add.add_argument("--jwks-uri", metavar="URL")
    add.add_argument("--userinfo-endpoint", metavar="URL")
    add.add_argument("--set", action="append", default=[], metavar="VAR=VALUE",
                     help="a preset's variable (tenant, domain, realm, base)")
    add.add_argument("--client-id", required=True)
    add.add_argument("--client-secret-stdin", action="store_true",
                     help="read the client secret from standard input into the OS keyring")
    add.add_argument("--scope")
    add.add_argument("--redirect-uri")
    add.add_argument("--auth-method")
    add.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
    add.add_argument("--ca-file", metavar="FILE")


def run(args: argparse.Namespace) -> int:
    store = profiles.ProfileStore()
    try:
        return int(ACTIONS[args.profile_action](args, store))
    except profiles.ProfileError as exc:
        print(f"oauth-playground profile: error: {exc}", file=sys.stderr)
        return 2 if args.profile_action == "add" else 1


def _presets(args: argparse.Namespace, store: profiles.ProfileStore) -> int:
    for name, preset in profiles.PRESETS.items():
        where = preset.issuer or preset.endpoints.get("authorization_endpoint", "")
        needs = f"  needs --set {', '.join(preset.variables)}" if preset.variables else ""
        print(f"{name:9} {preset.title}: {where}{needs}")
        if preset.note:
            print(f"          {preset.note}")
    return 0


def _list(args: argparse.Namespace, store: profiles.ProfileStore) -> int:
    saved = store.load()
    if not saved:
        print(f"no profiles yet ({store.path}); add one with `oauth-playground profile add`")
    for profile in saved.values():
        print(f"{profile.name:16} {profile.issuer or profile.endpoints['authorization_endpoint']}"
              f"  client {profile.client_id}")
    return 0


def _show(args: argparse.Namespace, store: profiles.ProfileStore) -> int:
    profile = store.get(args.name)
    for key, value in (("issuer", profile.issuer), *profile.endpoints.items(),
                       ("client_id", profile.client_id), ("scope", profile.scope),
                       ("redirect_uri", profile.redirect_uri),
                       ("auth_method", profile.auth_method), ("ca_file", profile.ca_file),
                       *(("param", f"{k}={v}") for k, v in profile.params)):
        if value:
            print(f"{key:22} {value}")
    secret = "in the OS keyring" if _has_secret(profile.name) else "none saved"
    print(f"{'client_secret':22} {secret}")
    return 0


def _has_secret(name: str) -> bool:
    try:
        return profiles.load_secret(name) is not None
    except profiles.ProfileError:
        return False


def _remove(args: argparse.Namespace, store: profiles.ProfileStore) -> int:
    if not store.remove(args.name):
        print(f"oauth-playground profile: no profile {args.name!r}", file=sys.stderr)
        return 1
    with contextlib.suppress(profiles.ProfileError):  # no keyring: no secret was stored
        profiles.forget_secret(args.name)
    print(f"removed {args.name}")
    return 0


def _add(args: argparse.Namespace, store: profiles.ProfileStore) -> int:
    fields = {"scope": args.scope, "redirect_uri": args.redirect_uri,
              "auth_method": args.auth_method, "ca_file": args.ca_file,
              "params": [_pair(p, "--param") for p in args.param]}
    if args.preset:
        values = dict(_pair(v, "--set") for v in args.set)
        profile = profiles.from_preset(args.name, args.preset, values, args.client_id, **fields)
    else:
        endpoints = {k: getattr(args, k) for k in profiles.ENDPOINTS if getattr(args, k)}
        profile = profiles.check(profiles.Profile(
            name=args.name, client_id=args.client_id, issuer=args.issuer, endpoints=endpoints,
            **{**fields, "scope": args.scope or "openid profile email"}))
    if args.client_secret_stdin:
        profiles.store_secret(profile.name, sys.stdin.readline().strip())
    store.save(profile)
    print(f"saved {profile.name} to {store.path}"
          f"{' (its secret in the OS keyring)' if args.client_secret_stdin else ''}")
    return 0


def _pair(text: str, option: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise profiles.ProfileError(f"{option} {text!r}: write NAME=VALUE")
    return name, value


ACTIONS = {"presets": _presets, "list": _list, "show": _show, "remove": _remove, "add": _add}
