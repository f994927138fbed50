"""The HTML login, consent and error pages: plain forms, no JavaScript, escaped values.

The layout lives in `playground/assets/server/templates/layout.html` (loaded once with
importlib.resources). Consent lists the client and each requested scope as a checkbox, with Allow
and Deny as two submit buttons (`name=decision`) of one form (OIDC Core §3.1.2.4).
"""

from __future__ import annotations

from functools import cache
from html import escape
from importlib import resources
from string import Template

from playground.server.sessions import Interaction
from playground.server.users import SCOPE_DESCRIPTIONS, User


@cache
def _layout() -> Template:
    path = resources.files("playground").joinpath("assets/server/templates/layout.html")
    return Template(path.read_text("utf-8"))


def render(title: str, content: str) -> str:
    return _layout().substitute(title=escape(title), content=content)


def login_page(item: Interaction, users: list[User]) -> str:
    client = item.request.client
    hint = item.request.login_hint
    choices = "\n".join(
        f'<li><label><input type="radio" name="user" value="{escape(u.sub)}"'
        f'{" checked" if u.sub == hint or (hint is None and i == 0) else ""}> '
        f"{escape(u.name)} <span class=muted>&lt;{escape(u.email)}&gt;</span></label></li>"
        for i, u in enumerate(users)
    )
    content = (
        f"<p><strong>{escape(client.display_name)}</strong> wants you to sign in.</p>"
        f'<form method="post" action="{escape(item.path)}/login">'
        f'<input type="hidden" name="csrf" value="{escape(item.csrf)}">'
        f'<ul class="choices">{choices}</ul>'
        '<button class="primary" type="submit">Sign in</button></form>'
        '<p class="muted">Test users: no password needed.</p>'
    )
    return render("Sign in", content)


def consent_page(item: Interaction) -> str:
    client = item.request.client
    scopes = "\n".join(
        f'<li><label><input type="checkbox" name="scope" value="{escape(s)}" checked> '
        f"<code>{escape(s)}</code> {escape(SCOPE_DESCRIPTIONS.get(s, ''))}</label></li>"
        for s in item.request.scopes
    )
    content = (
        f"<p><strong>{escape(client.display_name)}</strong> "
        f"(<code>{escape(client.id)}</code>) asks to:</p>"
        f'<form method="post" action="{escape(item.path)}/consent">'
        f'<input type="hidden" name="csrf" value="{escape(item.csrf)}">'
        f'<ul class="choices">{scopes}</ul>'
        f'<p class="muted">Signed in as <strong>{escape(item.user or "")}</strong>. '
        f"{_afterwards(item)}</p>"
        '<button class="primary" type="submit" name="decision" value="allow">Allow</button>'
        '<button type="submit" name="decision" value="deny">Deny</button></form>'
    )
    return render("Allow access?", content)


def _afterwards(item: Interaction) -> str:
    """Where the decision goes: back to the redirect URI, or to the polling device (RFC 8628
    §5.4: say which device, so a user tricked into typing someone else's code can tell)."""
    if item.device is None:
        return f"You will be sent back to <code>{escape(item.request.redirect_uri)}</code>."
    return (f"The device showing the code <code>{escape(item.device[1])}</code> gets this "
            "access. Allow only if you started this on a device of your own.")


NOT_REDIRECTED = (
    "The request was not sent back to the application, because the client or its redirect URI "
    "could not be trusted (RFC 6749 §4.1.2.1)."
)


def error_page(error: str, description: str, note: str = NOT_REDIRECTED) -> str:
    content = (
        f'<div class="error"><p><code>{escape(error)}</code></p>'
        f"<p>{escape(description)}</p></div>"
        f'<p class="muted">{escape(note)}</p>'
    )
    return render("Authorization failed", content)
