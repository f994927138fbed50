"""Body views: how an HTTP body is shown, chosen by content type and content.

A small registry in the manner of mitmproxy's `contentviews/`: each view says how well it fits a
body (a priority, 0 = not at all) and renders it as text, optionally with a table of fields.
JSON is pretty-printed (RFC 8259), form bodies are split into fields (the WHATWG
application/x-www-form-urlencoded parser, as RFC 6749 §4.1.3 and §5.1 use it), a compact JWS is
decoded without verifying (RFC 7515 §7.1; decoding is not verifying), HTML is shown as source,
and anything else as raw text or a hex dump. Pure Python, no Qt.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl

from jwt.api_jws import PyJWS
from jwt.exceptions import PyJWTError

Fields = tuple[tuple[str, str], ...]
COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")


@dataclass(frozen=True, slots=True)
class Rendered:
    """A body as one view shows it: the view's name, text, and (for some views) fields."""

    view: str
    text: str
    fields: Fields = ()


@dataclass(frozen=True, slots=True)
class ContentView:
    name: str
    priority: Callable[[bytes, str], float]
    render: Callable[[bytes], Rendered]


def media_type(content_type: str) -> str:
    """`application/json; charset=utf-8` → `application/json`."""
    return content_type.split(";", 1)[0].strip().lower()


def _text(body: bytes) -> str:
    return body.decode("utf-8", errors="replace")


# JSON ---------------------------------------------------------------------------------------


def _json_priority(body: bytes, content_type: str) -> float:
    mt = media_type(content_type)
    if mt == "application/json" or mt.endswith("+json"):
        return 3.0
    stripped = body.lstrip()[:1]
    return 0.5 if stripped in (b"{", b"[") and _parses_as_json(body) else 0.0


def _parses_as_json(body: bytes) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def _render_json(body: bytes) -> Rendered:
    data = json.loads(body)
    fields: Fields = ()
    if isinstance(data, dict):
        fields = tuple((str(k), _scalar(v)) for k, v in data.items())
    return Rendered("JSON", json.dumps(data, indent=2, ensure_ascii=False), fields)


def _scalar(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


# Form ---------------------------------------------------------------------------------------


def _form_priority(body: bytes, content_type: str) -> float:
    return 3.0 if media_type(content_type) == "application/x-www-form-urlencoded" else 0.0


def _render_form(body: bytes) -> Rendered:
    pairs = tuple(parse_qsl(_text(body), keep_blank_values=True))
    width = max((len(k) for k, _ in pairs), default=0)
    text = "\n".join(f"{k.ljust(width)} = {v}" for k, v in pairs)
    return Rendered("Form fields", text, pairs)


# JWT ----------------------------------------------------------------------------------------


def decode_compact_jwt(token: str) -> tuple[dict[str, object], object, str]:
    """Header, payload and signature (base64url) of a compact JWS, unverified.

    Raises ValueError with a readable reason when `token` is not a decodable JWS.
    """
    try:
        decoded = PyJWS().decode_complete(token.strip(), options={"verify_signature": False})
    except PyJWTError as exc:
        raise ValueError(f"not a decodable JWT: {exc}") from exc
    payload_bytes: bytes = decoded["payload"]
    try:
        payload: object = json.loads(payload_bytes)
    except ValueError:
        payload = _text(payload_bytes)
    return dict(decoded["header"]), payload, token.strip().rsplit(".", 1)[-1]


def _looks_like_jwt(body: bytes) -> bool:
    return len(body) < 64_000 and bool(COMPACT_JWS.match(_text(body).strip()))


def _jwt_priority(body: bytes, content_type: str) -> float:
    mt = media_type(content_type)
    if not _looks_like_jwt(body):
        return 0.0
    return 4.0 if mt in ("application/jwt", "application/jose") else 1.0


def _render_jwt(body: bytes) -> Rendered:
    header, payload, signature = decode_compact_jwt(_text(body))
    text = "\n".join(
        [
            "Header:",
            json.dumps(header, indent=2),
            "Payload:",
            json.dumps(payload, indent=2, ensure_ascii=False),
            f"Signature (base64url, not verified here): {signature}",
        ]
    )
    return Rendered("JWT (decoded)", text)


def embedded_jwts(headers: Fields, body: bytes, content_type: str) -> str:
    """The JWTs a message carries besides its body: a DPoP proof header (RFC 9449 §4.1) and
    form fields such as client_assertion (RFC 7523 §2.2), request (RFC 9101 §5.1),
    subject_token or id_token_hint, each decoded (not verified), one block each."""
    found = [(f"{name} header", value) for name, value in headers if name.lower() == "dpop"]
    if media_type(content_type) == "application/x-www-form-urlencoded" and len(body) < 64_000:
        found += [(name, value) for name, value in parse_qsl(_text(body))
                  if COMPACT_JWS.match(value)]
    blocks = []
    for label, token in found:
        try:
            header, payload, _ = decode_compact_jwt(token)
        except ValueError as exc:
            blocks.append(f"{label}: {exc}")
            continue
        blocks.append(f"{label} (JWT, decoded, not verified):\n  header  "
                      f"{json.dumps(header, ensure_ascii=False)}\n  payload "
                      f"{json.dumps(payload, ensure_ascii=False)}")
    return "\n\n".join(blocks)


# HTML and raw -------------------------------------------------------------------------------


def _html_priority(body: bytes, content_type: str) -> float:
    if media_type(content_type) in ("text/html", "application/xhtml+xml"):
        return 2.0
    return 0.3 if body.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html")) else 0.0


def _render_html(body: bytes) -> Rendered:
    return Rendered("HTML source", _text(body))


def _raw_priority(body: bytes, content_type: str) -> float:
    return 0.1


def _render_raw(body: bytes) -> Rendered:
    try:
        return Rendered("Raw", body.decode("utf-8"))
    except UnicodeDecodeError:
        return Rendered("Raw (hex)", hexdump(body))


def hexdump(body: bytes, width: int = 16) -> str:
    lines = []
    for offset in range(0, len(body), width):
        chunk = body[offset : offset + width]
        printable = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{offset:08x}  {chunk.hex(' '):<{width * 3}} {printable}")
    return "\n".join(lines)


VIEWS: tuple[ContentView, ...] = (
    ContentView("JSON", _json_priority, _render_json),
    ContentView("Form fields", _form_priority, _render_form),
    ContentView("JWT (decoded)", _jwt_priority, _render_jwt),
    ContentView("HTML source", _html_priority, _render_html),
    ContentView("Raw", _raw_priority, _render_raw),
)


def view_names() -> tuple[str, ...]:
    return tuple(v.name for v in VIEWS)


def candidates(body: bytes, content_type: str) -> list[ContentView]:
    """The views that fit this body, best first (raw always fits, last)."""
    scored = [(v.priority(body, content_type), i, v) for i, v in enumerate(VIEWS)]
    return [v for score, _, v in sorted(scored, key=lambda t: (-t[0], t[1])) if score > 0]


def render(body: bytes, content_type: str = "", view: str | None = None) -> Rendered:
    """Render with the named view, or the best-fitting one; a view that fails falls back.

    A body that claims to be JSON but is not is shown raw, with the reason on the first line.
    """
    if not body:
        return Rendered("Empty", "")
    chosen = [v for v in VIEWS if v.name == view] if view else candidates(body, content_type)
    failures: list[str] = []
    for candidate in [*chosen, VIEWS[-1]]:
        try:
            rendered = candidate.render(body)
        except (ValueError, UnicodeDecodeError) as exc:
            failures.append(f"{candidate.name}: {exc}")
            continue
        if failures:
            note = "; ".join(failures)
            return Rendered(rendered.view, f"[could not render as {note}]\n{rendered.text}")
        return rendered
    raise AssertionError("the raw view always renders")  # pragma: no cover
