"""The device grant's HTML pages: enter the code, and what became of it. Plain forms, no
JavaScript, every value escaped (the layout is the login and consent pages', pages.py).

RFC 8628 §3.3: the user is asked for the code the device shows; from `verification_uri_complete`
it is filled in already, and §3.3.1 says the server "SHOULD display the user_code" so the user
can check it against the device. §5.4 (remote phishing): the page says to enter only a code a
device of one's own is showing.
"""

from __future__ import annotations

from html import escape

from playground.server import pages

PHISHING_NOTE = ("Only enter a code that a device you own is showing you right now: someone "
                 "who sends you a code is asking you to sign in on their device (RFC 8628 §5.4).")
CODE_INPUT = ('style="font: 1.6rem monospace; letter-spacing: .15em; width: 11ch; '
              'text-transform: uppercase; padding: .3rem .5rem"')


def code_page(action: str, csrf: str, prefill: str, problem: str = "") -> str:
    """The form that asks for the user code (`prefill` from verification_uri_complete)."""
    intro = ("Check that this is the code your device shows, then continue." if prefill
             else "Enter the code shown on your device.")
    error = f'<div class="error"><p>{escape(problem)}</p></div>' if problem else ""
    content = (
        f"{error}<p>{intro}</p>"
        f'<form method="post" action="{escape(action)}">'
        f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
        f'<p><label>Code <input name="user_code" value="{escape(prefill)}" {CODE_INPUT} '
        'autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="20" '
        'placeholder="XXXX-XXXX"></label></p>'
        '<button class="primary" type="submit">Continue</button></form>'
        f'<p class="muted">{escape(PHISHING_NOTE)}</p>'
    )
    return pages.render("Connect a device", content)


def done_page(approved: bool, client: str, user_code: str) -> str:
    """After the consent form: the device gets its tokens at its next poll, or hears no."""
    if approved:
        content = (f"<p><strong>{escape(client)}</strong> (code <code>{escape(user_code)}</code>)"
                   " is now signed in. You can close this page and return to your device.</p>")
        return pages.render("Device connected", content)
    content = (f"<p>You denied <strong>{escape(client)}</strong> (code "
               f"<code>{escape(user_code)}</code>). The device is told so at its next poll.</p>")
    return pages.render("Request denied", content)
