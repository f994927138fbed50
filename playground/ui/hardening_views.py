"""The hardening options on the authorize and token steps, and the JWTs a request carries.

Authorize step: push the request first (PAR, RFC 9126) and send the parameters as a signed
request object (JAR, RFC 9101); after the step ran, what was pushed and the short URL the
browser got. Token step: the client authentication method (RFC 6749 §2.3.1, RFC 7523 §2.2,
OIDC Core §9), DPoP (RFC 9449) and the client's key, generated here when it has none. The request
preview lists every JWT in the request (a DPoP proof, a client assertion) decoded.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from playground.core.flow.steps import AuthorizeRequest
from playground.core.jose import jwk
from playground.core.jose.jwtinspect import TokenFormatError, inspect
from playground.core.protocol.token import AUTH_METHODS
from playground.core.protocol.wire import HttpRequest
from playground.ui import theme

METHOD_LABELS = {
    "none": "none (public client, RFC 6749 §2.1)",
    "client_secret_basic": "client_secret_basic (HTTP Basic, RFC 6749 §2.3.1)",
    "client_secret_post": "client_secret_post (secret in the body, RFC 6749 §2.3.1)",
    "client_secret_jwt": "client_secret_jwt (HS256 assertion, OIDC Core §9)",
    "private_key_jwt": "private_key_jwt (signed assertion, RFC 7523 §2.2)",
}


class AuthorizeOptions(QWidget):
    """PAR and request-object toggles; `edited(name, value)` for the authorize step."""

    edited = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.par = QCheckBox("Push the request first (PAR, RFC 9126)")
        self.request_object = QCheckBox("Signed request object (JAR, RFC 9101)")
        self.par.toggled.connect(lambda on: self.edited.emit("par", on))
        self.request_object.toggled.connect(lambda on: self.edited.emit("request_object", on))
        self.pushed = QLabel()
        self.pushed.setWordWrap(True)
        self.pushed.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.par)
        row.addWidget(self.request_object)
        row.addStretch(1)
        _stack(self, row, self.pushed)

    def show_inputs(self, inputs: Any, outcome: AuthorizeRequest | None) -> None:
        for box, name in ((self.par, "par"), (self.request_object, "request_object")):
            box.blockSignals(True)
            box.setChecked(bool(inputs.get(name)))
            box.blockSignals(False)
        self.pushed.setText(pushed_text(outcome))
        self.pushed.setVisible(bool(self.pushed.text()))


def _stack(owner: QWidget, *items: QWidget | QLayout) -> None:
    layout = QVBoxLayout(owner)
    layout.setContentsMargins(0, 0, 0, 0)
    for item in items:
        if isinstance(item, QLayout):
            layout.addLayout(item)
        else:
            layout.addWidget(item)


def pushed_text(outcome: AuthorizeRequest | None) -> str:
    """What PAR and JAR did: the pushed body's size, the request_uri, the short URL."""
    if outcome is None:
        return ""
    lines = []
    if outcome.request_object:
        lines.append(f"Parameters signed into a request object ({len(outcome.request_object)} "
                     "characters); see the inspector for it decoded.")
    if outcome.pushed is not None:
        lines.append(f"Pushed to {outcome.pushed.url} ({len(outcome.pushed.body)} bytes) → "
                     f"request_uri {outcome.request_uri}; the browser gets only the short URL "
                     "below.")
    return "\n".join(lines)


class TokenOptions(QWidget):
    """Client authentication, DPoP and the client key; `edited(name, value)` for the token
    step, `key_requested()` when the user asks for a new key pair."""

    edited = Signal(str, object)
    key_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.method = theme.narrow(QComboBox(), 30)
        for method in AUTH_METHODS:
            self.method.addItem(METHOD_LABELS.get(method, method), method)
        self.method.activated.connect(
            lambda i: self.edited.emit("auth_method", self.method.itemData(i)))
        self.dpop = QCheckBox("DPoP: bind the tokens to a key (RFC 9449)")
        self.dpop.toggled.connect(lambda on: self.edited.emit("dpop", on))
        self.key = QLabel()
        self.key.setWordWrap(True)
        self.generate = QPushButton("Generate key pair")
        self.generate.setToolTip("A new ES256 key for private_key_jwt and request objects; the "
                                 "embedded server registers its public half for this client")
        self.generate.clicked.connect(self.key_requested.emit)
        key_row = QHBoxLayout()
        key_row.setContentsMargins(0, 0, 0, 0)
        key_row.addWidget(self.key, 1)
        key_row.addWidget(self.generate)
        _stack(self, self.method, self.dpop, key_row)

    def show_inputs(self, inputs: Any) -> None:
        index = self.method.findData(inputs.get("auth_method") or "none")
        self.method.setCurrentIndex(max(0, index))
        self.dpop.blockSignals(True)
        self.dpop.setChecked(bool(inputs.get("dpop")))
        self.dpop.blockSignals(False)
        self.key.setText(key_text(inputs.get("client_key")))


def key_text(text: object) -> str:
    """One line about the client key: its kid and algorithm, or that there is none."""
    if not text:
        return "Client key: none (needed for private_key_jwt and request objects)"
    try:
        key = jwk.load_private_key(str(text))
    except jwk.JwkError as exc:
        return f"Client key: unusable ({exc})"
    return f"Client key: {key.alg}, kid {key.kid}"


def decoded_jwts(request: HttpRequest) -> str:
    """Every JWT the request carries (the DPoP header, a client assertion, a request object),
    its header and claims, for the preview under the request."""
    found = [(f"{name} header", value) for name, value in request.headers
             if name.lower() == "dpop"]
    found += [(name, value) for name, value in request.fields
              if name in ("client_assertion", "request")]
    blocks = []
    for label, token in found:
        try:
            seen = inspect(token)
        except TokenFormatError as exc:
            blocks.append(f"{label}: not a JWT ({exc})")
            continue
        blocks.append(f"{label}, decoded:\n  header {json.dumps(seen.header)}\n  claims "
                      f"{json.dumps(seen.claims)}")
    return "\n\n".join(blocks)
