"""The four servers compared, each as a spec: how to install it, start it, and sign in to it.

Every server runs on 127.0.0.1 in a process of its own, is configured as close to ours as it
allows (the confidential client `playground-web` with its secret and its one redirect URI,
client_secret_basic, user `alice`), and is stopped by the `with` block that started it. Its output
goes to `.work/<name>.log` (overwritten at every start).

- `playground`: `python -m playground serve --port P`, built-in clients and users; and
  `playground (auto-approve)`, the same with a config file whose consent mode signs alice in
  without the login and consent pages (the three requests of the mocks' flow, not six).
- `oidc-provider-mock`: `--require-registration`, its strict mode; the client is registered over
  RFC 7591 (`POST /oauth2/clients`) after start, so its id and secret are the server's own.
  Sign-in: its HTML form, `POST /oauth2/authorize?…` with `sub=alice`.
- `nanoidp`: `settings.yaml` / `users.yaml` written to `.work/nanoidp/config`, `--profile oauth21`
  (its strictest protocol profile: PKCE S256 required, registered redirect URIs). Sign-in: its
  HTML form, `POST /authorize?…` with `transaction_id`, `username`, `password`.
- `oauth2-mock-server`: its CLI, no configuration (it has no clients or users); `/authorize`
  redirects at once with a code (auto-approve).

Two more specs run only the strictness checks, with the mocks' out-of-the-box defaults:
oidc-provider-mock without `--require-registration` (any client id, secret and redirect URI) and
nanoidp with its default `dev` profile.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import install

sys.path.insert(0, str(install.ROOT / "benchmarks"))
from common import WEB_CLIENT, WEB_REDIRECT, WEB_SECRET, playground_form, stop

NANO_PASSWORD = "alice-password"
__all__ = ["NANO_PASSWORD", "SPECS", "Credentials", "Spec", "playground_form", "spawned"]


@dataclass(frozen=True)
class Spec:
    name: str  # the column label
    kind: str  # which sign-in the driver speaks: see drive.login_form
    config: str  # one line for the report
    setup: Callable[[], str | None]  # installs; None when ready, else the reason it cannot run
    version: Callable[[], str]
    command: Callable[[int], list[str]]
    cwd: Path
    register: bool = False  # the client is registered over RFC 7591 after start
    checks_only: bool = False  # a defaults variant: strictness checks only


@dataclass(frozen=True)
class Credentials:
    client_id: str = WEB_CLIENT
    secret: str = WEB_SECRET
    redirect: str = WEB_REDIRECT


def _playground(port: int) -> list[str]:
    return [sys.executable, "-m", "playground", "serve", "--port", str(port)]


def _playground_auto(port: int) -> list[str]:
    """`serve --config` with consent auto-approve: no login or consent pages, as the mocks."""
    install.WORK.mkdir(parents=True, exist_ok=True)
    config = install.WORK / "playground-auto.toml"
    config.write_text('[consent]\nmode = "auto-approve"\nuser = "alice"\n')
    return [*_playground(port), "--config", str(config)]


def _opm(strict: bool) -> Callable[[int], list[str]]:
    def command(port: int) -> list[str]:
        flags = ["--require-registration"] if strict else []
        return [str(install.VENV_PYTHON), "-m", "oidc_provider_mock", "--port", str(port), *flags]
    return command


NANO_SETTINGS = """config_version: 1
server:
  host: "127.0.0.1"
  port: {port}
oauth:
  issuer: "http://127.0.0.1:{port}"
  audience: "benchmark"
  token_expiry_minutes: 60
  clients:
    - client_id: "{client}"
      client_secret: "{secret}"
      token_endpoint_auth_method: "client_secret_basic"
      redirect_uris: ["{redirect}"]
"""
NANO_USERS = f"""config_version: 1
users:
  alice:
    password: "{NANO_PASSWORD}"
    email: "alice@example.org"
"""


def _nanoidp(profile: str) -> Callable[[int], list[str]]:
    def command(port: int) -> list[str]:
        config = install.WORK / "nanoidp" / "config"
        config.mkdir(parents=True, exist_ok=True)
        (config / "settings.yaml").write_text(NANO_SETTINGS.format(
            port=port, client=WEB_CLIENT, secret=WEB_SECRET, redirect=WEB_REDIRECT))
        (config / "users.yaml").write_text(NANO_USERS)
        return [str(install.VENV_PYTHON), "-m", "nanoidp", "--config", str(config),
                "--profile", profile, "--host", "127.0.0.1", "--port", str(port)]
    return command


def _mock_server(port: int) -> list[str]:
    cli = install.HERE / "node_modules" / install.NPM_PACKAGE / "dist" / "oauth2-mock-server.mjs"
    return ["node", str(cli), "-a", "127.0.0.1", "-p", str(port)]


def _ours_version() -> str:
    from importlib.metadata import version

    return f"{version('oauth-playground')} (Python {sys.version_info[0]}.{sys.version_info[1]})"


def _opm_setup() -> str | None:
    return install.python_mock("oidc-provider-mock")


def _nano_setup() -> str | None:
    return install.python_mock("nanoidp")


def _opm_version() -> str:
    return install.python_mock_version("oidc-provider-mock")


def _nano_version() -> str:
    return install.python_mock_version("nanoidp")


SPECS = [
    Spec("playground", "playground",
         "`serve` defaults (PKCE S256 required of public clients, `plain` off)",
         lambda: None, _ours_version, _playground, install.ROOT),
    Spec("playground (auto-approve)", "playground",
         "`serve --config` with `consent.mode = auto-approve` (no pages, as the mocks)",
         lambda: None, _ours_version, _playground_auto, install.ROOT),
    Spec("oidc-provider-mock", "oidc-provider-mock",
         "`--require-registration`; client registered over RFC 7591",
         _opm_setup, _opm_version, _opm(strict=True), install.WORK, register=True),
    Spec("nanoidp", "nanoidp", "`--profile oauth21`; client and user in its YAML",
         _nano_setup, _nano_version, _nanoidp("oauth21"), install.WORK / "nanoidp"),
    Spec("oauth2-mock-server", "oauth2-mock-server", "CLI defaults (no clients or users exist)",
         install.node_mock, install.node_mock_version, _mock_server, install.WORK),
    Spec("oidc-provider-mock (defaults)", "oidc-provider-mock",
         "no flags: any client id, secret and redirect URI",
         _opm_setup, _opm_version, _opm(strict=False), install.WORK, checks_only=True),
    Spec("nanoidp (dev profile)", "nanoidp", "default `dev` profile; same YAML",
         _nano_setup, _nano_version, _nanoidp("dev"), install.WORK / "nanoidp", checks_only=True),
]


@contextlib.contextmanager
def spawned(spec: Spec, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """Start the server (not waiting for it); stopped (SIGTERM, then SIGKILL) on exit."""
    install.WORK.mkdir(parents=True, exist_ok=True)
    spec.cwd.mkdir(parents=True, exist_ok=True)
    command = spec.command(port)
    log = (install.WORK / f"{spec.name.split()[0]}.log").open("wb")
    proc = subprocess.Popen(command, cwd=spec.cwd, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    try:
        yield proc
    finally:
        stop(proc)
        log.close()
