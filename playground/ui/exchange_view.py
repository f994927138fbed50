"""One exchange in detail: request and response side by side, the server's decision, Copy as curl.

Each side shows its start line, a headers table (ordered, duplicates kept) and the body through a
view chosen by content type (`core.contentviews`), switchable by the user. The embedded server's
decision trace for the request lists each check in order with its RFC section, plus lint findings.
"""

from __future__ import annotations

import html
from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from playground.core.record import contentviews
from playground.core.record.curl import to_curl
from playground.core.record.exchange import Exchange, Headers
from playground.core.record.snippets import snippet
from playground.core.trace import DecisionTrace
from playground.ui import theme
from playground.ui.models import CheckRow, ChecksModel, PairsModel, check_rows

HEADING_URL = 120  # characters of the URL in the heading; the start line has all of it


def _elided(url: str) -> str:
    return url if len(url) <= HEADING_URL else f"{url[:HEADING_URL - 1]}\u2026"


def pairs_table(model: PairsModel) -> QTableView:
    table = QTableView()
    table.setModel(model)
    table.verticalHeader().hide()
    table.setWordWrap(False)
    table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
    theme.compact(table)
    return table


class BodyView(QWidget):
    """A body rendered by the best-fitting content view, with a chooser for the others."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._body = b""
        self._content_type = ""
        self._jwts = ""
        self.chooser = theme.narrow(QComboBox(), 10)
        self.chooser.addItems(["Auto", *contentviews.view_names()])
        self.chooser.currentTextChanged.connect(lambda _text: self._render())
        self.view_label = QLabel()
        self.text = QPlainTextEdit(readOnly=True)
        self.text.setFont(theme.monospace())
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Body as"))
        bar.addWidget(self.chooser)
        bar.addWidget(self.view_label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.text)

    def set_body(self, body: bytes, content_type: str, jwts: str = "") -> None:
        """`jwts`: the message's other JWTs decoded (a DPoP proof, a client assertion), shown
        under the body."""
        self._body, self._content_type, self._jwts = body, content_type, jwts
        self._render()

    def _render(self) -> None:
        choice = self.chooser.currentText()
        rendered = contentviews.render(
            self._body, self._content_type, None if choice == "Auto" else choice
        )
        size = f"{len(self._body)} bytes" if self._body else "no body"
        self.view_label.setText(f"{rendered.view} \u00b7 {size}")
        # Structured views keep their alignment; raw text wraps so nothing hides off-screen.
        wrap = rendered.view.startswith("Raw") or rendered.view == "HTML source"
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth if wrap
                                  else QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setPlainText(rendered.text + (f"\n\n{self._jwts}" if self._jwts else ""))


class MessageSide(QWidget):
    """Start line, headers and body of one side (request or response)."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(f"<b>{title}</b>")
        self.start_line = _line_field()
        self.headers = PairsModel(("Header", "Value"), self)
        self.body = BodyView()
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(pairs_table(self.headers))
        split.addWidget(self.body)
        split.setSizes([140, 220])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.start_line)
        layout.addWidget(split, 1)

    def show_message(self, start_line: str, headers: Headers, body: bytes) -> None:
        self.start_line.setText(start_line)
        self.start_line.setCursorPosition(0)  # the method and the path, not the query's end
        self.start_line.setToolTip(start_line)
        self.headers.set_pairs(headers)
        content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
        self.body.set_body(body, content_type,
                           contentviews.embedded_jwts(tuple(headers), body, content_type))


def _line_field() -> QLineEdit:
    """A start line as one selectable line that scrolls instead of widening the window: a
    label cannot wrap a URL without spaces (a logout URL carries a ~1,000-character id_token)."""
    field = QLineEdit()
    field.setReadOnly(True)
    field.setFrame(False)
    return field


class TraceView(QWidget):
    """The embedded server's decision for one request: outcome, checks in order, lint findings."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.checks = ChecksModel(self)
        # Check names are whole sentences ("code is known, unused and not expired"): they get
        # the width they need; Detail takes the rest and wraps, each row as tall as it needs.
        table = QTableView()
        table.setModel(self.checks)
        table.verticalHeader().hide()
        table.setWordWrap(True)
        table.setTextElideMode(Qt.TextElideMode.ElideNone)
        header = table.horizontalHeader()
        for column, mode in enumerate((QHeaderView.ResizeMode.ResizeToContents,
                                       QHeaderView.ResizeMode.ResizeToContents,
                                       QHeaderView.ResizeMode.Stretch,
                                       QHeaderView.ResizeMode.ResizeToContents)):
            header.setSectionResizeMode(column, mode)
        theme.compact(table)
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table = table
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(table, 1)

    def show_trace(self, trace: DecisionTrace | None, exchange: Exchange | None) -> None:
        if trace is None:
            reason = (
                "No server decision: this request was not handled by the embedded server."
                if exchange is not None else ""
            )
            self.summary.setText(reason)
            self.checks.set_rows([])
            return
        error = f" \u2192 <b>{trace.error}</b>" if trace.error else ""
        self.summary.setText(
            f"<b>{trace.endpoint}</b>: {trace.outcome} (HTTP {trace.status}){error}"
            f"  \u00b7 trace {trace.id}"
        )
        findings = [CheckRow("warn", f.rule, f"{f.message} Fix: {f.fix}", f.rfc)
                    for f in trace.findings]
        self.checks.set_rows([*check_rows(trace.checks), *findings])


SNIPPET_TITLES = {"httpie": "HTTPie", "httpx": "Python httpx", "fetch": "JavaScript fetch"}


class ExchangeDetail(QWidget):
    """Request | response side by side above the server's decision, with Copy as curl."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._exchange: Exchange | None = None
        self.heading = QLabel("Select an exchange to see the request, the response and the "
                              "server's decision.")
        self.heading.setWordWrap(True)
        self.copy_curl = QPushButton("Copy as curl")
        self.copy_curl.setToolTip("Copy the request as a curl command line (Ctrl+Shift+C)")
        self.copy_curl.clicked.connect(self.copy_as_curl)
        self.copy_as = QPushButton("Copy as…")
        self.copy_as.setToolTip("Copy the request as HTTPie, Python httpx or JavaScript fetch code")
        menu = QMenu(self.copy_as)
        for language, title in SNIPPET_TITLES.items():
            menu.addAction(title).triggered.connect(partial(self.copy_snippet, language))
        self.copy_as.setMenu(menu)
        self.request = MessageSide("Request")
        self.response = MessageSide("Response")
        self.trace = TraceView()
        self.tabs = QTabWidget()
        pair = QSplitter(Qt.Orientation.Horizontal)
        pair.addWidget(self.request)
        pair.addWidget(self.response)
        self.tabs.addTab(pair, "Request / Response")
        self.tabs.addTab(self.trace, "Server decision")
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.copy_curl)
        top.addWidget(self.copy_as)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        self.show_exchange(None)

    @property
    def exchange(self) -> Exchange | None:
        return self._exchange

    def show_exchange(self, exchange: Exchange | None) -> None:
        self._exchange = exchange
        self.copy_curl.setEnabled(exchange is not None)
        self.copy_as.setEnabled(exchange is not None)
        if exchange is None:
            self.request.show_message("", (), b"")
            self.response.show_message("", (), b"")
            self.trace.show_trace(None, None)
            return
        self.heading.setText(f"<b>#{exchange.seq}</b> {exchange.step} \u00b7 {exchange.method} "
                             f"{html.escape(_elided(exchange.url))}")
        self.heading.setToolTip(exchange.url)
        self.request.show_message(f"{exchange.method} {exchange.url}",
                                  exchange.request_headers, exchange.request_body)
        self.response.show_message(_response_line(exchange), exchange.response_headers,
                                   exchange.response_body)
        self.trace.show_trace(exchange.trace, exchange)

    def curl_command(self) -> str:
        return to_curl(self._exchange, multiline=True) if self._exchange else ""

    def copy_as_curl(self) -> None:
        if self._exchange is not None:
            QGuiApplication.clipboard().setText(self.curl_command())

    def copy_snippet(self, language: str) -> None:
        """The request as `language` code (playground.core.record.snippets), to the clipboard."""
        if self._exchange is not None:
            QGuiApplication.clipboard().setText(snippet(self._exchange, language))


def _response_line(exchange: Exchange) -> str:
    if exchange.status is None:
        return f"No response: {exchange.error or 'unknown error'}"
    return f"HTTP {exchange.status} \u00b7 {exchange.duration_ms:.1f} ms"
