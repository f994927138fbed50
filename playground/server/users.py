"""Users, the directory a server keeps of them, and the claims each scope releases.

OIDC Core 1.0 §5.1 (standard claims) and §5.4 (requesting claims using scope values):
`profile` releases name, family_name, given_name, preferred_username, … ; `email` releases email
and email_verified. `sub` is always released (§5.3.2). A claim that is not a standard one
(`groups`, `roles`, `tenant`, nested objects…, the "additional claims" of §5.1.2) is released
whatever the scopes, in the id_token and at UserInfo; `groups`, `roles` and `entitlements` also go
into the access token (RFC 9068 §2.2.3.1), where resource servers look for them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

SCOPE_CLAIMS: MappingProxyType[str, tuple[str, ...]] = MappingProxyType({
    "profile": (
        "name", "family_name", "given_name", "middle_name", "nickname", "preferred_username",
        "profile", "picture", "website", "gender", "birthdate", "zoneinfo", "locale", "updated_at",
    ),
    "email": ("email", "email_verified"),
    "address": ("address",),
    "phone": ("phone_number", "phone_number_verified"),
})

STANDARD_CLAIMS = frozenset(c for claims in SCOPE_CLAIMS.values() for c in claims) | {"sub"}
AUTHORIZATION_CLAIMS = ("groups", "roles", "entitlements")  # RFC 9068 §2.2.3.1

SCOPE_DESCRIPTIONS: MappingProxyType[str, str] = MappingProxyType({
    "openid": "Sign you in and learn your user identifier",
    "profile": "Your name, username, picture, locale and time zone",
    "email": "Your email address and whether it is verified",
    "address": "Your postal address",
    "phone": "Your phone number and whether it is verified",
    "offline_access": "Keep access while you are away (a refresh token)",
})


@dataclass(frozen=True, slots=True)
class User:
    sub: str
    claims: MappingProxyType[str, Any]

    @property
    def name(self) -> str:
        return str(self.claims.get("name", self.sub))

    @property
    def email(self) -> str:
        return str(self.claims.get("email", ""))

    def claims_for(self, scopes: tuple[str, ...] | list[str] | set[str]) -> dict[str, Any]:
        """`sub`, the standard claims the granted scopes release (OIDC Core §5.4), and every
        additional claim (§5.1.2)."""
        released: dict[str, Any] = {"sub": self.sub, **self.additional_claims()}
        for scope in scopes:
            for claim in SCOPE_CLAIMS.get(scope, ()):
                if claim in self.claims:
                    released[claim] = self.claims[claim]
        return released

    def additional_claims(self) -> dict[str, Any]:
        """OIDC Core §5.1.2: the claims no scope of §5.4 stands for, released with any scope."""
        return {k: v for k, v in self.claims.items() if k not in STANDARD_CLAIMS}

    def access_token_claims(self) -> dict[str, Any]:
        """RFC 9068 §2.2.3.1: the user's `groups`, `roles` and `entitlements`."""
        return {k: self.claims[k] for k in AUTHORIZATION_CLAIMS if k in self.claims}

    def summary(self) -> dict[str, str]:
        return {"sub": self.sub, "name": self.name, "email": self.email}


def _user(sub: str, **claims: Any) -> User:
    return User(sub=sub, claims=MappingProxyType(claims))


DEMO_USERS: tuple[User, ...] = (
    _user(
        "alice", name="Alice Example", given_name="Alice", family_name="Example",
        preferred_username="alice", email="alice@example.com", email_verified=True,
        locale="en-GB", zoneinfo="Europe/London", updated_at=1_700_000_000,
        picture="https://example.com/alice.png",
        phone_number="+44 20 7946 0000", phone_number_verified=False,
        address={"country": "GB", "locality": "London"},
    ),
    _user(
        "bob", name="Bob Sample", given_name="Bob", family_name="Sample",
        preferred_username="bob", email="bob@example.org", email_verified=False,
        locale="de-DE", zoneinfo="Europe/Berlin", updated_at=1_700_000_500,
    ),
    _user(
        "carol", name="Carol Tester", given_name="Carol", family_name="Tester",
        preferred_username="carol", email="carol@example.net", email_verified=True,
        locale="fr-FR", zoneinfo="Europe/Paris", updated_at=1_700_001_000,
    ),
)

USERS_BY_SUB: MappingProxyType[str, User] = MappingProxyType({u.sub: u for u in DEMO_USERS})


def make_user(sub: str, claims: dict[str, Any]) -> User:
    """A user with `claims` (any JSON values; `sub` among them is ignored)."""
    return User(sub=sub, claims=MappingProxyType({k: v for k, v in claims.items() if k != "sub"}))


class UserDirectory:
    """The users a server knows, in the order they were added; thread-safe, because a test
    (the control API, the pytest fixture) or the app adds users while the server runs."""

    def __init__(self, users: Iterable[User] = DEMO_USERS) -> None:
        self._lock = threading.Lock()
        self._initial = tuple(users)
        self._users = {u.sub: u for u in self._initial}

    def __iter__(self) -> Iterator[User]:
        return iter(self.list())

    def __len__(self) -> int:
        return len(self._users)

    def __contains__(self, sub: object) -> bool:
        return sub in self._users

    def list(self) -> list[User]:
        with self._lock:
            return list(self._users.values())

    def get(self, sub: str | None) -> User | None:
        return self._users.get(sub) if sub is not None else None

    def put(self, user: User) -> None:
        """Add `user`, or replace the user with the same `sub`."""
        with self._lock:
            self._users[user.sub] = user

    def reset(self) -> None:
        """Back to the users the directory was made with."""
        with self._lock:
            self._users = {u.sub: u for u in self._initial}
