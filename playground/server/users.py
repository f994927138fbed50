"""Demo users and the OpenID Connect standard claims each scope releases.

OIDC Core 1.0 §5.1 (standard claims) and §5.4 (requesting claims using scope values):
`profile` releases name, family_name, given_name, preferred_username, … ; `email` releases email
and email_verified. `sub` is always released (§5.3.2).
"""

from __future__ import annotations

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
        """`sub` plus the claims the granted scopes release (OIDC Core §5.4)."""
        released: dict[str, Any] = {"sub": self.sub}
        for scope in scopes:
            for claim in SCOPE_CLAIMS.get(scope, ()):
                if claim in self.claims:
                    released[claim] = self.claims[claim]
        return released

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
