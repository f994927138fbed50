"""The authorization request: an ordered, editable parameter list → the authorize URL.

RFC 6749 §4.1.1: response_type=code, client_id, redirect_uri, scope, state, sent as query
parameters with `application/x-www-form-urlencoded` encoding (§3.1 keeps the endpoint's own
query). RFC 7636 §4.3 adds code_challenge and code_challenge_method; OIDC Core §3.1.2.1 adds
nonce. Any extra parameter (prompt, response_mode, audience, resource …) is kept in order.
Duplicate names are allowed on purpose: the lab sends them to watch the server refuse.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from playground.core.flowerrors import AuthorizeUrlError

RFC = "RFC 6749 §4.1.1"


@dataclass(frozen=True, slots=True)
class Param:
    """One row of the parameter table; a disabled row stays in the table but is not sent."""

    name: str
    value: str
    enabled: bool = True


def new_state() -> str:
    """An unguessable state value (RFC 6749 §10.12: binds the callback to this user agent)."""
    return secrets.token_urlsafe(24)


def new_nonce() -> str:
    """An unguessable nonce (OIDC Core §3.1.2.1, §15.5.2)."""
    return secrets.token_urlsafe(24)


def default_params(
    *,
    client_id: str,
    redirect_uri: str | None,
    scope: str,
    state: str | None,
    code_challenge: str | None,
    code_challenge_method: str = "S256",
    nonce: str | None = None,
    response_type: str = "code",
    extra: Iterable[tuple[str, str]] = (),
) -> list[Param]:
    """The parameters of §4.1.1 + RFC 7636 §4.3 + nonce, in the seed's order, then the extras.

    A None or empty value leaves the parameter out (the seed omits redirect_uri).
    """
    rows = [
        ("client_id", client_id),
        ("response_type", response_type),
        ("redirect_uri", redirect_uri),
        ("state", state),
        ("scope", scope),
        ("code_challenge", code_challenge),
        ("code_challenge_method", code_challenge_method if code_challenge else None),
        ("nonce", nonce),
        *extra,
    ]
    return [Param(name, value) for name, value in rows if value]


def set_param(params: Sequence[Param], name: str, value: str) -> list[Param]:
    """Replace the first row called `name` (or append one), keeping the order."""
    out = list(params)
    for i, row in enumerate(out):
        if row.name == name:
            out[i] = replace(row, value=value, enabled=True)
            return out
    return [*out, Param(name, value)]


def param_value(params: Sequence[Param], name: str) -> str | None:
    """The value of the first enabled row called `name`."""
    return next((p.value for p in params if p.enabled and p.name == name), None)


def build_url(endpoint: str, params: Sequence[Param]) -> str:
    """The authorize URL: the endpoint's own query first (§3.1), then each enabled row."""
    parts = urlsplit(endpoint.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise AuthorizeUrlError(
            f"the authorization endpoint {endpoint!r} is not an absolute http(s) URL",
            rfc="RFC 6749 §3.1",
        )
    if parts.fragment:
        raise AuthorizeUrlError("the authorization endpoint must not have a fragment", rfc="§3.1")
    for p in params:
        if p.enabled and not p.name:
            raise AuthorizeUrlError("a parameter has an empty name", rfc=RFC)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    pairs += [(p.name, p.value) for p in params if p.enabled]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(pairs), ""))


def split_url(url: str) -> tuple[str, list[Param]]:
    """The inverse of `build_url`: endpoint and rows (for pasting a URL into the table)."""
    parts = urlsplit(url.strip())
    endpoint = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    return endpoint, [Param(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
