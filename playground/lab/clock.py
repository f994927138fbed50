"""Clock control: move the embedded server's clock forward and back to real time.

Codes, tokens and refresh tokens expire on the server's `AdjustableClock` (RFC 6749 §4.1.2 and
§5.1: short-lived codes, `expires_in`); moving it forward shows them expire without waiting.
Sessions made by the lab verify tokens on the same clock, so client and server agree.
"""

from __future__ import annotations

from playground.core.clock import AdjustableClock

STEPS: tuple[tuple[str, float], ...] = (("+1 min", 60.0), ("+10 min", 600.0), ("+1 h", 3600.0))


def advance(clock: AdjustableClock, seconds: float) -> str:
    """Move the clock by `seconds`; returns the new offset as text."""
    clock.advance(seconds)
    return describe(clock.offset)


def reset(clock: AdjustableClock) -> str:
    clock.reset()
    return describe(clock.offset)


def describe(offset: float) -> str:
    """'real time', or the offset like '+1 h 11 min' / '+45 s'."""
    if abs(offset) < 1:
        return "real time"
    sign, left = ("+" if offset > 0 else "-"), int(abs(offset))
    hours, rest = divmod(left, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{hours} h"] if hours else []
    parts += [f"{minutes} min"] if minutes else []
    parts += [f"{seconds} s"] if seconds and not hours else []
    return sign + " ".join(parts)
