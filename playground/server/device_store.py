"""Device codes and user codes: RFC 8628 §3.2 (issued), §3.5 (polled), §6.1 (the user code).

§3.2: the device endpoint answers a `device_code` for the device and a `user_code` for the user,
both valid `expires_in` seconds, and the minimum polling `interval`. §6.1: a user code is short,
case-insensitive and typed by hand, so it uses the base-20 consonant set "BCDFGHJKLMNPQRSTVWXZ"
(no vowels, so no words; nothing confusable such as 0/O or 1/I), 8 characters shown as
`WDJB-MJHT` (20^8: 34.5 bits of entropy), with dashes and blanks ignored when it is entered.

§3.5, answered when the device polls the token endpoint: `authorization_pending` until the user
decides, `slow_down` when the device polls faster than its interval (which then grows by 5 s
"for this and all subsequent requests"), `access_denied` after the user refused,
`expired_token` once the code has expired; after approval, the tokens, once. A device code
redeemed again is `invalid_grant`, and what the first redemption issued is revoked, as for a
replayed authorization code (RFC 6749 §4.1.2): the approval is a `CodeRecord`, so the token
response attaches its tokens to it like a code's.

Both maps are `ExpiringMap`s on the injected clock, capped, oldest evicted first. A record lives
`expires_in` + EXPIRED_GRACE, so a device polling shortly after expiry hears `expired_token`,
not an unknown code; an evicted code is unknown (`invalid_grant`).
"""

from __future__ import annotations

import enum
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass

from playground.core.clock import Clock
from playground.core.errors import (
    AccessDenied,
    AuthorizationPending,
    ExpiredToken,
    InvalidGrant,
    SlowDown,
)
from playground.server.expiring import ExpiringMap
from playground.server.store import CodeRecord, Grant

USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
USER_CODE_LENGTH = 8
SLOW_DOWN_STEP = 5
EXPIRED_GRACE = 600.0
MAX_DEVICE_CODES = 4096
RULE = "RFC 8628 §3.5"


class DeviceState(enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"


class DeniedByUser(AccessDenied):
    """§3.5 `access_denied` at the token endpoint: a §5.2 error, so HTTP 400 (the authorization
    endpoint's 403 is for its own pages)."""

    status_code = 400


@dataclass(slots=True)
class DeviceRecord:
    """One device authorization: what was asked, until when, and what the user decided."""

    device_code: str
    user_code: str  # normalized: 8 characters of USER_CODE_ALPHABET
    client_id: str
    scopes: tuple[str, ...]
    expires_at: float
    interval: int
    state: DeviceState = DeviceState.PENDING
    last_poll: float | None = None
    approval: CodeRecord | None = None  # the grant, once approved; tokens attach to it

    @property
    def shown_code(self) -> str:
        return display_user_code(self.user_code)


def new_user_code() -> str:
    """§6.1: 8 characters drawn uniformly from the base-20 set (`secrets`, not `random`)."""
    return "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(USER_CODE_LENGTH))


def display_user_code(code: str) -> str:
    """`WDJBMJHT` as the user reads it: `WDJB-MJHT`."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def normalize_user_code(text: str) -> str | None:
    """§6.1: case-insensitive, dashes and blanks ignored; None unless 8 characters of the set."""
    code = "".join(c for c in text if c not in "- \t").upper()
    if len(code) != USER_CODE_LENGTH or any(c not in USER_CODE_ALPHABET for c in code):
        return None
    return code


class DeviceStore:
    """Device authorizations by device code, and the user code index. One lock."""

    def __init__(self, clock: Clock, ttl: float, interval: int,
                 max_size: int = MAX_DEVICE_CODES) -> None:
        self._clock = clock
        self.ttl = ttl
        self.interval = interval
        self._lock = threading.Lock()
        self._codes: ExpiringMap[str, DeviceRecord] = ExpiringMap(
            clock, ttl + EXPIRED_GRACE, max_size)
        self._users: ExpiringMap[str, str] = ExpiringMap(clock, ttl + EXPIRED_GRACE, max_size)

    def sizes(self) -> dict[str, int]:
        with self._lock:
            return {"device_codes": len(self._codes), "user_codes": len(self._users)}

    def issue(self, client_id: str, scopes: tuple[str, ...]) -> DeviceRecord:
        """§3.2: a new device code and a user code no pending authorization holds."""
        with self._lock:
            user_code = new_user_code()
            while self._users.get(user_code) is not None:
                user_code = new_user_code()
            record = DeviceRecord(secrets.token_urlsafe(32), user_code, client_id, scopes,
                                  self._clock.now() + self.ttl, self.interval)
            self._codes.put(record.device_code, record)
            self._users.put(user_code, record.device_code)
            return record

    def by_user_code(self, user_code: str) -> DeviceRecord | None:
        """The authorization a (normalized) user code names, decided or expired ones too."""
        with self._lock:
            device_code = self._users.get(user_code)
            return self._codes.get(device_code) if device_code is not None else None

    def by_device_code(self, device_code: str) -> DeviceRecord | None:
        with self._lock:
            return self._codes.get(device_code)

    def expired(self, record: DeviceRecord) -> bool:
        return self._clock.now() >= record.expires_at

    def decide(self, record: DeviceRecord, grant: Grant | None) -> bool:
        """The user's decision: approve with `grant`, or deny (None). False when the code has
        expired or was decided already (another browser finished first)."""
        with self._lock:
            if record.state is not DeviceState.PENDING or self.expired(record):
                return False
            if grant is None:
                record.state = DeviceState.DENIED
                return True
            record.state = DeviceState.APPROVED
            record.approval = CodeRecord(record.device_code, grant, "", False, None, None,
                                         record.expires_at)
            return True

    def redeem(self, device_code: str, client_id: str,
               on_replay: Callable[[CodeRecord], None]) -> DeviceRecord:
        """§3.5: one poll, atomically. Returns the approved record (now redeemed) or raises the
        poll's answer; `on_replay` revokes what a redeemed code issued before it is refused."""
        with self._lock:
            record = self._codes.get(device_code)
            if record is None or record.client_id != client_id:
                raise InvalidGrant("the device_code is unknown or was issued to another client",
                                   rfc=RULE)
            if record.approval is not None and record.approval.redeemed:
                on_replay(record.approval)
                raise InvalidGrant("the device_code was already redeemed; every token issued "
                                   "from it is now revoked", rfc="RFC 8628 §3.5, RFC 6749 §4.1.2")
            self._answer(record)
            assert record.approval is not None
            record.approval.redeemed = True
            return record

    def _answer(self, record: DeviceRecord) -> None:
        """Raise what a poll of an unredeemed code hears, unless it is approved."""
        now = self._clock.now()
        if now >= record.expires_at:
            raise ExpiredToken(f"the device_code expired (lifetime {self.ttl:g} s); start a new "
                               "device authorization", rfc=RULE)
        if record.state is DeviceState.DENIED:
            raise DeniedByUser("the user denied the request", rfc=RULE)
        if record.state is DeviceState.APPROVED:
            return
        too_fast = record.last_poll is not None and now - record.last_poll < record.interval
        record.last_poll = now
        if too_fast:
            record.interval += SLOW_DOWN_STEP
            raise SlowDown(f"polled faster than the interval; wait {record.interval} s between "
                           "polls from now on (the interval grew by 5 s)", rfc=RULE)
        raise AuthorizationPending("the user has not finished entering the code and approving "
                                   f"it yet; poll again in {record.interval} s", rfc=RULE)
