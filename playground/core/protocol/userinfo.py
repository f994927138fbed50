"""The UserInfo request and response, OpenID Connect Core 1.0 §5.3.

§5.3.1: GET with the access token as a Bearer token (RFC 6750 §2.1). §5.3.2: a JSON object whose
`sub` MUST equal the ID token's `sub`, or the response must not be used (token substitution).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playground.core.checks import CheckResult
from playground.core.flowerrors import UserInfoError, oauth_error
from playground.core.protocol.wire import HttpRequest, json_object


@dataclass(frozen=True, slots=True)
class UserInfo:
    claims: dict[str, Any]
    sub_check: CheckResult


def build_userinfo_request(endpoint: str, access_token: str, scheme: str = "Bearer"
                           ) -> HttpRequest:
    """§5.3.1; `scheme` is `DPoP` for a DPoP-bound token (RFC 9449 §7.1)."""
    headers = (("Authorization", f"{scheme} {access_token}"), ("Accept", "application/json"))
    return HttpRequest("GET", endpoint, headers)


def parse_userinfo(
    status: int,
    content_type: str | None,
    body: bytes,
    *,
    www_authenticate: str | None = None,
    id_token_sub: str | None = None,
) -> UserInfo:
    """The claims, with the §5.3.2 sub check; an error answer becomes `UserInfoError`."""
    if status != 200:
        raise _error(status, www_authenticate)
    if (content_type or "").split(";")[0].strip() == "application/jwt":
        raise UserInfoError("the UserInfo response is a signed JWT; only JSON is supported")
    claims = json_object(body, content_type, what="the UserInfo response", error=UserInfoError)
    check = check_sub(claims.get("sub"), id_token_sub)
    if check.failed:
        raise UserInfoError(check.reason, rfc=check.rfc)
    return UserInfo(claims, check)


def check_sub(sub: Any, id_token_sub: str | None) -> CheckResult:
    rule = "OIDC Core §5.3.2"
    if not isinstance(sub, str):
        return CheckResult("sub", "fail", "the UserInfo response has no sub", rule)
    if id_token_sub is None:
        return CheckResult("sub", "skip", f"sub is {sub!r}; no ID token to compare with", rule)
    if sub == id_token_sub:
        return CheckResult("sub", "pass", "sub matches the ID token's sub", rule)
    return CheckResult("sub", "fail", f"sub is {sub!r}, the ID token says {id_token_sub!r}", rule)


def _error(status: int, www_authenticate: str | None) -> UserInfoError:
    """RFC 6750 §3: the error code travels in WWW-Authenticate."""
    code = _auth_param(www_authenticate or "", "error")
    text = f"the UserInfo endpoint answered HTTP {status}"
    if code:
        description = _auth_param(www_authenticate or "", "error_description") or ""
        text += f" {code}" + (f": {description}" if description else "")
        return UserInfoError(text, rfc="RFC 6750 §3.1", oauth=oauth_error(code, description))
    return UserInfoError(text, rfc="OIDC Core §5.3.3")


def _auth_param(header: str, name: str) -> str | None:
    scheme, _, rest = header.strip().partition(" ")
    if "=" in scheme:  # no scheme token before the parameters
        rest = header
    for part in rest.split(","):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value.strip('"')
    return None
