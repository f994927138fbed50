"""The sign-out pages: confirm, signed out, still signed in, and why a sign-out failed.

Plain HTML forms, no JavaScript, escaped values, the layout and anti-framing headers of the
other pages (playground.server.pages, security.PAGE_HEADERS). Each is also readable as JSON
(`Accept: application/json`), as the interaction pages are, so the in-app agent can answer
the confirmation the way the form would (OpenID Connect RP-Initiated Logout 1.0 §2, §5).
"""

from __future__ import annotations

from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from playground.core.errors import OAuthError
from playground.server import pages
from playground.server.clients import Client
from playground.server.http import error_fields, json_response, wants_json
from playground.server.security import PAGE_HEADERS

SPEC = "OIDC RP-Initiated Logout"
TITLE = "OpenID Connect RP-Initiated Logout 1.0"


def _page(title: str, content: str, status: int = 200) -> Response:
    return HTMLResponse(pages.render(title, content), status, PAGE_HEADERS)


def confirm(request: Request, action: str, fields: list[tuple[str, str]], sub: str,
            client: Client | None, name: str) -> Response:
    """§2: ask before signing out (`name`: the user's, shown); the form posts the request back
    with the CSRF token."""
    if wants_json(request):
        return json_response({"prompt": "logout", "action": action, "fields": fields,
                              "decisions": ["logout", "stay"], "user": sub,
                              "client": client.id if client else None})
    asker = (f"<strong>{escape(client.display_name)}</strong> asks to sign you out."
             if client else "An application asks to sign you out, without saying which.")
    hidden = "".join(f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
                     for name, value in fields)
    content = (
        f"<p>{asker}</p>"
        f"<p>Sign <strong>{escape(name)}</strong> out of this server?</p>"
        f'<form method="post" action="{escape(action)}">{hidden}'
        '<button class="primary" type="submit" name="decision" value="logout">Yes, sign me out'
        '</button><button type="submit" name="decision" value="stay">No, stay signed in</button>'
        "</form>"
        f'<p class="muted">The request did not prove it comes from this sign-in (no '
        f"<code>id_token_hint</code> of it), so the server asks: a link alone must not sign you "
        f"out ({escape(TITLE)} §2, §5).</p>"
    )
    return _page("Sign out?", content)


def signed_out(request: Request, sub: str | None, name: str | None = None) -> Response:
    """No post_logout_redirect_uri: the server's own page (§3: nowhere to send the user)."""
    if wants_json(request):
        return json_response({"signed_out": True, "ended": sub is not None, "user": sub})
    ended = (f"<p><strong>{escape(name or sub or '')}</strong> is signed out of this server.</p>"
             if sub else "<p>There was no sign-in to end in this browser.</p>")
    content = (
        f"{ended}"
        '<p class="muted">No <code>post_logout_redirect_uri</code> was given, so there is no '
        f"application to return to ({escape(TITLE)} §3). You can close this page.</p>"
    )
    return _page("You are signed out", content)


def still_signed_in(request: Request) -> Response:
    if wants_json(request):
        return json_response({"signed_out": False})
    content = ("<p>You chose to stay signed in; nothing changed.</p>"
               '<p class="muted">You can close this page.</p>')
    return _page("You are still signed in", content)


def error(request: Request, problem: OAuthError) -> Response:
    """§4: a failed validation is shown, never redirected, and nothing was done."""
    if wants_json(request):
        return json_response(error_fields(problem), problem.status_code)
    rule = f"<br>Rule: {escape(problem.rfc)}" if problem.rfc else ""
    content = (
        f'<div class="error"><p><code>{escape(problem.error)}</code></p>'
        f"<p>{escape(problem.description)}</p></div>"
        '<p class="muted">You were not signed out, and you were not sent anywhere: a sign-out '
        f"request that fails a check is not acted on ({escape(TITLE)} §4).{rule}</p>"
    )
    return _page("Sign-out failed", content, problem.status_code)
