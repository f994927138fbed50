"""The device grant's steps in the window (RFC 8628): what the device shows, and the user's move.

Both the user step and the polling step show the device's screen (`DeviceCard`): the user code
in large type, the verification URI to type (selectable, with a Copy button), a QR code of
`verification_uri_complete` (§3.3.1) and how long the code lives. Below it the user's ways to
answer: approve or deny in the app (the in-app agent signs in as the chosen demo user), open
the page in the system browser, or enter the code by hand anywhere; then the polls, each
answer and a countdown to the next one (§3.5).

A button asks the window to run work on the session (`work_requested`); the work is
`decide_in_app` or `elsewhere` below. While the device is already polling, Approve and Deny act
as a second device would (`approve_alongside`) and the next poll hears the decision.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QGuiApplication, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from playground.core.flow import device_user
from playground.core.flow.device_polling import DeviceTokenOutcome
from playground.core.flow.device_user import DeviceUserOutcome, approve_alongside
from playground.core.flow.session import FlowSession, StepState
from playground.core.flowerrors import FlowError
from playground.core.flows.device_code import DEVICE, TOKEN, USER
from playground.core.protocol.device_authorization import DeviceAuthorization, Poll
from playground.server.users import DEMO_USERS
from playground.ui import theme
from playground.ui.exchange_view import pairs_table
from playground.ui.models import PairsModel
from playground.ui.qr_code import QrCode
from playground.ui.step_views import StepView

Work = Callable[[FlowSession], Coroutine[Any, Any, object]]
TICK_MS = 250


def clock_text(seconds: float) -> str:
    """`9:05` for 545 s; never negative."""
    whole = max(0, int(seconds + 0.999))
    return f"{whole // 60}:{whole % 60:02d}"


class DeviceCard(QWidget):
    """The device's screen: where to go, the code to enter there, and a QR code of both (`qr`
    and `qr_caption`, which the view places beside everything else, where there is height)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.code = QLabel("\u2014")
        self.code.setObjectName("user_code")
        self.code.setFont(_code_font(self.font()))
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.uri = QLineEdit(readOnly=True)
        self.uri.setPlaceholderText("the verification URI appears once the device has a code")
        self.copy = QToolButton()
        self.copy.setText("Copy")
        self.copy.setToolTip("Copy the verification URI")
        self.copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.uri.text()))
        self.qr = QrCode(module=5)
        self.qr_caption = QLabel("Scan to open it with the code filled in")
        self.qr_caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.expiry = QLabel()
        self._layout()

    def _layout(self) -> None:
        uri_row = QHBoxLayout()
        uri_row.addWidget(self.uri, 1)
        uri_row.addWidget(self.copy)
        left = QVBoxLayout()
        left.addWidget(QLabel("On another device, open"))
        left.addLayout(uri_row)
        left.addWidget(QLabel("and enter the code"))
        left.addWidget(self.code)
        left.addWidget(self.expiry)
        left.setContentsMargins(0, 0, 0, 0)
        self.setLayout(left)

    def qr_column(self) -> QVBoxLayout:
        column = QVBoxLayout()
        column.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addWidget(self.qr_caption)
        column.addStretch(1)
        return column

    def show_authorization(self, auth: DeviceAuthorization | None) -> None:
        self.code.setText(auth.user_code if auth else "\u2014")
        self.uri.setText(auth.verification_uri if auth else "")
        self.qr.set_text(auth.link if auth else "")
        self.qr_caption.setVisible(auth is not None)
        if auth is None:
            self.expiry.setText("Run the device authorization request to get a code.")

    def tick(self, auth: DeviceAuthorization | None, now: float, used: bool = False) -> None:
        if auth is None:
            return
        left = auth.expires_at - now
        if used:
            self.expiry.setText("The code is used up: the device has its tokens.")
        else:
            self.expiry.setText(f"The code expires in {clock_text(left)}." if left > 0 else
                                "The code has expired: Approve or Run gets a new one.")


def _code_font(base: QFont) -> QFont:
    font = theme.monospace()
    font.setPointSizeF(max(base.pointSizeF(), 9.0) * 2.6)
    font.setBold(True)
    font.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 110)
    return font


class DeviceView(StepView):
    """The device's screen, the user's answers, the polls (for the user and the poll step)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session: FlowSession | None = None
        self._shown_polls = -1
        self._refusal: tuple[object, str] | None = None  # (for which code, what was said)
        self.card = DeviceCard()
        self.user = theme.narrow(QComboBox(), 12)
        for person in DEMO_USERS:
            self.user.addItem(person.sub, person.sub)
        self.approve = QPushButton("Approve in the app")
        self.deny = QPushButton("Deny in the app")
        self.browser = QPushButton("Open in the system browser")
        self.manual = QPushButton("I'll enter it myself")
        self.approve.clicked.connect(lambda: self._ask(decide_in_app(True, self._user()),
                                                       "approve the device in the app"))
        self.deny.clicked.connect(lambda: self._ask(decide_in_app(False, self._user()),
                                                    "deny the device in the app"))
        self.browser.clicked.connect(lambda: self._ask(elsewhere("browser"),
                                                       "open the verification page"))
        self.manual.clicked.connect(lambda: self._ask(elsewhere("manual"), "poll for the code"))
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.next_poll = QLabel()
        self.polls = PairsModel(("Poll", "Answer"), self)
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.tick)
        self._layout()

    def _layout(self) -> None:
        answers = QHBoxLayout()
        answers.addWidget(QLabel("As"))
        answers.addWidget(self.user)
        for button in (self.approve, self.deny, self.browser, self.manual):
            answers.addWidget(button)
        answers.addStretch(1)
        form = QFormLayout()
        form.addRow("The user:", self.status)
        form.addRow("The device:", self.next_poll)
        left = QVBoxLayout()
        left.addWidget(self.card)
        left.addLayout(answers)
        left.addLayout(form)
        left.addWidget(pairs_table(self.polls), 1)
        row = QHBoxLayout()
        row.addLayout(left, 1)
        row.addSpacing(16)
        row.addLayout(self.card.qr_column())
        self.layout_.addLayout(row, 1)

    def _user(self) -> str:
        return str(self.user.currentData() or "")

    def _ask(self, work: Work, name: str) -> None:
        """Ask the window to run `work`; a refusal (an expired code, say) reads as the user's
        line here, not as an unexpected error."""
        async def answered(session: FlowSession) -> object:
            try:
                return await work(session)
            except FlowError as exc:
                text = f"{exc}" + (f" [{exc.rfc}]" if exc.rfc else "")
                self._refusal = (session.outcome(DEVICE), text)
                self.status.setText(text)
                return None
        self.work_requested.emit(answered, name)

    def show_session(self, session: FlowSession) -> None:
        self._session = session
        auth = session.outcome(DEVICE)
        self.card.show_authorization(auth)
        refusal = self._refusal
        said = refusal[1] if refusal is not None and refusal[0] is auth else _user_text(session)
        self.status.setText(said)
        self._shown_polls = -1
        self.tick()
        if self.isVisible():
            self.timer.start()

    def tick(self) -> None:
        """The countdowns and the polls so far (the poll step writes them as it goes)."""
        session = self._session
        if session is None:
            return
        auth: DeviceAuthorization | None = session.outcome(DEVICE)
        now = session.now()
        self.card.tick(auth, now, session.step(TOKEN).state is StepState.DONE)
        self.next_poll.setText(_poll_text(session, auth, now))
        polls = auth.polling.polls if auth else []
        if len(polls) != self._shown_polls:
            self._shown_polls = len(polls)
            self.polls.set_pairs(poll_rows(polls))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        self.timer.stop()
        super().hideEvent(event)


class DeviceUserView(DeviceView):
    key = "device_user"


class DevicePollView(DeviceView):
    key = "token"


def _user_text(session: FlowSession) -> str:
    step = session.step(USER)
    auth: DeviceAuthorization | None = session.outcome(DEVICE)
    if auth is not None and auth.polling.decided_alongside is not None:
        decision, user = auth.polling.decided_alongside
        return f"{decision.capitalize()} in the app as {user} while the device polled."
    outcome: DeviceUserOutcome | None = step.outcome
    if outcome is not None:
        return _outcome_text(outcome)
    if step.state is StepState.RUNNING:
        return "The in-app agent is entering the code\u2026"
    return ("Nobody has entered the code yet: approve or deny it in the app, open the page in "
            "the system browser, or enter it yourself on any device.")


def _outcome_text(outcome: DeviceUserOutcome) -> str:
    if outcome.mode == "in_app":
        return f"{(outcome.decision or 'decided').capitalize()} in the app as {outcome.user}."
    if outcome.mode == "browser":
        return ("The system browser opened the page with the code filled in." if outcome.opened
                else "No browser could be opened: open the URI above yourself.")
    return "Enters the code by hand on any device (a phone can scan the QR code)."


def _poll_text(session: FlowSession, auth: DeviceAuthorization | None, now: float) -> str:
    step = session.step(TOKEN)
    if auth is None or (step.state is StepState.PENDING and not auth.polling.polls):
        return "The device polls the token endpoint once the code is out."
    progress = auth.polling
    if step.state is StepState.RUNNING:
        if progress.next_at is None:
            return f"Polling now (every {progress.interval:g} s)\u2026"
        return (f"Next poll in {clock_text(progress.next_at - now)} "
                f"(every {progress.interval:g} s)")
    outcome = step.outcome
    if isinstance(outcome, DeviceTokenOutcome):
        return f"Tokens received after {len(outcome.polls)} poll(s)."
    return f"Stopped after {len(progress.polls)} poll(s)." if progress.polls else "Not polling."


def poll_rows(polls: list[Poll]) -> list[tuple[str, str]]:
    start = polls[0].at if polls else 0.0
    return [(f"#{n} at +{poll.at - start:.0f} s",
             poll.answer + (f" (wait {poll.interval:g} s from now on)"
                            if poll.answer == "slow_down" else "")
             + (f" (HTTP {poll.status})" if poll.status != 200 else ""))
            for n, poll in enumerate(polls, start=1)]


# -- the work the buttons ask for -------------------------------------------------------------
def decide_in_app(allow: bool, user: str) -> Work:
    """Approve or deny in the app: alongside the polling device, or as the user step."""
    async def work(session: FlowSession) -> object:
        if session.step(TOKEN).state is StepState.RUNNING:
            return await approve_alongside(session, allow=allow, user=user or None)
        _fresh_code_if_finished(session)
        for name, value in (("mode", "in_app"), ("decision", "approve" if allow else "deny"),
                            ("user", user or None)):
            session.set_input(USER, name, value)
        return await session.run_all()
    return work


def elsewhere(mode: str) -> Work:
    """The system browser or the user's own device: the step ends, the device polls."""
    async def work(session: FlowSession) -> object:
        auth: DeviceAuthorization | None = session.outcome(DEVICE)
        if session.step(TOKEN).state is StepState.RUNNING and auth is not None:
            if mode == "browser":  # already polling: only the page is to be opened
                return await asyncio.to_thread(device_user.launch_browser, auth.link)
            return None
        _fresh_code_if_finished(session)
        session.set_input(USER, "mode", mode)
        return await session.run_all()
    return work


def _fresh_code_if_finished(session: FlowSession) -> None:
    """A finished poll used the code up (or it expired): the next try asks for a new one."""
    if session.step(TOKEN).state in (StepState.DONE, StepState.FAILED):
        session.set_input(DEVICE, "scope", session.inputs(DEVICE).get("scope"))


DEVICE_VIEWS: dict[type, type[StepView]] = {
    DeviceUserOutcome: DeviceUserView, DeviceTokenOutcome: DevicePollView}
