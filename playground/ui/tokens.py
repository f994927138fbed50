"""The token viewer: a tab per token, and a decoder for any pasted JWT.

Each token page shows the encoded token with its three parts coloured, the claims tree (header,
payload, signature; readable times; each claim's meaning), a live expiry countdown against the
server's clock, and the engine's verification checklist. Decoding is not verifying: a token
that was only decoded says so. The decoder tab verifies against a JWKS URL when one is given.
"""

from __future__ import annotations

import html
import time
from collections.abc import Awaitable, Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QTextEdit,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from playground.core.jose import jwt as tokens
from playground.ui import theme
from playground.ui.claims_model import ClaimsTreeModel
from playground.ui.models import ChecksModel, check_rows
from playground.ui.tasks import busy

Now = Callable[[], float]
JwksFetcher = Callable[[str], Awaitable[dict[str, Any]]]


def countdown_text(seconds: float | None) -> str:
    if seconds is None:
        return "no exp claim: this token does not expire by itself"
    whole = int(abs(seconds))
    span = f"{whole // 3600}h {whole % 3600 // 60:02d}m {whole % 60:02d}s" if whole >= 3600 \
        else f"{whole // 60}m {whole % 60:02d}s"
    return f"expires in {span}" if seconds > 0 else f"EXPIRED {span} ago"


class TokenPage(QWidget):
    """One token: status line, countdown, encoded form, claims tree and checklist."""

    def __init__(self, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.inspection: tokens.Inspection | None = None
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.countdown = QLabel()
        self.encoded = QTextEdit(readOnly=True)
        self.encoded.setFont(theme.monospace())
        self.claims = ClaimsTreeModel(self)
        self.tree = QTreeView()
        self.tree.setModel(self.claims)
        self.tree.setAlternatingRowColors(True)
        self.tree.setColumnWidth(0, 170)
        self.tree.setColumnWidth(1, 420)
        self.checks = ChecksModel(self)
        self.checks_view = _checks_table(self.checks)
        self.below = QTabWidget()
        self._layout()
        self.show_token(None)

    def _layout(self) -> None:
        """The claims tree at full width (Meaning needs it) above the checklist, whose Detail
        needs it too; the encoded token shares the lower half as a second tab."""
        self.below.setDocumentMode(True)
        self.below.addTab(self.checks_view, "Verification checklist")
        self.below.addTab(self.encoded, "Encoded token")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.tree)
        split.addWidget(self.below)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        self.split = split
        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self.countdown)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(split, 1)

    def show_token(self, raw: str | None, verification: tokens.Verification | None = None,
                   note: str = "") -> None:
        """Show `raw` decoded; with `verification`, its checklist; `note` explains an absence."""
        self.inspection = None
        self.checks.set_rows(check_rows(verification.checks) if verification else [])
        if not raw:
            self._set_status(note or f"No {self.kind} yet: run the flow to obtain one.", None)
            self.claims.set_inspection(None)
            self.encoded.clear()
            self.countdown.clear()
            return
        self._show_decoded(raw, verification, note)

    def _show_decoded(self, raw: str, verification: tokens.Verification | None, note: str) -> None:
        try:
            self.inspection = tokens.inspect(raw)
        except tokens.TokenFormatError as exc:
            self.claims.set_inspection(None)
            self.encoded.setPlainText(raw)
            self.countdown.clear()
            self._set_status(note or f"Opaque or malformed token: {exc}", None)
            return
        self.claims.set_inspection(self.inspection)
        self.tree.expandToDepth(0)
        self.encoded.setHtml(_coloured(raw))
        if verification is None:
            self._set_status(note or "Decoded only: nothing has been verified.", None)
        else:
            self._set_status(verification.summary(), verification.ok)

    def _set_status(self, text: str, ok: bool | None) -> None:
        colors = theme.colors()
        color = colors.muted if ok is None else colors.ok if ok else colors.failed
        mark = "" if ok is None else "\u2714 " if ok else "\u2718 "
        self.status.setText(f"<span style='color:{color.name()}'><b>{html.escape(mark + text)}"
                            "</b></span>")

    def tick(self, now: float) -> None:
        if self.inspection is not None:
            left = self.inspection.expires_in(now)
            colors = theme.colors()
            color = colors.muted if left is None else colors.ok if left > 30 else colors.failed
            self.countdown.setText(
                f"<span style='color:{color.name()}'>{countdown_text(left)}</span>"
            )


def _checks_table(model: ChecksModel) -> QTableView:
    table = QTableView()
    table.setModel(model)
    table.verticalHeader().hide()
    table.setWordWrap(True)
    table.setTextElideMode(Qt.TextElideMode.ElideNone)
    header = table.horizontalHeader()
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
    header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
    theme.compact(table)
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return table


def _coloured(raw: str) -> str:
    colours = ("#d6336c", "#7048e8", "#1098ad")
    parts = raw.split(".")
    spans = [f"<span style='color:{c}'>{html.escape(p)}</span>" for c, p in zip(colours, parts,
                                                                                   strict=False)]
    return "<span style='font-family:monospace'>" + "<b>.</b>".join(spans) + "</span>"


class DecoderPage(QWidget):
    """Paste any JWT: decoded at once; verified when a JWKS URL is given."""

    decoded = Signal(bool)

    def __init__(self, fetch_jwks: JwksFetcher | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._fetch_jwks = fetch_jwks
        self.input = QPlainTextEdit(placeholderText="Paste a JWT (header.payload.signature)")
        self.input.setFont(theme.monospace())
        self.input.setMaximumHeight(70)
        self.jwks_url = QLineEdit(placeholderText="JWKS URL (optional), e.g. the issuer's jwks_uri")
        self.verify_button = QPushButton("Verify signature")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.page = TokenPage("pasted token")
        self.input.textChanged.connect(self.decode)
        row = QHBoxLayout()
        row.addWidget(self.jwks_url, 1)
        row.addWidget(self.verify_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.input)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(self.page, 1)

    def decode(self) -> None:
        raw = self.input.toPlainText().strip()
        self.message.clear()
        if not raw:
            self.page.show_token(None, note="Paste a token above to decode it.")
            return
        self.page.show_token(raw)
        ok = self.page.inspection is not None
        if not ok:
            self.message.setText(f"\u2718 {self.page.status.text()}")
        self.decoded.emit(ok)

    async def verify(self) -> None:
        raw, url = self.input.toPlainText().strip(), self.jwks_url.text().strip()
        if not url or self._fetch_jwks is None:
            self.message.setText("Give a JWKS URL to verify the signature; decoding alone proves "
                                 "nothing about who made the token.")
            return
        with busy(self.verify_button):
            self.message.setText(f"Fetching {url} \u2026")
            try:
                jwks = await self._fetch_jwks(url)
            except Exception as exc:  # any failure is the user's to read: bad URL, no server…
                self.message.setText(f"\u2718 Could not fetch the JWKS: {exc}")
                return
        verification = tokens.verify(raw, jwks, kind="jwt")
        self.message.setText(f"Verified against {url}: {len(jwks.get('keys', []))} keys")
        self.page.show_token(raw, verification)


class TokenViewer(QWidget):
    """Tabs: access token, ID token, refresh token, and the paste-any-JWT decoder."""

    def __init__(self, now: Now = time.time, fetch_jwks: JwksFetcher | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.now = now
        self.tabs = QTabWidget()
        self.pages = {kind: TokenPage(kind) for kind in ("access token", "ID token",
                                                          "refresh token")}
        for kind, page in self.pages.items():
            self.tabs.addTab(page, kind[0].upper() + kind[1:])
        self.decoder = DecoderPage(fetch_jwks)
        self.tabs.addTab(self.decoder, "Decode a JWT")
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.setSpacing(2)
        self.layout_.addWidget(self.tabs, 1)
        self.timer = QTimer(self, interval=1000)
        self.timer.timeout.connect(self.tick)
        self.timer.start()

    def tick(self) -> None:
        now = self.now()
        for page in (*self.pages.values(), self.decoder.page):
            page.tick(now)

    def add_bar(self, bar: QWidget) -> None:
        """Put `bar` (the further steps) above the token tabs."""
        self.layout_.insertWidget(0, bar)

    def page(self, kind: str) -> TokenPage:
        return self.pages[kind]

    def clear(self) -> None:
        for page in self.pages.values():
            page.show_token(None)
