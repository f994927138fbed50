"""The login and consent pages work as plain HTML forms, the way a browser submits them."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlencode

import httpx

from playground.server import EmbeddedServer

from .conftest import SEED_REDIRECT, Flow, query


class FormParser(HTMLParser):
    """Collects the one form: its action and what a browser would submit by default."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: list[tuple[str, str]] = []
        self.buttons: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            assert a["method"] == "post"
            self.action = a["action"]
        elif tag == "input" and (a.get("type") == "hidden" or "checked" in a):
            self.fields.append((a["name"], a["value"]))
        elif tag == "button" and "name" in a:
            self.buttons.append((a["name"], a["value"]))


def _submit(http: httpx.Client, page: httpx.Response, button: str | None = None) -> httpx.Response:
    form = FormParser()
    form.feed(page.text)
    fields = list(form.fields)
    if button is not None:
        fields.append(next(b for b in form.buttons if b[1] == button))
    return http.post(form.action, content=urlencode(fields),
                     headers={"content-type": "application/x-www-form-urlencoded"})


def test_a_browser_completes_login_and_consent_with_the_html_forms(
    flow: Flow, http: httpx.Client, server: EmbeddedServer
) -> None:
    location = flow.authorize().headers["location"]
    login = _submit(http, http.get(location))
    assert login.status_code == 303
    consent = _submit(http, http.get(login.headers["location"]), button="allow")
    assert consent.status_code == 303
    assert consent.headers["location"].startswith(SEED_REDIRECT + "?code=")
    result = query(consent.headers["location"])
    assert result["state"] == "st-123" and result["iss"] == server.issuer
    body = flow.redeem(result["code"]).json()
    assert body["scope"] == "openid email profile offline_access"


def test_a_browser_denies_with_the_deny_button(flow: Flow, http: httpx.Client) -> None:
    location = flow.authorize().headers["location"]
    _submit(http, http.get(location))
    deny = _submit(http, http.get(location), button="deny")
    assert query(deny.headers["location"])["error"] == "access_denied"
