"""Copy as curl: the command replays the recorded request byte for byte."""

from __future__ import annotations

import shlex

from playground.core.record.curl import to_curl
from playground.core.record.exchange import Exchange


def _exchange(method: str, url: str, headers: tuple[tuple[str, str], ...], body: bytes) -> Exchange:
    return Exchange(
        seq=1,
        step="token",
        method=method,
        url=url,
        request_headers=headers,
        request_body=body,
        status=200,
        response_headers=(),
        response_body=b"",
        started_at=0.0,
        duration_ms=1.0,
    )


def test_get_has_no_method_flag_and_drops_computed_headers() -> None:
    ex = _exchange(
        "GET",
        "http://127.0.0.1:5000/oauth2/jwks",
        (("Host", "127.0.0.1:5000"), ("Accept", "*/*"), ("Accept-Encoding", "gzip")),
        b"",
    )
    assert to_curl(ex) == "curl http://127.0.0.1:5000/oauth2/jwks -H 'Accept: */*'"


def test_post_form_round_trips_through_a_shell_parser() -> None:
    body = b"grant_type=authorization_code&code=abc&redirect_uri=http%3A%2F%2Fc%2Fcb"
    ex = _exchange(
        "POST",
        "http://127.0.0.1:5000/oauth2/token?x=1&y=2",
        (
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Content-Length", "70"),
            ("X-Dup", "a"),
            ("X-Dup", "b"),
        ),
        body,
    )
    argv = shlex.split(to_curl(ex))
    assert argv == [
        "curl",
        "-X",
        "POST",
        "http://127.0.0.1:5000/oauth2/token?x=1&y=2",
        "-H",
        "Content-Type: application/x-www-form-urlencoded",
        "-H",
        "X-Dup: a",
        "-H",
        "X-Dup: b",
        "--data-raw",
        body.decode(),
    ]


def test_quotes_in_json_body_survive() -> None:
    body = b'{"code": "it\'s"}'
    argv = shlex.split(to_curl(_exchange("POST", "http://h/t", (), body)))
    assert argv[-1] == body.decode()


def test_host_header_kept_when_it_differs() -> None:
    ex = _exchange("GET", "http://127.0.0.1:5000/", (("Host", "evil.example"),), b"")
    assert "-H 'Host: evil.example'" in to_curl(ex)


def test_binary_body_is_piped_in_with_printf() -> None:
    ex = _exchange("PUT", "http://h/", (), b"\x00\xff")
    assert to_curl(ex) == "printf '\\000\\377' | curl -X PUT http://h/ --data-binary @-"


def test_leading_at_sign_is_data_not_a_file_name() -> None:
    argv = shlex.split(to_curl(_exchange("POST", "http://h/t", (), b"@/etc/passwd")))
    assert argv[-2:] == ["--data-raw", "@/etc/passwd"]


def test_multiline_keeps_option_and_argument_together() -> None:
    ex = _exchange("POST", "http://h/t", (("A", "1"),), b"x=1")
    assert (
        to_curl(ex, multiline=True)
        == "curl \\\n  -X POST \\\n  http://h/t \\\n  -H 'A: 1' \\\n  --data-raw x=1"
    )
