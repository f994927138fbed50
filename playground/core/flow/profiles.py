"""Provider profiles: a real provider saved once, used by name (`flow --profile NAME`).

A profile names a provider — its issuer (OIDC Discovery §4) or, for providers without discovery
(GitHub…), its endpoints (RFC 8414 §2 names) — and a client at it: `client_id`, scope, redirect
URI, extra authorization parameters (`audience`, `resource`, `prompt`, `acr_values`…), the client
authentication method and a CA file. The client secret is never in the profiles file: it lives in
the operating system's keyring (`keyring`), under the service `oauth-playground` and the profile's
name. Presets hold the templates of common providers; the user fills their variables
(`{tenant}`, `{domain}`, `{realm}`…).

The file is JSON (`{"version": 1, "profiles": {name: {...}}}`) at `OAUTH_PLAYGROUND_PROFILES` or
in the platform's configuration directory; a bad file is one `ProfileError` naming what is wrong.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from playground.core.flowerrors import FlowError

VERSION = 1
ENV = "OAUTH_PLAYGROUND_PROFILES"
KEYRING_SERVICE = "oauth-playground"
ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_VARIABLE = re.compile(r"\{([a-z_]+)\}")


class ProfileError(FlowError):
    """A profile, its file, a preset or the keyring cannot be used (one line)."""


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    client_id: str
    issuer: str | None = None
    endpoints: dict[str, str] = field(default_factory=dict)  # no discovery when given
    scope: str = "openid profile email"
    redirect_uri: str | None = None
    params: list[tuple[str, str]] = field(default_factory=list)
    auth_method: str | None = None
    ca_file: str | None = None
    preset: str | None = None


@dataclass(frozen=True, slots=True)
class Preset:
    title: str
    issuer: str | None = None  # a template: "https://login.microsoftonline.com/{tenant}/v2.0"
    endpoints: dict[str, str] = field(default_factory=dict)
    scope: str = "openid profile email"
    note: str = ""

    @property
    def variables(self) -> list[str]:
        text = " ".join([self.issuer or "", *self.endpoints.values()])
        return list(dict.fromkeys(_VARIABLE.findall(text)))


PRESETS: dict[str, Preset] = {
    "google": Preset("Google", "https://accounts.google.com",
                     note="client secret required even for desktop clients"),
    "entra": Preset("Microsoft Entra ID", "https://login.microsoftonline.com/{tenant}/v2.0",
                    note="tenant: a tenant id or domain (or 'common' without iss checks)"),
    "auth0": Preset("Auth0", "https://{domain}/", note="domain: your-tenant.eu.auth0.com"),
    "okta": Preset("Okta", "https://{domain}/oauth2/default",
                   note="domain: your-org.okta.com; 'default' is the default custom server"),
    "keycloak": Preset("Keycloak", "{base}/realms/{realm}",
                       note="base: https://keycloak.example.com (with /auth on old versions)"),
    "gitlab": Preset("GitLab", "{base}", note="base: https://gitlab.com or your instance"),
    "github": Preset("GitHub (OAuth App, no discovery)", None, {
        "authorization_endpoint": "https://github.com/login/oauth/authorize",
        "token_endpoint": "https://github.com/login/oauth/access_token",
        "userinfo_endpoint": "https://api.github.com/user",
    }, scope="read:user", note="plain OAuth 2.0: no id_token, no discovery, no JWKS"),
}


def from_preset(name: str, preset_name: str, values: dict[str, str], client_id: str,
                **fields: Any) -> Profile:
    """A profile from `preset_name` with its variables filled from `values`."""
    preset = PRESETS.get(preset_name)
    if preset is None:
        raise ProfileError(f"unknown preset {preset_name!r}; the presets are "
                           f"{', '.join(PRESETS)}")
    missing = [v for v in preset.variables if not values.get(v)]
    if missing:
        raise ProfileError(f"preset {preset_name} needs {', '.join(missing)}: give --set "
                           f"{missing[0]}=VALUE ({preset.note})")
    def fill(text: str) -> str:
        return _VARIABLE.sub(lambda m: values[m.group(1)].rstrip("/"), text)

    return check(Profile(
        name=name, client_id=client_id, preset=preset_name,
        issuer=fill(preset.issuer) if preset.issuer else None,
        endpoints={k: fill(v) for k, v in preset.endpoints.items()},
        scope=fields.pop("scope", None) or preset.scope, **fields))


def check(profile: Profile) -> Profile:
    """What a profile must be to be used; ProfileError naming the field otherwise."""
    if not _NAME.match(profile.name):
        raise ProfileError(f"profile name {profile.name!r}: letters, digits, '.', '_' and '-' "
                           "only (at most 64)")
    if not profile.client_id:
        raise ProfileError(f"profile {profile.name}: a client_id is needed")
    if not profile.issuer and not {"authorization_endpoint", "token_endpoint"} <= \
            profile.endpoints.keys():
        raise ProfileError(f"profile {profile.name}: give an issuer (with discovery) or the "
                           "authorization and token endpoints (RFC 8414 §2)")
    for key, url in [("issuer", profile.issuer or ""), *profile.endpoints.items()]:
        if key != "issuer" and key not in ENDPOINTS:
            raise ProfileError(f"profile {profile.name}: unknown endpoint {key!r}; the "
                               f"endpoints are {', '.join(ENDPOINTS)}")
        if url and not url.startswith(("https://", "http://")):
            raise ProfileError(f"profile {profile.name}: {key} {url!r} is not an http(s) URL")
    return profile


def default_path() -> Path:
    """`OAUTH_PLAYGROUND_PROFILES`, else the platform's configuration directory."""
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA", Path.home()))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "oauth-playground" / "profiles.json"


class ProfileStore:
    """The profiles file; every write replaces it whole (written aside, then renamed)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()

    def load(self) -> dict[str, Profile]:
        if not self.path.exists():
            return {}
        try:
            data = json.loads(self.path.read_text("utf-8-sig"))
            entries = data["profiles"] if isinstance(data, dict) else None
            if not isinstance(entries, dict):
                raise TypeError("no 'profiles' object")
            return {name: _profile(name, entry) for name, entry in entries.items()}
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise ProfileError(f"{self.path}: not a profiles file ({exc})") from None

    def get(self, name: str) -> Profile:
        profiles = self.load()
        if name not in profiles:
            known = ", ".join(profiles) or "none yet: add one with `oauth-playground profile add`"
            raise ProfileError(f"no profile {name!r} in {self.path}; the profiles: {known}")
        return profiles[name]

    def save(self, profile: Profile) -> None:
        profiles = {**self.load(), profile.name: check(profile)}
        self._write(profiles)

    def remove(self, name: str) -> bool:
        profiles = self.load()
        if profiles.pop(name, None) is None:
            return False
        self._write(profiles)
        return True

    def _write(self, profiles: dict[str, Profile]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        body = {"version": VERSION, "profiles": {
            n: {k: v for k, v in asdict(p).items() if k != "name" and v not in (None, [], {})}
            for n, p in profiles.items()}}
        aside = self.path.with_suffix(".tmp")
        aside.write_text(json.dumps(body, indent=2) + "\n", "utf-8")
        os.replace(aside, self.path)


def _profile(name: str, entry: Any) -> Profile:
    if not isinstance(entry, dict):
        raise TypeError(f"profile {name!r} is not an object")
    if "client_secret" in entry or "secret" in entry:
        raise ValueError(f"profile {name!r} holds a secret; secrets belong in the keyring")
    allowed = {f for f in Profile.__dataclass_fields__ if f != "name"}
    unknown = set(entry) - allowed
    if unknown:
        raise ValueError(f"profile {name!r}: unknown field {sorted(unknown)[0]!r}")
    params = [(str(k), str(v)) for k, v in entry.get("params", [])]
    return check(replace(Profile(name=name, client_id=str(entry.get("client_id", ""))),
                         **{k: v for k, v in entry.items() if k not in ("client_id", "params")},
                         params=params))


# -- the client secret, in the OS keyring -------------------------------------------------------
def _keyring() -> Any:
    try:
        import keyring
        import keyring.errors
    except ImportError:
        raise ProfileError("the keyring package is not installed: give --client-secret") from None
    return keyring


def store_secret(profile: str, secret: str) -> None:
    keyring = _keyring()
    try:
        keyring.set_password(KEYRING_SERVICE, profile, secret)
    except keyring.errors.KeyringError as exc:
        raise ProfileError(f"no usable OS keyring ({str(exc).split('. ')[0]}); nothing was "
                           "saved: add the profile without --client-secret-stdin and give "
                           "flow --client-secret each time") from None


def load_secret(profile: str) -> str | None:
    keyring = _keyring()
    try:
        value = keyring.get_password(KEYRING_SERVICE, profile)
    except keyring.errors.KeyringError:
        return None
    return str(value) if value else None


def forget_secret(profile: str) -> None:
    keyring = _keyring()
    with contextlib.suppress(keyring.errors.KeyringError):  # nothing stored, or no keyring
        keyring.delete_password(KEYRING_SERVICE, profile)
