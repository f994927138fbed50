"""jwt.inspect decodes for display; jwt.verify lists every check with pass/fail/skip."""

from __future__ import annotations

import base64
import hashlib
import time

import jwt as pyjwt
import pytest

from playground.core.jose import jwt
from playground.core.jose.jwt import Expectations, TokenFormatError

from .fakeprovider import JWKS, KEY, OTHER_KEY, public_jwk, sign

NOW = 1_800_000_000.0
CLAIMS = {
    "iss": "https://op",
    "sub": "alice",
    "aud": "app",
    "exp": NOW + 300,
    "iat": NOW,
    "nonce": "n1",
}
EXPECT = Expectations(issuer="https://op", audience="app", nonce="n1")


def statuses(verification: jwt.Verification) -> dict[str, str]:
    return {c.name: c.status for c in verification.checks}


def test_inspect_decodes_without_verifying_and_explains_claims() -> None:
    found = jwt.inspect(sign(CLAIMS, key=OTHER_KEY))
    assert found.header["alg"] == "RS256" and found.header["kid"] == "k1"
    assert found.claims["sub"] == "alice"
    views = {v.name: v for v in found.claim_views}
    assert views["exp"].readable == "2027-01-15 08:05:00 UTC"
    assert views["iss"].meaning.startswith("Issuer")
    assert views["nonce"].readable is None
    assert found.expires_in(NOW) == 300


def test_inspect_marks_unregistered_claims() -> None:
    found = jwt.inspect(sign({"colour": "blue"}))
    assert found.claim_views[0].meaning == "Not a registered claim"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("garbage", "expected 3 dot-separated parts"),
        ("a.b.c.d.e", "encrypted JWT"),
        ("!!!.e30.x", "header is not base64url"),
        ("bm90anNvbg.e30.x", "header is not JSON"),
        ("e30.e30.x", "no 'alg'"),
        ("eyJhbGciOiJIUzI1NiJ9.bm90anNvbg.x", "payload is not JSON"),
        ("eyJhbGciOiJIUzI1NiJ9.WzFd.x", "payload is not a JSON object"),
    ],
)
def test_inspect_rejects_garbage_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(TokenFormatError, match=message):
        jwt.inspect(text)
    assert not jwt.looks_like_jwt(text)


def test_verify_passes_a_good_id_token() -> None:
    access = "opaque-at"
    token = sign({**CLAIMS, "at_hash": jwt.at_hash(access, "RS256"), "azp": "app"})
    result = jwt.verify(
        token,
        JWKS,
        expect=Expectations(issuer="https://op", audience="app", nonce="n1", access_token=access),
        now=NOW,
    )
    assert result.ok, result.summary()
    assert statuses(result) == {
        "format": "pass",
        "alg": "pass",
        "typ": "skip",
        "key": "pass",
        "signature": "pass",
        "required claims": "pass",
        "iss": "pass",
        "aud": "pass",
        "exp": "pass",
        "iat": "pass",
        "azp": "pass",
        "nonce": "pass",
        "at_hash": "pass",
    }


def test_at_hash_is_the_left_half_of_the_algs_hash() -> None:
    # OIDC Core §3.1.3.6, computed independently (the spec's A.4 example value is in errata).
    digest = hashlib.sha256(b"jHkWEdUXMU1BwAsC4vtUsZwnNaGvSO").digest()
    expected = base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()
    assert jwt.at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNaGvSO", "RS256") == expected
    assert len(jwt.at_hash("x", "ES384")) == 32  # SHA-384: 24 bytes → 32 base64url chars


@pytest.mark.parametrize(
    ("change", "failed"),
    [
        ({"iss": "https://evil"}, "iss"),
        ({"aud": "other"}, "aud"),
        ({"exp": NOW - 120}, "exp"),
        ({"iat": NOW + 600}, "iat"),
        ({"nonce": "forged"}, "nonce"),
        ({"azp": "other"}, "azp"),
        ({"aud": ["app", "other"]}, "azp"),
        ({"nbf": NOW + 600}, "nbf"),
        ({"at_hash": "wrong"}, "at_hash"),
        ({"exp": "soon"}, "exp"),
    ],
)
def test_each_claim_failure_is_named(change: dict[str, object], failed: str) -> None:
    token = sign({**CLAIMS, **change})
    result = jwt.verify(
        token,
        JWKS,
        expect=Expectations(issuer="https://op", audience="app", nonce="n1", access_token="at"),
        now=NOW,
    )
    assert [c.name for c in result.failures] == [failed]
    assert result.summary().startswith(f"id_token: {failed} failed")


def test_leeway_tolerates_small_clock_skew() -> None:
    token = sign({**CLAIMS, "exp": NOW - 30})
    assert jwt.verify(token, JWKS, expect=EXPECT, now=NOW).ok
    strict = Expectations(issuer="https://op", audience="app", nonce="n1", leeway=0)
    assert not jwt.verify(token, JWKS, expect=strict, now=NOW).ok


def test_expired_token_reason_says_when() -> None:
    token = sign({**CLAIMS, "exp": NOW - 3600})
    (failure,) = jwt.verify(token, JWKS, expect=EXPECT, now=NOW).failures
    assert failure.reason.startswith("expired 60 min ago")


def test_foreign_key_fails_the_signature() -> None:
    result = jwt.verify(sign(CLAIMS, key=OTHER_KEY), JWKS, expect=EXPECT, now=NOW)
    assert [c.name for c in result.failures] == ["signature"]


def test_unknown_kid_fails_the_key_check() -> None:
    result = jwt.verify(sign(CLAIMS, kid="nope"), JWKS, expect=EXPECT, now=NOW)
    assert [c.name for c in result.failures] == ["key", "signature"]
    assert "'nope' is not in the issuer's JWKS" in result.failures[0].reason


def test_token_without_kid_uses_the_only_key() -> None:
    token = pyjwt.encode(CLAIMS, KEY, algorithm="RS256")
    assert jwt.verify(token, JWKS, expect=EXPECT, now=NOW).ok


def test_token_without_kid_and_several_keys_fails() -> None:
    token = pyjwt.encode(CLAIMS, KEY, algorithm="RS256")
    two = {"keys": [*JWKS["keys"], public_jwk(OTHER_KEY, "k2")]}
    assert "2 signing keys" in jwt.verify(token, two, expect=EXPECT, now=NOW).failures[0].reason


def test_alg_none_is_never_accepted() -> None:
    token = pyjwt.encode(CLAIMS, None, algorithm="none")
    result = jwt.verify(token, JWKS, expect=EXPECT, now=NOW)
    assert statuses(result)["alg"] == "fail"
    assert "unsigned" in result.failures[0].reason


def test_alg_outside_the_allow_list_fails() -> None:
    token = pyjwt.encode(CLAIMS, "s" * 32, algorithm="HS256", headers={"kid": "k1"})
    result = jwt.verify(token, JWKS, expect=EXPECT, now=NOW)
    assert statuses(result)["alg"] == "fail" and statuses(result)["signature"] == "fail"


def test_missing_jwks_fails() -> None:
    result = jwt.verify(sign(CLAIMS), None, expect=EXPECT, now=NOW)
    assert statuses(result)["key"] == "fail"


def test_jwks_without_usable_keys_fails() -> None:
    result = jwt.verify(sign(CLAIMS), {"keys": [{"kty": "nope"}]}, expect=EXPECT, now=NOW)
    assert "no usable key" in result.failures[0].reason


def test_access_token_needs_typ_at_jwt_and_rfc9068_claims() -> None:
    good = sign(
        {
            "iss": "https://op",
            "sub": "a",
            "aud": "api",
            "exp": NOW + 60,
            "iat": NOW,
            "jti": "j",
            "client_id": "app",
        },
        typ="at+jwt",
    )
    assert jwt.verify(
        good, JWKS, kind="access_token", now=NOW, expect=Expectations(issuer="https://op")
    ).ok
    bad = sign({"iss": "https://op", "exp": NOW + 60, "iat": NOW})
    result = jwt.verify(bad, JWKS, kind="access_token", now=NOW)
    assert [c.name for c in result.failures] == ["typ", "required claims"]
    assert "sub, client_id, jti" in result.failures[1].reason


def test_opaque_access_token_is_skipped_not_failed() -> None:
    result = jwt.verify("2YotnFZFEjr1zCsicMWpAA", JWKS, kind="access_token")
    assert result.ok and result.checks[0].status == "skip"
    assert "opaque" in result.summary()


def test_garbage_id_token_fails_format() -> None:
    result = jwt.verify("not-a-token", JWKS)
    assert not result.ok and result.failures[0].name == "format"


def test_verify_defaults_to_the_current_time() -> None:
    token = sign({**CLAIMS, "exp": time.time() + 60, "iat": time.time()})
    assert jwt.verify(token, JWKS, expect=EXPECT).ok


def test_alg_must_match_the_alg_the_key_is_published_for() -> None:
    token = pyjwt.encode(CLAIMS, KEY, algorithm="PS256", headers={"kid": "k1"})
    result = jwt.verify(token, JWKS, expect=EXPECT, now=NOW)
    assert [c.name for c in result.failures] == ["signature"]
    assert result.failures[0].reason == "key 'k1' is published for RS256, the token says PS256"
