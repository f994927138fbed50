"""Reading JSON-shaped input (a config file, a control API body) with errors that name the path.

Every reader takes the value and `where`, its path from the document's root (`users[2].claims`),
and raises `InputError` with a message naming that path, what was found and what would be right.
Unknown members of an object are refused, so a typo (`expires`, not `expires_in`) is an error,
not a silently ignored setting.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_PLAIN = re.compile(r"^[A-Za-z0-9_-]+$")


class InputError(ValueError):
    """A value in the input is wrong; the message names its path."""


def at(where: str, name: str) -> str:
    """The path of member `name` of the value at `where` (the root is ""); a name that is not
    plain (spaces, control characters, dots) is quoted: `tokens['\\n']`."""
    if not _PLAIN.match(name):
        return f"{where}[{name!a}]"
    return f"{where}.{name}" if where else name


def kind(value: object) -> str:
    """How JSON would call `value`'s type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def obj(value: object, where: str, allowed: Iterable[str]) -> dict[str, Any]:
    """An object whose members are all in `allowed`."""
    if not isinstance(value, dict):
        raise InputError(f"{where or 'the document'}: expected an object, found {kind(value)}")
    names = tuple(allowed)
    unknown = [k for k in value if k not in names]
    if unknown:
        raise InputError(f"{at(where, unknown[0])}: unknown field; the fields here are "
                         f"{', '.join(names)}")
    return value


def text(data: dict[str, Any], name: str, where: str, default: str | None = None,
         choices: tuple[str, ...] = ()) -> str | None:
    """A non-empty string member (or `default` when absent), one of `choices` if given."""
    value = data.get(name, default)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise InputError(f"{at(where, name)}: expected a non-empty string, found {kind(value)}")
    if choices and value not in choices:
        raise InputError(f"{at(where, name)}: {value!r} is not one of {', '.join(choices)}")
    return value


def number(data: dict[str, Any], name: str, where: str, default: float, *, low: float = 0,
           high: float = 10 * 365 * 24 * 3600) -> float:
    """A number member within [low, high] (or `default` when absent)."""
    value = data.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"{at(where, name)}: expected a number, found {kind(value)}")
    if not low <= value <= high:
        raise InputError(f"{at(where, name)}: {value:g} is outside {low:g}..{high:g}")
    return float(value)


def integer(data: dict[str, Any], name: str, where: str, default: int, *, low: int = 0,
            high: int = 10 * 365 * 24 * 3600) -> int:
    value = number(data, name, where, default, low=low, high=high)
    if value != int(value):
        raise InputError(f"{at(where, name)}: expected a whole number, found {value:g}")
    return int(value)


def flag(data: dict[str, Any], name: str, where: str, default: bool = False) -> bool:
    value = data.get(name, default)
    if not isinstance(value, bool):
        raise InputError(f"{at(where, name)}: expected true or false, found {kind(value)}")
    return value


def claims(data: dict[str, Any], name: str, where: str) -> dict[str, Any]:
    """An object of claims: any JSON values, nested ones included (RFC 7519 §4)."""
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise InputError(f"{at(where, name)}: expected an object of claims, found {kind(value)}")
    return dict(value)


def items(data: dict[str, Any], name: str, where: str) -> list[tuple[str, Any]]:
    """A list member as (path, item) pairs; absent: empty."""
    value = data.get(name, [])
    if not isinstance(value, list):
        raise InputError(f"{at(where, name)}: expected a list, found {kind(value)}")
    return [(f"{at(where, name)}[{i}]", item) for i, item in enumerate(value)]
