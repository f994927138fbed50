"""Signing out from the client's side: OpenID Connect RP-Initiated Logout 1.0 §2-§3.

§2: the RP sends the user agent to the OP's `end_session_endpoint` (§2.1, in the metadata)
with `id_token_hint` (RECOMMENDED), `client_id`, `post_logout_redirect_uri` and `state`; without
a hint of the current sign-in the OP asks the user to confirm. §3: the OP sends the user agent
back to the registered `post_logout_redirect_uri` with the same `state`, or shows its own page.
Whether the session really ended shows in a silent authorization request afterwards:
`prompt=none` must answer `login_required` (OIDC Core §3.1.2.6).

Plain functions that build a request or read an answer; the flow's runners
(playground.core.flows.logout) send them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import httpx

from playground.core.checks import CheckResult
from playground.core.flowerrors import FlowError, oauth_error
from playground.core.protocol.callback import (
    AuthorizationResponse,
    is_redirect_target,
    parse_redirect,
)
from playground.core.protocol.wire import HttpRequest, json_object

SPEC = "OIDC RP-Initiated Logout"
ORDER = ("id_token_hint", "client_id", "post_logout_redirect_uri", "state")
ACCEPT = (("Accept", "application/json, text/html;q=0.9"),)  # the embedded server's JSON views


class LogoutError(FlowError):
    """The sign-out did not happen as asked, or the session outlived it."""


Kind = Literal["redirected", "confirm", "signed_out", "still_signed_in", "page"]


@dataclass(frozen=True, slots=True)
class LogoutAnswer:
    """What the end-session endpoint answered: sent back, asking, or a page of its own."""

    kind: Kind
    redirect_url: str | None = None
    action: str | None = None  # the confirmation form's target
    fields: tuple[tuple[str, str], ...] = ()
    ended: bool | None = None  # the OP's signed-out page says a session ended
    text: str = ""


def logout_params(values: dict[str, str | None]) -> tuple[tuple[str, str], ...]:
    """§2's parameters in its order; empty ones are left out."""
    return tuple((name, str(values[name])) for name in ORDER if values.get(name))


def build_logout_request(endpoint: str, params: Sequence[tuple[str, str]]) -> HttpRequest:
    """§2: a GET of the end-session endpoint with the parameters in its query."""
    parts = urlsplit(endpoint)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    url = urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
    return HttpRequest("GET", url, ACCEPT, fields=tuple(params))


def build_confirmation(answer: LogoutAnswer, decision: str) -> HttpRequest:
    """The confirmation form as a browser posts it: its fields, then the button pressed."""
    fields = (*answer.fields, ("decision", decision))
    headers = (*ACCEPT, ("Content-Type", "application/x-www-form-urlencoded"))
    return HttpRequest("POST", str(answer.action), headers, urlencode(fields).encode(), fields)


def next_hop(response: httpx.Response, target: str | None) -> str | None:
    """The Location to follow, or None when the answer ends the visit (a page, an error, or
    the redirect back to `target`, which is captured and not followed)."""
    if not response.is_redirect:
        return None
    location = urljoin(str(response.url), response.headers.get("location", ""))
    return None if target and is_redirect_target(location, target) else location


def parse_answer(response: httpx.Response) -> LogoutAnswer:
    """Read the answer at the end of the visit; an error answer raises `LogoutError`."""
    if response.is_redirect:
        return LogoutAnswer("redirected", urljoin(str(response.url),
                                                  response.headers.get("location", "")))
    if response.status_code >= 400:
        raise _refused(response)
    kind = response.headers.get("content-type", "").split(";")[0].strip()
    if kind == "application/json":
        return _json_answer(response)
    return LogoutAnswer("page", text=page_text(response.content))


def _json_answer(response: httpx.Response) -> LogoutAnswer:
    data = json_object(response.content, response.headers.get("content-type"),
                       what="the end-session endpoint's answer", error=LogoutError)
    if data.get("prompt") == "logout":
        return LogoutAnswer("confirm", action=urljoin(str(response.url), str(data["action"])),
                            fields=_pairs(data.get("fields")))
    if data.get("signed_out") is True:
        return LogoutAnswer("signed_out", ended=bool(data.get("ended")))
    if data.get("signed_out") is False:
        return LogoutAnswer("still_signed_in")
    return LogoutAnswer("page", text=str(data)[:200])


def _pairs(value: Any) -> tuple[tuple[str, str], ...]:
    rows = value if isinstance(value, list) else []
    return tuple((str(row[0]), str(row[1])) for row in rows
                 if isinstance(row, list) and len(row) == 2)


def _refused(response: httpx.Response) -> LogoutError:
    """The OP refused the request (§4: an error page, not a redirect): say what it said."""
    kind = response.headers.get("content-type", "")
    if "json" in kind:
        data = json_object(response.content, kind, what="the error", error=LogoutError)
        code, text = str(data.get("error", "")), str(data.get("error_description", ""))
        return LogoutError(f"the end-session endpoint refused the sign-out: {code}: {text}",
                           rfc=f"{SPEC} §4", oauth=oauth_error(code, text) if code else None)
    return LogoutError(f"the end-session endpoint refused the sign-out (HTTP "
                       f"{response.status_code}): {page_text(response.content)}", rfc=f"{SPEC} §4")


def page_text(body: bytes, limit: int = 300) -> str:
    """The visible words of a small page, its title and style left out, whitespace collapsed."""
    text = body.decode("utf-8", "replace")
    text = re.sub(r"(?is)<(script|style|head)\b.*?</\1>", " ", text)
    text = html.unescape(" ".join(re.sub(r"<[^>]+>", " ", text).split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_return(answer: LogoutAnswer, sent: dict[str, str | None]) -> tuple[CheckResult, ...]:
    """§3: sent back to the post_logout_redirect_uri sent, with the state sent."""
    target, state = sent.get("post_logout_redirect_uri"), sent.get("state")
    if answer.kind != "redirected":
        reason = ("none was sent: the OP shows its own page" if not target
                  else f"the OP answered with {answer.kind.replace('_', ' ')}, not a redirect")
        return (CheckResult("sent back to post_logout_redirect_uri", "skip" if not target
                            else "fail", reason, f"{SPEC} §3"),)
    back = parse_query(str(answer.redirect_url))
    to_target = bool(target) and is_redirect_target(str(answer.redirect_url), str(target))
    return (
        CheckResult("sent back to post_logout_redirect_uri", "pass" if to_target else "fail",
                    str(answer.redirect_url), f"{SPEC} §3"),
        _state_check(back.get("state"), state),
    )


def _state_check(got: str | None, sent: str | None) -> CheckResult:
    rule = f"{SPEC} §3"
    if sent is None:
        return CheckResult("state", "skip", "no state was sent", rule)
    if got == sent:
        return CheckResult("state", "pass", "the state sent came back", rule)
    return CheckResult("state", "fail", f"state mismatch: got {got!r}, sent {sent!r}", rule)


def parse_query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def silent_check(response: AuthorizationResponse | None, shown: str) -> CheckResult:
    """OIDC Core §3.1.2.6: after a sign-out, `prompt=none` must answer `login_required`."""
    rule = "OIDC Core §3.1.2.6"
    if response is None:
        return CheckResult("session ended", "fail", f"prompt=none was not answered with a "
                           f"redirect: {shown}", rule)
    if response.error == "login_required":
        return CheckResult("session ended", "pass", "prompt=none answered login_required: "
                           "nobody is signed in here any more", rule)
    if response.code is not None:
        return CheckResult("session ended", "fail", "prompt=none was answered with a code: the "
                           "login session survived the sign-out", rule)
    alive = response.error in ("consent_required", "interaction_required")
    return CheckResult("session ended", "fail", f"prompt=none answered {response.error}"
                       + (": the user is still signed in, only consent is missing" if alive
                          else ", not login_required"), rule)


def read_silent_answer(response: httpx.Response, redirect_uri: str) -> AuthorizationResponse | None:
    """The redirect back to the client, if the authorization endpoint sent one."""
    location = next_hop(response, None)
    if location is None or not is_redirect_target(location, redirect_uri):
        return None
    try:
        return parse_redirect(location)
    except FlowError:
        return None
