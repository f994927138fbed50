"""What the user-agent step's mode choice does to the flow, owned by that step's view.

Choosing in-app, system browser or manual picks the session's `UserAgent` (through
`AgentModes`), the redirect URI the authorization request sends (the client's loopback
redirect with the catcher's port, RFC 8252 §7.3), and what the step shows while the browser
works or a redirect URL is awaited. The window only wires it: it gives the controller the
current session and the client registry, and hears back through signals.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from playground.core.flow.session import FlowSession
from playground.core.flowerrors import FlowError
from playground.server.clients import Client
from playground.ui.agent_modes import AgentModes, is_loopback
from playground.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from playground.ui.step_views import UserAgentView

SessionSource = Callable[[], FlowSession]
ClientLookup = Callable[[str], Client | None]


class UserAgentController(QObject):
    message = Signal(str)  # something to say in the window's banner
    step_requested = Signal(str)  # show this step
    inputs_changed = Signal()  # the session's inputs changed: show the current step again

    def __init__(self, view: UserAgentView, session: SessionSource, client: ClientLookup,
                 tasks: TaskRunner) -> None:
        super().__init__(view)  # owned by its view
        self.view, self._session, self._client, self._tasks = view, session, client, tasks
        self.modes = AgentModes(view.consent.decide, parent=self)
        view.mode_chosen.connect(self.set_mode)
        view.external.pasted.connect(self._pasted)
        self.modes.browser_launched.connect(self._browser_launched)
        self.modes.paste_requested.connect(self._paste_requested)

    @property
    def mode(self) -> str:
        return self.modes.mode

    def set_mode(self, mode: str) -> Any:
        """Use the in-app agent, the system browser + loopback catcher, or manual paste."""
        return self._tasks.start(self._switch(mode), f"user agent: {mode}")

    def reapply(self) -> None:
        """A new or reset session needs the chosen agent (and its redirect URI) again."""
        if self.mode != "in_app":
            self.set_mode(self.mode)

    def reset(self) -> None:
        self.view.consent.reset()
        self.modes.cancel_paste()
        self.view.external.set_waiting(False)

    async def aclose(self) -> None:
        self.view.consent.cancel()
        await self.modes.aclose()

    async def _switch(self, mode: str) -> None:
        session = self._session()
        if "authorize_url" not in session.spec:
            return  # a flow without a browser (client credentials): nothing to switch
        client = self._client(str(session.inputs("authorize_url").get("client_id") or ""))
        redirects = list(client.redirect) if client is not None else []
        loopback = [r for r in redirects if is_loopback(r)]
        registered = (loopback or redirects or [session.config.redirect_uri or ""])[0]
        try:
            agent, redirect_uri = await self.modes.switch(mode, registered)
        except FlowError as exc:
            self.message.emit(f"System browser mode: {exc}")
            mode, (agent, redirect_uri) = "in_app", await self.modes.switch("in_app", registered)
        session.user_agent = agent
        session.set_input("authorize_url", "redirect_uri", redirect_uri or None)
        session.set_input("authorize_url", "params", None)
        self.view.show_mode(mode)
        refused = client is not None and not loopback
        self.view.external.show_mode_ready(
            mode, redirect_uri, client.display_name if refused and client else None)
        self.inputs_changed.emit()

    def _browser_launched(self, url: str, opened: bool) -> None:
        catcher = self.modes.catcher
        where = catcher.redirect_uri if catcher else "the loopback address"
        self.view.external.show_launched(url, opened, where)
        self.step_requested.emit("user_agent")

    def _paste_requested(self, url: str) -> None:
        self.view.external.show_paste_wait(url)
        self.step_requested.emit("user_agent")

    def _pasted(self, text: str) -> None:
        self.view.external.show_pasted(bool(text), bool(text) and self.modes.paste(text))
