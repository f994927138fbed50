from __future__ import annotations

import pytest

from playground.core.protocol import pkce

# RFC 7636 Appendix B.
APPENDIX_B_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
APPENDIX_B_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_s256_matches_rfc7636_appendix_b() -> None:
    assert pkce.s256(APPENDIX_B_VERIFIER) == APPENDIX_B_CHALLENGE


def test_derive_shows_every_intermediate_value() -> None:
    d = pkce.derive(APPENDIX_B_VERIFIER)
    assert d.verifier_bytes_hex == APPENDIX_B_VERIFIER.encode().hex()
    assert d.digest_hex == (
        "13d31e961a1ad8ec2f16b10c4c982e0876a878ad6df144566ee1894acb70f9c3"
    )
    assert d.challenge == APPENDIX_B_CHALLENGE


def test_plain_challenge_is_the_verifier() -> None:
    assert pkce.derive(APPENDIX_B_VERIFIER, "plain").challenge == APPENDIX_B_VERIFIER


@pytest.mark.parametrize("length", [43, 64, 128])
def test_generated_verifier_has_length_and_grammar(length: int) -> None:
    verifier = pkce.generate_verifier(length)
    assert len(verifier) == length
    assert pkce.is_valid_verifier(verifier)


def test_generated_verifiers_differ() -> None:
    assert pkce.generate_verifier() != pkce.generate_verifier()


@pytest.mark.parametrize("length", [42, 129])
def test_verifier_length_outside_43_to_128_is_refused(length: int) -> None:
    with pytest.raises(ValueError, match="43-128"):
        pkce.generate_verifier(length)


@pytest.mark.parametrize(
    "value", ["short", "a" * 129, "a" * 42 + "!", "a" * 42 + "=", "a" * 42 + "+", "a" * 42 + "/"]
)
def test_grammar_rejects(value: str) -> None:
    assert not pkce.is_valid_verifier(value)


def test_verify_accepts_matching_and_rejects_other() -> None:
    assert pkce.verify(APPENDIX_B_VERIFIER, APPENDIX_B_CHALLENGE, "S256")
    assert not pkce.verify(APPENDIX_B_VERIFIER[:-1] + "A", APPENDIX_B_CHALLENGE, "S256")
    assert not pkce.verify(APPENDIX_B_VERIFIER, APPENDIX_B_CHALLENGE, "plain")


def test_seed_spelling_is_padded_standard_base64() -> None:
    spelled = pkce.seed_spelling(APPENDIX_B_VERIFIER)
    assert spelled == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM="
